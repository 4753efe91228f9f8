//===- Quantized.cpp - ONNX's linear quantization ops ---------------------===//
//
// QuantizeLinear/DequantizeLinear (per tensor or per axis), dynamic uint8
// quantization, and the integer matrix products. Rounding is half to even
// and results saturate, as ONNX specifies.
//
//===----------------------------------------------------------------------===//
#include "frontend/onnx/Builders.h"
#include "frontend/onnx/NodeContext.h"
#include "frontend/onnx/OpRegistry.h"
#include "frontend/onnx/TensorImport.h"
#include "frontend/onnx/ops/MatMul.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

#include "onnx/onnx_pb.h"

#include <limits>

using namespace mlir;
using namespace mlir::tern;

namespace {
/// [lo, hi] of an 8-bit (or 32-bit) quantized type.
std::pair<double, double> rangeOf(Type t, bool isUnsigned) {
  unsigned bits = t.getIntOrFloatBitWidth();
  if (isUnsigned)
    return {0, std::ldexp(1.0, bits) - 1};
  return {-std::ldexp(1.0, bits - 1), std::ldexp(1.0, bits - 1) - 1};
}

/// A scale or zero point for broadcasting against `x`: a scalar as rank 0,
/// a 1-D per-axis tensor reshaped to [1.., C, ..1] at `axis`.
std::optional<Value> alongAxis(NodeContext &n, unsigned input, int64_t rank) {
  RankedTensorType type = n.inputType(input);
  if (type.getNumElements() == 1 && type.getRank() <= 1)
    return build::reshape(n.b, n.loc, n.input(input), {});
  auto axis = n.normalizeAxis(n.intAttr("axis", 1), rank);
  if (!axis)
    return std::nullopt;
  if (type.getRank() != 1 ||
      type.getShape()[0] != n.inputType(0).getShape()[*axis]) {
    n.emitError() << "input " << input << " " << type
                  << " is neither a scalar nor one value per element of axis "
                  << *axis;
    return std::nullopt;
  }
  SmallVector<int64_t> shape(rank, 1);
  shape[*axis] = type.getShape()[0];
  return build::reshape(n.b, n.loc, n.input(input), shape);
}

LogicalResult importQuantizeLinear(NodeContext &n) {
  int64_t rank = n.inputType(0).getRank();
  auto scale = alongAxis(n, 1, rank);
  if (!scale)
    return failure();
  SmallVector<Value> inputs = {n.input(0), *scale};
  Type resultType = n.b.getI8Type();
  int32_t resultOnnxType = onnx::TensorProto::UINT8;
  if (n.hasInput(2)) {
    auto zeroPoint = alongAxis(n, 2, rank);
    if (!zeroPoint)
      return failure();
    inputs.push_back(*zeroPoint);
    resultType = getElementTypeOrSelf(n.input(2));
    resultOnnxType = n.inputOnnxType(2);
  }
  bool isUnsigned = isUnsignedOnnxType(resultOnnxType);
  std::pair<double, double> range = rangeOf(resultType, isUnsigned);
  double lo = range.first, hi = range.second;
  Type f = getElementTypeOrSelf(n.input(0));
  Value result = build::elementwise(
      n.b, n.loc, inputs, build::shapeOf(n.input(0)), resultType,
      [&](OpBuilder &b, Location l, ValueRange a) {
        Value q =
            build::roundEven(b, l, arith::DivFOp::create(b, l, a[0], a[1]));
        if (a.size() > 2)
          q = arith::AddFOp::create(
              b, l, q, build::convertScalar(b, l, a[2], f, isUnsigned, false));
        return build::saturate(b, l, q, lo, hi, resultType);
      });
  n.setOutput(0, result, resultOnnxType);
  return success();
}

LogicalResult importDequantizeLinear(NodeContext &n) {
  int64_t rank = n.inputType(0).getRank();
  auto scale = alongAxis(n, 1, rank);
  if (!scale)
    return failure();
  SmallVector<Value> inputs = {n.input(0), *scale};
  if (n.hasInput(2)) {
    auto zeroPoint = alongAxis(n, 2, rank);
    if (!zeroPoint)
      return failure();
    inputs.push_back(*zeroPoint);
  }
  bool isUnsigned = n.inputIsUnsigned(0);
  Type f = getElementTypeOrSelf(*scale);
  Value result = build::elementwise(
      n.b, n.loc, inputs, build::shapeOf(n.input(0)), f,
      [&](OpBuilder &b, Location l, ValueRange a) {
        Value x = build::convertScalar(b, l, a[0], f, isUnsigned, false);
        if (a.size() > 2)
          x = arith::SubFOp::create(
              b, l, x, build::convertScalar(b, l, a[2], f, isUnsigned, false));
        return Value(arith::MulFOp::create(b, l, x, a[1]));
      });
  n.setOutput(0, result, n.inputOnnxType(1));
  return success();
}

/// uint8 quantization with scale and zero point from the data's range
/// (always including 0).
LogicalResult importDynamicQuantizeLinear(NodeContext &n) {
  Value x = n.input(0);
  Type f = getElementTypeOrSelf(x);
  int64_t rank = n.inputType(0).getRank();
  SmallVector<int64_t> all;
  for (int64_t i = 0; i < rank; ++i)
    all.push_back(i);
  auto reduceTo = [&](bool isMax) {
    return build::reduce(
        n.b, n.loc, x, all, false, build::scalar(n.b, n.loc, f, 0),
        [&](OpBuilder &b, Location l, Value v, Value acc) {
          return isMax ? Value(arith::MaximumFOp::create(b, l, acc, v))
                       : Value(arith::MinimumFOp::create(b, l, acc, v));
        });
  };
  Value max = reduceTo(true), min = reduceTo(false);
  Value scale =
      build::elementwise(n.b, n.loc, {max, min}, {}, f,
                         [&](OpBuilder &b, Location l, ValueRange a) {
                           return Value(arith::DivFOp::create(
                               b, l, arith::SubFOp::create(b, l, a[0], a[1]),
                               build::scalar(b, l, f, 255)));
                         });
  Type u8 = n.b.getI8Type();
  Value zeroPoint = build::elementwise(
      n.b, n.loc, {min, scale}, {}, u8,
      [&](OpBuilder &b, Location l, ValueRange a) {
        Value z = arith::DivFOp::create(
            b, l, arith::SubFOp::create(b, l, build::scalar(b, l, f, 0), a[0]),
            a[1]);
        return build::saturate(b, l, z, 0, 255, u8);
      });
  Value y = build::elementwise(
      n.b, n.loc, {x, scale, zeroPoint}, build::shapeOf(x), u8,
      [&](OpBuilder &b, Location l, ValueRange a) {
        Value q =
            build::roundEven(b, l, arith::DivFOp::create(b, l, a[0], a[1]));
        q = arith::AddFOp::create(
            b, l, q, build::convertScalar(b, l, a[2], f, true, false));
        return build::saturate(b, l, q, 0, 255, u8);
      });
  n.setOutput(0, y, onnx::TensorProto::UINT8);
  n.setOutput(1, scale, n.inputOnnxType(0));
  n.setOutput(2, zeroPoint, onnx::TensorProto::UINT8);
  return success();
}

LogicalResult importMatMulInteger(NodeContext &n) {
  MatMulSpec spec;
  spec.a = n.input(0);
  spec.b = n.input(1);
  spec.aUnsigned = n.inputIsUnsigned(0);
  spec.bUnsigned = n.inputIsUnsigned(1);
  if (n.hasInput(2))
    spec.aZeroPoint = n.input(2);
  if (n.hasInput(3))
    spec.bZeroPoint = n.input(3);
  spec.accumulator = n.b.getI32Type();
  FailureOr<Value> result = buildMatMul(n, spec);
  if (failed(result))
    return failure();
  n.setOutput(0, *result, onnx::TensorProto::INT32);
  return success();
}

/// y = saturate(round(sum((a - a_zp)(b - b_zp)) * a_s * b_s / y_s) + y_zp).
LogicalResult importQLinearMatMul(NodeContext &n) {
  for (unsigned i : {1u, 2u, 4u, 5u, 6u, 7u})
    if (n.inputType(i).getNumElements() != 1)
      return n.unsupported(
          "a per-row or per-column scale or zero point (input " +
          std::to_string(i) + ")");
  MatMulSpec spec;
  spec.a = n.input(0);
  spec.b = n.input(3);
  spec.aZeroPoint = n.input(2);
  spec.bZeroPoint = n.input(5);
  spec.aUnsigned = n.inputIsUnsigned(0);
  spec.bUnsigned = n.inputIsUnsigned(3);
  spec.accumulator = n.b.getI32Type();
  FailureOr<Value> product = buildMatMul(n, spec);
  if (failed(product))
    return failure();
  Type f = getElementTypeOrSelf(n.input(1));
  Type resultType = getElementTypeOrSelf(n.input(7));
  bool isUnsigned = n.inputIsUnsigned(7);
  std::pair<double, double> range = rangeOf(resultType, isUnsigned);
  double lo = range.first, hi = range.second;
  SmallVector<Value> inputs = {*product};
  for (unsigned i : {1u, 4u, 6u, 7u})
    inputs.push_back(build::reshape(n.b, n.loc, n.input(i), {}));
  Value result = build::elementwise(
      n.b, n.loc, inputs, build::shapeOf(*product), resultType,
      [&](OpBuilder &b, Location l, ValueRange a) {
        Value scale = arith::DivFOp::create(
            b, l, arith::MulFOp::create(b, l, a[1], a[2]), a[3]);
        Value acc = build::convertScalar(b, l, a[0], f, false, false);
        Value q =
            build::roundEven(b, l, arith::MulFOp::create(b, l, acc, scale));
        q = arith::AddFOp::create(
            b, l, q, build::convertScalar(b, l, a[4], f, isUnsigned, false));
        return build::saturate(b, l, q, lo, hi, resultType);
      });
  n.setOutput(0, result, n.inputOnnxType(7));
  return success();
}
} // namespace

void mlir::tern::registerQuantizedOps(OpRegistry &r) {
  r.add("QuantizeLinear", 10, importQuantizeLinear);
  r.add("DequantizeLinear", 10, importDequantizeLinear);
  r.add("DynamicQuantizeLinear", 11, importDynamicQuantizeLinear);
  r.add("MatMulInteger", 10, importMatMulInteger);
  r.add("QLinearMatMul", 10, importQLinearMatMul);
}
