//===- QuantizeLowering.cpp - reference loops for (de)quantization --------===//
//
// Every quantizer works on a "scale rows" view [U, E] of its input: one row
// per scale group, so per-tensor, per-channel and group scales share code.
// Sums of |w| accumulate in f64, so the reference does not lose precision on
// large tensors.
//
//===----------------------------------------------------------------------===//
#include "passes/reference/LoopBuilders.h"
#include "passes/reference/Patterns.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace mlir::tern;
using namespace mlir::tern::reference;

namespace {

/// The smallest scale any quantizer produces, as in BitNet.
constexpr double kMinScale = 1e-5;
/// TWN's threshold, as a fraction of mean|W|.
constexpr double kTwnThresholdRatio = 0.7;

Value absF32(ImplicitLocOpBuilder &b, Value x) {
  return math::AbsFOp::create(b, x);
}

/// clamp(roundeven(x), lo, hi) as an i8.
Value roundClampToI8(ImplicitLocOpBuilder &b, Value x, double lo, double hi) {
  Value rounded = math::RoundEvenOp::create(b, x);
  Value clamped = arith::MinimumFOp::create(
      b, arith::MaximumFOp::create(b, rounded, constantF32(b, lo)),
      constantF32(b, hi));
  return arith::FPToSIOp::create(b, b.getI8Type(), clamped);
}

/// mean |x| of each row of [U, E] f32, in f64.
Value rowMeanAbs(ImplicitLocOpBuilder &b, Value rows) {
  int64_t count = cast<RankedTensorType>(rows.getType()).getDimSize(1);
  Value sums = reduceRows(
      b, rows, {}, b.getF64FloatAttr(0.0), [](auto &b, ValueRange s) -> Value {
        Value wide = arith::ExtFOp::create(b, b.getF64Type(), absF32(b, s[0]));
        return arith::AddFOp::create(b, wide, s[1]);
      });
  return mapElements(b, {sums}, b.getF64Type(),
                     [count](auto &b, ValueRange s) -> Value {
                       return arith::DivFOp::create(
                           b, s[0], constantF64(b, static_cast<double>(count)));
                     });
}

/// s = max(mean|W|, 1e-5) per row, as f32 (absmean and binary).
Value absMeanScales(ImplicitLocOpBuilder &b, Value rows) {
  return mapElements(
      b, {rowMeanAbs(b, rows)}, b.getF32Type(), [](auto &b, ValueRange s) {
        Value clamped = arith::MaximumFOp::create(b, s[0],
                                                  constantF64(b, kMinScale));
        return Value(arith::TruncFOp::create(b, b.getF32Type(), clamped));
      });
}

/// BitNet b1.58: s = max(mean|W|, 1e-5), W' = clamp(round(W / s), -1, 1).
std::pair<Value, Value> quantizeAbsMean(ImplicitLocOpBuilder &b, Value rows) {
  Value scales = absMeanScales(b, rows);
  Value values = mapRows(b, rows, {scales}, b.getI8Type(),
                         [](auto &b, ValueRange s) {
                           Value ratio = arith::DivFOp::create(b, s[0], s[1]);
                           return roundClampToI8(b, ratio, -1.0, 1.0);
                         });
  return {values, scales};
}

/// TWN: t = 0.7 * mean|W|; W' = sign(W) where |W| > t, else 0;
/// s = mean of the |W| above t (1e-5 when there are none).
std::pair<Value, Value> quantizeTwn(ImplicitLocOpBuilder &b, Value rows) {
  Value thresholds = mapElements(
      b, {rowMeanAbs(b, rows)}, b.getF32Type(), [](auto &b, ValueRange s) {
        Value t = arith::MulFOp::create(b, s[0],
                                        constantF64(b, kTwnThresholdRatio));
        return Value(arith::TruncFOp::create(b, b.getF32Type(), t));
      });
  auto isAbove = [](ImplicitLocOpBuilder &b, Value x, Value threshold) {
    return arith::CmpFOp::create(b, arith::CmpFPredicate::OGT, absF32(b, x),
                                 threshold);
  };
  Value sums = reduceRows(
      b, rows, {thresholds}, b.getF64FloatAttr(0.0),
      [&](auto &b, ValueRange s) -> Value {
        Value wide = arith::ExtFOp::create(b, b.getF64Type(), absF32(b, s[0]));
        Value added = arith::AddFOp::create(b, wide, s[2]);
        return arith::SelectOp::create(b, isAbove(b, s[0], s[1]), added, s[2]);
      });
  Value counts = reduceRows(
      b, rows, {thresholds}, b.getI64IntegerAttr(0),
      [&](auto &b, ValueRange s) -> Value {
        Value added = arith::AddIOp::create(b, s[2], constantInt(b, 1, 64));
        return arith::SelectOp::create(b, isAbove(b, s[0], s[1]), added, s[2]);
      });
  Value scales = mapElements(
      b, {sums, counts}, b.getF32Type(), [](auto &b, ValueRange s) -> Value {
        Value count = arith::SIToFPOp::create(b, b.getF64Type(), s[1]);
        Value mean = arith::DivFOp::create(b, s[0], count);
        Value none = arith::CmpIOp::create(b, arith::CmpIPredicate::eq, s[1],
                                           constantInt(b, 0, 64));
        Value scale =
            arith::SelectOp::create(b, none, constantF64(b, kMinScale), mean);
        return arith::TruncFOp::create(b, b.getF32Type(), scale);
      });
  Value values = mapRows(
      b, rows, {thresholds}, b.getI8Type(), [&](auto &b, ValueRange s) -> Value {
        Value positive = arith::CmpFOp::create(b, arith::CmpFPredicate::OGT,
                                               s[0], constantF32(b, 0.0));
        Value sign = arith::SelectOp::create(b, positive, constantInt(b, 1, 8),
                                             constantInt(b, -1, 8));
        return arith::SelectOp::create(b, isAbove(b, s[0], s[1]), sign,
                                       constantInt(b, 0, 8));
      });
  return {values, scales};
}

/// Symmetric absmax: s = max(max|W|, 1e-5) / q, W' = clamp(round(W / s),
/// -q, q). `exact` is q = 1; int2 is q = 1 and int4 q = 7.
std::pair<Value, Value> quantizeAbsMax(ImplicitLocOpBuilder &b, Value rows,
                                       double levels) {
  Value absMax = reduceRows(b, rows, {}, b.getF32FloatAttr(0.0),
                            [](auto &b, ValueRange s) -> Value {
                              return arith::MaximumFOp::create(
                                  b, absF32(b, s[0]), s[1]);
                            });
  Value scales = mapElements(
      b, {absMax}, b.getF32Type(), [levels](auto &b, ValueRange s) -> Value {
        Value clamped =
            arith::MaximumFOp::create(b, s[0], constantF32(b, kMinScale));
        return arith::DivFOp::create(b, clamped, constantF32(b, levels));
      });
  Value values = mapRows(b, rows, {scales}, b.getI8Type(),
                         [levels](auto &b, ValueRange s) {
                           Value ratio = arith::DivFOp::create(b, s[0], s[1]);
                           return roundClampToI8(b, ratio, -levels, levels);
                         });
  return {values, scales};
}

/// Scaled sign: s = max(mean|W|, 1e-5), W' = +1 where W >= 0, else -1.
std::pair<Value, Value> quantizeBinary(ImplicitLocOpBuilder &b, Value rows) {
  Value scales = absMeanScales(b, rows);
  Value values = mapRows(b, rows, {}, b.getI8Type(), [](auto &b, ValueRange s) {
    Value nonNegative = arith::CmpFOp::create(b, arith::CmpFPredicate::OGE,
                                              s[0], constantF32(b, 0.0));
    return Value(arith::SelectOp::create(b, nonNegative, constantInt(b, 1, 8),
                                         constantInt(b, -1, 8)));
  });
  return {values, scales};
}

std::pair<Value, Value> quantize(ImplicitLocOpBuilder &b, Value rows,
                                 QuantMethod method) {
  switch (method) {
  case QuantMethod::AbsMean:
    return quantizeAbsMean(b, rows);
  case QuantMethod::TWN:
    return quantizeTwn(b, rows);
  case QuantMethod::Exact:
  case QuantMethod::Int2:
    return quantizeAbsMax(b, rows, 1.0);
  case QuantMethod::Int4:
    return quantizeAbsMax(b, rows, 7.0);
  case QuantMethod::Binary:
    return quantizeBinary(b, rows);
  }
  llvm_unreachable("unknown quantization method");
}

struct QuantizeWeightsLowering : OpConversionPattern<QuantizeWeightsOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(QuantizeWeightsOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    Value weights = adaptor.getInput();
    Value rows = toScaleRows(b, weights, op.getGranularity());
    auto [values, scales] = quantize(b, rows, op.getMethod());
    rewriter.replaceOp(
        op, {fromScaleRows(b, values, weights),
             scalesFromRows(b, scales, op.getGranularity(), weights)});
    return success();
  }
};

/// BitNet A8: s = max(max|x|, 1e-5) / 127, q = clamp(round(x / s), -128, 127).
struct QuantizeActivationsLowering
    : OpConversionPattern<QuantizeActivationsOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(QuantizeActivationsOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    Value input = adaptor.getInput();
    Value rows = toScaleRows(b, input, op.getGranularity());
    Value absMax = reduceRows(b, rows, {}, b.getF32FloatAttr(0.0),
                              [](auto &b, ValueRange s) -> Value {
                                return arith::MaximumFOp::create(
                                    b, absF32(b, s[0]), s[1]);
                              });
    Value scales = mapElements(
        b, {absMax}, b.getF32Type(), [](auto &b, ValueRange s) -> Value {
          Value clamped =
              arith::MaximumFOp::create(b, s[0], constantF32(b, kMinScale));
          return arith::DivFOp::create(b, clamped, constantF32(b, 127.0));
        });
    Value values = mapRows(b, rows, {scales}, b.getI8Type(),
                           [](auto &b, ValueRange s) {
                             Value ratio = arith::DivFOp::create(b, s[0], s[1]);
                             return roundClampToI8(b, ratio, -128.0, 127.0);
                           });
    rewriter.replaceOp(op, {fromScaleRows(b, values, input), scales});
    return success();
  }
};

/// result[r, c] = float(input[r, c]) * scales[group(r, c)].
struct DequantizeLowering : OpConversionPattern<DequantizeOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(DequantizeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    GranularityAttr g = op.getGranularity();
    MLIRContext *ctx = b.getContext();
    AffineExpr r = getAffineDimExpr(0, ctx), c = getAffineDimExpr(1, ctx);
    AffineExpr group = g.getKind() == GranularityKind::Group
                           ? c.floorDiv(g.getGroupSize())
                           : c;
    ScaleAccess scales = accessScales(b, adaptor.getScales(), g, 2, r, group);

    Value input = adaptor.getInput();
    Value out = emptyTensor(b, tensor::getMixedSizes(b, b.getLoc(), input),
                            b.getF32Type());
    AffineMap identity = AffineMap::getMultiDimIdentityMap(2, ctx);
    Value result =
        linalg::GenericOp::create(
            b, TypeRange{out.getType()}, ValueRange{input, scales.scales},
            ValueRange{out},
            ArrayRef<AffineMap>{identity, scales.map, identity},
            ArrayRef<utils::IteratorType>{utils::IteratorType::parallel,
                                          utils::IteratorType::parallel},
            [](OpBuilder &nested, Location loc, ValueRange s) {
              ImplicitLocOpBuilder body(loc, nested);
              Value value =
                  arith::SIToFPOp::create(body, body.getF32Type(), s[0]);
              linalg::YieldOp::create(body,
                                      Value(arith::MulFOp::create(body, value,
                                                                  s[1])));
            })
            .getResult(0);
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void reference::populateQuantizeLoweringPatterns(const TypeConverter &converter,
                                                 RewritePatternSet &patterns) {
  patterns.add<QuantizeWeightsLowering, QuantizeActivationsLowering,
               DequantizeLowering>(converter, patterns.getContext());
}
