//===- WeightsFile.cpp - the weights file every target writes -------------===//
#include "codegen/common/WeightsFile.h"

#include "codegen/common/Passes.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/DialectResourceBlobManager.h"

#include "tern/runtime.h"

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

FailureOr<WeightsFile> mlir::tern::buildWeightsFile(ModuleOp module) {
  auto total = module->getAttrOfType<IntegerAttr>(kWeightsBytesAttr);
  if (!total)
    return module.emitError("weights are not planned (run tern-plan-weights)");
  std::string payload(total.getInt(), '\0');
  for (auto global : module.getOps<memref::GlobalOp>()) {
    auto offset = global->getAttrOfType<IntegerAttr>(kWeightsOffsetAttr);
    if (!offset)
      continue;
    FailureOr<std::string> bytes = elementBytes(global);
    if (failed(bytes))
      return failure();
    if (offset.getInt() + bytes->size() > payload.size())
      return global.emitOpError("does not fit its planned weights slot");
    std::copy(bytes->begin(), bytes->end(), payload.begin() + offset.getInt());
  }
  WeightsFile file;
  file.payloadBytes = payload.size();
  file.checksum = tern_weights_checksum(payload.data(), payload.size());
  std::string header(TERN_WEIGHTS_HEADER_BYTES, '\0');
  auto put = [&](size_t at, uint64_t value, unsigned bytes) {
    for (unsigned i = 0; i < bytes; ++i)
      header[at + i] = static_cast<char>(value >> (8 * i));
  };
  std::copy_n(TERN_WEIGHTS_MAGIC, 7, header.begin());
  put(8, TERN_WEIGHTS_VERSION, 4);
  put(12, kBufferAlignment, 4);
  put(16, file.payloadBytes, 8);
  put(24, file.checksum, 8);
  file.contents = header + payload;
  return file;
}
