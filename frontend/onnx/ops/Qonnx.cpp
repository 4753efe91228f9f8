//===- Qonnx.cpp - QONNX Quant, BipolarQuant and Trunc --------------------===//
//
// QONNX (domain qonnx.custom_op.general; Brevitas writes onnx.brevitas)
// expresses quantization as fake-quant ops on float tensors. On activations
// they become element-wise float computations. On constant weights whose
// values are exactly ternary (2-bit signed narrow Quant, zero point 0) or
// binary (BipolarQuant), the import is lossless into tern's types: packed
// !tern.trit or !tern.bipolar weights and their scales, dequantized where a
// float consumer needs them (the quantization passes then fuse the pair into
// a tern.linear).
//
//===----------------------------------------------------------------------===//
#include "frontend/onnx/Builders.h"
#include "frontend/onnx/GraphImporter.h"
#include "frontend/onnx/NodeContext.h"
#include "frontend/onnx/OpRegistry.h"
#include "frontend/onnx/TensorImport.h"

#include "dialect/Tern.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "passes/quantize/PackedWeights.h"

#include "onnx/onnx_pb.h"

#include <cmath>

using namespace mlir;
using namespace mlir::tern;

namespace {
/// The constant values of `value` when it is an arith.constant of floats.
std::optional<SmallVector<double>> constantFloats(Value value) {
  if (auto constant = value.getDefiningOp<arith::ConstantOp>())
    if (auto attr = dyn_cast<ElementsAttr>(constant.getValue()))
      return getFloatValues(attr);
  return std::nullopt;
}

/// rounding_mode as a scalar op; null for an unknown mode.
std::function<Value(OpBuilder &, Location, Value)> roundingOp(StringRef mode) {
  std::string upper = mode.upper();
  if (upper == "ROUND")
    return [](OpBuilder &b, Location l, Value x) {
      return build::roundEven(b, l, x);
    };
  if (upper == "CEIL")
    return [](OpBuilder &b, Location l, Value x) {
      return Value(math::CeilOp::create(b, l, x));
    };
  if (upper == "FLOOR")
    return [](OpBuilder &b, Location l, Value x) {
      return Value(math::FloorOp::create(b, l, x));
    };
  return nullptr;
}

double roundWith(StringRef mode, double x) {
  std::string upper = mode.upper();
  if (upper == "CEIL")
    return std::ceil(x);
  if (upper == "FLOOR")
    return std::floor(x);
  return std::nearbyint(x); // half to even in the default rounding mode
}

/// Scales of a 2-D [N, K] weight that tern can carry: one value (per
/// tensor) or one per row N (per channel). Empty when neither.
std::optional<std::pair<SmallVector<float>, GranularityKind>>
weightScales(ArrayRef<double> scale, RankedTensorType scaleType, int64_t rows) {
  if (scale.size() == 1)
    return std::pair{SmallVector<float>{(float)scale[0]},
                     GranularityKind::PerTensor};
  ArrayRef<int64_t> shape = scaleType.getShape();
  bool perRow = (int64_t)scale.size() == rows &&
                ((shape.size() == 1 && shape[0] == rows) ||
                 (shape.size() == 2 && shape[0] == rows && shape[1] == 1));
  if (!perRow)
    return std::nullopt;
  return std::pair{SmallVector<float>(scale.begin(), scale.end()),
                   GranularityKind::PerChannel};
}

/// y = (clamp(round(x / s + z), lo, hi) - z) * s.
LogicalResult importQuant(NodeContext &n) {
  if (failed(n.requireInputs(4)))
    return failure();
  auto bits = n.constantFloats(3, "bitwidth");
  if (!bits)
    return failure();
  if (bits->size() != 1 || (*bits)[0] < 1 || (*bits)[0] > 32 ||
      (*bits)[0] != std::floor((*bits)[0]))
    return n.emitError() << "bitwidth must be one integer in [1, 32]";
  int64_t bitwidth = (*bits)[0];
  bool isSigned = n.intAttr("signed", 1), narrow = n.intAttr("narrow", 0);
  std::string mode = n.stringAttr("rounding_mode", "ROUND");
  auto round = roundingOp(mode);
  if (!round)
    return n.unsupported("rounding_mode '" + mode + "'");
  double lo = isSigned ? -std::ldexp(1.0, bitwidth - 1) + (narrow ? 1 : 0) : 0;
  double hi = isSigned ? std::ldexp(1.0, bitwidth - 1) - 1
                       : std::ldexp(1.0, bitwidth) - 1 - (narrow ? 1 : 0);

  // Exactly ternary constant weights become !tern.trit.
  auto weights = constantFloats(n.input(0));
  auto scale = constantFloats(n.input(1));
  auto zero = constantFloats(n.input(2));
  RankedTensorType xType = n.inputType(0);
  if (weights && scale && zero && xType.getRank() == 2 && lo == -1 && hi == 1 &&
      llvm::all_of(*zero, [](double z) { return z == 0; })) {
    int64_t rows = xType.getShape()[0], cols = xType.getShape()[1];
    if (auto scales = weightScales(*scale, n.inputType(1), rows)) {
      SmallVector<int8_t> trits;
      for (int64_t r = 0; r < rows; ++r)
        for (int64_t c = 0; c < cols; ++c) {
          double s =
              scales->first.size() == 1 ? scales->first[0] : scales->first[r];
          double q = roundWith(mode, (*weights)[r * cols + c] / s);
          if (std::isnan(q))
            return n.emitError()
                   << "weight [" << r << ", " << c
                   << "] over its scale is not a number (a NaN weight or "
                      "scale, or 0/0)";
          trits.push_back(static_cast<int8_t>(std::clamp(q, -1.0, 1.0)));
        }
      n.setOutput(0,
                  buildDequantizedWeights(
                      n.b, n.loc, trits, rows, cols,
                      TritType::get(n.b.getContext()), scales->first,
                      GranularityAttr::get(n.b.getContext(), scales->second, 0),
                      n.node.input(0)),
                  n.inputOnnxType(0));
      return success();
    }
  }

  SmallVector<Value> inputs = {n.input(0), n.input(1), n.input(2)};
  Value result = build::broadcasting(
      n.b, n.loc, inputs, getElementTypeOrSelf(n.input(0)),
      [&](OpBuilder &b, Location l, ValueRange a) {
        Type t = a[0].getType();
        Value q = arith::AddFOp::create(
            b, l, arith::DivFOp::create(b, l, a[0], a[1]), a[2]);
        q = round(b, l, q);
        q = arith::MinimumFOp::create(
            b, l,
            arith::MaximumFOp::create(b, l, q, build::scalar(b, l, t, lo)),
            build::scalar(b, l, t, hi));
        return Value(arith::MulFOp::create(
            b, l, arith::SubFOp::create(b, l, q, a[2]), a[1]));
      });
  if (!result)
    return n.emitError() << "scale and zero point do not broadcast to "
                         << xType;
  n.setOutput(0, result, n.inputOnnxType(0));
  return success();
}

/// y = (x >= 0 ? 1 : -1) * scale.
LogicalResult importBipolarQuant(NodeContext &n) {
  if (failed(n.requireInputs(2)))
    return failure();
  auto weights = constantFloats(n.input(0));
  auto scale = constantFloats(n.input(1));
  RankedTensorType xType = n.inputType(0);
  if (weights && scale && xType.getRank() == 2) {
    int64_t rows = xType.getShape()[0], cols = xType.getShape()[1];
    if (auto scales = weightScales(*scale, n.inputType(1), rows)) {
      SmallVector<int8_t> signs;
      for (double w : *weights)
        signs.push_back(w >= 0 ? 1 : -1);
      n.setOutput(0,
                  buildDequantizedWeights(
                      n.b, n.loc, signs, rows, cols,
                      BipolarType::get(n.b.getContext()), scales->first,
                      GranularityAttr::get(n.b.getContext(), scales->second, 0),
                      n.node.input(0)),
                  n.inputOnnxType(0));
      return success();
    }
  }
  Value result = build::broadcasting(
      n.b, n.loc, {n.input(0), n.input(1)}, getElementTypeOrSelf(n.input(0)),
      [](OpBuilder &b, Location l, ValueRange a) {
        Type t = a[0].getType();
        Value nonNegative = arith::CmpFOp::create(
            b, l, arith::CmpFPredicate::OGE, a[0], build::scalar(b, l, t, 0));
        Value sign = arith::SelectOp::create(b, l, nonNegative,
                                             build::scalar(b, l, t, 1),
                                             build::scalar(b, l, t, -1));
        return Value(arith::MulFOp::create(b, l, sign, a[1]));
      });
  if (!result)
    return n.emitError() << "scale does not broadcast to " << xType;
  n.setOutput(0, result, n.inputOnnxType(0));
  return success();
}

/// QONNX Trunc (v1): y = (rounding(round(x / s + z) / 2^(in - out)) - z) * s.
LogicalResult importTrunc(NodeContext &n) {
  if (failed(n.requireInputs(5)))
    return failure();
  auto inBits = n.constantFloats(3, "in_bitwidth");
  auto outBits = n.constantFloats(4, "out_bitwidth");
  if (!inBits || !outBits)
    return failure();
  if (inBits->size() != 1 || outBits->size() != 1)
    return n.emitError() << "in_bitwidth and out_bitwidth must be scalars";
  double truncScale = std::ldexp(1.0, (int)((*inBits)[0] - (*outBits)[0]));
  std::string mode = n.stringAttr("rounding_mode", "FLOOR");
  auto round = roundingOp(mode);
  if (!round)
    return n.unsupported("rounding_mode '" + mode + "'");
  Value result = build::broadcasting(
      n.b, n.loc, {n.input(0), n.input(1), n.input(2)},
      getElementTypeOrSelf(n.input(0)),
      [&](OpBuilder &b, Location l, ValueRange a) {
        Type t = a[0].getType();
        Value y = arith::AddFOp::create(
            b, l, arith::DivFOp::create(b, l, a[0], a[1]), a[2]);
        y = build::roundEven(b, l, y);
        y = round(
            b, l,
            arith::DivFOp::create(b, l, y, build::scalar(b, l, t, truncScale)));
        return Value(arith::MulFOp::create(
            b, l, arith::SubFOp::create(b, l, y, a[2]), a[1]));
      });
  if (!result)
    return n.emitError() << "scale and zero point do not broadcast to "
                         << n.inputType(0);
  n.setOutput(0, result, n.inputOnnxType(0));
  return success();
}
} // namespace

void mlir::tern::registerQonnxOps(OpRegistry &r) {
  r.add(kQonnxDomain, "Quant", 1, importQuant);
  r.add(kQonnxDomain, "IntQuant", 1, importQuant);
  r.add(kQonnxDomain, "BipolarQuant", 1, importBipolarQuant);
  r.add(kQonnxDomain, "Trunc", 1, importTrunc);
}
