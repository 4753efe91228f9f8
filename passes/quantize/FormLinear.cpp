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
    if (!product) {
      if (std::optional<ChannelProduct> conv = matchChannelProduct(op))
        formConvolution(*conv);
      return;
    }
    if (!product->weightIsNK)
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

  /// A convolution with one group whose weight is an expand_shape of
  /// low-bit [M, K] weights becomes a matrix product over patches (im2col),
  /// so it gets int8 activations and multiply elimination like a MatMul:
  ///   patches[rows..., reduced...] = x[inputMap(rows..., reduced...)]
  ///   y[R, M] = tern.linear(patches as [R, K], packed weights)
  ///   out[outputMap(rows..., m)] = y[rows..., m] (+ init, e.g. a bias)
  /// Grouped or dynamically shaped convolutions keep float activations on
  /// the dequantized weights.
  void formConvolution(const ChannelProduct &conv) {
    linalg::GenericOp op = conv.op;
    Value weight = op.getDpsInputs()[conv.weightOperand];
    auto expand = weight.getDefiningOp<tensor::ExpandShapeOp>();
    auto dequantize =
        expand ? expand.getSrc().getDefiningOp<DequantizeOp>() : nullptr;
    auto unpack =
        dequantize ? dequantize.getInput().getDefiningOp<UnpackOp>() : nullptr;
    if (!unpack || !unpack.getInput().getDefiningOp<arith::ConstantOp>())
      return;
    Value x = op.getDpsInputs()[1 - conv.weightOperand];
    SmallVector<int64_t> ranges = op.getStaticLoopRanges();
    if (!getElementTypeOrSelf(x).isF32() ||
        llvm::any_of(ranges, ShapedType::isDynamic))
      return;

    SmallVector<AffineMap> maps = op.getIndexingMapsArray();
    AffineMap inputMap = maps[1 - conv.weightOperand],
              weightMap = maps[conv.weightOperand], outputMap = maps[2];
    unsigned channel =
        cast<AffineDimExpr>(weightMap.getResult(0)).getPosition();
    SmallVector<unsigned> rowDims, reducedDims;
    for (AffineExpr e : weightMap.getResults().drop_front())
      reducedDims.push_back(cast<AffineDimExpr>(e).getPosition());
    for (auto [dim, kind] : llvm::enumerate(op.getIteratorTypesArray()))
      if (kind == utils::IteratorType::parallel && dim != channel)
        rowDims.push_back(dim);
    // The patches must not depend on the output channel (one group), and
    // the output must be indexed by the parallel dims alone.
    if (inputMap.isFunctionOfDim(channel) ||
        !outputMap.isProjectedPermutation() ||
        outputMap.getNumResults() != rowDims.size() + 1)
      return;

    MLIRContext *ctx = op.getContext();
    auto weights = cast<RankedTensorType>(unpack.getType());
    int64_t rowCount = 1, k = 1;
    SmallVector<int64_t> patchShape, rowShape;
    // Old loop dim -> its dim in the patches loop nest (channel: unused).
    SmallVector<AffineExpr> toPatchDims(ranges.size(),
                                        getAffineConstantExpr(0, ctx));
    for (unsigned dim : rowDims) {
      toPatchDims[dim] = getAffineDimExpr(patchShape.size(), ctx);
      patchShape.push_back(ranges[dim]);
      rowShape.push_back(ranges[dim]);
      rowCount *= ranges[dim];
    }
    for (unsigned dim : reducedDims) {
      toPatchDims[dim] = getAffineDimExpr(patchShape.size(), ctx);
      patchShape.push_back(ranges[dim]);
      k *= ranges[dim];
    }
    if (k != weights.getDimSize(1) || patchShape.size() != ranges.size() - 1)
      return;

    OpBuilder b(op);
    Location loc = op.getLoc();
    Type f32 = b.getF32Type();
    unsigned patchLoops = patchShape.size();
    Value patchesInit = tensor::EmptyOp::create(b, loc, patchShape, f32);
    Value patches =
        linalg::GenericOp::create(
            b, loc, patchesInit.getType(), ValueRange{x}, patchesInit,
            ArrayRef<AffineMap>{
                inputMap.replaceDimsAndSymbols(toPatchDims, {}, patchLoops, 0),
                AffineMap::getMultiDimIdentityMap(patchLoops, ctx)},
            SmallVector<utils::IteratorType>(patchLoops,
                                             utils::IteratorType::parallel),
            [](OpBuilder &nested, Location l, ValueRange a) {
              linalg::YieldOp::create(nested, l, a[0]);
            })
            .getResult(0);
    ReassociationIndices rowGroup, reducedGroup;
    for (unsigned i = 0; i < patchLoops; ++i)
      (i < rowDims.size() ? rowGroup : reducedGroup).push_back(i);
    patches = tensor::CollapseShapeOp::create(
        b, loc, RankedTensorType::get({rowCount, k}, f32), patches,
        ArrayRef<ReassociationIndices>{rowGroup, reducedGroup});

    int64_t channels = weights.getDimSize(0);
    Value linear = LinearOp::create(
        b, loc, RankedTensorType::get({rowCount, channels}, f32), patches,
        /*input_scales=*/Value(), unpack.getInput(), dequantize.getScales(),
        /*input_granularity=*/GranularityAttr(), dequantize.getGranularity());
    if (Attribute activations = op->getAttr(kActivationsAttr))
      linear.getDefiningOp()->setAttr(kActivationsAttr, activations);
    rowShape.push_back(channels);
    if (rowDims.size() > 1)
      linear = tensor::ExpandShapeOp::create(
          b, loc, RankedTensorType::get(rowShape, f32), linear,
          ArrayRef<ReassociationIndices>{
              rowGroup, {static_cast<int64_t>(rowGroup.size())}});

    // Scatter y[rows..., m] into the output layout, adding the initial
    // accumulator (the bias) unless it is zero.
    SmallVector<AffineExpr> toOutDims(ranges.size(),
                                      getAffineConstantExpr(0, ctx));
    for (auto [i, dim] : llvm::enumerate(rowDims))
      toOutDims[dim] = getAffineDimExpr(i, ctx);
    toOutDims[channel] = getAffineDimExpr(rowDims.size(), ctx);
    unsigned outLoops = rowDims.size() + 1;
    Value init = op.getDpsInits()[0];
    bool addInit = !isZeroFilled(init);
    SmallVector<Value> inputs = {linear};
    SmallVector<AffineMap> outMaps = {
        AffineMap::getMultiDimIdentityMap(outLoops, ctx)};
    AffineMap outputIndex =
        outputMap.replaceDimsAndSymbols(toOutDims, {}, outLoops, 0);
    if (addInit) {
      inputs.push_back(init);
      outMaps.push_back(outputIndex);
    }
    outMaps.push_back(outputIndex);
    auto outType = cast<RankedTensorType>(op.getResult(0).getType());
    Value out = tensor::EmptyOp::create(b, loc, outType.getShape(), f32);
    Value result = linalg::GenericOp::create(
                       b, loc, outType, inputs, out, outMaps,
                       SmallVector<utils::IteratorType>(
                           outLoops, utils::IteratorType::parallel),
                       [addInit](OpBuilder &nested, Location l, ValueRange a) {
                         Value v = a[0];
                         if (addInit)
                           v = arith::AddFOp::create(nested, l, a[0], a[1]);
                         linalg::YieldOp::create(nested, l, v);
                       })
                       .getResult(0);
    op.getResult(0).replaceAllUsesWith(result);
    op.erase();
  }
};
} // namespace
