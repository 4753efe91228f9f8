//===- WeightsFile.cpp - the weights file every target writes -------------===//
#include "codegen/common/WeightsFile.h"

#include "codegen/common/Passes.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/DialectResourceBlobManager.h"

#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

#include "tern/runtime.h"
#include "tern/synth.h"

using namespace mlir;
using namespace mlir::tern;

/// The element bytes of a global's initial value, one byte per i1.
static FailureOr<std::string> elementBytes(memref::GlobalOp global) {
  Attribute value = *global.getInitialValue();
  MemRefType type = global.getType();
  int64_t count = type.getNumElements();
  if (auto dense = dyn_cast<DenseElementsAttr>(value)) {
    if (dense.getElementType().isInteger(1)) {
      std::string bytes;
      for (bool bit : dense.getValues<bool>())
        bytes.push_back(bit ? 1 : 0);
      return bytes;
    }
    ArrayRef<char> raw = dense.getRawData();
    if (!dense.isSplat())
      return std::string(raw.begin(), raw.end());
    std::string bytes;
    for (int64_t i = 0; i < count; ++i)
      bytes.append(raw.begin(), raw.end());
    return bytes;
  }
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(value))
    if (AsmResourceBlob *blob = resource.getRawHandle().getBlob()) {
      ArrayRef<char> raw = blob->getData();
      return std::string(raw.begin(), raw.end());
    }
  return global.emitOpError("has an initial value the weights writer cannot "
                            "read: ")
         << value;
}

/// How a constant is synthesized (tern/synth.h), or -1 to keep its bytes:
/// small constants and 32- and 64-bit integers may be structural (indices,
/// tables) and are copied as they are.
static int synthesizedKind(memref::GlobalOp global, size_t bytes) {
  constexpr size_t kSynthesizeFrom = 4096;
  Type element = global.getType().getElementType();
  if (bytes < kSynthesizeFrom)
    return -1;
  if (element.isF32())
    return TERN_SYNTH_F32;
  // F16 tables reach kernels as their bits (KernelCalls.h's constantBits).
  if (element.isF16() || element.isInteger(16))
    return TERN_SYNTH_F16;
  if (element.isInteger(8))
    return TERN_SYNTH_BYTES;
  return -1;
}

static const char *kindName(int kind) {
  return kind == TERN_SYNTH_F32   ? "f32"
         : kind == TERN_SYNTH_F16 ? "f16"
                                  : "bytes";
}

FailureOr<WeightsFile>
mlir::tern::buildWeightsFile(ModuleOp module,
                             std::optional<uint64_t> synthesizeSeed) {
  auto total = module->getAttrOfType<IntegerAttr>(kWeightsBytesAttr);
  if (!total)
    return module.emitError("weights are not planned (run tern-plan-weights)");
  std::string payload(total.getInt(), '\0');
  std::string records;
  llvm::raw_string_ostream manifest(records);
  for (auto global : module.getOps<memref::GlobalOp>()) {
    auto offset = global->getAttrOfType<IntegerAttr>(kWeightsOffsetAttr);
    if (!offset)
      continue;
    FailureOr<std::string> bytes = elementBytes(global);
    if (failed(bytes))
      return failure();
    const uint64_t at = offset.getInt();
    if (at + bytes->size() > payload.size())
      return global.emitOpError("does not fit its planned weights slot");
    int kind = synthesizeSeed ? synthesizedKind(global, bytes->size()) : -1;
    if (kind >= 0) {
      tern_synth_fill(*synthesizeSeed, at, kind,
                      reinterpret_cast<uint8_t *>(&payload[at]), bytes->size());
      manifest << "synth " << at << " " << bytes->size() << " "
               << kindName(kind) << "\n";
      continue;
    }
    std::copy(bytes->begin(), bytes->end(), payload.begin() + at);
    if (synthesizeSeed) {
      manifest << "literal " << at << " " << bytes->size() << " ";
      for (unsigned char byte : *bytes)
        manifest << llvm::format_hex_no_prefix(byte, 2);
      manifest << "\n";
    }
  }
  WeightsFile file;
  file.payloadBytes = payload.size();
  file.checksum = tern_weights_checksum(payload.data(), payload.size());
  if (synthesizeSeed) {
    llvm::raw_string_ostream os(file.manifest);
    os << "tern-synth 1\nseed " << *synthesizeSeed << "\npayload "
       << file.payloadBytes << "\nchecksum "
       << llvm::format_hex_no_prefix(file.checksum, 16) << "\n"
       << records;
    return file;
  }
  static_assert(kBufferAlignment == TERN_WEIGHTS_ALIGNMENT,
                "the planner aligns constants as the header says");
  uint8_t header[TERN_WEIGHTS_HEADER_BYTES];
  tern_weights_header(header, file.payloadBytes, file.checksum);
  file.contents.assign(reinterpret_cast<const char *>(header), sizeof header);
  file.contents += payload;
  return file;
}
