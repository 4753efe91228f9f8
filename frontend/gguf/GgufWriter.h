//===- GgufWriter.h - writes GGUF v3 files ----------------------*- C++ -*-===//
//
// Metadata and tensors in, one GGUF v3 file out (llama.cpp's docs/gguf.md):
// alignment 32, tensor data in the order added. The file appears whole or
// not at all. Used by tern-mkmodel; tern's reader is GgufFile.h.
//
//===----------------------------------------------------------------------===//
#ifndef TERN_FRONTEND_GGUF_GGUFWRITER_H
#define TERN_FRONTEND_GGUF_GGUFWRITER_H

#include "frontend/gguf/GgufFile.h"

namespace tern::gguf {

class GgufWriter {
public:
  void add(llvm::StringRef key, Value value);
  void addString(llvm::StringRef key, llvm::StringRef value);
  void addU32(llvm::StringRef key, uint32_t value);
  void addF32(llvm::StringRef key, float value);
  void addBool(llvm::StringRef key, bool value);

  /// `ne` in ggml order (fastest dimension first); `data` already encoded.
  void addTensor(llvm::StringRef name, llvm::ArrayRef<int64_t> ne,
                 GgmlType type, std::vector<uint8_t> data);

  /// Writes everything to `path` through a temporary file.
  llvm::Error write(llvm::StringRef path) const;

private:
  struct Tensor {
    std::string name;
    llvm::SmallVector<int64_t, 4> ne;
    GgmlType type;
    std::vector<uint8_t> data;
  };
  std::vector<std::pair<std::string, Value>> metadata;
  std::vector<Tensor> tensors;
};

} // namespace tern::gguf

#endif
