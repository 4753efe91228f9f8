#include "dialect/LowBit.h"

using namespace mlir;
using namespace mlir::tern;

std::optional<tern_value_kind> tern::getValueKind(Type type) {
  if (isa<TritType>(type))
    return TERN_VALUE_TRIT;
  if (isa<BipolarType>(type))
    return TERN_VALUE_BIPOLAR;
  auto intType = dyn_cast<IntegerType>(type);
  if (!intType || intType.isSignless())
    return std::nullopt;
  switch (intType.getWidth()) {
  case 2:
    return intType.isSigned() ? TERN_VALUE_SI2 : TERN_VALUE_UI2;
  case 4:
    return intType.isSigned() ? TERN_VALUE_SI4 : TERN_VALUE_UI4;
  default:
    return std::nullopt;
  }
}

tern_packing tern::toRuntime(PackingKind kind) {
  return static_cast<tern_packing>(kind);
}

// The dialect's enum mirrors the runtime's C enum value for value.
static_assert(static_cast<int>(PackingKind::Offset1) == TERN_PACK_OFFSET1);
static_assert(static_cast<int>(PackingKind::Offset2) == TERN_PACK_OFFSET2);
static_assert(static_cast<int>(PackingKind::Offset4) == TERN_PACK_OFFSET4);
static_assert(static_cast<int>(PackingKind::Base3) == TERN_PACK_BASE3);
static_assert(static_cast<int>(PackingKind::BitPlanes) == TERN_PACK_BITPLANES);

Type mlir::tern::getQuantizedElementType(MLIRContext *context,
                                         QuantMethod method) {
  switch (method) {
  case QuantMethod::AbsMean:
  case QuantMethod::TWN:
  case QuantMethod::Exact:
    return TritType::get(context);
  case QuantMethod::Binary:
    return BipolarType::get(context);
  case QuantMethod::Int2:
    return IntegerType::get(context, 2, IntegerType::Signed);
  case QuantMethod::Int4:
    return IntegerType::get(context, 4, IntegerType::Signed);
  }
  llvm_unreachable("unknown quantization method");
}

PackingKind mlir::tern::getDefaultPacking(Type elementType) {
  switch (*getValueKind(elementType)) {
  case TERN_VALUE_BIPOLAR:
    return PackingKind::Offset1;
  case TERN_VALUE_SI4:
  case TERN_VALUE_UI4:
    return PackingKind::Offset4;
  default:
    return PackingKind::Offset2;
  }
}
