//===- PackedWeights.cpp - constant low-bit weights in tern form ----------===//
#include "passes/quantize/PackedWeights.h"

#include "dialect/LowBit.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"

using namespace mlir;
using namespace mlir::tern;

/// Constants up to this many bytes print inline; larger ones are resources.
static constexpr size_t kInlineBytes = 64;

static TypedAttr constantData(RankedTensorType type, ArrayRef<char> bytes,
                              StringRef name) {
  if (bytes.size() <= kInlineBytes) {
    bool splat = false;
    if (DenseElementsAttr::isValidRawBuffer(type, bytes, splat))
      return DenseElementsAttr::getFromRawBuffer(type, bytes);
  }
  return DenseResourceElementsAttr::get(
      type, name.empty() ? "weights" : name,
      HeapAsmResourceBlob::allocateAndCopyWithAlign(bytes, alignof(float)));
}

Value mlir::tern::buildDequantizedWeights(OpBuilder &b, Location loc,
                                          ArrayRef<int8_t> values, int64_t n,
                                          int64_t k, Type elementType,
                                          ArrayRef<float> scales,
                                          GranularityAttr granularity,
                                          StringRef name) {
  MLIRContext *context = b.getContext();
  PackingKind packing = getDefaultPacking(elementType);
  auto layout =
      PackedLayoutAttr::get(context, packing, elementType, granularity);
  int64_t rowBytes = layout.getRowBytes(k);
  std::vector<char> bytes(n * rowBytes);
  for (int64_t r = 0; r < n; ++r)
    tern_pack_row(toRuntime(packing), *getValueKind(elementType),
                  values.data() + r * k, k,
                  reinterpret_cast<uint8_t *>(bytes.data() + r * rowBytes));
  auto packedType = RankedTensorType::get({n, rowBytes}, b.getI8Type(), layout);
  Value packed =
      arith::ConstantOp::create(b, loc, constantData(packedType, bytes, name));
  Value unpacked = UnpackOp::create(
      b, loc, RankedTensorType::get({n, k}, elementType), packed);

  auto scalesType =
      RankedTensorType::get(granularity.getScalesShape(n, k), b.getF32Type());
  ArrayRef<char> scaleBytes(reinterpret_cast<const char *>(scales.data()),
                            scales.size() * sizeof(float));
  Value scaleValue = arith::ConstantOp::create(
      b, loc, constantData(scalesType, scaleBytes, (name + ".scales").str()));
  return DequantizeOp::create(b, loc,
                              RankedTensorType::get({n, k}, b.getF32Type()),
                              unpacked, scaleValue, granularity);
}
