//===- FormLinear.cpp - matrix products with low-bit weights to tern.linear
//===//
#include "passes/Passes.h"
#include "passes/quantize/MatrixProducts.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/ReshapeOpsUtils.h"
#include "mlir/IR/Matchers.h"

namespace mlir::tern {
#define GEN_PASS_DEF_TERNFORMLINEAR
#include "passes/Passes.h.inc"
} // namespace mlir::tern

using namespace mlir;
using namespace mlir::tern;

namespace {
/// Whether `map` is (d0, ..., d(n-1)) restricted to `dims`, in order.
bool isInOrder(AffineMap map, ArrayRef<unsigned> dims) {
  if (map.getNumResults() != dims.size())
    return false;
  for (auto [expr, dim] : llvm::zip(map.getResults(), dims)) {
    auto d = dyn_cast<AffineDimExpr>(expr);
    if (!d || d.getPosition() != dim)
      return false;
  }
  return true;
}

/// Whether `init` is a tensor filled with zero.
bool isZeroFilled(Value init) {
  auto fill = init.getDefiningOp<linalg::FillOp>();
  return fill && matchPattern(fill.getInputs()[0], m_AnyZeroFloat());
}

/// Collapses all leading dims of a [.., R, C] tensor into rows: [R', C].
Value collapseToMatrix(OpBuilder &b, Location loc, Value value) {
  auto type = cast<RankedTensorType>(value.getType());
  if (type.getRank() == 2)
    return value;
  ReassociationIndices rows;
  for (int64_t i = 0; i + 1 < type.getRank(); ++i)
    rows.push_back(i);
  ReassociationIndices cols = {type.getRank() - 1};
  return tensor::CollapseShapeOp::create(
      b, loc, value, ArrayRef<ReassociationIndices>{rows, cols});
}

struct TernFormLinearPass : tern::impl::TernFormLinearBase<TernFormLinearPass> {
  void runOnOperation() override {
    SmallVector<linalg::GenericOp> candidates;
    getOperation().walk(
        [&](linalg::GenericOp op) { candidates.push_back(op); });
    for (linalg::GenericOp op : candidates)
      formLinear(op);
  }

  void formLinear(linalg::GenericOp op) {
    std::optional<MatrixProduct> product = matchMatrixProduct(op);
    if (!product || !product->weightIsNK)
      return;
    auto dequantize =
        op.getDpsInputs()[product->weightOperand].getDefiningOp<DequantizeOp>();
    if (!dequantize || !isZeroFilled(op.getDpsInits()[0]))
      return;
    auto unpack = dequantize.getInput().getDefiningOp<UnpackOp>();
    if (!unpack || !unpack.getInput().getDefiningOp<arith::ConstantOp>())
      return;
    // x is (rows..., k) and the result (rows..., n), both in loop order, so
    // rows of x map to rows of the result.
    SmallVector<AffineMap> maps = op.getIndexingMapsArray();
    SmallVector<unsigned> inputDims(product->rows), outputDims(product->rows);
    inputDims.push_back(product->k);
    outputDims.push_back(product->n);
    if (!isInOrder(maps[product->inputOperand], inputDims) ||
        !isInOrder(maps[2], outputDims))
      return;
    Value x = op.getDpsInputs()[product->inputOperand];
    if (!getElementTypeOrSelf(x).isF32())
      return;

    OpBuilder b(op);
    Location loc = op.getLoc();
    Value rows = collapseToMatrix(b, loc, x);
    auto rowsType = cast<RankedTensorType>(rows.getType());
    auto weights = cast<RankedTensorType>(unpack.getType());
    auto resultType = RankedTensorType::get(
        {rowsType.getDimSize(0), weights.getDimSize(0)}, b.getF32Type());
    Value linear = LinearOp::create(
        b, loc, resultType, rows, /*input_scales=*/Value(), unpack.getInput(),
        dequantize.getScales(), /*input_granularity=*/GranularityAttr(),
        dequantize.getGranularity());
    if (Attribute activations = op->getAttr(kActivationsAttr))
      linear.getDefiningOp()->setAttr(kActivationsAttr, activations);
    auto outType = cast<RankedTensorType>(op.getResult(0).getType());
    if (outType.getRank() != 2) {
      ReassociationIndices leading;
      for (int64_t i = 0; i + 1 < outType.getRank(); ++i)
        leading.push_back(i);
      linear = tensor::ExpandShapeOp::create(
          b, loc, outType, linear,
          ArrayRef<ReassociationIndices>{leading, {outType.getRank() - 1}});
    }
    op.getResult(0).replaceAllUsesWith(linear);
    op.erase();
  }
};
} // namespace
