//===- TraceElements.h - elements between two layers ---------*- C++ -*-===//
//
// Between two ternary layers the IR moves data (pads, im2col patches,
// transposes, reshapes) and computes element by element (bias, BatchNorm,
// ReLU, requantization). The HLS target splits the two: the movement
// becomes a gather of integer codes (a sliding-window generator for a
// convolution), the arithmetic becomes thresholds. Tracing one element
// back through the ops gives both: the element it reads and the scalar
// steps applied to it on the way.
//
//===----------------------------------------------------------------------===//
#ifndef TERN_CODEGEN_HLS_TRACEELEMENTS_H
#define TERN_CODEGEN_HLS_TRACEELEMENTS_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/SmallPtrSet.h"

#include <vector>

namespace mlir::tern::hls {

/// One element-wise generic applied to the traced value, every other block
/// argument fixed to the constant it reads at that element.
struct ScalarStep {
  linalg::GenericOp op;
  unsigned traced = 0; // the block argument carrying the traced value
  std::vector<double> args;
  bool operator==(const ScalarStep &other) const {
    return op == other.op && traced == other.traced && args == other.args;
  }
};

/// An element: element `source` (flat, row-major) of the traced start
/// value passed through `steps`, or, with source < 0, a constant.
struct ElementOrigin {
  int64_t source = -1;
  double constant = 0;
  std::vector<ScalarStep> steps;
};

/// The value of `steps` applied in order to `value`.
FailureOr<double> applySteps(ArrayRef<ScalarStep> steps, double value);

/// Traces elements of values computed from `start` through reshapes,
/// transposes, static slices, fills, constants and parallel generics (one
/// operand computed from `start`, the rest constant). Every op passed is
/// added to `visited`. Anything else fails with an error on the op.
class ElementTracer {
public:
  ElementTracer(Value start, llvm::SmallPtrSetImpl<Operation *> &visited)
      : start(start), visited(visited) {}
  FailureOr<ElementOrigin> trace(Value value, int64_t flatIndex);

private:
  FailureOr<ElementOrigin> traceGeneric(linalg::GenericOp op, OpResult result,
                                        ArrayRef<int64_t> index);
  Value start;
  llvm::SmallPtrSetImpl<Operation *> &visited;
  llvm::DenseMap<Value, std::vector<float>> constants;
};

} // namespace mlir::tern::hls

#endif
