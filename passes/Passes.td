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

#endif // TERN_PASSES_TD
