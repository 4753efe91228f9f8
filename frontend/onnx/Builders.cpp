//===- Builders.cpp - linalg/tensor building blocks for ONNX ops ----------===//
#include "frontend/onnx/Builders.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/ReshapeOpsUtils.h"

using namespace mlir;
using namespace mlir::tern;

std::optional<SmallVector<int64_t>>
build::broadcastShapes(ArrayRef<SmallVector<int64_t>> shapes) {
  size_t rank = 0;
  for (const auto &shape : shapes)
    rank = std::max(rank, shape.size());
  SmallVector<int64_t> result(rank, 1);
  for (const auto &shape : shapes) {
    size_t offset = rank - shape.size();
    for (auto [i, dim] : llvm::enumerate(shape)) {
      int64_t &out = result[offset + i];
      if (dim == out || dim == 1)
        continue;
      if (out != 1)
        return std::nullopt;
      out = dim;
    }
  }
  return result;
}

SmallVector<int64_t> build::shapeOf(Value tensor) {
  return llvm::to_vector(cast<RankedTensorType>(tensor.getType()).getShape());
}

Value build::empty(OpBuilder &b, Location loc, ArrayRef<int64_t> shape,
                   Type element) {
  return tensor::EmptyOp::create(b, loc, shape, element);
}

Value build::filled(OpBuilder &b, Location loc, ArrayRef<int64_t> shape,
                    Value scalarValue) {
  Value init = empty(b, loc, shape, scalarValue.getType());
  return linalg::FillOp::create(b, loc, scalarValue, init).getResult(0);
}

Value build::scalar(OpBuilder &b, Location loc, Type type, double value) {
  if (auto floatType = dyn_cast<FloatType>(type))
    return arith::ConstantOp::create(b, loc, b.getFloatAttr(floatType, value));
  return arith::ConstantOp::create(
      b, loc, b.getIntegerAttr(type, static_cast<int64_t>(value)));
}

Value build::splat(OpBuilder &b, Location loc, ArrayRef<int64_t> shape,
                   Type type, double value) {
  auto tensorType = RankedTensorType::get(shape, type);
  Attribute element =
      isa<FloatType>(type)
          ? Attribute(b.getFloatAttr(type, value))
          : Attribute(b.getIntegerAttr(type, static_cast<int64_t>(value)));
  return arith::ConstantOp::create(b, loc,
                                   DenseElementsAttr::get(tensorType, element));
}

/// The map reading an input of `inputShape` broadcast into `shape`.
static AffineMap broadcastMap(MLIRContext *context, ArrayRef<int64_t> shape,
                              ArrayRef<int64_t> inputShape) {
  size_t offset = shape.size() - inputShape.size();
  SmallVector<AffineExpr> exprs;
  for (auto [i, dim] : llvm::enumerate(inputShape))
    exprs.push_back(dim == 1 && shape[offset + i] != 1
                        ? getAffineConstantExpr(0, context)
                        : getAffineDimExpr(offset + i, context));
  return AffineMap::get(shape.size(), 0, exprs, context);
}

Value build::elementwise(OpBuilder &b, Location loc, ValueRange inputs,
                         ArrayRef<int64_t> shape, Type resultElement,
                         ScalarBody body) {
  MLIRContext *context = b.getContext();
  SmallVector<AffineMap> maps;
  for (Value input : inputs)
    maps.push_back(broadcastMap(context, shape, shapeOf(input)));
  maps.push_back(AffineMap::getMultiDimIdentityMap(shape.size(), context));
  SmallVector<utils::IteratorType> iterators(shape.size(),
                                             utils::IteratorType::parallel);
  Value init = empty(b, loc, shape, resultElement);
  auto generic = linalg::GenericOp::create(
      b, loc, init.getType(), inputs, init, maps, iterators,
      [&](OpBuilder &nested, Location nestedLoc, ValueRange args) {
        Value result = body(nested, nestedLoc, args.drop_back());
        linalg::YieldOp::create(nested, nestedLoc, result);
      });
  return generic.getResult(0);
}

Value build::broadcasting(OpBuilder &b, Location loc, ValueRange inputs,
                          Type resultElement, ScalarBody body) {
  SmallVector<SmallVector<int64_t>> shapes;
  for (Value input : inputs)
    shapes.push_back(shapeOf(input));
  auto shape = broadcastShapes(shapes);
  if (!shape)
    return nullptr;
  return elementwise(b, loc, inputs, *shape, resultElement, body);
}

Value build::reduce(
    OpBuilder &b, Location loc, Value input, ArrayRef<int64_t> axes,
    bool keepDims, Value init,
    function_ref<Value(OpBuilder &, Location, Value, Value)> combine) {
  MLIRContext *context = b.getContext();
  SmallVector<int64_t> shape = shapeOf(input), resultShape;
  SmallVector<AffineExpr> resultExprs;
  SmallVector<utils::IteratorType> iterators;
  for (auto [i, dim] : llvm::enumerate(shape)) {
    bool reduced = llvm::is_contained(axes, (int64_t)i);
    iterators.push_back(reduced ? utils::IteratorType::reduction
                                : utils::IteratorType::parallel);
    if (!reduced) {
      resultShape.push_back(dim);
      resultExprs.push_back(getAffineDimExpr(i, context));
    } else if (keepDims) {
      resultShape.push_back(1);
      resultExprs.push_back(getAffineConstantExpr(0, context));
    }
  }
  Value accumulator = filled(b, loc, resultShape, init);
  SmallVector<AffineMap> maps = {
      AffineMap::getMultiDimIdentityMap(shape.size(), context),
      AffineMap::get(shape.size(), 0, resultExprs, context)};
  auto generic = linalg::GenericOp::create(
      b, loc, accumulator.getType(), input, accumulator, maps, iterators,
      [&](OpBuilder &nested, Location nestedLoc, ValueRange args) {
        linalg::YieldOp::create(nested, nestedLoc,
                                combine(nested, nestedLoc, args[0], args[1]));
      });
  return generic.getResult(0);
}

Value build::generate(
    OpBuilder &b, Location loc, ArrayRef<int64_t> shape, Type element,
    function_ref<Value(OpBuilder &, Location, ValueRange)> body) {
  MLIRContext *context = b.getContext();
  Value init = empty(b, loc, shape, element);
  SmallVector<utils::IteratorType> iterators(shape.size(),
                                             utils::IteratorType::parallel);
  auto generic = linalg::GenericOp::create(
      b, loc, init.getType(), ValueRange{}, init,
      AffineMap::getMultiDimIdentityMap(shape.size(), context), iterators,
      [&](OpBuilder &nested, Location nestedLoc, ValueRange) {
        SmallVector<Value> indices;
        for (size_t i = 0; i < shape.size(); ++i)
          indices.push_back(linalg::IndexOp::create(nested, nestedLoc, i));
        linalg::YieldOp::create(nested, nestedLoc,
                                body(nested, nestedLoc, indices));
      });
  return generic.getResult(0);
}

Value build::reshape(OpBuilder &b, Location loc, Value input,
                     ArrayRef<int64_t> shape) {
  auto type = cast<RankedTensorType>(input.getType());
  if (type.getShape() == shape)
    return input;
  Type element = type.getElementType();
  if (type.getNumElements() == 0)
    return empty(b, loc, shape, element);
  // Collapse everything to 1-D (rank 0 expands to [1]), then expand.
  Value flat = input;
  int64_t count = type.getNumElements();
  auto flatType = RankedTensorType::get({count}, element);
  if (type.getRank() == 0) {
    flat = tensor::ExpandShapeOp::create(b, loc, flatType, input,
                                         ArrayRef<ReassociationIndices>{});
  } else if (type.getRank() > 1) {
    ReassociationIndices all;
    for (int64_t i = 0; i < type.getRank(); ++i)
      all.push_back(i);
    flat = tensor::CollapseShapeOp::create(b, loc, flatType, input,
                                           ArrayRef<ReassociationIndices>{all});
  }
  auto resultType = RankedTensorType::get(shape, element);
  if (shape.size() == 1)
    return flat;
  if (shape.empty())
    return tensor::CollapseShapeOp::create(b, loc, resultType, flat,
                                           ArrayRef<ReassociationIndices>{});
  ReassociationIndices all;
  for (size_t i = 0; i < shape.size(); ++i)
    all.push_back(i);
  return tensor::ExpandShapeOp::create(b, loc, resultType, flat,
                                       ArrayRef<ReassociationIndices>{all});
}

Value build::transpose(OpBuilder &b, Location loc, Value input,
                       ArrayRef<int64_t> permutation) {
  SmallVector<int64_t> shape = shapeOf(input), resultShape;
  for (int64_t p : permutation)
    resultShape.push_back(shape[p]);
  Value init = empty(b, loc, resultShape, getElementTypeOrSelf(input));
  return linalg::TransposeOp::create(b, loc, input, init, permutation)
      .getResult()[0];
}

Value build::convertScalar(OpBuilder &b, Location loc, Value value, Type to,
                           bool fromUnsigned, bool toUnsigned) {
  Type from = value.getType();
  if (from == to)
    return value;
  if (from.isInteger(1))
    fromUnsigned = true;
  if (to.isInteger(1)) {
    if (isa<FloatType>(from))
      return arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNE, value,
                                   scalar(b, loc, from, 0));
    return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, value,
                                 scalar(b, loc, from, 0));
  }
  bool fromFloat = isa<FloatType>(from), toFloat = isa<FloatType>(to);
  if (fromFloat && toFloat)
    return from.getIntOrFloatBitWidth() < to.getIntOrFloatBitWidth()
               ? Value(arith::ExtFOp::create(b, loc, to, value))
               : Value(arith::TruncFOp::create(b, loc, to, value));
  if (fromFloat)
    return toUnsigned ? Value(arith::FPToUIOp::create(b, loc, to, value))
                      : Value(arith::FPToSIOp::create(b, loc, to, value));
  if (toFloat)
    return fromUnsigned ? Value(arith::UIToFPOp::create(b, loc, to, value))
                        : Value(arith::SIToFPOp::create(b, loc, to, value));
  unsigned fromBits = from.getIntOrFloatBitWidth();
  unsigned toBits = to.getIntOrFloatBitWidth();
  if (fromBits > toBits)
    return arith::TruncIOp::create(b, loc, to, value);
  return fromUnsigned ? Value(arith::ExtUIOp::create(b, loc, to, value))
                      : Value(arith::ExtSIOp::create(b, loc, to, value));
}

Value build::convertTensor(OpBuilder &b, Location loc, Value tensor, Type to,
                           bool fromUnsigned, bool toUnsigned) {
  if (getElementTypeOrSelf(tensor) == to)
    return tensor;
  return elementwise(b, loc, tensor, shapeOf(tensor), to,
                     [&](OpBuilder &nb, Location l, ValueRange args) {
                       return convertScalar(nb, l, args[0], to, fromUnsigned,
                                            toUnsigned);
                     });
}

Value build::add(OpBuilder &b, Location loc, Value x, Value y) {
  if (isa<FloatType>(x.getType()))
    return arith::AddFOp::create(b, loc, x, y);
  return arith::AddIOp::create(b, loc, x, y);
}

Value build::sub(OpBuilder &b, Location loc, Value x, Value y) {
  if (isa<FloatType>(x.getType()))
    return arith::SubFOp::create(b, loc, x, y);
  return arith::SubIOp::create(b, loc, x, y);
}

Value build::mul(OpBuilder &b, Location loc, Value x, Value y) {
  if (isa<FloatType>(x.getType()))
    return arith::MulFOp::create(b, loc, x, y);
  return arith::MulIOp::create(b, loc, x, y);
}

Value build::max(OpBuilder &b, Location loc, Value x, Value y,
                 bool isUnsigned) {
  if (isa<FloatType>(x.getType()))
    return arith::MaximumFOp::create(b, loc, x, y);
  if (isUnsigned || x.getType().isInteger(1))
    return arith::MaxUIOp::create(b, loc, x, y);
  return arith::MaxSIOp::create(b, loc, x, y);
}

Value build::min(OpBuilder &b, Location loc, Value x, Value y,
                 bool isUnsigned) {
  if (isa<FloatType>(x.getType()))
    return arith::MinimumFOp::create(b, loc, x, y);
  if (isUnsigned || x.getType().isInteger(1))
    return arith::MinUIOp::create(b, loc, x, y);
  return arith::MinSIOp::create(b, loc, x, y);
}

Value build::roundEven(OpBuilder &b, Location loc, Value x) {
  return math::RoundEvenOp::create(b, loc, x);
}

Value build::saturate(OpBuilder &b, Location loc, Value x, double lo, double hi,
                      Type to) {
  Type floatType = x.getType();
  Value rounded = roundEven(b, loc, x);
  Value clamped = arith::MinimumFOp::create(
      b, loc,
      arith::MaximumFOp::create(b, loc, rounded, scalar(b, loc, floatType, lo)),
      scalar(b, loc, floatType, hi));
  return lo < 0 ? Value(arith::FPToSIOp::create(b, loc, to, clamped))
                : Value(arith::FPToUIOp::create(b, loc, to, clamped));
}
