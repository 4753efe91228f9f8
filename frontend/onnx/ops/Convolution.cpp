//===- Convolution.cpp - ONNX Conv and pooling ----------------------------===//
//
// Conv and pooling are each one linalg.generic over (n, channel, out...,
// reduction...) on an explicitly padded input, so groups, strides and
// dilations are affine index expressions. Averages divide by a second
// pooling over a tensor of ones padded with 0 where elements must not count.
//
//===----------------------------------------------------------------------===//
#include "frontend/onnx/Builders.h"
#include "frontend/onnx/NodeContext.h"
#include "frontend/onnx/OpRegistry.h"
#include "frontend/onnx/TensorImport.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include "onnx/onnx_pb.h"

#include <limits>

using namespace mlir;
using namespace mlir::tern;

namespace {
/// The sliding window of a Conv or pool over the spatial dims.
struct Window {
  SmallVector<int64_t> kernel, strides, dilations, padBegin, padEnd, out;
  /// Extra end padding beyond the explicit pads so every window (ceil mode)
  /// stays in bounds; it never counts as an element.
  SmallVector<int64_t> extraEnd;
};

std::optional<Window> computeWindow(NodeContext &n, ArrayRef<int64_t> in,
                                    ArrayRef<int64_t> kernel, bool ceilMode) {
  size_t rank = in.size();
  Window w;
  w.kernel.assign(kernel.begin(), kernel.end());
  w.strides = n.intsAttr("strides").value_or(SmallVector<int64_t>(rank, 1));
  w.dilations = n.intsAttr("dilations").value_or(SmallVector<int64_t>(rank, 1));
  SmallVector<int64_t> pads =
      n.intsAttr("pads").value_or(SmallVector<int64_t>(2 * rank, 0));
  if (w.kernel.size() != rank || w.strides.size() != rank ||
      w.dilations.size() != rank || pads.size() != 2 * rank) {
    n.emitError() << "kernel_shape, strides, dilations and pads must match "
                  << rank << " spatial dims";
    return std::nullopt;
  }
  std::string autoPad = n.stringAttr("auto_pad", "NOTSET");
  for (size_t i = 0; i < rank; ++i) {
    int64_t extent = (w.kernel[i] - 1) * w.dilations[i] + 1;
    if (w.strides[i] < 1 || w.dilations[i] < 1 || w.kernel[i] < 1) {
      n.emitError() << "kernel, strides and dilations must be positive";
      return std::nullopt;
    }
    int64_t begin = pads[i], end = pads[rank + i], out;
    if (autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER") {
      out = (in[i] + w.strides[i] - 1) / w.strides[i];
      int64_t total =
          std::max<int64_t>(0, (out - 1) * w.strides[i] + extent - in[i]);
      begin = autoPad == "SAME_UPPER" ? total / 2 : total - total / 2;
      end = total - begin;
    } else {
      if (autoPad == "VALID")
        begin = end = 0;
      else if (autoPad != "NOTSET") {
        n.emitError() << "auto_pad '" << autoPad << "' is not supported";
        return std::nullopt;
      }
      int64_t span = in[i] + begin + end - extent;
      if (span < 0) {
        n.emitError() << "the window is larger than the padded input";
        return std::nullopt;
      }
      out = (ceilMode ? (span + w.strides[i] - 1) / w.strides[i]
                      : span / w.strides[i]) +
            1;
      // The last window must start inside the input or its left padding.
      if (ceilMode && (out - 1) * w.strides[i] >= in[i] + begin)
        --out;
    }
    int64_t needed = (out - 1) * w.strides[i] + extent;
    w.padBegin.push_back(begin);
    w.padEnd.push_back(end);
    w.extraEnd.push_back(std::max<int64_t>(0, needed - (in[i] + begin + end)));
    w.out.push_back(out);
  }
  return w;
}

/// `input` [N, C, spatial...] padded with `value` by `begin`/`end` (spatial).
Value pad(OpBuilder &b, Location loc, Value input, ArrayRef<int64_t> begin,
          ArrayRef<int64_t> end, Value value) {
  SmallVector<int64_t> shape = build::shapeOf(input);
  if (llvm::all_of(begin, [](int64_t p) { return p == 0; }) &&
      llvm::all_of(end, [](int64_t p) { return p == 0; }))
    return input;
  SmallVector<int64_t> padded(shape), offsets(shape.size(), 0),
      strides(shape.size(), 1);
  for (size_t i = 0; i < begin.size(); ++i) {
    padded[2 + i] += begin[i] + end[i];
    offsets[2 + i] = begin[i];
  }
  Value result = build::filled(b, loc, padded, value);
  return tensor::InsertSliceOp::create(b, loc, input, result, ValueRange{},
                                       ValueRange{}, ValueRange{}, offsets,
                                       shape, strides);
}

SmallVector<int64_t> totalEnd(const Window &w) {
  SmallVector<int64_t> end;
  for (size_t i = 0; i < w.padEnd.size(); ++i)
    end.push_back(w.padEnd[i] + w.extraEnd[i]);
  return end;
}

LogicalResult importConv(NodeContext &n) {
  MLIRContext *context = n.b.getContext();
  ArrayRef<int64_t> xShape = n.inputType(0).getShape();
  ArrayRef<int64_t> wShape = n.inputType(1).getShape();
  size_t rank = xShape.size();
  if (rank < 3 || wShape.size() != rank)
    return n.emitError() << "X and W must have the same rank >= 3, got "
                         << n.inputType(0) << " and " << n.inputType(1);
  if (!isa<FloatType>(getElementTypeOrSelf(n.input(0))))
    return n.unsupported("Conv of " + onnxTypeName(n.inputOnnxType(0)));
  int64_t groups = n.intAttr("group", 1);
  int64_t channels = xShape[1], filters = wShape[0];
  if (groups < 1 || channels % groups || filters % groups ||
      wShape[1] != channels / groups)
    return n.emitError() << "W " << n.inputType(1) << " does not match X "
                         << n.inputType(0) << " with group " << groups;
  SmallVector<int64_t> kernel(wShape.begin() + 2, wShape.end());
  if (auto given = n.intsAttr("kernel_shape"); given && *given != kernel)
    return n.emitError() << "kernel_shape does not match W's shape";
  auto w = computeWindow(n, xShape.drop_front(2), kernel, false);
  if (!w)
    return failure();
  Type t = getElementTypeOrSelf(n.input(0));
  Value x = pad(n.b, n.loc, n.input(0), w->padBegin, totalEnd(*w),
                build::scalar(n.b, n.loc, t, 0));

  size_t spatial = rank - 2;
  // Loops: n, m, out..., c, k...
  unsigned loops = 2 + spatial + 1 + spatial;
  auto d = [&](unsigned i) { return getAffineDimExpr(i, context); };
  AffineExpr dn = d(0), dm = d(1), dc = d(2 + spatial);
  int64_t cPerGroup = channels / groups, mPerGroup = filters / groups;
  // With one group the input channel is just c: the input does not depend
  // on the output channel, which lets quantization lower it to a matrix
  // product over patches (tern-form-linear).
  SmallVector<AffineExpr> xExprs = {
      dn, groups == 1 ? dc : dm.floorDiv(mPerGroup) * cPerGroup + dc};
  SmallVector<AffineExpr> wExprs = {dm, dc}, outExprs = {dn, dm};
  for (size_t i = 0; i < spatial; ++i) {
    AffineExpr o = d(2 + i), k = d(3 + spatial + i);
    xExprs.push_back(o * w->strides[i] + k * w->dilations[i]);
    wExprs.push_back(k);
    outExprs.push_back(o);
  }
  SmallVector<int64_t> outShape = {xShape[0], filters};
  outShape.append(w->out);
  Value init;
  if (n.hasInput(2)) {
    if (n.inputType(2).getNumElements() != filters)
      return n.emitError() << "B must hold " << filters << " values";
    SmallVector<int64_t> biasShape(rank - 1, 1);
    biasShape[0] = filters;
    init = build::elementwise(
        n.b, n.loc, build::reshape(n.b, n.loc, n.input(2), biasShape), outShape,
        t, [](OpBuilder &, Location, ValueRange a) { return a[0]; });
  } else {
    init = build::filled(n.b, n.loc, outShape, build::scalar(n.b, n.loc, t, 0));
  }
  SmallVector<utils::IteratorType> iterators(2 + spatial,
                                             utils::IteratorType::parallel);
  iterators.append(1 + spatial, utils::IteratorType::reduction);
  auto conv = linalg::GenericOp::create(
      n.b, n.loc, init.getType(), ValueRange{x, n.input(1)}, init,
      {AffineMap::get(loops, 0, xExprs, context),
       AffineMap::get(loops, 0, wExprs, context),
       AffineMap::get(loops, 0, outExprs, context)},
      iterators, [](OpBuilder &b, Location l, ValueRange a) {
        linalg::YieldOp::create(
            b, l,
            Value(arith::AddFOp::create(
                b, l, a[2], arith::MulFOp::create(b, l, a[0], a[1]))));
      });
  n.setOutput(0, conv.getResult(0), n.inputOnnxType(0));
  return success();
}

/// The loop nest of a pooling window, loops (n, c, out..., k...): maps for
/// x[n, c, o*s + k*d], the window operand [k...] and the output
/// [n, c, o...], and the iterator types.
struct PoolNest {
  SmallVector<AffineMap> maps; // x, window, output
  SmallVector<utils::IteratorType> iterators;
};

PoolNest poolNest(MLIRContext *context, const Window &w) {
  size_t spatial = w.kernel.size();
  unsigned loops = 2 + 2 * spatial;
  auto d = [&](unsigned i) { return getAffineDimExpr(i, context); };
  SmallVector<AffineExpr> xExprs = {d(0), d(1)}, windowExprs,
                          outExprs = {d(0), d(1)};
  for (size_t i = 0; i < spatial; ++i) {
    AffineExpr o = d(2 + i), k = d(2 + spatial + i);
    xExprs.push_back(o * w.strides[i] + k * w.dilations[i]);
    windowExprs.push_back(k);
    outExprs.push_back(o);
  }
  PoolNest nest;
  nest.maps = {AffineMap::get(loops, 0, xExprs, context),
               AffineMap::get(loops, 0, windowExprs, context),
               AffineMap::get(loops, 0, outExprs, context)};
  nest.iterators.assign(2 + spatial, utils::IteratorType::parallel);
  nest.iterators.append(spatial, utils::IteratorType::reduction);
  return nest;
}

/// Pools `x` (already padded) over windows: out[n, c, o...] = combine over
/// k... of x[n, c, o*s + k*d].
Value pool(OpBuilder &b, Location loc, Value x, const Window &w,
           ArrayRef<int64_t> outShape, Value init,
           function_ref<Value(OpBuilder &, Location, Value, Value)> combine) {
  PoolNest nest = poolNest(b.getContext(), w);
  // The window operand only gives the k loops their extent.
  Value window = build::empty(b, loc, w.kernel, getElementTypeOrSelf(x));
  Value acc = build::filled(b, loc, outShape, init);
  return linalg::GenericOp::create(
             b, loc, acc.getType(), ValueRange{x, window}, acc, nest.maps,
             nest.iterators,
             [&](OpBuilder &nb, Location l, ValueRange a) {
               linalg::YieldOp::create(nb, l, combine(nb, l, a[0], a[2]));
             })
      .getResult(0);
}

/// MaxPool with its Indices output: the flat index into the unpadded input
/// of each window's first maximum; storage_order 1 orders the spatial dims
/// column-major.
std::pair<Value, Value> maxPoolWithIndices(NodeContext &n, Value x,
                                           const Window &w,
                                           ArrayRef<int64_t> outShape,
                                           Value low) {
  ArrayRef<int64_t> in = n.inputType(0).getShape();
  size_t spatial = w.kernel.size();
  PoolNest nest = poolNest(n.b.getContext(), w);
  Value window = build::empty(n.b, n.loc, w.kernel, getElementTypeOrSelf(x));
  Value values = build::filled(n.b, n.loc, outShape, low);
  Value indices = build::filled(n.b, n.loc, outShape,
                                build::scalar(n.b, n.loc, n.b.getI64Type(), 0));
  SmallVector<AffineMap> maps = nest.maps;
  maps.push_back(maps.back()); // the indices share the output's map
  auto generic = linalg::GenericOp::create(
      n.b, n.loc, TypeRange{values.getType(), indices.getType()},
      ValueRange{x, window}, ValueRange{values, indices}, maps, nest.iterators,
      [&](OpBuilder &b, Location l, ValueRange a) {
        // flat = ((n * C + c) * H + h) * W + w, with h = o*s + k*d - pad.
        Type i64 = b.getI64Type();
        auto index = [&](unsigned dim) {
          return Value(arith::IndexCastOp::create(
              b, l, i64, linalg::IndexOp::create(b, l, dim)));
        };
        Value flat = index(0);
        flat = arith::AddIOp::create(
            b, l,
            arith::MulIOp::create(b, l, flat, build::scalar(b, l, i64, in[1])),
            index(1));
        bool columnMajor = n.intAttr("storage_order", 0);
        for (size_t j = 0; j < spatial; ++j) {
          size_t i = columnMajor ? spatial - 1 - j : j;
          Value position = arith::AddIOp::create(
              b, l,
              arith::MulIOp::create(b, l, index(2 + i),
                                    build::scalar(b, l, i64, w.strides[i])),
              arith::MulIOp::create(b, l, index(2 + spatial + i),
                                    build::scalar(b, l, i64, w.dilations[i])));
          position = arith::SubIOp::create(
              b, l, position, build::scalar(b, l, i64, w.padBegin[i]));
          flat = arith::AddIOp::create(
              b, l,
              arith::MulIOp::create(b, l, flat,
                                    build::scalar(b, l, i64, in[2 + i])),
              position);
        }
        Value greater =
            isa<FloatType>(a[0].getType())
                ? Value(arith::CmpFOp::create(b, l, arith::CmpFPredicate::OGT,
                                              a[0], a[2]))
                : Value(arith::CmpIOp::create(b, l,
                                              n.inputIsUnsigned(0)
                                                  ? arith::CmpIPredicate::ugt
                                                  : arith::CmpIPredicate::sgt,
                                              a[0], a[2]));
        linalg::YieldOp::create(
            b, l,
            ValueRange{arith::SelectOp::create(b, l, greater, a[0], a[2]),
                       arith::SelectOp::create(b, l, greater, flat, a[3])});
      });
  return {generic.getResult(0), generic.getResult(1)};
}

template <bool isMax> LogicalResult importPool(NodeContext &n) {
  ArrayRef<int64_t> xShape = n.inputType(0).getShape();
  if (xShape.size() < 3)
    return n.emitError() << "input must have rank >= 3, got " << n.inputType(0);
  auto kernel = n.intsAttr("kernel_shape");
  if (!kernel)
    return n.emitError() << "kernel_shape is required";
  auto w = computeWindow(n, xShape.drop_front(2), *kernel,
                         n.intAttr("ceil_mode", 0));
  if (!w)
    return failure();
  Type t = getElementTypeOrSelf(n.input(0));
  bool isUnsigned = n.inputIsUnsigned(0);
  SmallVector<int64_t> outShape = {xShape[0], xShape[1]};
  outShape.append(w->out);
  if (isMax) {
    double lowest = isa<FloatType>(t) ? -std::numeric_limits<double>::infinity()
                    : isUnsigned
                        ? 0
                        : -std::ldexp(1.0, t.getIntOrFloatBitWidth() - 1);
    Value low = build::scalar(n.b, n.loc, t, lowest);
    Value x = pad(n.b, n.loc, n.input(0), w->padBegin, totalEnd(*w), low);
    if (n.hasOutput(1)) {
      auto [values, indices] = maxPoolWithIndices(n, x, *w, outShape, low);
      n.setOutput(0, values, n.inputOnnxType(0));
      n.setOutput(1, indices, onnx::TensorProto::INT64);
      return success();
    }
    n.setOutput(0,
                pool(n.b, n.loc, x, *w, outShape, low,
                     [&](OpBuilder &b, Location l, Value v, Value acc) {
                       return build::max(b, l, acc, v, isUnsigned);
                     }),
                n.inputOnnxType(0));
    return success();
  }
  if (!isa<FloatType>(t))
    return n.unsupported("AveragePool of " + onnxTypeName(n.inputOnnxType(0)));
  auto sum = [](OpBuilder &b, Location l, Value v, Value acc) {
    return Value(arith::AddFOp::create(b, l, acc, v));
  };
  Value zero = build::scalar(n.b, n.loc, t, 0);
  Value x = pad(n.b, n.loc, n.input(0), w->padBegin, totalEnd(*w), zero);
  Value total = pool(n.b, n.loc, x, *w, outShape, zero, sum);
  // Count what each window covers: the input, plus explicit pads when
  // count_include_pad; never the ceil-mode overhang.
  bool includePad = n.intAttr("count_include_pad", 0);
  SmallVector<int64_t> onesShape = {1, 1};
  onesShape.append(xShape.begin() + 2, xShape.end());
  Value ones = build::splat(n.b, n.loc, onesShape, t, 1);
  Value counted = pad(n.b, n.loc, ones, w->padBegin, w->padEnd,
                      includePad ? build::scalar(n.b, n.loc, t, 1) : zero);
  SmallVector<int64_t> noPads(w->kernel.size(), 0);
  counted = pad(n.b, n.loc, counted, noPads, w->extraEnd, zero);
  SmallVector<int64_t> countShape = {1, 1};
  countShape.append(w->out);
  Value count = pool(n.b, n.loc, counted, *w, countShape, zero, sum);
  Value mean = build::elementwise(
      n.b, n.loc, {total, count}, outShape, t,
      [](OpBuilder &b, Location l, ValueRange a) {
        return Value(arith::DivFOp::create(b, l, a[0], a[1]));
      });
  n.setOutput(0, mean, n.inputOnnxType(0));
  return success();
}

template <bool isMax> LogicalResult importGlobalPool(NodeContext &n) {
  int64_t rank = n.inputType(0).getRank();
  if (rank < 3)
    return n.emitError() << "input must have rank >= 3, got " << n.inputType(0);
  SmallVector<int64_t> axes;
  for (int64_t i = 2; i < rank; ++i)
    axes.push_back(i);
  Type t = getElementTypeOrSelf(n.input(0));
  if (!isa<FloatType>(t))
    return n.unsupported("global pooling of " +
                         onnxTypeName(n.inputOnnxType(0)));
  Value result = build::reduce(
      n.b, n.loc, n.input(0), axes, true,
      build::scalar(n.b, n.loc, t,
                    isMax ? -std::numeric_limits<double>::infinity() : 0),
      [](OpBuilder &b, Location l, Value v, Value acc) {
        return isMax ? Value(arith::MaximumFOp::create(b, l, acc, v))
                     : Value(arith::AddFOp::create(b, l, acc, v));
      });
  if (!isMax) {
    int64_t count = 1;
    for (int64_t axis : axes)
      count *= n.inputType(0).getShape()[axis];
    Value divisor = build::splat(n.b, n.loc, {}, t, count);
    result = build::elementwise(
        n.b, n.loc, {result, divisor}, build::shapeOf(result), t,
        [](OpBuilder &b, Location l, ValueRange a) {
          return Value(arith::DivFOp::create(b, l, a[0], a[1]));
        });
  }
  n.setOutput(0, result, n.inputOnnxType(0));
  return success();
}
} // namespace

void mlir::tern::registerConvolutionOps(OpRegistry &r) {
  r.add("Conv", 1, importConv);
  r.add("MaxPool", 1, importPool<true>);
  r.add("AveragePool", 1, importPool<false>);
  r.add("GlobalAveragePool", 1, importGlobalPool<false>);
  r.add("GlobalMaxPool", 1, importGlobalPool<true>);
}
