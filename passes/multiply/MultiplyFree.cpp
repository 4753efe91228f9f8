//===- MultiplyFree.cpp - shared pieces of multiply elimination -----------===//
#include "passes/multiply/MultiplyFree.h"
#include "passes/reference/Patterns.h"

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
std::optional<ArrayRef<char>> multiply::constantData(Value value) {
  auto constant = value.getDefiningOp<arith::ConstantOp>();
  if (!constant)
    return std::nullopt;
  if (auto dense = dyn_cast<DenseElementsAttr>(constant.getValue())) {
    if (dense.isSplat())
      return std::nullopt;
    return dense.getRawData();
  }
  if (auto resource =
          dyn_cast<DenseResourceElementsAttr>(constant.getValue())) {
    AsmResourceBlob *blob = resource.getRawHandle().getBlob();
    if (!blob)
      return std::nullopt;
    return blob->getData();
  }
  return std::nullopt;
}

std::optional<std::vector<uint8_t>> multiply::constantBytes(Value value) {
  std::optional<ArrayRef<char>> raw = constantData(value);
  if (!raw)
    return std::nullopt;
  return std::vector<uint8_t>(raw->begin(), raw->end());
}

Value multiply::scaleOutputs(ImplicitLocOpBuilder &b, LinearOp op,
                             ValueRange totals, ArrayRef<AffineMap> totalMaps,
                             TotalFn total) {
  return reference::buildScaledLinearOutput(
      b, op.getWeightScales(), op.getWeightGranularity(), op.getInputScales(),
      *op.getInputGranularity(),
      cast<RankedTensorType>(op.getType()).getDimSize(1), totals, totalMaps,
      total);
}
