//===- TraceElements.cpp - elements between two layers --------------------===//
#include "codegen/hls/TraceElements.h"
#include "codegen/hls/ScalarBody.h"

#include "passes/quantize/MatrixProducts.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace mlir::tern;
using namespace mlir::tern::hls;

namespace {
SmallVector<int64_t> unflatten(int64_t flat, ArrayRef<int64_t> shape) {
  SmallVector<int64_t> index(shape.size());
  for (int64_t d = (int64_t)shape.size() - 1; d >= 0; --d) {
    index[d] = flat % shape[d];
    flat /= shape[d];
  }
  return index;
}

int64_t flatten(ArrayRef<int64_t> index, ArrayRef<int64_t> shape) {
  int64_t flat = 0;
  for (auto [i, extent] : llvm::zip(index, shape))
    flat = flat * extent + i;
  return flat;
}

ArrayRef<int64_t> shapeOf(Value v) {
  return cast<RankedTensorType>(v.getType()).getShape();
}

ElementOrigin constantOrigin(double value) {
  ElementOrigin origin;
  origin.constant = value;
  return origin;
}
} // namespace

FailureOr<double> mlir::tern::hls::applySteps(ArrayRef<ScalarStep> steps,
                                              double value) {
  for (const ScalarStep &step : steps) {
    std::vector<double> args = step.args;
    args[step.traced] = value;
    FailureOr<double> r = evaluateBody(step.op, args);
    if (failed(r))
      return failure();
    value = *r;
  }
  return value;
}

FailureOr<ElementOrigin> ElementTracer::trace(Value value, int64_t flatIndex) {
  if (value == start)
    return ElementOrigin{flatIndex, 0, {}};
  Operation *op = value.getDefiningOp();
  if (!op)
    return emitError(value.getLoc(), "target hls: a block argument other than "
                                     "the model's input between layers");
  visited.insert(op);
  if (auto constant = dyn_cast<arith::ConstantOp>(op)) {
    auto it = constants.find(value);
    if (it == constants.end()) {
      auto values = readFloatConstant(value);
      if (!values)
        return op->emitError("target hls: a constant between layers that is "
                             "not an f32 tensor");
      it = constants.try_emplace(value, std::move(*values)).first;
    }
    return constantOrigin(it->second[flatIndex]);
  }
  // Reshapes keep the row-major order.
  if (isa<tensor::ExpandShapeOp, tensor::CollapseShapeOp>(op))
    return trace(op->getOperand(0), flatIndex);
  SmallVector<int64_t> index = unflatten(flatIndex, shapeOf(value));
  if (auto transpose = dyn_cast<linalg::TransposeOp>(op)) {
    ArrayRef<int64_t> perm = transpose.getPermutation();
    SmallVector<int64_t> from(index.size());
    for (auto [d, p] : llvm::enumerate(perm))
      from[p] = index[d];
    Value input = transpose.getInput();
    return trace(input, flatten(from, shapeOf(input)));
  }
  if (auto fill = dyn_cast<linalg::FillOp>(op)) {
    auto c = fill.getInputs()[0].getDefiningOp<arith::ConstantOp>();
    auto f = c ? dyn_cast<FloatAttr>(c.getValue()) : FloatAttr();
    if (!f)
      return op->emitError("target hls: a fill between layers with a "
                           "non-constant value");
    return constantOrigin(f.getValueAsDouble());
  }
  if (auto insert = dyn_cast<tensor::InsertSliceOp>(op)) {
    ArrayRef<int64_t> offsets = insert.getStaticOffsets(),
                      sizes = insert.getStaticSizes(),
                      strides = insert.getStaticStrides();
    if (insert.getSourceType().getRank() != insert.getDestType().getRank() ||
        llvm::any_of(offsets, ShapedType::isDynamic) ||
        llvm::any_of(strides, ShapedType::isDynamic))
      return op->emitError("target hls: only static, rank-preserving slices "
                           "between layers");
    SmallVector<int64_t> from(index.size());
    bool inside = true;
    for (size_t d = 0; d < index.size() && inside; ++d) {
      int64_t rel = index[d] - offsets[d];
      inside = rel >= 0 && rel % strides[d] == 0 && rel / strides[d] < sizes[d];
      from[d] = inside ? rel / strides[d] : 0;
    }
    if (inside)
      return trace(insert.getSource(),
                   flatten(from, insert.getSourceType().getShape()));
    return trace(insert.getDest(), flatIndex);
  }
  if (auto extract = dyn_cast<tensor::ExtractSliceOp>(op)) {
    ArrayRef<int64_t> offsets = extract.getStaticOffsets(),
                      strides = extract.getStaticStrides();
    if (extract.getSourceType().getRank() != extract.getType().getRank() ||
        llvm::any_of(offsets, ShapedType::isDynamic) ||
        llvm::any_of(strides, ShapedType::isDynamic))
      return op->emitError("target hls: only static, rank-preserving slices "
                           "between layers");
    SmallVector<int64_t> from(index.size());
    for (size_t d = 0; d < index.size(); ++d)
      from[d] = offsets[d] + index[d] * strides[d];
    return trace(extract.getSource(),
                 flatten(from, extract.getSourceType().getShape()));
  }
  if (auto generic = dyn_cast<linalg::GenericOp>(op))
    return traceGeneric(generic, cast<OpResult>(value), index);
  return op->emitError() << "target hls: '" << op->getName()
                         << "' between two ternary layers is not supported";
}

FailureOr<ElementOrigin> ElementTracer::traceGeneric(linalg::GenericOp op,
                                                     OpResult result,
                                                     ArrayRef<int64_t> index) {
  if (llvm::any_of(op.getIteratorTypesArray(), [](utils::IteratorType t) {
        return t != utils::IteratorType::parallel;
      }))
    return op.emitError("target hls: a reduction (pooling, a norm) between "
                        "two ternary layers is not supported; element-wise "
                        "ops and data movement are");
  if (op.getNumResults() != 1)
    return op.emitError("target hls: an op with several results between two "
                        "ternary layers");
  AffineMap outMap = op.getMatchingIndexingMap(op.getDpsInitOperand(0));
  if (!outMap.isPermutation())
    return op.emitError("target hls: an op between layers writes its result "
                        "through a map that is not a permutation");
  SmallVector<int64_t> point = inversePermutation(outMap).compose(index);

  Block *body = op.getBody();
  std::vector<double> args(body->getNumArguments(), 0);
  std::optional<ElementOrigin> traced;
  unsigned tracedArg = 0;
  for (OpOperand &operand : op->getOpOperands()) {
    BlockArgument arg = op.getMatchingBlockArgument(&operand);
    if (arg.use_empty())
      continue;
    SmallVector<int64_t> at =
        op.getMatchingIndexingMap(&operand).compose(point);
    FailureOr<ElementOrigin> origin =
        trace(operand.get(), flatten(at, shapeOf(operand.get())));
    if (failed(origin))
      return failure();
    if (origin->source < 0 && origin->steps.empty()) {
      args[arg.getArgNumber()] = origin->constant;
      continue;
    }
    if (traced)
      return op.emitError("target hls: an op between layers reads two "
                          "tensors computed from the previous layer (a "
                          "residual connection?)");
    traced = std::move(*origin);
    tracedArg = arg.getArgNumber();
  }
  if (!traced) { // constants only: fold
    FailureOr<double> v = evaluateBody(op, args);
    if (failed(v))
      return failure();
    return constantOrigin(*v);
  }
  // A copy (im2col, broadcast) moves the element without computing.
  auto yield = cast<linalg::YieldOp>(body->getTerminator());
  if (yield.getOperand(0) == body->getArgument(tracedArg))
    return *traced;
  traced->steps.push_back(ScalarStep{op, tracedArg, std::move(args)});
  return *traced;
}
