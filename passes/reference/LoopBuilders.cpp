#include "passes/reference/LoopBuilders.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace mlir::tern;
using namespace mlir::tern::reference;

Value reference::constantF32(ImplicitLocOpBuilder &b, double value) {
  return arith::ConstantOp::create(b, b.getF32FloatAttr(value));
}

Value reference::constantF64(ImplicitLocOpBuilder &b, double value) {
  return arith::ConstantOp::create(b, b.getF64FloatAttr(value));
}

Value reference::constantInt(ImplicitLocOpBuilder &b, int64_t value,
                             unsigned width) {
  return arith::ConstantOp::create(b, b.getIntegerAttr(b.getIntegerType(width),
                                                       value));
}

Value reference::constantIndex(ImplicitLocOpBuilder &b, int64_t value) {
  return arith::ConstantIndexOp::create(b, value);
}

Value reference::emptyTensor(ImplicitLocOpBuilder &b,
                             ArrayRef<OpFoldResult> sizes, Type elementType) {
  return tensor::EmptyOp::create(b, sizes, elementType);
}

Value reference::filledTensor(ImplicitLocOpBuilder &b,
                              ArrayRef<OpFoldResult> sizes, TypedAttr value) {
  Value empty = emptyTensor(b, sizes, value.getType());
  Value scalar = arith::ConstantOp::create(b, value);
  return linalg::FillOp::create(b, scalar, empty).getResult(0);
}

/// [R, C] -> [R*C] -> [rows, R*C/rows]; `rows` is 1 or R*C/G.
static Value regroup(ImplicitLocOpBuilder &b, Value tensor,
                     OpFoldResult rows, OpFoldResult cols) {
  auto type = cast<RankedTensorType>(tensor.getType());
  Value flat = tensor::CollapseShapeOp::create(
      b, tensor, SmallVector<ReassociationIndices>{{0, 1}});
  SmallVector<int64_t> shape = {getConstantIntValue(rows).value_or(
                                    ShapedType::kDynamic),
                                getConstantIntValue(cols).value_or(
                                    ShapedType::kDynamic)};
  return tensor::ExpandShapeOp::create(
      b, RankedTensorType::get(shape, type.getElementType()), flat,
      SmallVector<ReassociationIndices>{{0, 1}},
      SmallVector<OpFoldResult>{rows, cols});
}

Value reference::toScaleRows(ImplicitLocOpBuilder &b, Value tensor,
                             GranularityAttr g) {
  auto type = cast<RankedTensorType>(tensor.getType());
  switch (g.getKind()) {
  case GranularityKind::PerChannel:
  case GranularityKind::PerToken:
    return tensor;
  case GranularityKind::PerTensor: {
    if (type.hasStaticShape())
      return regroup(b, tensor, b.getIndexAttr(1),
                     b.getIndexAttr(type.getNumElements()));
    Value rows = tensor::DimOp::create(b, tensor, 0);
    Value count = arith::MulIOp::create(
        b, rows, constantIndex(b, type.getDimSize(1)));
    return regroup(b, tensor, b.getIndexAttr(1), count);
  }
  case GranularityKind::Group: {
    // Group scales only exist for weights, whose shapes are static.
    int64_t groups = type.getNumElements() / g.getGroupSize();
    return regroup(b, tensor, b.getIndexAttr(groups),
                   b.getIndexAttr(g.getGroupSize()));
  }
  }
  llvm_unreachable("unknown granularity");
}

Value reference::fromScaleRows(ImplicitLocOpBuilder &b, Value rows,
                               Value like) {
  if (rows.getType() == like.getType())
    return rows;
  auto likeType = cast<RankedTensorType>(like.getType());
  auto rowsType = cast<RankedTensorType>(rows.getType());
  Value flat = tensor::CollapseShapeOp::create(
      b, rows, SmallVector<ReassociationIndices>{{0, 1}});
  return tensor::ExpandShapeOp::create(
      b, RankedTensorType::get(likeType.getShape(), rowsType.getElementType()),
      flat, SmallVector<ReassociationIndices>{{0, 1}},
      tensor::getMixedSizes(b, b.getLoc(), like));
}

Value reference::scalesFromRows(ImplicitLocOpBuilder &b, Value perRow,
                                GranularityAttr g, Value like) {
  if (g.getKind() != GranularityKind::Group)
    return perRow;
  auto likeType = cast<RankedTensorType>(like.getType());
  int64_t rows = likeType.getDimSize(0);
  int64_t groups = likeType.getDimSize(1) / g.getGroupSize();
  return tensor::ExpandShapeOp::create(
      b, RankedTensorType::get({rows, groups}, b.getF32Type()), perRow,
      SmallVector<ReassociationIndices>{{0, 1}},
      SmallVector<OpFoldResult>{b.getIndexAttr(rows), b.getIndexAttr(groups)});
}

/// The body-building callback linalg.generic wants, around a ScalarFn.
static auto yieldOf(ScalarFn fn) {
  return [fn](OpBuilder &nested, Location loc, ValueRange args) {
    ImplicitLocOpBuilder body(loc, nested);
    linalg::YieldOp::create(body, fn(body, args));
  };
}

Value reference::reduceRows(ImplicitLocOpBuilder &b, Value rows,
                            ValueRange perRow, TypedAttr init,
                            ScalarFn combine) {
  MLIRContext *ctx = b.getContext();
  OpFoldResult numRows = tensor::getMixedSize(b, b.getLoc(), rows, 0);
  Value acc = filledTensor(b, {numRows}, init);
  AffineMap identity = AffineMap::getMultiDimIdentityMap(2, ctx);
  AffineMap row = AffineMap::get(2, 0, {getAffineDimExpr(0, ctx)}, ctx);
  SmallVector<Value> inputs = {rows};
  llvm::append_range(inputs, perRow);
  SmallVector<AffineMap> maps = {identity};
  maps.append(perRow.size() + 1, row);
  return linalg::GenericOp::create(
             b, TypeRange{acc.getType()}, inputs, ValueRange{acc}, maps,
             ArrayRef<utils::IteratorType>{utils::IteratorType::parallel,
                                           utils::IteratorType::reduction},
             yieldOf(combine))
      .getResult(0);
}

Value reference::mapRows(ImplicitLocOpBuilder &b, Value rows,
                         ValueRange perRow, Type resultElementType,
                         ScalarFn body) {
  MLIRContext *ctx = b.getContext();
  Value out = emptyTensor(b, tensor::getMixedSizes(b, b.getLoc(), rows),
                          resultElementType);
  AffineMap identity = AffineMap::getMultiDimIdentityMap(2, ctx);
  AffineMap row = AffineMap::get(2, 0, {getAffineDimExpr(0, ctx)}, ctx);
  SmallVector<Value> inputs = {rows};
  llvm::append_range(inputs, perRow);
  SmallVector<AffineMap> maps = {identity};
  maps.append(perRow.size(), row);
  maps.push_back(identity);
  return linalg::GenericOp::create(
             b, TypeRange{out.getType()}, inputs, ValueRange{out}, maps,
             ArrayRef<utils::IteratorType>{utils::IteratorType::parallel,
                                           utils::IteratorType::parallel},
             yieldOf(body))
      .getResult(0);
}

Value reference::mapElements(ImplicitLocOpBuilder &b, ValueRange inputs,
                             Type resultElementType, ScalarFn body) {
  Value like = inputs.front();
  unsigned rank = cast<RankedTensorType>(like.getType()).getRank();
  Value out = emptyTensor(b, tensor::getMixedSizes(b, b.getLoc(), like),
                          resultElementType);
  SmallVector<AffineMap> maps(
      inputs.size() + 1,
      AffineMap::getMultiDimIdentityMap(rank, b.getContext()));
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::parallel);
  return linalg::GenericOp::create(b, TypeRange{out.getType()}, inputs,
                                   ValueRange{out}, maps, iterators,
                                   yieldOf(body))
      .getResult(0);
}

ScaleAccess reference::accessScales(ImplicitLocOpBuilder &b, Value scales,
                                    GranularityAttr g, unsigned numLoops,
                                    AffineExpr row, AffineExpr group) {
  MLIRContext *ctx = b.getContext();
  switch (g.getKind()) {
  case GranularityKind::PerTensor: {
    // One scale: read it as a rank-0 tensor every iteration shares.
    Value scalar = tensor::CollapseShapeOp::create(
        b, scales, SmallVector<ReassociationIndices>{});
    return {scalar, AffineMap::get(numLoops, 0, {}, ctx)};
  }
  case GranularityKind::PerChannel:
  case GranularityKind::PerToken:
    return {scales, AffineMap::get(numLoops, 0, {row}, ctx)};
  case GranularityKind::Group:
    return {scales, AffineMap::get(numLoops, 0, {row, group}, ctx)};
  }
  llvm_unreachable("unknown granularity");
}
