//===- FuzzInput.h - what every tern fuzz target shares ----------*- C++
//-*-===//
//
// The readers under test take paths, as ternc and generated programs call
// them, so each input is written to a file in a folder of this process's
// own and read back through the real entry point. The folder holds nothing
// else, so a reader that follows a path out of it (external data, shards)
// can only find files the input itself cannot name.
//
//===----------------------------------------------------------------------===//
#ifndef TERN_TEST_FUZZ_FUZZINPUT_H
#define TERN_TEST_FUZZ_FUZZINPUT_H

#include <cstddef>
#include <cstdint>
#include <string>

namespace tern::fuzz {

/// This process's scratch folder (under $TMPDIR or /tmp), made on first use.
const std::string &scratchFolder();

/// Writes `size` bytes to `name` in the scratch folder; returns the path.
std::string writeScratchFile(const std::string &name, const uint8_t *data,
                             size_t size);

/// Removes every file in the scratch folder (not the folder).
void clearScratchFolder();

/// A property the target checks does not hold: says which, then aborts so
/// libFuzzer saves the input.
[[noreturn]] void checkFailed(const char *what);

} // namespace tern::fuzz

#endif
