//===- Shape.cpp - ONNX shape and data-movement ops -----------------------===//
//
// Shapes are static, so shape arguments (Reshape's shape, Slice's starts,
// Squeeze's axes...) must be compile-time constants. Pure reshapes become
// tensor.collapse_shape/expand_shape; data movement becomes linalg.
//
//===----------------------------------------------------------------------===//
#include "frontend/onnx/Builders.h"
#include "frontend/onnx/GraphImporter.h"
#include "frontend/onnx/NodeContext.h"
#include "frontend/onnx/OpRegistry.h"
#include "frontend/onnx/TensorImport.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include "onnx/onnx_pb.h"

#include <numeric>

using namespace mlir;
using namespace mlir::tern;

namespace {
int64_t product(ArrayRef<int64_t> dims) {
  return std::accumulate(dims.begin(), dims.end(), int64_t(1),
                         std::multiplies<int64_t>());
}

/// Normalizes `axes` against `rank`, sorted and unique; reports errors.
std::optional<SmallVector<int64_t>>
normalizeAxes(NodeContext &n, ArrayRef<int64_t> axes, int64_t rank) {
  SmallVector<int64_t> result;
  for (int64_t axis : axes) {
    auto normalized = n.normalizeAxis(axis, rank);
    if (!normalized)
      return std::nullopt;
    if (llvm::is_contained(result, *normalized)) {
      n.emitError() << "axis " << axis << " is repeated";
      return std::nullopt;
    }
    result.push_back(*normalized);
  }
  llvm::sort(result);
  return result;
}

LogicalResult setReshaped(NodeContext &n, ArrayRef<int64_t> shape) {
  if (product(shape) != n.inputType(0).getNumElements())
    return n.emitError() << "cannot reshape " << n.inputType(0) << " to ["
                         << llvm::make_range(shape.begin(), shape.end())
                         << "]: element counts differ";
  n.setOutput(0, build::reshape(n.b, n.loc, n.input(0), shape),
              n.inputOnnxType(0));
  return success();
}

LogicalResult importReshape(NodeContext &n) {
  auto requested = n.constantInts(1, "the target shape");
  if (!requested)
    return failure();
  bool allowZero = n.intAttr("allowzero", 0);
  ArrayRef<int64_t> in = n.inputType(0).getShape();
  SmallVector<int64_t> shape;
  int inferred = -1;
  for (auto [i, dim] : llvm::enumerate(*requested)) {
    if (dim == 0 && !allowZero) {
      if (i >= in.size())
        return n.emitError()
               << "shape entry " << i << " is 0 (copy) but the input has rank "
               << in.size();
      dim = in[i];
    } else if (dim == -1) {
      if (inferred >= 0)
        return n.emitError() << "shape has more than one -1";
      inferred = i;
      dim = 1;
    } else if (dim < 0) {
      return n.emitError() << "shape entry " << dim << " is invalid";
    }
    shape.push_back(dim);
  }
  if (inferred >= 0) {
    int64_t known = product(shape);
    if (known == 0 || n.inputType(0).getNumElements() % known)
      return n.emitError() << "cannot infer the -1 in the shape of "
                           << n.inputType(0);
    shape[inferred] = n.inputType(0).getNumElements() / known;
  }
  return setReshaped(n, shape);
}

LogicalResult importFlatten(NodeContext &n) {
  ArrayRef<int64_t> in = n.inputType(0).getShape();
  int64_t axis = n.intAttr("axis", 1);
  int64_t rank = in.size();
  if (axis < -rank || axis > rank)
    return n.emitError() << "axis " << axis << " is out of range for rank "
                         << rank;
  if (axis < 0)
    axis += rank;
  return setReshaped(
      n, {product(in.take_front(axis)), product(in.drop_front(axis))});
}

std::optional<SmallVector<int64_t>> axesOf(NodeContext &n, int64_t inputSince,
                                           unsigned inputIndex) {
  if (n.opset >= inputSince) {
    if (!n.hasInput(inputIndex))
      return SmallVector<int64_t>{};
    return n.constantInts(inputIndex, "axes");
  }
  return n.intsAttr("axes").value_or(SmallVector<int64_t>{});
}

LogicalResult importSqueeze(NodeContext &n) {
  auto axes = axesOf(n, 13, 1);
  if (!axes)
    return failure();
  ArrayRef<int64_t> in = n.inputType(0).getShape();
  auto normalized = normalizeAxes(n, *axes, in.size());
  if (!normalized)
    return failure();
  SmallVector<int64_t> shape;
  for (auto [i, dim] : llvm::enumerate(in)) {
    bool squeezed =
        axes->empty() ? dim == 1 : llvm::is_contained(*normalized, (int64_t)i);
    if (squeezed && dim != 1)
      return n.emitError() << "cannot squeeze dimension " << i << " of size "
                           << dim;
    if (!squeezed)
      shape.push_back(dim);
  }
  return setReshaped(n, shape);
}

LogicalResult importUnsqueeze(NodeContext &n) {
  auto axes = axesOf(n, 13, 1);
  if (!axes)
    return failure();
  ArrayRef<int64_t> in = n.inputType(0).getShape();
  int64_t rank = in.size() + axes->size();
  auto normalized = normalizeAxes(n, *axes, rank);
  if (!normalized)
    return failure();
  SmallVector<int64_t> shape;
  const int64_t *next = in.begin();
  for (int64_t i = 0; i < rank; ++i)
    shape.push_back(llvm::is_contained(*normalized, i) ? 1 : *next++);
  return setReshaped(n, shape);
}

LogicalResult importTranspose(NodeContext &n) {
  int64_t rank = n.inputType(0).getRank();
  SmallVector<int64_t> perm;
  if (auto given = n.intsAttr("perm"))
    perm = *given;
  else
    for (int64_t i = rank - 1; i >= 0; --i)
      perm.push_back(i);
  SmallVector<int64_t> sorted(perm);
  llvm::sort(sorted);
  for (int64_t i = 0; i < (int64_t)sorted.size(); ++i)
    if (sorted[i] != i || (int64_t)sorted.size() != rank)
      return n.emitError() << "perm is not a permutation of rank " << rank;
  n.setOutput(0, build::transpose(n.b, n.loc, n.input(0), perm),
              n.inputOnnxType(0));
  return success();
}

LogicalResult importConcat(NodeContext &n) {
  int64_t rank = n.inputType(0).getRank();
  auto axis = n.normalizeAxis(n.intAttr("axis", 0), rank);
  if (!axis)
    return failure();
  SmallVector<int64_t> shape = build::shapeOf(n.input(0));
  shape[*axis] = 0;
  for (unsigned i = 0; i < n.numInputs(); ++i) {
    ArrayRef<int64_t> s = n.inputType(i).getShape();
    for (int64_t d = 0; d < rank; ++d)
      if ((int64_t)s.size() != rank || (d != *axis && s[d] != shape[d]))
        return n.emitError() << "input " << i << " " << n.inputType(i)
                             << " does not match input 0 " << n.inputType(0)
                             << " off the concat axis";
    shape[*axis] += s[*axis];
  }
  Value result =
      build::empty(n.b, n.loc, shape, getElementTypeOrSelf(n.input(0)));
  int64_t offset = 0;
  for (unsigned i = 0; i < n.numInputs(); ++i) {
    SmallVector<int64_t> offsets(rank, 0), strides(rank, 1);
    offsets[*axis] = offset;
    ArrayRef<int64_t> sizes = n.inputType(i).getShape();
    result = tensor::InsertSliceOp::create(
        n.b, n.loc, n.input(i), result, ValueRange{}, ValueRange{},
        ValueRange{}, offsets, sizes, strides);
    offset += sizes[*axis];
  }
  n.setOutput(0, result, n.inputOnnxType(0));
  return success();
}

/// out[i] = in[start + i * step] per axis; negative steps walk backwards.
LogicalResult importSlice(NodeContext &n) {
  ArrayRef<int64_t> in = n.inputType(0).getShape();
  int64_t rank = in.size();
  std::optional<SmallVector<int64_t>> starts, ends, axes, steps;
  if (n.opset < 10) {
    starts = n.intsAttr("starts");
    ends = n.intsAttr("ends");
    axes = n.intsAttr("axes");
    if (!starts || !ends)
      return n.emitError() << "starts and ends attributes are required";
  } else {
    if (!(starts = n.constantInts(1, "starts")) ||
        !(ends = n.constantInts(2, "ends")))
      return failure();
    if (n.hasInput(3) && !(axes = n.constantInts(3, "axes")))
      return failure();
    if (n.hasInput(4) && !(steps = n.constantInts(4, "steps")))
      return failure();
  }
  if (!axes) {
    axes.emplace();
    for (size_t i = 0; i < starts->size(); ++i)
      axes->push_back(i);
  }
  if (!steps)
    steps = SmallVector<int64_t>(starts->size(), 1);
  if (ends->size() != starts->size() || axes->size() != starts->size() ||
      steps->size() != starts->size())
    return n.emitError() << "starts, ends, axes and steps differ in length";
  SmallVector<int64_t> start(rank, 0), step(rank, 1), shape(in);
  for (size_t i = 0; i < starts->size(); ++i) {
    auto axis = n.normalizeAxis((*axes)[i], rank);
    if (!axis)
      return failure();
    int64_t dim = in[*axis], s = (*starts)[i], e = (*ends)[i], st = (*steps)[i];
    if (st == 0)
      return n.emitError() << "step 0 on axis " << *axis;
    if (s < 0)
      s = s < -dim ? 0 : s + dim;
    if (e < 0)
      e = e < -dim ? -1 : e + dim;
    if (st > 0) {
      s = std::clamp<int64_t>(s, 0, dim);
      e = std::clamp<int64_t>(e, 0, dim);
    } else {
      s = std::clamp<int64_t>(s, 0, dim - 1);
      e = std::clamp<int64_t>(e, -1, dim - 1);
    }
    int64_t count = st > 0 ? (e - s + st - 1) / st : (s - e - st - 1) / -st;
    start[*axis] = s;
    step[*axis] = st;
    shape[*axis] = std::max<int64_t>(count, 0);
  }
  Value source = n.input(0);
  Value result = build::generate(
      n.b, n.loc, shape, getElementTypeOrSelf(source),
      [&](OpBuilder &b, Location l, ValueRange idx) {
        SmallVector<Value> at;
        for (int64_t d = 0; d < rank; ++d) {
          Value i = idx[d];
          if (step[d] != 1)
            i = arith::MulIOp::create(
                b, l, i, arith::ConstantIndexOp::create(b, l, step[d]));
          if (start[d] != 0)
            i = arith::AddIOp::create(
                b, l, i, arith::ConstantIndexOp::create(b, l, start[d]));
          at.push_back(i);
        }
        return Value(tensor::ExtractOp::create(b, l, source, at));
      });
  n.setOutput(0, result, n.inputOnnxType(0));
  return success();
}

/// out[pre, j..., post] = data[pre, indices[j...], post]; negative indices
/// count from the end. Out-of-range indices are clamped, not trapped on.
LogicalResult importGather(NodeContext &n) {
  MLIRContext *context = n.b.getContext();
  ArrayRef<int64_t> data = n.inputType(0).getShape();
  ArrayRef<int64_t> indices = n.inputType(1).getShape();
  if (!isa<IntegerType>(getElementTypeOrSelf(n.input(1))))
    return n.emitError() << "indices must be int32 or int64, got "
                         << onnxTypeName(n.inputOnnxType(1));
  auto axis = n.normalizeAxis(n.intAttr("axis", 0), data.size());
  if (!axis)
    return failure();
  SmallVector<int64_t> shape(data.take_front(*axis));
  shape.append(indices.begin(), indices.end());
  shape.append(data.begin() + *axis + 1, data.end());
  int64_t q = indices.size(), dim = data[*axis];
  SmallVector<AffineExpr> indexExprs;
  for (int64_t j = 0; j < q; ++j)
    indexExprs.push_back(getAffineDimExpr(*axis + j, context));
  Value init =
      build::empty(n.b, n.loc, shape, getElementTypeOrSelf(n.input(0)));
  SmallVector<AffineMap> maps = {
      AffineMap::get(shape.size(), 0, indexExprs, context),
      AffineMap::getMultiDimIdentityMap(shape.size(), context)};
  SmallVector<utils::IteratorType> iterators(shape.size(),
                                             utils::IteratorType::parallel);
  Value source = n.input(0);
  auto generic = linalg::GenericOp::create(
      n.b, n.loc, init.getType(), n.input(1), init, maps, iterators,
      [&](OpBuilder &b, Location l, ValueRange args) {
        Value index =
            arith::IndexCastOp::create(b, l, b.getIndexType(), args[0]);
        Value size = arith::ConstantIndexOp::create(b, l, dim);
        Value zero = arith::ConstantIndexOp::create(b, l, 0);
        Value negative =
            arith::CmpIOp::create(b, l, arith::CmpIPredicate::slt, index, zero);
        index = arith::SelectOp::create(
            b, l, negative, arith::AddIOp::create(b, l, index, size), index);
        index = arith::MaxSIOp::create(
            b, l,
            arith::MinSIOp::create(b, l, index,
                                   arith::ConstantIndexOp::create(
                                       b, l, std::max<int64_t>(dim - 1, 0))),
            zero);
        SmallVector<Value> at;
        for (int64_t d = 0; d < *axis; ++d)
          at.push_back(linalg::IndexOp::create(b, l, d));
        at.push_back(index);
        for (int64_t d = *axis + 1; d < (int64_t)data.size(); ++d)
          at.push_back(linalg::IndexOp::create(b, l, d - 1 + q));
        linalg::YieldOp::create(
            b, l, Value(tensor::ExtractOp::create(b, l, source, at)));
      });
  n.setOutput(0, generic.getResult(0), n.inputOnnxType(0));
  return success();
}

LogicalResult importExpand(NodeContext &n) {
  auto shape = n.constantInts(1, "the target shape");
  if (!shape)
    return failure();
  SmallVector<int64_t> target(shape->begin(), shape->end());
  auto result = build::broadcastShapes({build::shapeOf(n.input(0)), target});
  if (!result)
    return n.emitError() << n.inputType(0) << " does not broadcast to ["
                         << llvm::make_range(target.begin(), target.end())
                         << "]";
  n.setOutput(0,
              build::elementwise(
                  n.b, n.loc, n.input(0), *result,
                  getElementTypeOrSelf(n.input(0)),
                  [](OpBuilder &, Location, ValueRange a) { return a[0]; }),
              n.inputOnnxType(0));
  return success();
}

/// Shape: a constant, since shapes are static.
LogicalResult importShape(NodeContext &n) {
  ArrayRef<int64_t> in = n.inputType(0).getShape();
  int64_t rank = in.size();
  int64_t start = n.intAttr("start", 0), end = n.intAttr("end", rank);
  start = std::clamp<int64_t>(start < 0 ? start + rank : start, 0, rank);
  end = std::clamp<int64_t>(end < 0 ? end + rank : end, 0, rank);
  SmallVector<int64_t> dims(in.begin() + start,
                            in.begin() + std::max(start, end));
  auto type = RankedTensorType::get({(int64_t)dims.size()}, n.b.getI64Type());
  n.setOutput(
      0,
      arith::ConstantOp::create(
          n.b, n.loc, DenseElementsAttr::get(type, llvm::ArrayRef(dims))),
      onnx::TensorProto::INT64);
  return success();
}
/// A tensor of the constant shape in input 0, filled with the one-element
/// `value` attribute (float 0 by default).
LogicalResult importConstantOfShape(NodeContext &n) {
  auto shape = n.constantInts(0, "the shape");
  if (!shape)
    return failure();
  for (int64_t dim : *shape)
    if (dim < 0)
      return n.emitError() << "shape has a negative dimension " << dim;
  Value fill = build::scalar(n.b, n.loc, n.b.getF32Type(), 0);
  int32_t onnxType = onnx::TensorProto::FLOAT;
  if (const onnx::TensorProto *value = n.tensorAttr("value")) {
    FailureOr<OnnxValue> scalar = n.graph.importConstant(*value, n.loc);
    if (failed(scalar))
      return failure();
    if (cast<RankedTensorType>(scalar->value.getType()).getNumElements() != 1)
      return n.emitError() << "value must hold one element";
    SmallVector<Value> origin(
        cast<RankedTensorType>(scalar->value.getType()).getRank(),
        arith::ConstantIndexOp::create(n.b, n.loc, 0));
    fill = tensor::ExtractOp::create(n.b, n.loc, scalar->value, origin);
    onnxType = scalar->onnxType;
  }
  n.setOutput(0, build::filled(n.b, n.loc, *shape, fill), onnxType);
  return success();
}

LogicalResult importSize(NodeContext &n) {
  auto type = RankedTensorType::get({}, n.b.getI64Type());
  int64_t count = n.inputType(0).getNumElements();
  n.setOutput(0,
              arith::ConstantOp::create(n.b, n.loc,
                                        DenseElementsAttr::get(type, count)),
              onnx::TensorProto::INT64);
  return success();
}
} // namespace

void mlir::tern::registerShapeOps(OpRegistry &r) {
  r.add("Reshape", 5, importReshape);
  r.add("Flatten", 1, importFlatten);
  r.add("Squeeze", 1, importSqueeze);
  r.add("Unsqueeze", 1, importUnsqueeze);
  r.add("Transpose", 1, importTranspose);
  r.add("Concat", 4, importConcat);
  r.add("Slice", 1, importSlice);
  r.add("Gather", 1, importGather);
  r.add("Expand", 8, importExpand);
  r.add("Shape", 1, importShape);
  r.add("Size", 1, importSize);
  r.add("ConstantOfShape", 9, importConstantOfShape);
}
