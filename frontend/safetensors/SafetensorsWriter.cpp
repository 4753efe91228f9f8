//===- SafetensorsWriter.cpp - writes .safetensors files ------------------===//
#include "frontend/safetensors/SafetensorsWriter.h"

#include "llvm/Support/Endian.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/raw_ostream.h"

using namespace tern::safetensors;

void SafetensorsWriter::add(llvm::StringRef name, Dtype dtype,
                            llvm::ArrayRef<int64_t> shape,
                            std::vector<uint8_t> bytes) {
  tensors.push_back({name.str(), dtype, llvm::SmallVector<int64_t, 4>(shape),
                     std::move(bytes)});
}

llvm::Error SafetensorsWriter::write(llvm::StringRef path) const {
  std::string header;
  {
    llvm::raw_string_ostream os(header);
    llvm::json::OStream j(os);
    uint64_t offset = 0;
    j.object([&] {
      for (const Tensor &t : tensors)
        j.attributeObject(t.name, [&] {
          j.attribute("dtype", dtypeName(t.dtype));
          j.attributeArray("shape", [&] {
            for (int64_t d : t.shape)
              j.value(d);
          });
          j.attributeArray("data_offsets", [&] {
            j.value(int64_t(offset));
            j.value(int64_t(offset + t.bytes.size()));
          });
          offset += t.bytes.size();
        });
    });
  }
  header.append((8 - header.size() % 8) % 8, ' '); // data starts aligned
  auto temp = llvm::sys::fs::TempFile::create(path + ".tmp-%%%%%%");
  if (!temp)
    return temp.takeError();
  {
    llvm::raw_fd_ostream os(temp->FD, /*shouldClose=*/false);
    char length[8];
    llvm::support::endian::write64le(length, header.size());
    os.write(length, 8);
    os << header;
    for (const Tensor &t : tensors)
      os.write(reinterpret_cast<const char *>(t.bytes.data()), t.bytes.size());
    os.flush();
    if (os.has_error()) {
      llvm::consumeError(temp->discard());
      return llvm::createStringError(
          path + ": error: write failed: " + os.error().message());
    }
  }
  return temp->keep(path);
}
