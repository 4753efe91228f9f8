//===- tensor_file_fuzzer.cpp - the runtime's .pb and .npy readers --------===//
//
// What a generated program does with each input file: parse it
// (tern_tensor_parse, behind tern_tensor_read). A tensor that parses is
// written back in both formats and read again; it must come back equal.
//
//===----------------------------------------------------------------------===//
#include "FuzzInput.h"

#include "tern/runtime.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>

using namespace tern::fuzz;

static void roundTrip(const tern_tensor &tensor, const char *name) {
  std::string path = scratchFolder() + "/" + name;
  if (tern_tensor_write(path.c_str(), &tensor.info, tensor.data) != TERN_OK)
    tern::fuzz::checkFailed("a parsed tensor writes back");
  tern_tensor back;
  if (tern_tensor_read(path.c_str(), &back) != TERN_OK) {
    std::fprintf(stderr, "%s\n", tern_last_error());
    tern::fuzz::checkFailed("a tensor tern wrote must read back");
  }
  size_t bytes = tern_tensor_info_elements(&tensor.info) *
                 tern_dtype_size(tensor.info.dtype);
  if (back.info.dtype != tensor.info.dtype ||
      back.info.rank != tensor.info.rank ||
      std::memcmp(back.info.dims, tensor.info.dims,
                  sizeof(int64_t) * size_t(tensor.info.rank)) != 0 ||
      std::memcmp(back.data, tensor.data, bytes) != 0)
    tern::fuzz::checkFailed("a tensor read back equals what was written");
  tern_tensor_free(&back);
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  tern_tensor tensor;
  if (tern_tensor_parse(data, size, "input", &tensor) != TERN_OK)
    return 0;
  roundTrip(tensor, "tensor.npy");
  roundTrip(tensor, "tensor.pb");
  tern_tensor_free(&tensor);
  return 0;
}
