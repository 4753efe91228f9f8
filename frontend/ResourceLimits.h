//===- ResourceLimits.h - how much memory a compilation may take -*- C++
//-*-===//
//
// A crafted file can claim any size. Readers compare what a file makes
// them allocate with a limit before allocating (`ternc --max-memory`),
// so a hostile model is refused with a message instead of exhausting
// memory.
//
//===----------------------------------------------------------------------===//
#ifndef TERN_FRONTEND_RESOURCELIMITS_H
#define TERN_FRONTEND_RESOURCELIMITS_H

#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <string>

namespace tern {

/// This machine's physical memory in bytes: the default limit.
uint64_t physicalMemoryBytes();

/// Parses "512M", "8G", "1T", "4096K" or a plain byte count (binary
/// units); 0 when malformed or zero.
uint64_t parseByteSize(llvm::StringRef text);

/// "3.5 GiB", for messages.
std::string formatBytes(uint64_t bytes);

} // namespace tern

#endif
