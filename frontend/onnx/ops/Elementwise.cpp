//===- Elementwise.cpp - ONNX element-wise ops ----------------------------===//
//
// Arithmetic, math, comparison and selection ops: one broadcasting
// linalg.generic each, with the scalar body chosen by element type.
//
//===----------------------------------------------------------------------===//
#include "frontend/onnx/Builders.h"
#include "frontend/onnx/GraphImporter.h"
#include "frontend/onnx/NodeContext.h"
#include "frontend/onnx/OpRegistry.h"
#include "frontend/onnx/TensorImport.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"

#include "onnx/onnx_pb.h"

using namespace mlir;
using namespace mlir::tern;

namespace {
using Scalar = function_ref<Value(OpBuilder &, Location, ValueRange)>;

/// Emits a broadcasting element-wise op over all inputs, producing
/// `resultOnnxType` (the first input's type when 0).
LogicalResult emitElementwise(NodeContext &n, Type resultElement,
                              int32_t resultOnnxType, Scalar body) {
  SmallVector<Value> inputs;
  for (unsigned i = 0; i < n.numInputs(); ++i)
    if (n.hasInput(i))
      inputs.push_back(n.input(i));
  Value result = build::broadcasting(n.b, n.loc, inputs, resultElement, body);
  if (!result) {
    auto diag = n.emitError() << "input shapes do not broadcast:";
    for (Value input : inputs)
      diag << " " << input.getType();
    return diag;
  }
  n.setOutput(0, result, resultOnnxType ? resultOnnxType : n.inputOnnxType(0));
  return success();
}

LogicalResult sameTypeElementwise(NodeContext &n, Scalar body) {
  for (unsigned i = 1; i < n.numInputs(); ++i)
    if (n.hasInput(i) &&
        getElementTypeOrSelf(n.input(i)) != getElementTypeOrSelf(n.input(0)))
      return n.emitError() << "inputs have different element types ("
                           << onnxTypeName(n.inputOnnxType(0)) << " and "
                           << onnxTypeName(n.inputOnnxType(i)) << ")";
  return emitElementwise(n, getElementTypeOrSelf(n.input(0)), 0, body);
}

bool isFloat(Value v) { return isa<FloatType>(v.getType()); }

LogicalResult importAdd(NodeContext &n) {
  return sameTypeElementwise(n, [](OpBuilder &b, Location l, ValueRange a) {
    return build::add(b, l, a[0], a[1]);
  });
}
LogicalResult importSub(NodeContext &n) {
  return sameTypeElementwise(n, [](OpBuilder &b, Location l, ValueRange a) {
    return build::sub(b, l, a[0], a[1]);
  });
}
LogicalResult importMul(NodeContext &n) {
  return sameTypeElementwise(n, [](OpBuilder &b, Location l, ValueRange a) {
    return build::mul(b, l, a[0], a[1]);
  });
}
LogicalResult importDiv(NodeContext &n) {
  bool isUnsigned = n.inputIsUnsigned(0);
  return sameTypeElementwise(n, [&](OpBuilder &b, Location l, ValueRange a) {
    if (isFloat(a[0]))
      return Value(arith::DivFOp::create(b, l, a[0], a[1]));
    return isUnsigned ? Value(arith::DivUIOp::create(b, l, a[0], a[1]))
                      : Value(arith::DivSIOp::create(b, l, a[0], a[1]));
  });
}

/// Pow: the result has the base's type; mixed float/int exponents convert.
LogicalResult importPow(NodeContext &n) {
  Type base = getElementTypeOrSelf(n.input(0));
  bool baseUnsigned = n.inputIsUnsigned(0), expUnsigned = n.inputIsUnsigned(1);
  return emitElementwise(
      n, base, 0, [&](OpBuilder &b, Location l, ValueRange a) -> Value {
        Value x = a[0], y = a[1];
        if (isFloat(x)) {
          y = build::convertScalar(b, l, y, x.getType(), expUnsigned, false);
          return math::PowFOp::create(b, l, x, y);
        }
        if (isFloat(y)) {
          // Integer base, float exponent: compute in the exponent's type.
          Value xf =
              build::convertScalar(b, l, x, y.getType(), baseUnsigned, false);
          Value r = math::PowFOp::create(b, l, xf, y);
          return build::convertScalar(b, l, r, x.getType(), false,
                                      baseUnsigned);
        }
        y = build::convertScalar(b, l, y, x.getType(), expUnsigned,
                                 baseUnsigned);
        return math::IPowIOp::create(b, l, x, y);
      });
}

template <typename FloatOp> LogicalResult floatUnary(NodeContext &n) {
  if (!isa<FloatType>(getElementTypeOrSelf(n.input(0))))
    return n.emitError() << "input must be a float tensor, got "
                         << onnxTypeName(n.inputOnnxType(0));
  return emitElementwise(n, getElementTypeOrSelf(n.input(0)), 0,
                         [](OpBuilder &b, Location l, ValueRange a) {
                           return Value(FloatOp::create(b, l, a[0]));
                         });
}

LogicalResult importRelu(NodeContext &n) {
  bool isUnsigned = n.inputIsUnsigned(0);
  return emitElementwise(
      n, getElementTypeOrSelf(n.input(0)), 0,
      [&](OpBuilder &b, Location l, ValueRange a) {
        return build::max(b, l, a[0], build::scalar(b, l, a[0].getType(), 0),
                          isUnsigned);
      });
}

LogicalResult importSigmoid(NodeContext &n) {
  return emitElementwise(n, getElementTypeOrSelf(n.input(0)), 0,
                         [](OpBuilder &b, Location l, ValueRange a) {
                           Type t = a[0].getType();
                           Value e = math::ExpOp::create(
                               b, l, arith::NegFOp::create(b, l, a[0]));
                           Value one = build::scalar(b, l, t, 1);
                           return Value(arith::DivFOp::create(
                               b, l, one, arith::AddFOp::create(b, l, one, e)));
                         });
}

LogicalResult importNeg(NodeContext &n) {
  return emitElementwise(
      n, getElementTypeOrSelf(n.input(0)), 0,
      [](OpBuilder &b, Location l, ValueRange a) {
        if (isFloat(a[0]))
          return Value(arith::NegFOp::create(b, l, a[0]));
        return build::sub(b, l, build::scalar(b, l, a[0].getType(), 0), a[0]);
      });
}

LogicalResult importAbs(NodeContext &n) {
  bool isUnsigned = n.inputIsUnsigned(0);
  return emitElementwise(n, getElementTypeOrSelf(n.input(0)), 0,
                         [&](OpBuilder &b, Location l, ValueRange a) {
                           if (isFloat(a[0]))
                             return Value(math::AbsFOp::create(b, l, a[0]));
                           if (isUnsigned)
                             return a[0];
                           return Value(math::AbsIOp::create(b, l, a[0]));
                         });
}

LogicalResult importReciprocal(NodeContext &n) {
  return emitElementwise(
      n, getElementTypeOrSelf(n.input(0)), 0,
      [](OpBuilder &b, Location l, ValueRange a) {
        return Value(arith::DivFOp::create(
            b, l, build::scalar(b, l, a[0].getType(), 1), a[0]));
      });
}

LogicalResult importSign(NodeContext &n) {
  bool isUnsigned = n.inputIsUnsigned(0);
  return emitElementwise(
      n, getElementTypeOrSelf(n.input(0)), 0,
      [&](OpBuilder &b, Location l, ValueRange a) -> Value {
        Type t = a[0].getType();
        Value zero = build::scalar(b, l, t, 0), one = build::scalar(b, l, t, 1);
        Value minusOne = build::scalar(b, l, t, -1);
        Value positive, negative;
        if (isFloat(a[0])) {
          positive = arith::CmpFOp::create(b, l, arith::CmpFPredicate::OGT,
                                           a[0], zero);
          negative = arith::CmpFOp::create(b, l, arith::CmpFPredicate::OLT,
                                           a[0], zero);
        } else {
          positive =
              arith::CmpIOp::create(b, l,
                                    isUnsigned ? arith::CmpIPredicate::ugt
                                               : arith::CmpIPredicate::sgt,
                                    a[0], zero);
          negative =
              arith::CmpIOp::create(b, l,
                                    isUnsigned ? arith::CmpIPredicate::ult
                                               : arith::CmpIPredicate::slt,
                                    a[0], zero);
        }
        // NaN stays NaN: neither branch selects a constant for it.
        Value notPositive = arith::SelectOp::create(
            b, l, negative, minusOne, isFloat(a[0]) ? a[0] : zero);
        Value zeroOrNaN =
            isFloat(a[0])
                ? Value(arith::SelectOp::create(
                      b, l,
                      arith::CmpFOp::create(b, l, arith::CmpFPredicate::OEQ,
                                            a[0], zero),
                      zero, notPositive))
                : notPositive;
        return arith::SelectOp::create(b, l, positive, one, zeroOrNaN);
      });
}

/// Clip: min/max are attributes before opset 11 and optional inputs after.
LogicalResult importClip(NodeContext &n) {
  Type t = getElementTypeOrSelf(n.input(0));
  bool isUnsigned = n.inputIsUnsigned(0);
  Value lo, hi;
  if (n.opset < 11) {
    lo = build::scalar(n.b, n.loc, t, n.floatAttr("min", -3.402823e38f));
    hi = build::scalar(n.b, n.loc, t, n.floatAttr("max", 3.402823e38f));
  }
  SmallVector<Value> inputs = {n.input(0)};
  bool hasLo = n.opset >= 11 && n.hasInput(1);
  bool hasHi = n.opset >= 11 && n.hasInput(2);
  for (unsigned i : {1u, 2u})
    if (n.opset >= 11 && n.hasInput(i)) {
      if (!n.inputType(i).getShape().empty() &&
          n.inputType(i).getNumElements() != 1)
        return n.emitError() << (i == 1 ? "min" : "max")
                             << " must be a scalar, got " << n.inputType(i);
      inputs.push_back(build::reshape(n.b, n.loc, n.input(i), {}));
    }
  Value result =
      build::elementwise(n.b, n.loc, inputs, build::shapeOf(n.input(0)), t,
                         [&](OpBuilder &b, Location l, ValueRange a) {
                           Value x = a[0];
                           unsigned next = 1;
                           Value low = hasLo ? a[next++] : lo;
                           Value high = hasHi ? a[next++] : hi;
                           // max then min, so min > max yields max, as ONNX
                           // specifies.
                           if (low)
                             x = build::max(b, l, x, low, isUnsigned);
                           if (high)
                             x = build::min(b, l, x, high, isUnsigned);
                           return x;
                         });
  n.setOutput(0, result, n.inputOnnxType(0));
  return success();
}

LogicalResult importWhere(NodeContext &n) {
  if (getElementTypeOrSelf(n.input(1)) != getElementTypeOrSelf(n.input(2)))
    return n.emitError() << "X and Y have different element types";
  return emitElementwise(
      n, getElementTypeOrSelf(n.input(1)), n.inputOnnxType(1),
      [](OpBuilder &b, Location l, ValueRange a) {
        return Value(arith::SelectOp::create(b, l, a[0], a[1], a[2]));
      });
}

template <arith::CmpFPredicate F, arith::CmpIPredicate S,
          arith::CmpIPredicate U>
LogicalResult compare(NodeContext &n) {
  bool isUnsigned = n.inputIsUnsigned(0);
  return emitElementwise(
      n, n.b.getI1Type(), onnx::TensorProto::BOOL,
      [&](OpBuilder &b, Location l, ValueRange a) {
        if (isFloat(a[0]))
          return Value(arith::CmpFOp::create(b, l, F, a[0], a[1]));
        return Value(
            arith::CmpIOp::create(b, l, isUnsigned ? U : S, a[0], a[1]));
      });
}

template <typename BoolOp> LogicalResult logical(NodeContext &n) {
  return emitElementwise(n, n.b.getI1Type(), onnx::TensorProto::BOOL,
                         [](OpBuilder &b, Location l, ValueRange a) {
                           return Value(BoolOp::create(b, l, a[0], a[1]));
                         });
}

LogicalResult importNot(NodeContext &n) {
  return emitElementwise(
      n, n.b.getI1Type(), onnx::TensorProto::BOOL,
      [](OpBuilder &b, Location l, ValueRange a) {
        return Value(arith::XOrIOp::create(
            b, l, a[0], build::scalar(b, l, b.getI1Type(), 1)));
      });
}

template <bool isMax> LogicalResult minMax(NodeContext &n) {
  bool isUnsigned = n.inputIsUnsigned(0);
  return sameTypeElementwise(n, [&](OpBuilder &b, Location l, ValueRange a) {
    Value r = a[0];
    for (Value v : a.drop_front())
      r = isMax ? build::max(b, l, r, v, isUnsigned)
                : build::min(b, l, r, v, isUnsigned);
    return r;
  });
}

LogicalResult importCast(NodeContext &n) {
  int32_t to = n.intAttr("to", 0);
  Type toType = getOnnxElementType(n.b.getContext(), to);
  if (!toType)
    return n.unsupported("Cast to " + onnxTypeName(to));
  if (isFloatOnnxType(n.inputOnnxType(0)) &&
      !isa<FloatType>(getElementTypeOrSelf(n.input(0))))
    return n.unsupported("Cast from " + onnxTypeName(n.inputOnnxType(0)));
  n.setOutput(0,
              build::convertTensor(n.b, n.loc, n.input(0), toType,
                                   n.inputIsUnsigned(0),
                                   isUnsignedOnnxType(to)),
              to);
  return success();
}

LogicalResult importIdentity(NodeContext &n) {
  n.setOutput(0, n.input(0), n.inputOnnxType(0));
  return success();
}

LogicalResult importConstant(NodeContext &n) {
  OpBuilder &b = n.b;
  if (const onnx::TensorProto *tensor = n.tensorAttr("value")) {
    FailureOr<OnnxValue> value = n.graph.importConstant(*tensor, n.loc);
    if (failed(value))
      return failure();
    n.setOutput(0, value->value, value->onnxType);
    return success();
  }
  auto setDense = [&](ArrayRef<int64_t> shape, Type type, auto values,
                      int32_t onnxType) {
    auto attr = DenseElementsAttr::get(RankedTensorType::get(shape, type),
                                       llvm::ArrayRef(values));
    n.setOutput(0, arith::ConstantOp::create(b, n.loc, attr), onnxType);
    return success();
  };
  if (n.hasAttribute("value_float"))
    return setDense({}, b.getF32Type(),
                    SmallVector<float>{n.floatAttr("value_float", 0)},
                    onnx::TensorProto::FLOAT);
  if (n.hasAttribute("value_int"))
    return setDense({}, b.getI64Type(),
                    SmallVector<int64_t>{n.intAttr("value_int", 0)},
                    onnx::TensorProto::INT64);
  if (auto floats = n.floatsAttr("value_floats"))
    return setDense({(int64_t)floats->size()}, b.getF32Type(), *floats,
                    onnx::TensorProto::FLOAT);
  if (auto ints = n.intsAttr("value_ints"))
    return setDense({(int64_t)ints->size()}, b.getI64Type(), *ints,
                    onnx::TensorProto::INT64);
  return n.unsupported("a Constant without a tensor, float or int value");
}
} // namespace

void mlir::tern::registerElementwiseOps(OpRegistry &r) {
  r.add("Add", 1, importAdd);
  r.add("Sub", 1, importSub);
  r.add("Mul", 1, importMul);
  r.add("Div", 1, importDiv);
  r.add("Pow", 1, importPow);
  r.add("Relu", 1, importRelu);
  r.add("Sigmoid", 1, importSigmoid);
  r.add("Neg", 1, importNeg);
  r.add("Abs", 1, importAbs);
  r.add("Reciprocal", 1, importReciprocal);
  r.add("Sign", 9, importSign);
  r.add("Tanh", 1, floatUnary<math::TanhOp>);
  r.add("Erf", 9, floatUnary<math::ErfOp>);
  r.add("Sqrt", 1, floatUnary<math::SqrtOp>);
  r.add("Exp", 1, floatUnary<math::ExpOp>);
  r.add("Log", 1, floatUnary<math::LogOp>);
  r.add("Floor", 1, floatUnary<math::FloorOp>);
  r.add("Ceil", 1, floatUnary<math::CeilOp>);
  r.add("Round", 11, floatUnary<math::RoundEvenOp>);
  r.add("Sin", 7, floatUnary<math::SinOp>);
  r.add("Cos", 7, floatUnary<math::CosOp>);
  r.add("Clip", 1, importClip);
  r.add("Where", 9, importWhere);
  r.add("Max", 1, minMax<true>);
  r.add("Min", 1, minMax<false>);
  r.add("Equal", 1,
        compare<arith::CmpFPredicate::OEQ, arith::CmpIPredicate::eq,
                arith::CmpIPredicate::eq>);
  r.add("Less", 1,
        compare<arith::CmpFPredicate::OLT, arith::CmpIPredicate::slt,
                arith::CmpIPredicate::ult>);
  r.add("LessOrEqual", 12,
        compare<arith::CmpFPredicate::OLE, arith::CmpIPredicate::sle,
                arith::CmpIPredicate::ule>);
  r.add("Greater", 1,
        compare<arith::CmpFPredicate::OGT, arith::CmpIPredicate::sgt,
                arith::CmpIPredicate::ugt>);
  r.add("GreaterOrEqual", 12,
        compare<arith::CmpFPredicate::OGE, arith::CmpIPredicate::sge,
                arith::CmpIPredicate::uge>);
  r.add("And", 1, logical<arith::AndIOp>);
  r.add("Or", 1, logical<arith::OrIOp>);
  r.add("Xor", 1, logical<arith::XOrIOp>);
  r.add("Not", 1, importNot);
  r.add("Cast", 1, importCast);
  r.add("Identity", 1, importIdentity);
  r.add("Constant", 1, importConstant);
}
