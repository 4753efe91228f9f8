//===- SafetensorsFile.cpp - a validated, memory-mapped .safetensors ------===//
#include "frontend/safetensors/SafetensorsFile.h"
#include "frontend/gguf/GgmlTypes.h"

#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/Endian.h"
#include "llvm/Support/JSON.h"

#include <algorithm>
#include <cstring>
#include <optional>

using namespace tern;
using namespace tern::safetensors;

namespace {
std::optional<Dtype> parseDtype(llvm::StringRef name) {
  return llvm::StringSwitch<std::optional<Dtype>>(name)
      .Case("F32", Dtype::F32)
      .Case("F16", Dtype::F16)
      .Case("BF16", Dtype::BF16)
      .Case("U8", Dtype::U8)
      .Case("I8", Dtype::I8)
      .Default(std::nullopt);
}

int64_t dtypeBytes(Dtype dtype) {
  switch (dtype) {
  case Dtype::F32:
    return 4;
  case Dtype::F16:
  case Dtype::BF16:
    return 2;
  case Dtype::U8:
  case Dtype::I8:
    return 1;
  }
  return 1;
}

} // namespace

llvm::StringRef tern::safetensors::dtypeName(Dtype dtype) {
  switch (dtype) {
  case Dtype::F32:
    return "F32";
  case Dtype::F16:
    return "F16";
  case Dtype::BF16:
    return "BF16";
  case Dtype::U8:
    return "U8";
  case Dtype::I8:
    return "I8";
  }
  return "?";
}

llvm::Expected<std::unique_ptr<SafetensorsFile>>
SafetensorsFile::open(llvm::StringRef path) {
  auto fail = [&](const llvm::Twine &what) {
    return llvm::createStringError(path + ": error: " + what);
  };
  auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                            /*RequiresNullTerminator=*/false);
  if (!buffer)
    return fail("cannot read: " + buffer.getError().message());
  auto file = std::unique_ptr<SafetensorsFile>(new SafetensorsFile());
  file->path_ = path.str();
  file->buffer_ = std::move(*buffer);
  llvm::StringRef all = file->buffer_->getBuffer();
  if (all.size() < 8)
    return fail("truncated: " + llvm::Twine(all.size()) +
                " bytes, not even the 8-byte header length");
  uint64_t headerLength = llvm::support::endian::read64le(
      reinterpret_cast<const uint8_t *>(all.data()));
  if (headerLength > all.size() - 8)
    return fail("header length " + llvm::Twine(headerLength) +
                " runs past the end of the " + llvm::Twine(all.size()) +
                "-byte file");
  llvm::StringRef header = all.substr(8, headerLength);
  const uint8_t *data =
      reinterpret_cast<const uint8_t *>(all.data()) + 8 + headerLength;
  const uint64_t dataSize = all.size() - 8 - headerLength;

  llvm::Expected<llvm::json::Value> json = llvm::json::parse(header);
  if (!json)
    return fail("header is not valid JSON: " +
                llvm::toString(json.takeError()));
  const llvm::json::Object *root = json->getAsObject();
  if (!root)
    return fail("header is not a JSON object");
  for (const auto &[key, value] : *root) {
    llvm::StringRef name = key;
    if (name == "__metadata__")
      continue;
    auto bad = [&](const llvm::Twine &what) {
      return fail("tensor '" + name + "': " + what);
    };
    const llvm::json::Object *entry = value.getAsObject();
    if (!entry)
      return bad("entry is not an object");
    std::optional<llvm::StringRef> dtypeText = entry->getString("dtype");
    if (!dtypeText)
      return bad("missing 'dtype'");
    std::optional<Dtype> dtype = parseDtype(*dtypeText);
    if (!dtype)
      return bad("unsupported dtype '" + *dtypeText +
                 "' (supported: F32, F16, BF16, U8, I8)");
    const llvm::json::Array *shape = entry->getArray("shape");
    const llvm::json::Array *offsets = entry->getArray("data_offsets");
    if (!shape || !offsets || offsets->size() != 2)
      return bad("needs 'shape' and two 'data_offsets'");
    TensorEntry tensor;
    tensor.name = name.str();
    tensor.dtype = *dtype;
    // Each dimension and the running product stay below 2^40 elements,
    // so the byte count cannot overflow.
    const int64_t limit = int64_t(1) << 40;
    int64_t elements = 1;
    for (const llvm::json::Value &dim : *shape) {
      std::optional<int64_t> d = dim.getAsInteger();
      if (!d || *d < 0 || *d > limit)
        return bad("dimension is not an integer in 0..2^40");
      tensor.shape.push_back(*d);
      if (*d && elements > limit / *d)
        return bad("has more than 2^40 elements");
      elements *= *d;
    }
    tensor.elements = elements;
    std::optional<int64_t> begin = (*offsets)[0].getAsInteger(),
                           end = (*offsets)[1].getAsInteger();
    if (!begin || !end || *begin < 0 || *end < *begin ||
        uint64_t(*end) > dataSize)
      return bad("data_offsets [" +
                 (begin ? llvm::Twine(*begin) : llvm::Twine("?")) + ", " +
                 (end ? llvm::Twine(*end) : llvm::Twine("?")) +
                 "] lie outside the " + llvm::Twine(dataSize) + " data bytes");
    if (*end - *begin != elements * dtypeBytes(*dtype))
      return bad("shape needs " + llvm::Twine(elements * dtypeBytes(*dtype)) +
                 " bytes, data_offsets give " + llvm::Twine(*end - *begin));
    tensor.bytes =
        llvm::ArrayRef<uint8_t>(data + *begin, size_t(*end - *begin));
    file->tensors_.push_back(std::move(tensor));
  }
  // Sorted by offset, no range may start before the previous one ends.
  std::vector<const TensorEntry *> byOffset;
  for (const TensorEntry &t : file->tensors_)
    byOffset.push_back(&t);
  std::sort(byOffset.begin(), byOffset.end(),
            [](const TensorEntry *a, const TensorEntry *b) {
              return a->bytes.data() < b->bytes.data();
            });
  for (size_t i = 1; i < byOffset.size(); ++i)
    if (byOffset[i]->bytes.data() <
        byOffset[i - 1]->bytes.data() + byOffset[i - 1]->bytes.size())
      return fail("tensors '" + byOffset[i - 1]->name + "' and '" +
                  byOffset[i]->name + "' overlap");
  for (size_t i = 0; i < file->tensors_.size(); ++i)
    file->index_[file->tensors_[i].name] = i;
  return std::move(file);
}

const TensorEntry *SafetensorsFile::find(llvm::StringRef name) const {
  auto it = index_.find(name);
  return it == index_.end() ? nullptr : &tensors_[it->second];
}

llvm::Expected<std::vector<float>>
SafetensorsFile::floats(const TensorEntry &tensor) const {
  std::vector<float> out(static_cast<size_t>(tensor.elements));
  const uint8_t *p = tensor.bytes.data();
  switch (tensor.dtype) {
  case Dtype::F32:
    for (size_t i = 0; i < out.size(); ++i) {
      uint32_t bits = llvm::support::endian::read32le(p + 4 * i);
      std::memcpy(&out[i], &bits, 4);
    }
    return out;
  case Dtype::F16:
    for (size_t i = 0; i < out.size(); ++i)
      out[i] = gguf::halfToFloat(llvm::support::endian::read16le(p + 2 * i));
    return out;
  case Dtype::BF16:
    for (size_t i = 0; i < out.size(); ++i) {
      uint32_t bits = uint32_t(llvm::support::endian::read16le(p + 2 * i))
                      << 16;
      std::memcpy(&out[i], &bits, 4);
    }
    return out;
  default:
    return llvm::createStringError("tensor '" + tensor.name + "' is " +
                                   dtypeName(tensor.dtype) +
                                   ", not a float type");
  }
}
