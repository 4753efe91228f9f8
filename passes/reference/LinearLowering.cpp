//===- LinearLowering.cpp - reference loops for tern.linear ---------------===//
//
//   partial[m, n, g] = sum_{e < G} x[m, g, e] * w[n, g, e]  (exact: i32/f32)
//   y[m, n] = sum_g float(partial[m, n, g]) * ws[n, g]
//   y[m, n] *= xs[m]                                       (i8 input only)
//
// with G = K for per_tensor and per_channel weight scales, whose i8 form
// combines the scales first (buildScaledLinearOutput).
//
//===----------------------------------------------------------------------===//
#include "passes/reference/LoopBuilders.h"
#include "passes/reference/Patterns.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace mlir::tern;
using namespace mlir::tern::reference;

/// See Patterns.h.
Value reference::buildScaledLinearOutput(
    ImplicitLocOpBuilder &b, Value weightScales,
    GranularityAttr weightGranularity, Value inputScales,
    GranularityAttr inputGranularity, int64_t n, ValueRange totals,
    ArrayRef<AffineMap> totalMaps,
    function_ref<Value(ImplicitLocOpBuilder &, ValueRange)> total) {
  MLIRContext *ctx = b.getContext();
  AffineExpr m = getAffineDimExpr(0, ctx), col = getAffineDimExpr(1, ctx);
  AffineExpr zero = getAffineConstantExpr(0, ctx);
  auto parallel = utils::IteratorType::parallel;
  bool perChannel = weightGranularity.getKind() == GranularityKind::PerChannel;
  bool perToken = inputGranularity.getKind() == GranularityKind::PerToken;
  Type f32 = b.getF32Type();
  OpFoldResult rows = tensor::getMixedSize(b, b.getLoc(), totals[0], 0);
  // When one side has a single scale, the two combine into one vector first
  // (c[m] = xs[m] * ws, or c[n] = xs * ws[n]) and each output then takes
  // one multiply. Per-token by per-channel scales differ for every output,
  // so those outputs take two.
  auto combine = [&](OpFoldResult size, AffineExpr xsIndex,
                     AffineExpr wsIndex) {
    Value combined = emptyTensor(b, {size}, f32);
    return linalg::GenericOp::create(
               b, TypeRange{combined.getType()},
               ValueRange{inputScales, weightScales}, combined,
               ArrayRef<AffineMap>{AffineMap::get(1, 0, {xsIndex}, ctx),
                                   AffineMap::get(1, 0, {wsIndex}, ctx),
                                   AffineMap::get(1, 0, {m}, ctx)},
               ArrayRef<utils::IteratorType>{parallel},
               [](OpBuilder &nested, Location loc, ValueRange s) {
                 ImplicitLocOpBuilder body(loc, nested);
                 linalg::YieldOp::create(
                     body, Value(arith::MulFOp::create(body, s[0], s[1])));
               })
        .getResult(0);
  };
  if (!perChannel) {
    inputScales = combine(rows, perToken ? m : zero, zero);
    perToken = true;
  } else if (!perToken) {
    weightScales = combine(b.getIndexAttr(n), zero, m);
    inputScales = Value();
  }
  // The per-output factors: c[m] or c[n] alone, or ws[n] then xs[m].
  SmallVector<Value> inputs(totals.begin(), totals.end());
  SmallVector<AffineMap> maps(totalMaps.begin(), totalMaps.end());
  if (perChannel) {
    inputs.push_back(weightScales);
    maps.push_back(AffineMap::get(2, 0, {col}, ctx));
  }
  if (inputScales) {
    inputs.push_back(inputScales);
    maps.push_back(AffineMap::get(2, 0, {m}, ctx));
  }
  maps.push_back(AffineMap::get(2, 0, {m, col}, ctx));
  unsigned count = totals.size();
  Value out = emptyTensor(b, {rows, b.getIndexAttr(n)}, f32);
  return linalg::GenericOp::create(
             b, TypeRange{out.getType()}, inputs, out, maps,
             ArrayRef<utils::IteratorType>{parallel, parallel},
             [&](OpBuilder &nested, Location loc, ValueRange s) {
               ImplicitLocOpBuilder body(loc, nested);
               Value value = arith::SIToFPOp::create(
                   body, f32, total(body, s.take_front(count)));
               for (Value factor : s.slice(count, s.size() - count - 1))
                 value = arith::MulFOp::create(body, value, factor);
               linalg::YieldOp::create(body, value);
             })
      .getResult(0);
}

Value reference::buildGroupScaledLinearOutput(
    ImplicitLocOpBuilder &b, Value partial, Value weightScales,
    GranularityAttr weightGranularity, Value inputScales,
    GranularityAttr inputGranularity) {
  MLIRContext *ctx = b.getContext();
  auto parallel = utils::IteratorType::parallel;
  bool intInput = getElementTypeOrSelf(partial).isInteger(32);
  SmallVector<OpFoldResult> sizes = {
      tensor::getMixedSize(b, b.getLoc(), partial, 0),
      tensor::getMixedSize(b, b.getLoc(), partial, 1)};
  // y[m, n] = sum_g float(partial) * ws: loops (m, n, g).
  AffineExpr m3 = getAffineDimExpr(0, ctx), n3 = getAffineDimExpr(1, ctx),
             g3 = getAffineDimExpr(2, ctx);
  ScaleAccess ws = accessScales(b, weightScales, weightGranularity, 3, n3, g3);
  Value y = filledTensor(b, sizes, b.getF32FloatAttr(0.0));
  y = linalg::GenericOp::create(
          b, TypeRange{y.getType()}, ValueRange{partial, ws.scales},
          ValueRange{y},
          ArrayRef<AffineMap>{AffineMap::getMultiDimIdentityMap(3, ctx), ws.map,
                              AffineMap::get(3, 0, {m3, n3}, ctx)},
          ArrayRef<utils::IteratorType>{parallel, parallel,
                                        utils::IteratorType::reduction},
          [intInput](OpBuilder &nested, Location loc, ValueRange s) {
            ImplicitLocOpBuilder body(loc, nested);
            Value sum = s[0];
            if (intInput)
              sum = arith::SIToFPOp::create(body, body.getF32Type(), sum);
            Value scaled = arith::MulFOp::create(body, sum, s[1]);
            linalg::YieldOp::create(
                body, Value(arith::AddFOp::create(body, scaled, s[2])));
          })
          .getResult(0);
  if (!intInput)
    return y;
  // y[m, n] *= xs[m].
  AffineExpr m2 = getAffineDimExpr(0, ctx), n2 = getAffineDimExpr(1, ctx);
  ScaleAccess xs = accessScales(b, inputScales, inputGranularity, 2, m2, n2);
  AffineMap identity = AffineMap::getMultiDimIdentityMap(2, ctx);
  Value out = emptyTensor(b, sizes, b.getF32Type());
  return linalg::GenericOp::create(
             b, TypeRange{out.getType()}, ValueRange{y, xs.scales},
             ValueRange{out}, ArrayRef<AffineMap>{identity, xs.map, identity},
             ArrayRef<utils::IteratorType>{parallel, parallel},
             [](OpBuilder &nested, Location loc, ValueRange s) {
               ImplicitLocOpBuilder body(loc, nested);
               linalg::YieldOp::create(
                   body, Value(arith::MulFOp::create(body, s[0], s[1])));
             })
      .getResult(0);
}

namespace {

/// [R, K] -> [R, K / G, G]; R may be dynamic.
Value splitColumns(ImplicitLocOpBuilder &b, Value tensor, int64_t groupSize) {
  auto type = cast<RankedTensorType>(tensor.getType());
  int64_t k = type.getDimSize(1);
  SmallVector<OpFoldResult> sizes = {
      tensor::getMixedSize(b, b.getLoc(), tensor, 0),
      b.getIndexAttr(k / groupSize), b.getIndexAttr(groupSize)};
  return tensor::ExpandShapeOp::create(
      b,
      RankedTensorType::get({type.getDimSize(0), k / groupSize, groupSize},
                            type.getElementType()),
      tensor, SmallVector<ReassociationIndices>{{0}, {1, 2}}, sizes);
}

struct LinearLowering : OpConversionPattern<LinearOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(LinearOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    MLIRContext *ctx = b.getContext();
    auto inputType = cast<RankedTensorType>(op.getInput().getType());
    auto weightsType = cast<RankedTensorType>(op.getWeights().getType());
    Value x = adaptor.getInput();
    Value w = adaptor.getWeights();
    int64_t k = inputType.getDimSize(1);
    if (auto layout =
            dyn_cast_or_null<PackedLayoutAttr>(weightsType.getEncoding()))
      w = buildUnpack(b, w, layout, k);

    GranularityAttr wg = op.getWeightGranularity();
    int64_t groupSize =
        wg.getKind() == GranularityKind::Group ? wg.getGroupSize() : k;
    bool intInput = inputType.getElementType().isInteger(8);
    Type accType = intInput ? Type(b.getI32Type()) : Type(b.getF32Type());

    // partial[m, n, g]: loops (m, n, g, e).
    AffineExpr m = getAffineDimExpr(0, ctx), n = getAffineDimExpr(1, ctx),
               g = getAffineDimExpr(2, ctx), e = getAffineDimExpr(3, ctx);
    SmallVector<OpFoldResult> partialSizes = {
        tensor::getMixedSize(b, b.getLoc(), x, 0),
        b.getIndexAttr(weightsType.getDimSize(0)),
        b.getIndexAttr(k / groupSize)};
    Value partial = filledTensor(b, partialSizes, b.getZeroAttr(accType));
    partial =
        linalg::GenericOp::create(
            b, TypeRange{partial.getType()},
            ValueRange{splitColumns(b, x, groupSize),
                       splitColumns(b, w, groupSize)},
            ValueRange{partial},
            ArrayRef<AffineMap>{AffineMap::get(4, 0, {m, g, e}, ctx),
                                AffineMap::get(4, 0, {n, g, e}, ctx),
                                AffineMap::get(4, 0, {m, n, g}, ctx)},
            ArrayRef<utils::IteratorType>{
                utils::IteratorType::parallel, utils::IteratorType::parallel,
                utils::IteratorType::parallel, utils::IteratorType::reduction},
            [intInput](OpBuilder &nested, Location loc, ValueRange s) {
              ImplicitLocOpBuilder body(loc, nested);
              Value product;
              if (intInput) {
                Value xi =
                    arith::ExtSIOp::create(body, body.getI32Type(), s[0]);
                Value wi =
                    arith::ExtSIOp::create(body, body.getI32Type(), s[1]);
                product = arith::AddIOp::create(
                    body, arith::MulIOp::create(body, xi, wi), s[2]);
              } else {
                Value wf =
                    arith::SIToFPOp::create(body, body.getF32Type(), s[1]);
                product = arith::AddFOp::create(
                    body, arith::MulFOp::create(body, s[0], wf), s[2]);
              }
              linalg::YieldOp::create(body, product);
            })
            .getResult(0);

    // One scale group per output: the shared scaling.
    if (intInput && (wg.getKind() == GranularityKind::PerTensor ||
                     wg.getKind() == GranularityKind::PerChannel)) {
      rewriter.replaceOp(
          op, buildScaledLinearOutput(
                  b, adaptor.getWeightScales(), wg, adaptor.getInputScales(),
                  *op.getInputGranularity(), weightsType.getDimSize(0), partial,
                  {AffineMap::get(2, 0, {m, n, getAffineConstantExpr(0, ctx)},
                                  ctx)},
                  [](ImplicitLocOpBuilder &, ValueRange s) { return s[0]; }));
      return success();
    }

    rewriter.replaceOp(
        op, buildGroupScaledLinearOutput(b, partial, adaptor.getWeightScales(),
                                         wg, adaptor.getInputScales(),
                                         op.getInputGranularityAttr()));
    return success();
  }
};

} // namespace

void reference::populateLinearLoweringPatterns(const TypeConverter &converter,
                                               RewritePatternSet &patterns) {
  patterns.add<LinearLowering>(converter, patterns.getContext());
}
