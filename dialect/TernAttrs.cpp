//===- TernAttrs.cpp - granularity and packed-layout attributes -----------===//
#include "dialect/LowBit.h"
#include "dialect/Tern.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::tern;

#include "dialect/TernEnums.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "dialect/TernAttrs.cpp.inc"

void TernDialect::registerAttributes() {
  addAttributes<
#define GET_ATTRDEF_LIST
#include "dialect/TernAttrs.cpp.inc"
      >();
}

//===----------------------------------------------------------------------===//
// GranularityAttr
//===----------------------------------------------------------------------===//

LogicalResult
GranularityAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                        GranularityKind kind, int64_t groupSize) {
  if (kind == GranularityKind::Group && groupSize <= 0)
    return emitError() << "group size must be positive, got " << groupSize;
  if (kind != GranularityKind::Group && groupSize != 0)
    return emitError() << "only 'group' granularity takes a group size";
  return success();
}

SmallVector<int64_t> GranularityAttr::getScalesShape(int64_t rows,
                                                     int64_t cols) const {
  switch (getKind()) {
  case GranularityKind::PerTensor:
    return {1};
  case GranularityKind::PerChannel:
  case GranularityKind::PerToken:
    return {rows};
  case GranularityKind::Group:
    return {rows, ShapedType::isDynamic(cols) ? ShapedType::kDynamic
                                              : cols / getGroupSize()};
  }
  llvm_unreachable("unknown granularity");
}

void GranularityAttr::printBody(AsmPrinter &printer) const {
  printer << stringifyGranularityKind(getKind());
  if (getKind() == GranularityKind::Group)
    printer << " = " << getGroupSize();
}

GranularityAttr GranularityAttr::parseBody(AsmParser &parser) {
  SMLoc loc = parser.getCurrentLocation();
  StringRef keyword;
  if (failed(parser.parseKeyword(&keyword)))
    return {};
  std::optional<GranularityKind> kind = symbolizeGranularityKind(keyword);
  if (!kind) {
    parser.emitError(loc, "expected granularity 'per_tensor', 'per_channel', "
                          "'per_token' or 'group = G', got '")
        << keyword << "'";
    return {};
  }
  int64_t groupSize = 0;
  if (*kind == GranularityKind::Group &&
      (parser.parseEqual() || parser.parseInteger(groupSize)))
    return {};
  return parser.getChecked<GranularityAttr>(loc, parser.getContext(), *kind,
                                            groupSize);
}

Attribute GranularityAttr::parse(AsmParser &parser, Type) {
  if (parser.parseLess())
    return {};
  GranularityAttr attr = parseBody(parser);
  if (!attr || parser.parseGreater())
    return {};
  return attr;
}

void GranularityAttr::print(AsmPrinter &printer) const {
  printer << "<";
  printBody(printer);
  printer << ">";
}

//===----------------------------------------------------------------------===//
// PackedLayoutAttr
//===----------------------------------------------------------------------===//

LogicalResult
PackedLayoutAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                         PackingKind kind, Type valueType,
                         GranularityAttr granularity) {
  std::optional<tern_value_kind> valueKind = getValueKind(valueType);
  if (!valueKind)
    return emitError() << "packed value type must be a low-bit weight type "
                          "(!tern.trit, !tern.bipolar, si2, ui2, si4, ui4), got "
                       << valueType;
  if (!tern_packing_supports(toRuntime(kind), *valueKind))
    return emitError() << "packing '" << stringifyPackingKind(kind)
                       << "' cannot store " << valueType;
  if (!granularity)
    return emitError() << "packed layout needs a scale granularity";
  if (granularity.getKind() == GranularityKind::PerToken)
    return emitError() << "weights have 'per_channel' scales, not 'per_token'";
  return success();
}

int64_t PackedLayoutAttr::getRowBytes(int64_t k) const {
  return tern_packed_row_bytes(toRuntime(getKind()), k);
}

LogicalResult PackedLayoutAttr::verifyEncoding(
    ArrayRef<int64_t> shape, Type elementType,
    function_ref<InFlightDiagnostic()> emitError) const {
  if (!elementType.isSignlessInteger(8))
    return emitError() << "#tern.packed tensors hold bytes (i8), not "
                       << elementType;
  if (shape.size() != 2)
    return emitError() << "#tern.packed tensors are 2-D [rows, bytes per row], "
                          "got rank "
                       << shape.size();
  return success();
}

Attribute PackedLayoutAttr::parse(AsmParser &parser, Type) {
  SMLoc loc = parser.getCurrentLocation();
  StringRef keyword;
  Type valueType;
  if (parser.parseLess() || parser.parseKeyword(&keyword))
    return {};
  std::optional<PackingKind> kind = symbolizePackingKind(keyword);
  if (!kind) {
    parser.emitError(loc, "unknown packing '")
        << keyword
        << "'; expected offset1, offset2, offset4, base3 or bitplanes";
    return {};
  }
  if (parser.parseComma() || parser.parseType(valueType) ||
      parser.parseComma())
    return {};
  GranularityAttr granularity = GranularityAttr::parseBody(parser);
  if (!granularity || parser.parseGreater())
    return {};
  return parser.getChecked<PackedLayoutAttr>(loc, parser.getContext(), *kind,
                                             valueType, granularity);
}

void PackedLayoutAttr::print(AsmPrinter &printer) const {
  printer << "<" << stringifyPackingKind(getKind()) << ", " << getValueType()
          << ", ";
  getGranularity().printBody(printer);
  printer << ">";
}
