//===- Normalization.cpp - ONNX reductions, Softmax and normalizations ----===//
#include "frontend/onnx/Builders.h"
#include "frontend/onnx/NodeContext.h"
#include "frontend/onnx/OpRegistry.h"
#include "frontend/onnx/TensorImport.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"

#include "onnx/onnx_pb.h"

#include <limits>

using namespace mlir;
using namespace mlir::tern;

namespace {
using Combine = function_ref<Value(OpBuilder &, Location, Value, Value)>;

Value addF(OpBuilder &b, Location l, Value x, Value acc) {
  return build::add(b, l, acc, x);
}

/// x op y, elementwise with broadcasting (shapes are known to broadcast).
Value binary(NodeContext &n, Value x, Value y,
             function_ref<Value(OpBuilder &, Location, Value, Value)> op) {
  return build::broadcasting(n.b, n.loc, {x, y}, getElementTypeOrSelf(x),
                             [&](OpBuilder &b, Location l, ValueRange a) {
                               return op(b, l, a[0], a[1]);
                             });
}

Value divide(NodeContext &n, Value x, Value y) {
  return binary(n, x, y, [](OpBuilder &b, Location l, Value p, Value q) {
    return Value(arith::DivFOp::create(b, l, p, q));
  });
}

Value subtract(NodeContext &n, Value x, Value y) {
  return binary(n, x, y, [](OpBuilder &b, Location l, Value p, Value q) {
    return build::sub(b, l, p, q);
  });
}

/// Sorted, unique, non-negative axes; all axes when `axes` is empty.
std::optional<SmallVector<int64_t>>
reductionAxes(NodeContext &n, ArrayRef<int64_t> axes, int64_t rank) {
  SmallVector<int64_t> result;
  if (axes.empty())
    for (int64_t i = 0; i < rank; ++i)
      result.push_back(i);
  for (int64_t axis : axes) {
    auto normalized = n.normalizeAxis(axis, rank);
    if (!normalized)
      return std::nullopt;
    if (!llvm::is_contained(result, *normalized))
      result.push_back(*normalized);
  }
  llvm::sort(result);
  return result;
}

/// The mean over `axes` with kept dims.
Value mean(NodeContext &n, Value x, ArrayRef<int64_t> axes) {
  Type t = getElementTypeOrSelf(x);
  Value sum = build::reduce(n.b, n.loc, x, axes, true,
                            build::scalar(n.b, n.loc, t, 0), addF);
  int64_t count = 1;
  for (int64_t axis : axes)
    count *= build::shapeOf(x)[axis];
  return divide(n, sum, build::splat(n.b, n.loc, {}, t, count));
}

/// The four reductions share axes handling: an attribute before
/// `inputSince`, the optional second input from then on.
template <int64_t inputSince>
std::optional<SmallVector<int64_t>> reduceAxes(NodeContext &n, bool &noop) {
  SmallVector<int64_t> axes;
  if (n.opset >= inputSince) {
    if (n.hasInput(1)) {
      auto given = n.constantInts(1, "axes");
      if (!given)
        return std::nullopt;
      axes = *given;
    }
    noop = axes.empty() && n.intAttr("noop_with_empty_axes", 0);
  } else if (auto given = n.intsAttr("axes")) {
    axes = *given;
  }
  return reductionAxes(n, axes, n.inputType(0).getRank());
}

enum class Reduction { Sum, Mean, Max, Min, Prod };

template <Reduction kind, int64_t inputSince>
LogicalResult importReduce(NodeContext &n) {
  bool noop = false;
  auto axes = reduceAxes<inputSince>(n, noop);
  if (!axes)
    return failure();
  if (noop) {
    n.setOutput(0, n.input(0), n.inputOnnxType(0));
    return success();
  }
  bool keepDims = n.intAttr("keepdims", 1);
  Value x = n.input(0);
  Type t = getElementTypeOrSelf(x);
  bool isUnsigned = n.inputIsUnsigned(0);
  bool isFloat = isa<FloatType>(t);
  double lowest = isFloat ? -std::numeric_limits<double>::infinity()
                  : isUnsigned
                      ? 0
                      : -std::ldexp(1.0, t.getIntOrFloatBitWidth() - 1);
  double highest = isFloat ? std::numeric_limits<double>::infinity()
                   : isUnsigned
                       ? std::ldexp(1.0, t.getIntOrFloatBitWidth()) - 1
                       : std::ldexp(1.0, t.getIntOrFloatBitWidth() - 1) - 1;
  double init = kind == Reduction::Max    ? lowest
                : kind == Reduction::Min  ? highest
                : kind == Reduction::Prod ? 1
                                          : 0;
  Value result = build::reduce(
      n.b, n.loc, x, *axes, keepDims, build::scalar(n.b, n.loc, t, init),
      [&](OpBuilder &b, Location l, Value v, Value acc) -> Value {
        switch (kind) {
        case Reduction::Max:
          return build::max(b, l, acc, v, isUnsigned);
        case Reduction::Min:
          return build::min(b, l, acc, v, isUnsigned);
        case Reduction::Prod:
          return build::mul(b, l, acc, v);
        default:
          return build::add(b, l, acc, v);
        }
      });
  if (kind == Reduction::Mean) {
    int64_t count = 1;
    for (int64_t axis : *axes)
      count *= n.inputType(0).getShape()[axis];
    if (!isFloat)
      return n.unsupported("ReduceMean of " + onnxTypeName(n.inputOnnxType(0)));
    result = divide(n, result, build::splat(n.b, n.loc, {}, t, count));
  }
  n.setOutput(0, result, n.inputOnnxType(0));
  return success();
}

/// Softmax and LogSoftmax: before opset 13 over all dims from `axis` on
/// (the input coerced to 2-D), from 13 over the single `axis`.
template <bool isLog> LogicalResult importSoftmax(NodeContext &n) {
  int64_t rank = n.inputType(0).getRank();
  auto axis = n.normalizeAxis(n.intAttr("axis", n.opset < 13 ? 1 : -1), rank);
  if (!axis)
    return failure();
  SmallVector<int64_t> axes;
  for (int64_t i = *axis; i < (n.opset < 13 ? rank : *axis + 1); ++i)
    axes.push_back(i);
  Value x = n.input(0);
  Type t = getElementTypeOrSelf(x);
  Value max = build::reduce(
      n.b, n.loc, x, axes, true,
      build::scalar(n.b, n.loc, t, -std::numeric_limits<double>::infinity()),
      [](OpBuilder &b, Location l, Value v, Value acc) {
        return Value(arith::MaximumFOp::create(b, l, acc, v));
      });
  Value shifted = subtract(n, x, max);
  Value exp =
      build::elementwise(n.b, n.loc, shifted, build::shapeOf(x), t,
                         [](OpBuilder &b, Location l, ValueRange a) {
                           return Value(math::ExpOp::create(b, l, a[0]));
                         });
  Value sum = build::reduce(n.b, n.loc, exp, axes, true,
                            build::scalar(n.b, n.loc, t, 0), addF);
  Value result;
  if (isLog)
    result =
        binary(n, shifted, sum, [](OpBuilder &b, Location l, Value s, Value z) {
          return Value(
              arith::SubFOp::create(b, l, s, math::LogOp::create(b, l, z)));
        });
  else
    result = divide(n, exp, sum);
  n.setOutput(0, result, n.inputOnnxType(0));
  return success();
}

/// 1 / sqrt(variance + epsilon), elementwise.
Value inverseStdDev(NodeContext &n, Value variance, double epsilon) {
  Type t = getElementTypeOrSelf(variance);
  return build::elementwise(
      n.b, n.loc, variance, build::shapeOf(variance), t,
      [&](OpBuilder &b, Location l, ValueRange a) {
        Value v =
            arith::AddFOp::create(b, l, a[0], build::scalar(b, l, t, epsilon));
        return Value(arith::DivFOp::create(b, l, build::scalar(b, l, t, 1),
                                           math::SqrtOp::create(b, l, v)));
      });
}

LogicalResult importLayerNormalization(NodeContext &n) {
  Value x = n.input(0);
  int64_t rank = n.inputType(0).getRank();
  auto axis = n.normalizeAxis(n.intAttr("axis", -1), rank);
  if (!axis)
    return failure();
  SmallVector<int64_t> axes;
  for (int64_t i = *axis; i < rank; ++i)
    axes.push_back(i);
  Value mu = mean(n, x, axes);
  Value centered = subtract(n, x, mu);
  Value squared = binary(n, centered, centered,
                         [](OpBuilder &b, Location l, Value p, Value q) {
                           return build::mul(b, l, p, q);
                         });
  Value invStd =
      inverseStdDev(n, mean(n, squared, axes), n.floatAttr("epsilon", 1e-5f));
  SmallVector<Value> inputs = {centered, invStd, n.input(1)};
  if (n.hasInput(2))
    inputs.push_back(n.input(2));
  for (unsigned i = 1; i < n.numInputs(); ++i)
    if (n.hasInput(i) && !build::broadcastShapes(
                             {build::shapeOf(x), build::shapeOf(n.input(i))}))
      return n.emitError() << "input " << i << " " << n.inputType(i)
                           << " does not broadcast to " << n.inputType(0);
  Value y = build::elementwise(
      n.b, n.loc, inputs, build::shapeOf(x), getElementTypeOrSelf(x),
      [](OpBuilder &b, Location l, ValueRange a) {
        Value v = arith::MulFOp::create(
            b, l, arith::MulFOp::create(b, l, a[0], a[1]), a[2]);
        return a.size() > 3 ? Value(arith::AddFOp::create(b, l, v, a[3])) : v;
      });
  n.setOutput(0, y, n.inputOnnxType(0));
  n.setOutput(1, mu, n.inputOnnxType(0));
  n.setOutput(2, invStd, n.inputOnnxType(0));
  return success();
}

/// Per-channel (dim 1) BatchNormalization; with training_mode the batch's
/// own statistics are used and the running ones updated.
LogicalResult importBatchNormalization(NodeContext &n) {
  Value x = n.input(0);
  int64_t rank = n.inputType(0).getRank();
  if (rank < 2)
    return n.emitError() << "input must have rank >= 2, got " << n.inputType(0);
  int64_t channels = n.inputType(0).getShape()[1];
  for (unsigned i = 1; i < 5; ++i)
    if (!n.hasInput(i) || n.inputType(i).getNumElements() != channels)
      return n.emitError() << "input " << i << " must hold " << channels
                           << " values (one per channel)";
  // [C] -> [C, 1, ..., 1] so parameters broadcast along dim 1.
  SmallVector<int64_t> paramShape(rank - 1, 1);
  paramShape[0] = channels;
  auto param = [&](unsigned i) {
    return build::reshape(n.b, n.loc, n.input(i), paramShape);
  };
  double epsilon = n.floatAttr("epsilon", 1e-5f);
  Type t = getElementTypeOrSelf(x);
  Value batchMean, batchVar;
  bool training = n.opset >= 14 && n.intAttr("training_mode", 0);
  if (training) {
    SmallVector<int64_t> axes = {0};
    for (int64_t i = 2; i < rank; ++i)
      axes.push_back(i);
    batchMean = mean(n, x, axes);
    Value centered = subtract(n, x, batchMean);
    batchVar = mean(n,
                    binary(n, centered, centered,
                           [](OpBuilder &b, Location l, Value p, Value q) {
                             return build::mul(b, l, p, q);
                           }),
                    axes);
    batchMean = build::reshape(n.b, n.loc, batchMean, paramShape);
    batchVar = build::reshape(n.b, n.loc, batchVar, paramShape);
  }
  Value meanValue = training ? batchMean : param(3);
  Value varValue = training ? batchVar : param(4);
  Value y = build::elementwise(
      n.b, n.loc, {x, param(1), param(2), meanValue, varValue},
      build::shapeOf(x), t, [&](OpBuilder &b, Location l, ValueRange a) {
        Value centered = arith::SubFOp::create(b, l, a[0], a[3]);
        Value denominator = math::SqrtOp::create(
            b, l,
            arith::AddFOp::create(b, l, a[4], build::scalar(b, l, t, epsilon)));
        Value scaled = arith::MulFOp::create(
            b, l, arith::DivFOp::create(b, l, centered, denominator), a[1]);
        return Value(arith::AddFOp::create(b, l, scaled, a[2]));
      });
  n.setOutput(0, y, n.inputOnnxType(0));
  if (training) {
    double momentum = n.floatAttr("momentum", 0.9f);
    auto running = [&](unsigned input, Value batch) {
      Value flat = build::reshape(n.b, n.loc, batch, {channels});
      return build::elementwise(
          n.b, n.loc,
          {build::reshape(n.b, n.loc, n.input(input), {channels}), flat},
          {channels}, t, [&](OpBuilder &b, Location l, ValueRange a) {
            Value kept = arith::MulFOp::create(
                b, l, a[0], build::scalar(b, l, t, momentum));
            Value added = arith::MulFOp::create(
                b, l, a[1], build::scalar(b, l, t, 1 - momentum));
            return Value(arith::AddFOp::create(b, l, kept, added));
          });
    };
    n.setOutput(1, running(3, batchMean), n.inputOnnxType(0));
    n.setOutput(2, running(4, batchVar), n.inputOnnxType(0));
  }
  return success();
}
} // namespace

void mlir::tern::registerNormalizationOps(OpRegistry &r) {
  r.add("ReduceSum", 1, importReduce<Reduction::Sum, 13>);
  r.add("ReduceMean", 1, importReduce<Reduction::Mean, 18>);
  r.add("ReduceMax", 1, importReduce<Reduction::Max, 18>);
  r.add("ReduceMin", 1, importReduce<Reduction::Min, 18>);
  r.add("ReduceProd", 1, importReduce<Reduction::Prod, 18>);
  r.add("Softmax", 1, importSoftmax<false>);
  r.add("LogSoftmax", 1, importSoftmax<true>);
  r.add("LayerNormalization", 17, importLayerNormalization);
  r.add("BatchNormalization", 6, importBatchNormalization);
}
