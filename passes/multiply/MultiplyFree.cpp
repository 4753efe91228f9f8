//===- MultiplyFree.cpp - shared pieces of multiply elimination -----------===//
#include "passes/multiply/MultiplyFree.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/DialectResourceBlobManager.h"

using namespace mlir;
using namespace mlir::tern;

Value multiply::intConstant(ImplicitLocOpBuilder &b, Type type, int64_t value) {
  return arith::ConstantOp::create(b, b.getIntegerAttr(type, value));
}

Value multiply::zeros(ImplicitLocOpBuilder &b, ArrayRef<int64_t> shape,
                      Type type) {
  Value empty = tensor::EmptyOp::create(b, shape, type);
  return linalg::FillOp::create(b, intConstant(b, type, 0), empty).getResult(0);
}

Value multiply::plainBytes(ImplicitLocOpBuilder &b, Value packed) {
  auto constant = packed.getDefiningOp<arith::ConstantOp>();
  if (!constant)
    return nullptr;
  auto type = cast<RankedTensorType>(packed.getType());
  auto plain = RankedTensorType::get(type.getShape(), type.getElementType());
  Attribute value = constant.getValue();
  if (auto dense = dyn_cast<DenseElementsAttr>(value))
    return arith::ConstantOp::create(b, dense.reshape(plain));
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(value))
    return arith::ConstantOp::create(
        b, DenseResourceElementsAttr::get(plain, resource.getRawHandle()));
  return nullptr;
}

/// The bytes of a constant (dense or resource), or nullopt.
std::optional<std::vector<uint8_t>> multiply::constantBytes(Value value) {
  auto constant = value.getDefiningOp<arith::ConstantOp>();
  if (!constant)
    return std::nullopt;
  ArrayRef<char> raw;
  if (auto dense = dyn_cast<DenseElementsAttr>(constant.getValue())) {
    if (dense.isSplat())
      return std::nullopt;
    raw = dense.getRawData();
  } else if (auto resource =
                 dyn_cast<DenseResourceElementsAttr>(constant.getValue())) {
    AsmResourceBlob *blob = resource.getRawHandle().getBlob();
    if (!blob)
      return std::nullopt;
    raw = blob->getData();
  } else {
    return std::nullopt;
  }
  return std::vector<uint8_t>(raw.begin(), raw.end());
}

Value multiply::scaleOutputs(ImplicitLocOpBuilder &b, LinearOp op,
                             ValueRange totals, ArrayRef<AffineMap> totalMaps,
                             TotalFn total) {
  MLIRContext *ctx = b.getContext();
  auto result = cast<RankedTensorType>(op.getType());
  int64_t m = result.getDimSize(0), n = result.getDimSize(1);
  auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
  AffineExpr zero = getAffineConstantExpr(0, ctx);
  auto parallel = utils::IteratorType::parallel;
  bool perChannel =
      op.getWeightGranularity().getKind() == GranularityKind::PerChannel;
  bool perToken =
      op.getInputGranularity()->getKind() == GranularityKind::PerToken;
  Type f32 = b.getF32Type();
  Value inputScales = op.getInputScales();
  if (!perChannel) {
    Value combined = tensor::EmptyOp::create(b, ArrayRef<int64_t>{m}, f32);
    inputScales =
        linalg::GenericOp::create(
            b, TypeRange{combined.getType()},
            ValueRange{op.getInputScales(), op.getWeightScales()}, combined,
            ArrayRef<AffineMap>{
                AffineMap::get(1, 0, {perToken ? d(0) : zero}, ctx),
                AffineMap::get(1, 0, {zero}, ctx),
                AffineMap::get(1, 0, {d(0)}, ctx)},
            ArrayRef<utils::IteratorType>{parallel},
            [&](OpBuilder &nested, Location loc, ValueRange args) {
              ImplicitLocOpBuilder body(loc, nested);
              linalg::YieldOp::create(
                  body, Value(arith::MulFOp::create(body, args[0], args[1])));
            })
            .getResult(0);
    perToken = true; // one combined scale per row now
  }
  SmallVector<Value> inputs(totals.begin(), totals.end());
  SmallVector<AffineMap> maps(totalMaps.begin(), totalMaps.end());
  inputs.push_back(inputScales);
  maps.push_back(AffineMap::get(2, 0, {perToken ? d(0) : zero}, ctx));
  if (perChannel) {
    inputs.push_back(op.getWeightScales());
    maps.push_back(AffineMap::get(2, 0, {d(1)}, ctx));
  }
  maps.push_back(AffineMap::get(2, 0, {d(0), d(1)}, ctx));
  unsigned count = totals.size();
  Value out = tensor::EmptyOp::create(b, ArrayRef<int64_t>{m, n}, f32);
  return linalg::GenericOp::create(
             b, TypeRange{out.getType()}, inputs, out, maps,
             ArrayRef<utils::IteratorType>{parallel, parallel},
             [&](OpBuilder &nested, Location loc, ValueRange args) {
               ImplicitLocOpBuilder body(loc, nested);
               Value value = arith::SIToFPOp::create(
                   body, f32, total(body, args.take_front(count)));
               if (perChannel) // (float * ws[n]) * xs[m]
                 value = arith::MulFOp::create(body, value, args[count + 1]);
               linalg::YieldOp::create(body, Value(arith::MulFOp::create(
                                                 body, value, args[count])));
             })
      .getResult(0);
}
