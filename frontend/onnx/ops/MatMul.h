//===- MatMul.h - the shared contraction builder -----------------*- C++
//-*-===//
#ifndef TERN_FRONTEND_ONNX_OPS_MATMUL_H
#define TERN_FRONTEND_ONNX_OPS_MATMUL_H

#include "mlir/IR/Value.h"
#include "mlir/Support/LogicalResult.h"

namespace mlir::tern {
class NodeContext;

/// A numpy-semantics matrix product of `a` and `b`, accumulated in
/// `accumulator` after converting each operand (and subtracting its zero
/// point, a scalar or one per row of A / column of B).
struct MatMulSpec {
  Value a, b;
  Value aZeroPoint, bZeroPoint;
  bool transA = false, transB = false;
  bool aUnsigned = false, bUnsigned = false;
  Type accumulator;
};

FailureOr<Value> buildMatMul(NodeContext &n, const MatMulSpec &spec);
} // namespace mlir::tern

#endif
