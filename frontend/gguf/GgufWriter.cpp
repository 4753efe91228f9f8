//===- GgufWriter.cpp - writes GGUF v3 files ------------------------------===//
#include "frontend/gguf/GgufWriter.h"

#include "llvm/Support/Endian.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/raw_ostream.h"

using namespace tern::gguf;

namespace {
constexpr uint64_t kAlignment = 32;

uint64_t alignUp(uint64_t n) {
  return (n + kAlignment - 1) / kAlignment * kAlignment;
}

class Emitter {
public:
  explicit Emitter(llvm::raw_ostream &os) : os(os) {}
  template <typename T> void raw(T value) {
    char bytes[sizeof(T)];
    llvm::support::endian::write<T, llvm::endianness::little>(bytes, value);
    os.write(bytes, sizeof(T));
  }
  void string(llvm::StringRef s) {
    raw<uint64_t>(s.size());
    os << s;
  }
  void value(const Value &v) {
    switch (v.type) {
    case ValueType::U8:
    case ValueType::I8:
    case ValueType::Bool:
      return raw<uint8_t>(uint8_t(v.u));
    case ValueType::U16:
    case ValueType::I16:
      return raw<uint16_t>(uint16_t(v.u));
    case ValueType::U32:
    case ValueType::I32:
      return raw<uint32_t>(uint32_t(v.u));
    case ValueType::U64:
    case ValueType::I64:
      return raw<uint64_t>(v.u);
    case ValueType::F32:
      return raw<uint32_t>(llvm::bit_cast<uint32_t>(float(v.f)));
    case ValueType::F64:
      return raw<uint64_t>(llvm::bit_cast<uint64_t>(v.f));
    case ValueType::String:
      return string(v.s);
    case ValueType::Array:
      raw<uint32_t>(uint32_t(v.elementType));
      raw<uint64_t>(v.elements.size());
      for (const Value &element : v.elements)
        value(element);
      return;
    }
  }
  void pad(uint64_t written) {
    for (uint64_t i = written; i < alignUp(written); ++i)
      os << '\0';
  }

private:
  llvm::raw_ostream &os;
};
} // namespace

void GgufWriter::add(llvm::StringRef key, Value value) {
  metadata.emplace_back(key.str(), std::move(value));
}

void GgufWriter::addString(llvm::StringRef key, llvm::StringRef value) {
  Value v;
  v.type = ValueType::String;
  v.s = value.str();
  add(key, std::move(v));
}

void GgufWriter::addU32(llvm::StringRef key, uint32_t value) {
  Value v;
  v.type = ValueType::U32;
  v.u = value;
  v.i = value;
  add(key, std::move(v));
}

void GgufWriter::addF32(llvm::StringRef key, float value) {
  Value v;
  v.type = ValueType::F32;
  v.f = value;
  add(key, std::move(v));
}

void GgufWriter::addBool(llvm::StringRef key, bool value) {
  Value v;
  v.type = ValueType::Bool;
  v.u = v.i = value;
  add(key, std::move(v));
}

void GgufWriter::addTensor(llvm::StringRef name, llvm::ArrayRef<int64_t> ne,
                           GgmlType type, std::vector<uint8_t> data) {
  tensors.push_back(
      Tensor{name.str(), {ne.begin(), ne.end()}, type, std::move(data)});
}

llvm::Error GgufWriter::write(llvm::StringRef path) const {
  llvm::Expected<llvm::sys::fs::TempFile> temp =
      llvm::sys::fs::TempFile::create(path + "-%%%%%%.partial");
  if (!temp)
    return llvm::createStringError(
        path + ": error: cannot create: " + llvm::toString(temp.takeError()));
  {
    llvm::raw_fd_ostream os(temp->FD, /*shouldClose=*/false);
    Emitter out(os);
    out.raw<uint32_t>(0x46554747); // "GGUF"
    out.raw<uint32_t>(3);
    out.raw<uint64_t>(tensors.size());
    out.raw<uint64_t>(metadata.size());
    for (const auto &[key, value] : metadata) {
      out.string(key);
      out.raw<uint32_t>(uint32_t(value.type));
      out.value(value);
    }
    uint64_t offset = 0;
    for (const Tensor &t : tensors) {
      out.string(t.name);
      out.raw<uint32_t>(uint32_t(t.ne.size()));
      for (int64_t d : t.ne)
        out.raw<uint64_t>(uint64_t(d));
      out.raw<uint32_t>(uint32_t(t.type));
      out.raw<uint64_t>(offset);
      offset += alignUp(t.data.size());
    }
    out.pad(os.tell());
    for (const Tensor &t : tensors) {
      os.write(reinterpret_cast<const char *>(t.data.data()), t.data.size());
      out.pad(t.data.size());
    }
    os.flush();
    if (os.has_error()) {
      std::string message = os.error().message();
      os.clear_error();
      llvm::consumeError(temp->discard());
      return llvm::createStringError(path +
                                     ": error: write failed: " + message);
    }
  }
  if (llvm::Error e = temp->keep(path))
    return llvm::createStringError(path +
                                   ": error: " + llvm::toString(std::move(e)));
  return llvm::Error::success();
}
