//===- GgufFile.h - A validated, memory-mapped GGUF v2/v3 file ------------===//
//
// GGUF (llama.cpp's gguf.cpp / docs/gguf.md): a header, metadata key-value
// pairs, tensor infos, then tensor data at offsets aligned to
// `general.alignment` (default 32). Opening validates everything a later
// read relies on: every count, string and array against the bytes left,
// tensor ranks, element counts against overflow, type ids, alignment, and
// every tensor's data range against the file, so tensor data can be used
// without further checks.
//
//===----------------------------------------------------------------------===//
#ifndef TERN_FRONTEND_GGUF_GGUFFILE_H
#define TERN_FRONTEND_GGUF_GGUFFILE_H

#include "frontend/gguf/GgmlTypes.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/MemoryBuffer.h"

#include <memory>
#include <string>
#include <vector>

namespace tern::gguf {

/// gguf_type: the type of a metadata value.
enum class ValueType : uint32_t {
  U8 = 0,
  I8 = 1,
  U16 = 2,
  I16 = 3,
  U32 = 4,
  I32 = 5,
  F32 = 6,
  Bool = 7,
  String = 8,
  Array = 9,
  U64 = 10,
  I64 = 11,
  F64 = 12,
};
llvm::StringRef valueTypeName(ValueType type);

/// One metadata value. Integers widen to int64/uint64, floats to double;
/// an array keeps its element type and elements.
struct Value {
  ValueType type = ValueType::U8;
  uint64_t u = 0;
  int64_t i = 0;
  double f = 0;
  std::string s;
  ValueType elementType = ValueType::U8;
  std::vector<Value> elements;

  bool isInteger() const;
  bool isFloat() const {
    return type == ValueType::F32 || type == ValueType::F64;
  }
};

struct TensorInfo {
  std::string name;
  llvm::SmallVector<int64_t, 4> ne; ///< ggml order: fastest dimension first
  GgmlTypeInfo type{GgmlType::F32, "F32", 1, 4, true};
  int64_t elements = 0;
  int64_t bytes = 0;
  uint64_t fileOffset = 0; ///< absolute, in the file
};

class GgufFile {
public:
  /// Maps and validates `path`; errors read "<path>: error: ...".
  static llvm::Expected<std::unique_ptr<GgufFile>> open(llvm::StringRef path);

  llvm::StringRef path() const { return path_; }
  uint32_t version() const { return version_; }
  uint64_t alignment() const { return alignment_; }
  bool alignmentGiven() const { return alignmentGiven_; }
  uint64_t dataOffset() const { return dataOffset_; }
  uint64_t fileSize() const { return buffer_->getBufferSize(); }

  /// Metadata in file order.
  llvm::ArrayRef<std::pair<std::string, Value>> metadata() const {
    return metadata_;
  }
  const Value *find(llvm::StringRef key) const;
  std::optional<uint64_t> getUInt(llvm::StringRef key) const;
  std::optional<double> getFloat(llvm::StringRef key) const;
  std::optional<llvm::StringRef> getString(llvm::StringRef key) const;

  /// Tensor infos in file order.
  llvm::ArrayRef<TensorInfo> tensors() const { return tensors_; }
  const TensorInfo *findTensor(llvm::StringRef name) const;
  llvm::ArrayRef<uint8_t> data(const TensorInfo &tensor) const;
  /// The tensor as floats, in ggml order.
  llvm::Expected<std::vector<float>> dequantize(const TensorInfo &tensor) const;

private:
  GgufFile() = default;
  friend class GgufParser;

  std::string path_;
  std::unique_ptr<llvm::MemoryBuffer> buffer_;
  uint32_t version_ = 0;
  uint64_t alignment_ = 32;
  bool alignmentGiven_ = false;
  uint64_t dataOffset_ = 0;
  std::vector<std::pair<std::string, Value>> metadata_;
  llvm::StringMap<size_t> metadataIndex_;
  std::vector<TensorInfo> tensors_;
  llvm::StringMap<size_t> tensorIndex_;
};

} // namespace tern::gguf

#endif // TERN_FRONTEND_GGUF_GGUFFILE_H
