//===- weights_file_fuzzer.cpp - the weights loader of generated code -----===//
//
// tern_weights_open as a generated program calls it, with the payload size
// and checksum the program was compiled with taken from the input's own
// header (so the fuzzer can reach every check), both memory-mapped and read
// into memory. A file that loads is read in full.
//
//===----------------------------------------------------------------------===//
#include "FuzzInput.h"

#include "tern/runtime.h"

#include <cstdlib>
#include <cstring>

using namespace tern::fuzz;

static uint64_t headerField(const uint8_t *data, size_t size, size_t at) {
  uint64_t value = 0;
  for (size_t i = 0; i < 8 && at + i < size; ++i)
    value |= uint64_t(data[at + i]) << (8 * i);
  return value;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string path = writeScratchFile("model.weights", data, size);
  uint64_t payload = headerField(data, size, 16);
  uint64_t checksum = headerField(data, size, 24);
  for (int flags : {0, int(TERN_WEIGHTS_READ)}) {
    tern_weights_set_loading(flags);
    tern_weights *weights = nullptr;
    if (tern_weights_open(path.c_str(), payload, checksum, &weights) !=
        TERN_OK) {
      if (weights)
        tern::fuzz::checkFailed("a failed open hands nothing out");
      continue;
    }
    // The promise: `payload` bytes are readable and checksummed.
    if (tern_weights_checksum(tern_weights_payload(weights), payload) !=
        checksum)
      tern::fuzz::checkFailed("a loaded payload matches its checksum");
    tern_weights_close(weights);
  }
  return 0;
}
