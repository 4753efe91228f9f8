//===- SafetensorsFile.h - a validated .safetensors file ----*- C++ -*-===//
//
// The format (huggingface/safetensors): a u64 little-endian header length
// N, N bytes of JSON mapping tensor names to {dtype, shape, data_offsets}
// (plus an optional "__metadata__" object of strings), then the data.
// Offsets are relative to the data's start. Everything is checked when the
// file opens: the header fits, each dtype is known, each shape's byte size
// matches its offsets, and the ranges lie in the data without overlapping.
//
//===----------------------------------------------------------------------===//
#ifndef TERN_FRONTEND_SAFETENSORS_SAFETENSORSFILE_H
#define TERN_FRONTEND_SAFETENSORS_SAFETENSORSFILE_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/MemoryBuffer.h"

#include <memory>
#include <string>
#include <vector>

namespace tern::safetensors {

enum class Dtype { F32, F16, BF16, U8, I8 };

struct TensorEntry {
  std::string name;
  Dtype dtype;
  llvm::SmallVector<int64_t, 4> shape; ///< outermost first
  int64_t elements = 0;
  llvm::ArrayRef<uint8_t> bytes; ///< into the mapped file
};

class SafetensorsFile {
public:
  /// Maps and validates `path`; errors read "<path>: error: ...".
  static llvm::Expected<std::unique_ptr<SafetensorsFile>>
  open(llvm::StringRef path);

  llvm::StringRef path() const { return path_; }
  const TensorEntry *find(llvm::StringRef name) const;
  const std::vector<TensorEntry> &tensors() const { return tensors_; }

  /// A float tensor (F32, F16, BF16) as floats.
  llvm::Expected<std::vector<float>> floats(const TensorEntry &tensor) const;

private:
  std::string path_;
  std::unique_ptr<llvm::MemoryBuffer> buffer_;
  std::vector<TensorEntry> tensors_;
  llvm::StringMap<size_t> index_;
};

llvm::StringRef dtypeName(Dtype dtype);

} // namespace tern::safetensors

#endif
