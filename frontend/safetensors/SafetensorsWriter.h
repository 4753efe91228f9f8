//===- SafetensorsWriter.h - writes .safetensors files -------*- C++ -*-===//
//
// Tensors in, one .safetensors file out (header padded to 8 bytes, data in
// the order added). The file appears whole or not at all. Used by
// tern-mkmodel; tern's reader is SafetensorsFile.h.
//
//===----------------------------------------------------------------------===//
#ifndef TERN_FRONTEND_SAFETENSORS_SAFETENSORSWRITER_H
#define TERN_FRONTEND_SAFETENSORS_SAFETENSORSWRITER_H

#include "frontend/safetensors/SafetensorsFile.h"

namespace tern::safetensors {

class SafetensorsWriter {
public:
  /// `bytes` little-endian, shape outermost first.
  void add(llvm::StringRef name, Dtype dtype, llvm::ArrayRef<int64_t> shape,
           std::vector<uint8_t> bytes);
  llvm::Error write(llvm::StringRef path) const;

private:
  struct Tensor {
    std::string name;
    Dtype dtype;
    llvm::SmallVector<int64_t, 4> shape;
    std::vector<uint8_t> bytes;
  };
  std::vector<Tensor> tensors;
};

} // namespace tern::safetensors

#endif
