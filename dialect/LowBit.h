//===- LowBit.h - facts about tern's low-bit element types ----------------===//
//
// Maps MLIR element types to the runtime's value kinds (runtime/include/tern/
// layout.h), so passes and code generators ask one place about value ranges
// and which packings fit which types.
//
//===----------------------------------------------------------------------===//
#ifndef TERN_DIALECT_LOWBIT_H
#define TERN_DIALECT_LOWBIT_H

#include "dialect/Tern.h"
#include "tern/layout.h"

#include <optional>

namespace mlir::tern {

/// The value kind of a low-bit weight element type (!tern.trit,
/// !tern.bipolar, si2, ui2, si4, ui4), or nullopt for any other type.
std::optional<tern_value_kind> getValueKind(Type elementType);

/// Whether `type` is one of the low-bit weight element types.
inline bool isLowBitElementType(Type type) {
  return getValueKind(type).has_value();
}

/// The element type a quantization method produces: !tern.trit for
/// absmean/twn/exact, !tern.bipolar for binary, si2 / si4 for int2 / int4.
Type getQuantizedElementType(MLIRContext *context, QuantMethod method);

/// The packing tern stores a low-bit element type in by default: offset1
/// for bipolar, offset2 for trit and 2-bit, offset4 for 4-bit.
PackingKind getDefaultPacking(Type elementType);

/// The runtime's enum for a packing kind (the values are the same).
tern_packing toRuntime(PackingKind kind);

} // namespace mlir::tern

#endif // TERN_DIALECT_LOWBIT_H
