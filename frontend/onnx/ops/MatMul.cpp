//===- MatMul.cpp - ONNX MatMul, Gemm and their integer forms -------------===//
//
// Every product is one linalg.generic over (batch..., m, n, k) with numpy
// batch broadcasting in the indexing maps, so transposes, 1-D operands and
// per-row zero points are map choices, not data movement.
//
//===----------------------------------------------------------------------===//
#include "frontend/onnx/ops/MatMul.h"

#include "frontend/onnx/Builders.h"
#include "frontend/onnx/NodeContext.h"
#include "frontend/onnx/OpRegistry.h"
#include "frontend/onnx/TensorImport.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"

#include "onnx/onnx_pb.h"

using namespace mlir;
using namespace mlir::tern;

FailureOr<Value> mlir::tern::buildMatMul(NodeContext &n,
                                         const MatMulSpec &spec) {
  MLIRContext *context = n.b.getContext();
  SmallVector<int64_t> aShape = build::shapeOf(spec.a);
  SmallVector<int64_t> bShape = build::shapeOf(spec.b);
  if (aShape.empty() || bShape.empty())
    return n.emitError() << "MatMul operands must have rank >= 1";
  bool aVector = aShape.size() == 1, bVector = bShape.size() == 1;
  // Logical [.., M, K] and [.., K, N] views of the operands.
  size_t ra = aShape.size(), rb = bShape.size();
  int64_t m = 1, kA, kB, nDim = 1;
  if (aVector)
    kA = aShape[0];
  else if (spec.transA)
    kA = aShape[ra - 2], m = aShape[ra - 1];
  else
    m = aShape[ra - 2], kA = aShape[ra - 1];
  if (bVector)
    kB = bShape[0];
  else if (spec.transB)
    nDim = bShape[rb - 2], kB = bShape[rb - 1];
  else
    kB = bShape[rb - 2], nDim = bShape[rb - 1];
  if (kA != kB)
    return n.emitError() << "inner dimensions differ: " << spec.a.getType()
                         << " and " << spec.b.getType();
  SmallVector<int64_t> aBatch(aShape.begin(), aShape.end() - (aVector ? 1 : 2));
  SmallVector<int64_t> bBatch(bShape.begin(), bShape.end() - (bVector ? 1 : 2));
  auto batch = build::broadcastShapes({aBatch, bBatch});
  if (!batch)
    return n.emitError() << "batch dimensions do not broadcast: "
                         << spec.a.getType() << " and " << spec.b.getType();
  size_t nb = batch->size();
  // Loop dims: batch..., m, n, k.
  unsigned loops = nb + 3;
  AffineExpr dm = getAffineDimExpr(nb, context);
  AffineExpr dn = getAffineDimExpr(nb + 1, context);
  AffineExpr dk = getAffineDimExpr(nb + 2, context);
  auto batchExprs = [&](ArrayRef<int64_t> operandBatch) {
    SmallVector<AffineExpr> exprs;
    size_t offset = nb - operandBatch.size();
    for (auto [i, dim] : llvm::enumerate(operandBatch))
      exprs.push_back(dim == 1 && (*batch)[offset + i] != 1
                          ? getAffineConstantExpr(0, context)
                          : getAffineDimExpr(offset + i, context));
    return exprs;
  };
  SmallVector<AffineExpr> aExprs = batchExprs(aBatch),
                          bExprs = batchExprs(bBatch);
  if (aVector)
    aExprs.push_back(dk);
  else if (spec.transA)
    aExprs.append({dk, dm});
  else
    aExprs.append({dm, dk});
  if (bVector)
    bExprs.push_back(dk);
  else if (spec.transB)
    bExprs.append({dn, dk});
  else
    bExprs.append({dk, dn});

  SmallVector<int64_t> outShape(*batch);
  SmallVector<AffineExpr> outExprs;
  for (size_t i = 0; i < nb; ++i)
    outExprs.push_back(getAffineDimExpr(i, context));
  if (!aVector) {
    outShape.push_back(m);
    outExprs.push_back(dm);
  }
  if (!bVector) {
    outShape.push_back(nDim);
    outExprs.push_back(dn);
  }

  SmallVector<Value> inputs = {spec.a, spec.b};
  SmallVector<AffineMap> maps = {AffineMap::get(loops, 0, aExprs, context),
                                 AffineMap::get(loops, 0, bExprs, context)};
  // Zero points: scalar, or per row of A (m) / per column of B (n).
  auto addZeroPoint = [&](Value zp, AffineExpr perElement) {
    if (!zp)
      return;
    bool scalar = cast<RankedTensorType>(zp.getType()).getNumElements() == 1;
    inputs.push_back(scalar ? build::reshape(n.b, n.loc, zp, {}) : zp);
    maps.push_back(scalar ? AffineMap::get(loops, 0, {}, context)
                          : AffineMap::get(loops, 0, {perElement}, context));
  };
  addZeroPoint(spec.aZeroPoint, dm);
  addZeroPoint(spec.bZeroPoint, dn);
  maps.push_back(AffineMap::get(loops, 0, outExprs, context));

  Value init = build::filled(n.b, n.loc, outShape,
                             build::scalar(n.b, n.loc, spec.accumulator, 0));
  SmallVector<utils::IteratorType> iterators(loops - 1,
                                             utils::IteratorType::parallel);
  iterators.push_back(utils::IteratorType::reduction);
  auto generic = linalg::GenericOp::create(
      n.b, n.loc, init.getType(), inputs, init, maps, iterators,
      [&](OpBuilder &b, Location l, ValueRange args) {
        Type acc = spec.accumulator;
        Value x =
            build::convertScalar(b, l, args[0], acc, spec.aUnsigned, false);
        Value y =
            build::convertScalar(b, l, args[1], acc, spec.bUnsigned, false);
        unsigned next = 2;
        if (spec.aZeroPoint)
          x = build::sub(b, l, x,
                         build::convertScalar(b, l, args[next++], acc,
                                              spec.aUnsigned, false));
        if (spec.bZeroPoint)
          y = build::sub(b, l, y,
                         build::convertScalar(b, l, args[next++], acc,
                                              spec.bUnsigned, false));
        linalg::YieldOp::create(
            b, l, build::add(b, l, args.back(), build::mul(b, l, x, y)));
      });
  return generic.getResult(0);
}

namespace {
LogicalResult importMatMul(NodeContext &n) {
  MatMulSpec spec;
  spec.a = n.input(0);
  spec.b = n.input(1);
  spec.accumulator = getElementTypeOrSelf(spec.a);
  if (spec.accumulator != getElementTypeOrSelf(spec.b))
    return n.emitError() << "A and B have different element types";
  spec.aUnsigned = spec.bUnsigned = n.inputIsUnsigned(0);
  FailureOr<Value> result = buildMatMul(n, spec);
  if (failed(result))
    return failure();
  n.setOutput(0, *result, n.inputOnnxType(0));
  return success();
}

/// Y = alpha * A' * B' + beta * C, with C broadcast to [M, N].
LogicalResult importGemm(NodeContext &n) {
  if (n.inputType(0).getRank() != 2 || n.inputType(1).getRank() != 2)
    return n.emitError() << "A and B must be 2-D, got " << n.inputType(0)
                         << " and " << n.inputType(1);
  MatMulSpec spec;
  spec.a = n.input(0);
  spec.b = n.input(1);
  spec.transA = n.intAttr("transA", 0);
  spec.transB = n.intAttr("transB", 0);
  spec.accumulator = getElementTypeOrSelf(spec.a);
  spec.aUnsigned = spec.bUnsigned = n.inputIsUnsigned(0);
  FailureOr<Value> product = buildMatMul(n, spec);
  if (failed(product))
    return failure();
  double alpha = n.floatAttr("alpha", 1.0f), beta = n.floatAttr("beta", 1.0f);
  Type t = spec.accumulator;
  SmallVector<int64_t> shape = build::shapeOf(*product);
  SmallVector<Value> inputs = {*product};
  if (n.hasInput(2)) {
    SmallVector<int64_t> cShape = build::shapeOf(n.input(2));
    auto joined = build::broadcastShapes({shape, cShape});
    if (!joined || *joined != shape)
      return n.emitError() << "C " << n.input(2).getType()
                           << " does not broadcast to the product's shape";
    inputs.push_back(n.input(2));
  }
  Value result = build::elementwise(
      n.b, n.loc, inputs, shape, t,
      [&](OpBuilder &b, Location l, ValueRange a) {
        Value y = a[0];
        if (alpha != 1.0)
          y = build::mul(b, l, y, build::scalar(b, l, t, alpha));
        if (a.size() > 1) {
          Value c = a[1];
          if (beta != 1.0)
            c = build::mul(b, l, c, build::scalar(b, l, t, beta));
          y = build::add(b, l, y, c);
        }
        return y;
      });
  n.setOutput(0, result, n.inputOnnxType(0));
  return success();
}
} // namespace

void mlir::tern::registerMatMulOps(OpRegistry &r) {
  r.add("MatMul", 1, importMatMul);
  r.add("Gemm", 1, importGemm);
}
