//===- ConstantFolder.h - evaluate small all-constant subgraphs --*- C++
//-*-===//
//
// Exported models compute shapes at run time (Shape -> Gather -> Concat ->
// Reshape). tern's shapes are static, so when every input of a node is a
// constant its (small) results are evaluated at import time and become
// constants that later shape arguments can read.
//
// The evaluator interprets the linalg/tensor ops the importer builds and
// uses MLIR's own op folders for the scalar arith/math bodies, so it shares
// its semantics with the code that is compiled, not a second copy of them.
//
//===----------------------------------------------------------------------===//
#ifndef TERN_FRONTEND_ONNX_CONSTANTFOLDER_H
#define TERN_FRONTEND_ONNX_CONSTANTFOLDER_H

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Value.h"

namespace mlir::tern {

/// The value of `tensor` when it is computed only from constants by ops the
/// evaluator knows and has at most `maxElements` elements; null otherwise.
DenseElementsAttr evaluateConstant(Value tensor, int64_t maxElements = 4096);

} // namespace mlir::tern

#endif
