//===- GgufFile.cpp - A validated, memory-mapped GGUF v2/v3 file ----------===//
#include "frontend/gguf/GgufFile.h"

#include "llvm/Support/Endian.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MathExtras.h"

using namespace tern::gguf;
using llvm::Error;

namespace tern::gguf {
/// Reads the file front to back through a bounds-checked cursor; every
/// failure names the byte offset and what was being read.
class GgufParser {
public:
  explicit GgufParser(GgufFile &file)
      : file(file), begin(reinterpret_cast<const uint8_t *>(
                        file.buffer_->getBufferStart())),
        end(begin + file.buffer_->getBufferSize()), pos(begin) {}

  Error parse();

private:
  GgufFile &file;
  const uint8_t *begin, *end, *pos;

  uint64_t offset() const { return uint64_t(pos - begin); }
  uint64_t left() const { return uint64_t(end - pos); }

  template <typename... Args> Error fail(const char *format, Args &&...args) {
    return llvm::createStringError(
        llvm::formatv("{0}: error: {1}", file.path_,
                      llvm::formatv(format, std::forward<Args>(args)...))
            .str());
  }

  template <typename T> Error read(T &value, llvm::StringRef what) {
    if (left() < sizeof(T))
      return fail("truncated at byte {0} reading {1} (file is {2} bytes)",
                  offset(), what, file.fileSize());
    value = llvm::support::endian::read<T, llvm::endianness::little>(pos);
    pos += sizeof(T);
    return Error::success();
  }

  Error readString(std::string &s, llvm::StringRef what) {
    uint64_t length;
    if (Error e = read(length, what))
      return e;
    if (length > left())
      return fail("{0} at byte {1} claims {2} bytes; only {3} are left", what,
                  offset() - 8, length, left());
    s.assign(reinterpret_cast<const char *>(pos), size_t(length));
    pos += length;
    return Error::success();
  }

  Error readValue(ValueType type, Value &value, llvm::StringRef key,
                  bool inArray);
  Error parseTensorInfo(TensorInfo &tensor, uint64_t index);
};
} // namespace tern::gguf

static uint64_t minValueBytes(ValueType type) {
  switch (type) {
  case ValueType::U8:
  case ValueType::I8:
  case ValueType::Bool:
    return 1;
  case ValueType::U16:
  case ValueType::I16:
    return 2;
  case ValueType::U32:
  case ValueType::I32:
  case ValueType::F32:
    return 4;
  default: // 64-bit values, and strings and arrays start with a 64-bit count
    return 8;
  }
}

Error GgufParser::readValue(ValueType type, Value &value, llvm::StringRef key,
                            bool inArray) {
  value.type = type;
  std::string what = ("the value of '" + key + "'").str();
  auto readInt = [&](auto raw) -> Error {
    if (Error e = read(raw, what))
      return e;
    if constexpr (std::is_signed_v<decltype(raw)>) {
      value.i = raw;
      value.u = uint64_t(raw);
    } else {
      value.u = raw;
      value.i = int64_t(raw);
    }
    return Error::success();
  };
  switch (type) {
  case ValueType::U8:
    return readInt(uint8_t());
  case ValueType::I8:
    return readInt(int8_t());
  case ValueType::U16:
    return readInt(uint16_t());
  case ValueType::I16:
    return readInt(int16_t());
  case ValueType::U32:
    return readInt(uint32_t());
  case ValueType::I32:
    return readInt(int32_t());
  case ValueType::U64:
    return readInt(uint64_t());
  case ValueType::I64:
    return readInt(int64_t());
  case ValueType::Bool: {
    uint8_t b;
    if (Error e = read(b, what))
      return e;
    if (b > 1)
      return fail("'{0}': bool at byte {1} is {2}, not 0 or 1", key,
                  offset() - 1, b);
    value.u = b;
    value.i = b;
    return Error::success();
  }
  case ValueType::F32: {
    uint32_t bits;
    if (Error e = read(bits, what))
      return e;
    value.f = llvm::bit_cast<float>(bits);
    return Error::success();
  }
  case ValueType::F64: {
    uint64_t bits;
    if (Error e = read(bits, what))
      return e;
    value.f = llvm::bit_cast<double>(bits);
    return Error::success();
  }
  case ValueType::String:
    return readString(value.s, what);
  case ValueType::Array: {
    if (inArray)
      return fail("'{0}': nested arrays are not supported", key);
    uint32_t elementType;
    uint64_t count;
    if (Error e = read(elementType, "an array's element type"))
      return e;
    if (elementType > uint32_t(ValueType::F64))
      return fail("'{0}': unknown array element type {1} at byte {2}", key,
                  elementType, offset() - 4);
    if (Error e = read(count, "an array's length"))
      return e;
    value.elementType = ValueType(elementType);
    if (count > left() / minValueBytes(value.elementType))
      return fail("'{0}': array of {1} elements at byte {2} does not fit in "
                  "the {3} bytes left",
                  key, count, offset() - 8, left());
    value.elements.resize(size_t(count));
    for (Value &element : value.elements)
      if (Error e = readValue(value.elementType, element, key, true))
        return e;
    return Error::success();
  }
  }
  return fail("'{0}': unknown value type {1} at byte {2}", key, uint32_t(type),
              offset() - 4);
}

Error GgufParser::parseTensorInfo(TensorInfo &tensor, uint64_t index) {
  std::string what = llvm::formatv("the name of tensor {0}", index).str();
  if (Error e = readString(tensor.name, what))
    return e;
  uint32_t rank, typeId;
  if (Error e = read(rank, "a tensor's rank"))
    return e;
  if (rank == 0 || rank > 4)
    return fail("tensor '{0}': rank {1} (ggml allows 1 to 4)", tensor.name,
                rank);
  tensor.elements = 1;
  for (uint32_t d = 0; d < rank; ++d) {
    uint64_t n;
    if (Error e = read(n, "a tensor dimension"))
      return e;
    if (n == 0 || n > uint64_t(INT64_MAX) ||
        uint64_t(tensor.elements) > uint64_t(INT64_MAX) / n)
      return fail("tensor '{0}': dimension {1} is {2}; its element count "
                  "must be positive and fit in 63 bits",
                  tensor.name, d, n);
    tensor.ne.push_back(int64_t(n));
    tensor.elements *= int64_t(n);
  }
  if (Error e = read(typeId, "a tensor's type"))
    return e;
  std::optional<GgmlTypeInfo> type = lookupGgmlType(typeId);
  if (!type)
    return fail("tensor '{0}': unknown ggml type id {1}", tensor.name, typeId);
  tensor.type = *type;
  if (tensor.ne[0] % type->blockElements != 0)
    return fail("tensor '{0}': {1} rows of {2} elements are not whole {3} "
                "blocks of {4}",
                tensor.name, tensor.elements / tensor.ne[0], tensor.ne[0],
                type->name, type->blockElements);
  // Bytes per block exceed elements per block for some types (F64, I64):
  // the byte count can overflow where the element count did not.
  if (tensor.elements / type->blockElements >
      (INT64_MAX - type->trailerBytes) / type->blockBytes)
    return fail("tensor '{0}': {1} elements of {2} need more than 2^63 bytes",
                tensor.name, tensor.elements, type->name);
  tensor.bytes = type->tensorBytes(tensor.elements);
  if (Error e = read(tensor.fileOffset, "a tensor's data offset"))
    return e;
  return Error::success();
}

Error GgufParser::parse() {
  uint32_t magic;
  if (Error e = read(magic, "the magic number"))
    return e;
  if (magic != 0x46554747) // "GGUF"
    return fail("not a GGUF file (the first 4 bytes are not \"GGUF\")");
  if (Error e = read(file.version_, "the version"))
    return e;
  if (file.version_ != 2 && file.version_ != 3)
    return fail("GGUF version {0} is not supported (2 or 3)", file.version_);
  uint64_t tensorCount, metadataCount;
  if (Error e = read(tensorCount, "the tensor count"))
    return e;
  if (Error e = read(metadataCount, "the metadata count"))
    return e;
  // Each metadata pair takes at least 8 + 4 + 1 bytes, each tensor info
  // 8 + 4 + 8 + 4 + 8: bounds the counts before anything is allocated.
  if (metadataCount > left() / 13 || tensorCount > left() / 32)
    return fail("{0} metadata entries and {1} tensors cannot fit in a "
                "{2}-byte file",
                metadataCount, tensorCount, file.fileSize());

  for (uint64_t i = 0; i < metadataCount; ++i) {
    std::string key;
    uint32_t type;
    if (Error e = readString(key, "a metadata key"))
      return e;
    if (Error e = read(type, "a metadata value type"))
      return e;
    Value value;
    if (Error e = readValue(ValueType(type), value, key, false))
      return e;
    if (!file.metadataIndex_.try_emplace(key, file.metadata_.size()).second)
      return fail("metadata key '{0}' appears twice", key);
    file.metadata_.emplace_back(std::move(key), std::move(value));
  }
  if (const Value *alignment = file.find("general.alignment")) {
    if (alignment->type != ValueType::U32 || alignment->u == 0 ||
        !llvm::isPowerOf2_64(alignment->u))
      return fail("general.alignment must be a power of two stored as "
                  "uint32");
    file.alignment_ = alignment->u;
    file.alignmentGiven_ = true;
  }

  file.tensors_.resize(size_t(tensorCount));
  for (uint64_t i = 0; i < tensorCount; ++i) {
    TensorInfo &tensor = file.tensors_[size_t(i)];
    if (Error e = parseTensorInfo(tensor, i))
      return e;
    if (!file.tensorIndex_.try_emplace(tensor.name, size_t(i)).second)
      return fail("tensor '{0}' appears twice", tensor.name);
  }

  file.dataOffset_ = llvm::alignTo(offset(), file.alignment_);
  for (TensorInfo &tensor : file.tensors_) {
    uint64_t relative = tensor.fileOffset;
    if (relative % file.alignment_ != 0)
      return fail("tensor '{0}': data offset {1} is not a multiple of the "
                  "alignment {2}",
                  tensor.name, relative, file.alignment_);
    if (relative > file.fileSize() ||
        file.dataOffset_ > file.fileSize() - relative ||
        uint64_t(tensor.bytes) > file.fileSize() - relative - file.dataOffset_)
      return fail("tensor '{0}': its {1} bytes at data offset {2} run past "
                  "the end of the file ({3} bytes; data starts at {4})",
                  tensor.name, tensor.bytes, relative, file.fileSize(),
                  file.dataOffset_);
    tensor.fileOffset = file.dataOffset_ + relative;
  }
  return Error::success();
}

bool Value::isInteger() const {
  switch (type) {
  case ValueType::U8:
  case ValueType::I8:
  case ValueType::U16:
  case ValueType::I16:
  case ValueType::U32:
  case ValueType::I32:
  case ValueType::U64:
  case ValueType::I64:
    return true;
  default:
    return false;
  }
}

llvm::StringRef tern::gguf::valueTypeName(ValueType type) {
  static const char *names[] = {"u8",  "i8",  "u16",  "i16", "u32",
                                "i32", "f32", "bool", "str", "arr",
                                "u64", "i64", "f64"};
  return uint32_t(type) < std::size(names) ? names[uint32_t(type)] : "?";
}

llvm::Expected<std::unique_ptr<GgufFile>> GgufFile::open(llvm::StringRef path) {
  auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                            /*RequiresNullTerminator=*/false);
  if (!buffer)
    return llvm::createStringError(
        (path + ": error: cannot open: " + buffer.getError().message()).str());
  std::unique_ptr<GgufFile> file(new GgufFile());
  file->path_ = path.str();
  file->buffer_ = std::move(*buffer);
  if (Error e = GgufParser(*file).parse())
    return std::move(e);
  return std::move(file);
}

const Value *GgufFile::find(llvm::StringRef key) const {
  auto it = metadataIndex_.find(key);
  return it == metadataIndex_.end() ? nullptr : &metadata_[it->second].second;
}

std::optional<uint64_t> GgufFile::getUInt(llvm::StringRef key) const {
  const Value *v = find(key);
  if (!v || !v->isInteger() || v->i < 0)
    return std::nullopt;
  return v->u;
}

std::optional<double> GgufFile::getFloat(llvm::StringRef key) const {
  const Value *v = find(key);
  if (!v || !v->isFloat())
    return std::nullopt;
  return v->f;
}

std::optional<llvm::StringRef> GgufFile::getString(llvm::StringRef key) const {
  const Value *v = find(key);
  if (!v || v->type != ValueType::String)
    return std::nullopt;
  return llvm::StringRef(v->s);
}

const TensorInfo *GgufFile::findTensor(llvm::StringRef name) const {
  auto it = tensorIndex_.find(name);
  return it == tensorIndex_.end() ? nullptr : &tensors_[it->second];
}

llvm::ArrayRef<uint8_t> GgufFile::data(const TensorInfo &tensor) const {
  return {reinterpret_cast<const uint8_t *>(buffer_->getBufferStart()) +
              tensor.fileOffset,
          size_t(tensor.bytes)};
}

llvm::Expected<std::vector<float>>
GgufFile::dequantize(const TensorInfo &tensor) const {
  std::vector<float> out(size_t(tensor.elements));
  if (Error e = tern::gguf::dequantize(tensor.type.type, data(tensor),
                                       tensor.elements, out.data()))
    return llvm::createStringError(path_ + ": error: tensor '" + tensor.name +
                                   "': " + llvm::toString(std::move(e)));
  return out;
}
