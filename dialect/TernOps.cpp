//===- TernOps.cpp - tern op verifiers, folders, custom syntax ------------===//
#include "dialect/LowBit.h"
#include "dialect/Tern.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"
#include "llvm/ADT/STLExtras.h"

using namespace mlir;
using namespace mlir::tern;

//===----------------------------------------------------------------------===//
// custom<Granularity>: prints `per_channel` or `group = 64` in op syntax.
//===----------------------------------------------------------------------===//

static ParseResult parseGranularity(OpAsmParser &parser, GranularityAttr &attr) {
  attr = GranularityAttr::parseBody(parser);
  return success(static_cast<bool>(attr));
}

static void printGranularity(OpAsmPrinter &printer, Operation *,
                             GranularityAttr attr) {
  attr.printBody(printer);
}

//===----------------------------------------------------------------------===//
// custom<Method>: prints `absmean` or `twn` in op syntax.
//===----------------------------------------------------------------------===//

static ParseResult parseMethod(OpAsmParser &parser, QuantMethodAttr &attr) {
  SMLoc loc = parser.getCurrentLocation();
  StringRef keyword;
  if (parser.parseKeyword(&keyword))
    return failure();
  std::optional<QuantMethod> method = symbolizeQuantMethod(keyword);
  if (!method)
    return parser.emitError(loc, "expected quantization method 'absmean', "
                                 "'twn', 'exact', 'binary', 'int2' or "
                                 "'int4', got '")
           << keyword << "'";
  attr = QuantMethodAttr::get(parser.getContext(), *method);
  return success();
}

static void printMethod(OpAsmPrinter &printer, Operation *,
                        QuantMethodAttr attr) {
  printer << stringifyQuantMethod(attr.getValue());
}

#define GET_OP_CLASSES
#include "dialect/TernOps.cpp.inc"

//===----------------------------------------------------------------------===//
// Shared verification helpers
//===----------------------------------------------------------------------===//

namespace {
/// Formats a shape as [4, ?, 8] for diagnostics.
std::string formatShape(ArrayRef<int64_t> shape) {
  std::string text = "[";
  llvm::raw_string_ostream os(text);
  llvm::interleaveComma(shape, os, [&](int64_t dim) {
    if (ShapedType::isDynamic(dim))
      os << "?";
    else
      os << dim;
  });
  os << "]";
  return text;
}

/// Shapes must agree exactly, dynamic dims included: tern ops never refine
/// a shape, so their lowerings need no casts.
bool sameShape(ArrayRef<int64_t> a, ArrayRef<int64_t> b) { return a == b; }

LogicalResult verifyRank2(Operation *op, StringRef what, Type type) {
  auto tensor = cast<RankedTensorType>(type);
  if (tensor.getRank() != 2)
    return op->emitOpError() << "expects " << what << " to be 2-D, got "
                             << type;
  return success();
}

/// Scale groups a weight can use: one scale, one per row, or groups of G.
LogicalResult verifyWeightGranularity(Operation *op, GranularityAttr g) {
  if (g.getKind() == GranularityKind::PerToken)
    return op->emitOpError()
           << "weight scales are per_tensor, per_channel or group = G, not "
              "per_token";
  return success();
}

/// Scale groups activations can use: one scale, or one per token (row).
LogicalResult verifyActivationGranularity(Operation *op, GranularityAttr g) {
  if (g.getKind() != GranularityKind::PerTensor &&
      g.getKind() != GranularityKind::PerToken)
    return op->emitOpError()
           << "activation scales are per_tensor or per_token, not "
           << stringifyGranularityKind(g.getKind());
  return success();
}

/// Checks that `scales` has the shape `g` requires for a [rows, cols] tensor.
LogicalResult verifyScales(Operation *op, StringRef what, Type scalesType,
                           GranularityAttr g, int64_t rows, int64_t cols) {
  if (g.getKind() == GranularityKind::Group) {
    if (ShapedType::isDynamic(cols))
      return op->emitOpError() << "needs a static column count for group "
                                  "scales of "
                               << what;
    if (cols % g.getGroupSize() != 0)
      return op->emitOpError()
             << "group size " << g.getGroupSize() << " does not divide the "
             << cols << " columns of " << what;
  }
  SmallVector<int64_t> expected = g.getScalesShape(rows, cols);
  auto scales = cast<RankedTensorType>(scalesType);
  if (!sameShape(scales.getShape(), expected)) {
    std::string granularity;
    llvm::raw_string_ostream os(granularity);
    os << stringifyGranularityKind(g.getKind());
    if (g.getKind() == GranularityKind::Group)
      os << " = " << g.getGroupSize();
    return op->emitOpError()
           << "expects scales of " << what << " with shape "
           << formatShape(expected) << " for " << granularity << ", got "
           << formatShape(scales.getShape());
  }
  return success();
}
} // namespace

//===----------------------------------------------------------------------===//
// Op verifiers
//===----------------------------------------------------------------------===//

LogicalResult QuantizeWeightsOp::verify() {
  auto input = getInput().getType();
  if (failed(verifyRank2(*this, "the weights", input)))
    return failure();
  if (!input.hasStaticShape())
    return emitOpError() << "expects weights with a static shape, got "
                         << input;
  Type expected = getQuantizedElementType(getContext(), getMethod());
  if (getWeights().getType().getElementType() != expected)
    return emitOpError() << "method " << stringifyQuantMethod(getMethod())
                         << " produces " << expected << " weights, not "
                         << getWeights().getType().getElementType();
  if (getWeights().getType().getShape() != input.getShape())
    return emitOpError() << "result shape "
                         << formatShape(getWeights().getType().getShape())
                         << " differs from input shape "
                         << formatShape(input.getShape());
  if (failed(verifyWeightGranularity(*this, getGranularity())))
    return failure();
  return verifyScales(*this, "the weights", getScales().getType(),
                      getGranularity(), input.getDimSize(0),
                      input.getDimSize(1));
}

LogicalResult QuantizeActivationsOp::verify() {
  auto input = getInput().getType();
  if (failed(verifyRank2(*this, "the activations", input)))
    return failure();
  if (ShapedType::isDynamic(input.getDimSize(1)))
    return emitOpError() << "expects activations with a static column count, "
                            "got "
                         << input;
  if (!sameShape(getOutput().getType().getShape(), input.getShape()))
    return emitOpError() << "result shape "
                         << formatShape(getOutput().getType().getShape())
                         << " differs from input shape "
                         << formatShape(input.getShape());
  if (failed(verifyActivationGranularity(*this, getGranularity())))
    return failure();
  return verifyScales(*this, "the activations", getScales().getType(),
                      getGranularity(), input.getDimSize(0),
                      input.getDimSize(1));
}

LogicalResult LinearOp::verify() {
  auto input = cast<RankedTensorType>(getInput().getType());
  auto weights = cast<RankedTensorType>(getWeights().getType());
  if (failed(verifyRank2(*this, "the input", input)) ||
      failed(verifyRank2(*this, "the weights", weights)))
    return failure();
  int64_t m = input.getDimSize(0), k = input.getDimSize(1);
  int64_t n = weights.getDimSize(0);
  if (ShapedType::isDynamic(k))
    return emitOpError() << "expects a static input column count (K), got "
                         << input;

  if (auto layout = dyn_cast_or_null<PackedLayoutAttr>(weights.getEncoding())) {
    if (weights.getDimSize(1) != layout.getRowBytes(k))
      return emitOpError() << "packed weights need " << layout.getRowBytes(k)
                           << " bytes per row for K = " << k << ", got "
                           << weights.getDimSize(1);
    if (layout.getGranularity() != getWeightGranularity())
      return emitOpError() << "weight granularity differs from the packed "
                              "layout's granularity";
  } else if (weights.getDimSize(1) != k) {
    return emitOpError() << "input has " << k << " columns but weights have "
                         << weights.getDimSize(1);
  }

  if (failed(verifyWeightGranularity(*this, getWeightGranularity())) ||
      failed(verifyScales(*this, "the weights", getWeightScales().getType(),
                          getWeightGranularity(), n, k)))
    return failure();

  bool quantizedInput = input.getElementType().isInteger(8);
  if (quantizedInput != static_cast<bool>(getInputScales()))
    return emitOpError() << (quantizedInput
                                 ? "needs input scales for an i8 input"
                                 : "takes input scales only for an i8 input");
  if (static_cast<bool>(getInputScales()) !=
      static_cast<bool>(getInputGranularityAttr()))
    return emitOpError() << "input scales and input granularity go together";
  if (quantizedInput &&
      (failed(verifyActivationGranularity(*this, *getInputGranularity())) ||
       failed(verifyScales(*this, "the input", getInputScales().getType(),
                           *getInputGranularity(), m, k))))
    return failure();

  SmallVector<int64_t> expected = {m, n};
  if (!sameShape(getResult().getType().getShape(), expected))
    return emitOpError() << "expects result shape " << formatShape(expected)
                         << ", got "
                         << formatShape(getResult().getType().getShape());
  return success();
}

LogicalResult DequantizeOp::verify() {
  auto input = getInput().getType();
  if (failed(verifyRank2(*this, "the input", input)))
    return failure();
  if (!sameShape(getResult().getType().getShape(), input.getShape()))
    return emitOpError() << "result shape "
                         << formatShape(getResult().getType().getShape())
                         << " differs from input shape "
                         << formatShape(input.getShape());
  return verifyScales(*this, "the input", getScales().getType(),
                      getGranularity(), input.getDimSize(0),
                      input.getDimSize(1));
}

/// Checks that `packed` stores an [N, K] tensor of `values` in its layout.
static LogicalResult verifyPacking(Operation *op, RankedTensorType values,
                                   RankedTensorType packed) {
  if (failed(verifyRank2(op, "the unpacked tensor", values)))
    return failure();
  auto layout = cast<PackedLayoutAttr>(packed.getEncoding());
  if (layout.getValueType() != values.getElementType())
    return op->emitOpError() << "packed layout holds " << layout.getValueType()
                             << " but the unpacked tensor holds "
                             << values.getElementType();
  int64_t k = values.getDimSize(1);
  if (ShapedType::isDynamic(k))
    return op->emitOpError() << "needs a static row length to pack";
  SmallVector<int64_t> expected = {values.getDimSize(0),
                                   layout.getRowBytes(k)};
  if (!sameShape(packed.getShape(), expected))
    return op->emitOpError()
           << "packing " << formatShape(values.getShape()) << " as "
           << stringifyPackingKind(layout.getKind()) << " takes "
           << formatShape(expected) << " bytes, got "
           << formatShape(packed.getShape());
  return success();
}

LogicalResult PackOp::verify() {
  return verifyPacking(*this, getInput().getType(), getResult().getType());
}

LogicalResult UnpackOp::verify() {
  return verifyPacking(*this, getResult().getType(), getInput().getType());
}

//===----------------------------------------------------------------------===//
// Folders: pack and unpack cancel out.
//===----------------------------------------------------------------------===//

OpFoldResult PackOp::fold(FoldAdaptor) {
  if (auto unpack = getInput().getDefiningOp<UnpackOp>())
    if (unpack.getInput().getType() == getType())
      return unpack.getInput();
  return {};
}

OpFoldResult UnpackOp::fold(FoldAdaptor) {
  if (auto pack = getInput().getDefiningOp<PackOp>())
    if (pack.getInput().getType() == getType())
      return pack.getInput();
  return {};
}
