//===- TernLlmOps.td - transformer-decoder operations ------*- tablegen -*-===//
//
// The ops a decoder-only LLM needs beyond tern.linear and element-wise
// linalg: they carry the model's structure (norms, rotary positions,
// attention over a KV cache) to the target, which computes them with its
// own kernels. Token positions are explicit operands, so everything but the
// cache is a pure function of the operands.
//
//===----------------------------------------------------------------------===//
#ifndef TERN_LLM_OPS_TD
#define TERN_LLM_OPS_TD

def Tern_EmbeddingOp : Tern_Op<"embedding"> {
  let summary = "rows of an embedding table selected by token ids";
  let description = [{
    `result[t, :] = table[ids[t], :]`, widened to f32 from an f16 table.
    Ids outside `[0, V)` are the caller's error; the generated program checks
    them before it runs the model.

    ```mlir
    %h = tern.embedding %table[%ids] : tensor<32000x256xf32>, tensor<1xi32>
                                    -> tensor<1x256xf32>
    ```
  }];
  let arguments = (ins RankedTensorOf<[F32, F16]>:$table,
                       RankedTensorOf<[I32]>:$ids);
  let results = (outs RankedTensorOf<[F32]>:$result);
  let assemblyFormat = [{
    $table `[` $ids `]` attr-dict `:` type($table) `,` type($ids) `->` type($result)
  }];
}

def Tern_RmsNormOp : Tern_Op<"rms_norm"> {
  let summary = "root-mean-square normalization of each row, times a weight";
  let description = [{
    `result[t, i] = x[t, i] / sqrt(mean_i(x[t, :]^2) + epsilon) * weight[i]`
    for a `[T, D]` input and a `[D]` weight (LLaMA's and BitNet's norm).
  }];
  let arguments = (ins RankedTensorOf<[F32]>:$input,
                       RankedTensorOf<[F32]>:$weight, F32Attr:$epsilon);
  let results = (outs RankedTensorOf<[F32]>:$result);
  let assemblyFormat = [{
    $input `,` $weight `epsilon` `=` $epsilon attr-dict `:` type($input) `,`
    type($weight) `->` type($result)
  }];
}

def Tern_RopeOp : Tern_Op<"rope"> {
  let summary = "rotary position embedding of each head";
  let description = [{
    Rotates pairs of each `head_dim`-wide head of a `[T, H * head_dim]`
    input by the angle `positions[t] * theta^(-2i / head_dim)` for pair i.
    Pairs are adjacent elements (2i, 2i + 1) when `neox` is false (llama.cpp's
    LLAMA_ROPE_TYPE_NORM) and (i, i + head_dim / 2) when it is true.
  }];
  let arguments = (ins RankedTensorOf<[F32]>:$input,
                       RankedTensorOf<[I32]>:$positions,
                       I64Attr:$head_dim, F32Attr:$theta, BoolAttr:$neox);
  let results = (outs RankedTensorOf<[F32]>:$result);
  let assemblyFormat = [{
    $input `at` $positions `head_dim` `=` $head_dim `theta` `=` $theta
    `neox` `=` $neox attr-dict `:` type($input) `,` type($positions) `->`
    type($result)
  }];
}

def Tern_AttentionOp : Op<Tern_Dialect, "attention",
                          [MemoryEffects<[MemRead, MemWrite]>]> {
  let summary = "causal grouped-query attention through a per-layer KV cache";
  let description = [{
    For the `[T, H * D]` queries and `[T, KVH * D]` keys and values of tokens
    at `positions`, stores the keys and values into layer `layer` of the
    running program's KV cache at those positions, then computes for each
    token and head h the softmax(q k^T / sqrt(D)) weighted sum of the cached
    values of positions 0..positions[t], using KV head h / (H / KVH). The
    cache is state of the generated program, so the op has memory effects.

    ```mlir
    %o = tern.attention %q, %k, %v at %pos layer = 0 heads = 4 kv_heads = 2
        : tensor<1x256xf32>, tensor<1x128xf32>, tensor<1x128xf32>,
          tensor<1xi32> -> tensor<1x256xf32>
    ```
  }];
  let arguments = (ins RankedTensorOf<[F32]>:$query,
                       RankedTensorOf<[F32]>:$key,
                       RankedTensorOf<[F32]>:$value,
                       RankedTensorOf<[I32]>:$positions, I64Attr:$layer,
                       I64Attr:$heads, I64Attr:$kv_heads);
  let results = (outs RankedTensorOf<[F32]>:$result);
  let hasVerifier = 1;
  let assemblyFormat = [{
    $query `,` $key `,` $value `at` $positions `layer` `=` $layer `heads` `=`
    $heads `kv_heads` `=` $kv_heads attr-dict `:` type($query) `,` type($key)
    `,` type($value) `,` type($positions) `->` type($result)
  }];
}

def Tern_LmHeadOp : Tern_Op<"lm_head"> {
  let summary = "logits from int8 activations and an int8 output table";
  let description = [{
    The LM head in W8A8: each row of the `[T, D]` input is quantized as
    `tern.quantize_activations per_token` does (q = round(x / s), s =
    max(max|x|, 1e-5) / 127, half to even), then
    `result[t, v] = float(sum_d q[t, d] * table[v, d]) * scales[v] * s[t]`
    with exact int32 sums, for a `[V, D]` i8 table with one scale per row.
    A quarter of an f32 table's bytes, read once per token.

    ```mlir
    %logits = tern.lm_head %x, %table scaled by %scales
        : tensor<1x256xf32>, tensor<32000x256xi8>, tensor<32000xf32>
       -> tensor<1x32000xf32>
    ```
  }];
  let arguments = (ins RankedTensorOf<[F32]>:$input,
                       RankedTensorOf<[I8]>:$table,
                       RankedTensorOf<[F32]>:$scales);
  let results = (outs RankedTensorOf<[F32]>:$result);
  let assemblyFormat = [{
    $input `,` $table `scaled` `by` $scales attr-dict `:` type($input) `,`
    type($table) `,` type($scales) `->` type($result)
  }];
}

#endif // TERN_LLM_OPS_TD
