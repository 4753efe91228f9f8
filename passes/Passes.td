//===- Passes.td - tern passes ----------------------------*- tablegen -*-===//
#ifndef TERN_PASSES_TD
#define TERN_PASSES_TD

include "mlir/Pass/PassBase.td"

def TernLowerToReference : Pass<"tern-lower-to-reference", "mlir::ModuleOp"> {
  let summary = "Lower tern ops to plain loops over upstream dialects: the "
                "numerical reference";
  let description = [{
    Gives every tern op its reference semantics as linalg.generic loop nests
    over tensors, with arith and math bodies. Low-bit element types become i8
    holding the value (-1, 0, +1 for !tern.trit) and #tern.packed tensors
    lose their encoding, so the output uses upstream dialects only and runs
    through any upstream pipeline (see `tern-reference-to-llvm`).

    This is the numerical reference that optimized code generators are
    checked against, so it is written for clarity, not speed.
  }];
  let dependentDialects = [
    "mlir::arith::ArithDialect", "mlir::linalg::LinalgDialect",
    "mlir::math::MathDialect", "mlir::tensor::TensorDialect"
  ];
}

def TernQuantizeWeights : Pass<"tern-quantize-weights", "mlir::ModuleOp"> {
  let summary = "Quantize the constant float weights of MatMul, Gemm and Conv";
  let description = [{
    Finds matrix products (linalg contractions with one n and k dimension,
    as the ONNX importer builds MatMul and Gemm) and convolutions (mul-add
    reductions whose weight is indexed (out_channel, reduced...)) with a
    constant f32 weight, quantizes the weights at compile time with
    `method`, one row per output channel, and replaces them by packed
    low-bit constants: `tern.dequantize(tern.unpack(packed), scales)`
    (reshaped back for a convolution). `tern-form-linear` then turns each
    matrix product and convolution into a `tern.linear`.

    Weights that are exactly {-s, 0, +s} in every scale group are quantized
    with `exact` whatever the method, so ternary exports stay lossless.
    `method=exact` requires such weights and reports a layer that is not.

    A layer is named by its location (the ONNX node name); `keep-float`
    (a regex) and `keep-first-last` leave layers in float. A `recipe` file
    chooses method, weight and activation granularity per layer; the
    activation choice is left on the product as `tern.activations` for
    `tern-quantize-activations`.
  }];
  let options = [
    Option<"method", "method", "std::string", /*default=*/"\"absmean\"",
           "absmean, twn, exact, binary, int2 or int4">,
    Option<"granularity", "granularity", "std::string",
           /*default=*/"\"per_tensor\"",
           "Scale groups: per_tensor, per_channel or group=G">,
    Option<"keepFloat", "keep-float", "std::string", /*default=*/"\"\"",
           "Regex of layer names to leave in float">,
    Option<"keepFirstLast", "keep-first-last", "bool", /*default=*/"false",
           "Leave the first and last matrix products in float">,
    Option<"recipe", "recipe", "std::string", /*default=*/"\"\"",
           "JSON file with per-layer choices (docs/quant-recipe.md); it "
           "replaces method and granularity">,
  ];
  let dependentDialects = ["mlir::arith::ArithDialect",
                           "mlir::tern::TernDialect"];
}

def TernFormLinear : Pass<"tern-form-linear", "mlir::ModuleOp"> {
  let summary = "Turn matrix products with low-bit weights into tern.linear";
  let description = [{
    A contraction `x[.., m, k] * w[n, k]` (or `w[k, n]`) whose weights are
    `tern.dequantize(tern.unpack(packed), scales)` of a constant, and whose
    accumulator starts at zero, becomes `tern.linear` on the packed weights,
    with batch dimensions of `x` collapsed into rows. Imported QONNX ternary
    weights and weights quantized by `tern-quantize-weights` both take this
    path.

    A convolution with one group and static shapes becomes a `tern.linear`
    over its patches (im2col: one row per output position, K = channels x
    kernel), then a scatter into the output layout that adds the bias, so
    convolutions get int8 activations and multiply elimination too.
  }];
  let dependentDialects = ["mlir::tensor::TensorDialect",
                           "mlir::tern::TernDialect"];
}

def TernQuantizeActivations
    : Pass<"tern-quantize-activations", "mlir::ModuleOp"> {
  let summary = "Quantize the f32 inputs of tern.linear to int8";
  let description = [{
    Every `tern.linear` with an f32 input gets
    `tern.quantize_activations` (int8 absmax, BitNet's A8) in front of it,
    with scales computed at run time, per token (row) or per tensor. A
    `tern.activations` attribute (from a recipe) overrides the option per
    op; "float" leaves the input in float.
  }];
  let options = [
    Option<"granularity", "granularity", "std::string",
           /*default=*/"\"per_token\"", "per_token or per_tensor">,
    Option<"staticScale", "static-scale", "double", /*default=*/"0",
           "when positive: a fixed per-tensor scale instead of absmax at run "
           "time (q = clamp(round(x / scale), -128, 127)), for targets that "
           "fold quantization into integer thresholds">,
  ];
  let dependentDialects = ["mlir::linalg::LinalgDialect",
                           "mlir::math::MathDialect",
                           "mlir::tensor::TensorDialect",
                           "mlir::tern::TernDialect"];
}

def TernIntegerActivations
    : Pass<"tern-integer-activations", "mlir::ModuleOp"> {
  let summary = "Give tern.linear fake-quantized f32 inputs as int8 codes";
  let description = [{
    A `tern.linear` whose f32 input comes from an element-wise
    `linalg.generic` yielding `codes * s`, with `s` one constant and
    `codes` provably integers in [-128, 127] (rounded and clamped, or a
    select between integer constants: what QONNX `Quant` and `BipolarQuant`
    on activations import as), takes the codes as i8 and `s` as a constant
    per-tensor input scale. The product becomes an exact integer sum.
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect",
                           "mlir::tensor::TensorDialect",
                           "mlir::tern::TernDialect"];
}

def TernEliminateMultiplies
    : Pass<"tern-eliminate-multiplies", "mlir::ModuleOp"> {
  let summary = "Rewrite ternary and binary tern.linear into additions";
  let description = [{
    `strategy=addsub`: a `tern.linear` with int8 input and constant packed
    `!tern.trit` (offset2) or `!tern.bipolar` (offset1) weights becomes
    integer additions:

      rowsum[m] = sum_k x[m, k]
      acc[m, n] = sum_k x[m, k] * code[n, k]   code = w + 1 (trit) or the
                                               sign bit (bipolar); x * code
                                               is selects and a shift
      y[m, n]   = float(acc - rowsum) * scale        (trit)
                  float(2 * acc - rowsum) * scale    (bipolar)

    so the only multiplies left are by each output's scales: one per output
    by its combined scale when either side has a single scale (combining
    takes one per row or per channel), two when per-channel weight scales
    meet per-token input scales. With group=G weight scales the sums are
    kept per group (rowsum[m, g], acc[m, n, g]) and each group's total is
    scaled: K/G multiplies per output, plus one by the input scale.

    `strategy=lut=G` (T-MAC, bitnet.cpp TL): per row and group of G
    activations, a table of the group's dot product with every weight
    pattern (3^G for trits, 2^G for bipolar; mirror symmetry stores half,
    since negating a pattern negates its sum) is built with additions; each
    output then adds (or subtracts) one table entry per group, indexed by
    its weights' pattern (one byte per group, fixed at compile time).

    `strategy=adder-tree` (for HLS and small layers): the weights are baked
    into the code, each output a balanced tree of additions over the
    activations its +1 weights select minus one over its -1 weights; no
    weight bytes are stored. Layers over 16384 weights use addsub instead,
    as do layers with group scales under `lut` and `adder-tree`.

    All are bit-identical to the reference lowering. Other tern.linear ops
    are left for it.
  }];
  let options = [
    Option<"strategy", "strategy", "std::string", /*default=*/"\"addsub\"",
           "addsub (add/sub over offset-encoded packed weights), lut / "
           "lut=G (tables of partial sums over G activations, G in 2..5), "
           "or adder-tree (weights baked into unrolled adder trees)">,
  ];
  let dependentDialects = ["mlir::arith::ArithDialect",
                           "mlir::linalg::LinalgDialect",
                           "mlir::tensor::TensorDialect"];
}

def TernOpCensus : Pass<"tern-op-census", "mlir::ModuleOp"> {
  let summary = "Count the arithmetic each layer performs, and its energy";
  let description = [{
    An analysis (the IR is unchanged) over linalg.generic ops on tensors,
    run after tern ops are lowered (`tern-lower-to-reference`, after
    `tern-eliminate-multiplies` when it ran). For each op in a body it
    multiplies by the loop nest's trip count, and reports per layer (the
    ONNX node name in the location) and in total:
      float and integer multiplies and adds (by width), other element ops
      (compares, selects, shifts, conversions, math functions), table
      lookups (reads from a table the `lut` strategy builds), bytes of
      constant weights read (operands, or read element by element),
    and energy estimates at 45 nm (Horowitz, ISSCC 2014) and 7 nm (BitNet,
    2023, Table 2), the figures the BitNet papers use (see
    passes/census/EnergyTable.h). Index arithmetic is addressing and is not
    counted. A layer's activation quantization is its own row,
    `<layer>/activations` (named so by `tern-quantize-activations`). The
    report goes to stdout, or to `output` as JSON.
  }];
  let options = [
    Option<"output", "output", "std::string", /*default=*/"\"\"",
           "Write the report as JSON to this file instead of text to stdout">,
  ];
}

#endif // TERN_PASSES_TD
