//===- TernOps.td - tern operations -----------------------*- tablegen -*-===//
#ifndef TERN_OPS_TD
#define TERN_OPS_TD

include "TernAttrs.td"
include "TernTypes.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

class Tern_Op<string mnemonic, list<Trait> traits = []>
    : Op<Tern_Dialect, mnemonic, !listconcat([Pure], traits)> {
  let hasVerifier = 1;
}

def Tern_QuantizeWeightsOp : Tern_Op<"quantize_weights"> {
  let summary = "quantize float weights to low-bit values plus scales";
  let description = [{
    Maps an `[N, K]` f32 weight matrix to low-bit values and one f32 scale
    per scale group, so that `weights * scales` approximates `input`.
    `method` chooses the mapping and the result element type (see
    `#tern.method`: `!tern.trit` for absmean/twn/exact, `!tern.bipolar` for
    binary, si2 for int2, si4 for int4), `granularity` the scale groups:
    `per_tensor`, `per_channel` or `group = G`. On a constant input the op
    folds: quantization happens at compile time.

    ```mlir
    %w, %s = tern.quantize_weights absmean per_channel %f
        : tensor<64x256xf32> -> tensor<64x256x!tern.trit>, tensor<64xf32>
    ```
  }];
  let arguments = (ins RankedTensorOf<[F32]>:$input,
                       Tern_QuantMethodAttr:$method,
                       Tern_GranularityAttr:$granularity);
  let results = (outs RankedTensorOf<[Tern_LowBitElement]>:$weights,
                      RankedTensorOf<[F32]>:$scales);
  let assemblyFormat = [{
    custom<Method>($method) custom<Granularity>($granularity) $input attr-dict
    `:` type($input) `->` type($weights) `,` type($scales)
  }];
}

def Tern_QuantizeActivationsOp : Tern_Op<"quantize_activations"> {
  let summary = "quantize f32 activations to int8 by absmax";
  let description = [{
    BitNet's A8 activation quantization of an `[M, K]` tensor. For each scale
    group (a row for `per_token`, everything for `per_tensor`):
    s = max(max|x|, 1e-5) / 127 and q = clamp(round(x / s), -128, 127), with
    round-half-to-even. Scales are computed from the data, at run time.

    ```mlir
    %q, %s = tern.quantize_activations per_token %x
        : tensor<?x256xf32> -> tensor<?x256xi8>, tensor<?xf32>
    ```
  }];
  let arguments = (ins RankedTensorOf<[F32]>:$input,
                       Tern_GranularityAttr:$granularity);
  let results = (outs RankedTensorOf<[I8]>:$output,
                      RankedTensorOf<[F32]>:$scales);
  let assemblyFormat = [{
    custom<Granularity>($granularity) $input attr-dict
    `:` type($input) `->` type($output) `,` type($scales)
  }];
}

def Tern_LinearOp : Tern_Op<"linear"> {
  let summary = "activations times transposed low-bit weights, scaled to f32";
  let description = [{
    Computes `result[m, n] = sum_k x[m, k] * w[n, k]` with every factor
    dequantized, where

    * `input` is `[M, K]`, either f32, or i8 with `input_scales` at
      `per_token` or `per_tensor` granularity;
    * `weights` is `[N, K]` of a low-bit element type, or bytes with a
      `#tern.packed` encoding whose granularity equals `weight_granularity`;
    * `weight_scales` match `weight_granularity`.

    Reference semantics (what `--tern-lower-to-reference` computes): within
    each weight scale group, products are summed exactly (in i32 for i8 input,
    in f32 otherwise); each group sum is multiplied by its weight scale and
    the groups are summed in f32; the total is multiplied by the input's scale.
    With i8 input, whenever one side has a single scale the scales are
    combined first (`c[m] = xs[m] * ws` for a per_tensor weight scale,
    `c[n] = xs * ws[n]` for per_channel weights and a per_tensor input) and
    each output is `float(sum) * c`: one multiply per output. Per-token by
    per-channel outputs are `(float(sum) * ws[n]) * xs[m]`.

    ```mlir
    %y = tern.linear %xq scaled by %xs per_token, %w scaled by %ws per_channel
        : tensor<4x256xi8>, tensor<4xf32>, tensor<64x256x!tern.trit>,
          tensor<64xf32> -> tensor<4x64xf32>
    ```
  }];
  let arguments = (ins AnyTypeOf<[RankedTensorOf<[F32]>, RankedTensorOf<[I8]>]>:$input,
                       Optional<RankedTensorOf<[F32]>>:$input_scales,
                       AnyTypeOf<[RankedTensorOf<[Tern_LowBitElement]>,
                                  Tern_PackedTensor]>:$weights,
                       RankedTensorOf<[F32]>:$weight_scales,
                       OptionalAttr<Tern_GranularityAttr>:$input_granularity,
                       Tern_GranularityAttr:$weight_granularity);
  let results = (outs RankedTensorOf<[F32]>:$result);
  let assemblyFormat = [{
    $input (`scaled` `by` $input_scales^ custom<Granularity>($input_granularity))?
    `,` $weights `scaled` `by` $weight_scales custom<Granularity>($weight_granularity)
    attr-dict `:` type(operands) `->` type($result)
  }];
}

def Tern_DequantizeOp : Tern_Op<"dequantize"> {
  let summary = "quantized values times their scales, as f32";
  let description = [{
    `result[r, c] = float(input[r, c]) * scales[group(r, c)]` for an `[R, C]`
    tensor of a low-bit element type or i8, with scales at `granularity`.

    ```mlir
    %f = tern.dequantize %w scaled by %s group = 64
        : tensor<64x256x!tern.trit>, tensor<64x4xf32> -> tensor<64x256xf32>
    ```
  }];
  let arguments = (ins RankedTensorOf<[Tern_LowBitElement, I8]>:$input,
                       RankedTensorOf<[F32]>:$scales,
                       Tern_GranularityAttr:$granularity);
  let results = (outs RankedTensorOf<[F32]>:$result);
  let assemblyFormat = [{
    $input `scaled` `by` $scales custom<Granularity>($granularity) attr-dict
    `:` type($input) `,` type($scales) `->` type($result)
  }];
}

def Tern_PackOp : Tern_Op<"pack"> {
  let summary = "store low-bit weights in a packed byte layout";
  let description = [{
    Packs an `[N, K]` low-bit tensor into the layout named by the result's
    `#tern.packed` encoding, whose value type must be the input's element
    type. The result is `[N, B]` bytes, B the layout's bytes per row for K.

    ```mlir
    %p = tern.pack %w : tensor<64x256x!tern.trit>
                     -> tensor<64x64xi8, #tern.packed<offset2, !tern.trit, per_channel>>
    ```
  }];
  let arguments = (ins RankedTensorOf<[Tern_LowBitElement]>:$input);
  let results = (outs Tern_PackedTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasFolder = 1;
}

def Tern_UnpackOp : Tern_Op<"unpack"> {
  let summary = "read low-bit weights back out of a packed byte layout";
  let description = [{
    The inverse of `tern.pack`: the result's shape gives K, which the bytes
    alone cannot (the last byte of a row may be partly padding).

    ```mlir
    %w = tern.unpack %p : tensor<64x64xi8, #tern.packed<offset2, !tern.trit, per_channel>>
                       -> tensor<64x256x!tern.trit>
    ```
  }];
  let arguments = (ins Tern_PackedTensor:$input);
  let results = (outs RankedTensorOf<[Tern_LowBitElement]>:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasFolder = 1;
}

include "TernLlmOps.td"

#endif // TERN_OPS_TD
