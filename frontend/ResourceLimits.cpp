//===- ResourceLimits.cpp - memory limits ---------------------------------===//
#include "frontend/ResourceLimits.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

#include <unistd.h>

uint64_t tern::physicalMemoryBytes() {
  long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);
  if (pages <= 0 || size <= 0)
    return uint64_t(1) << 36; // 64 GiB where the system does not say
  return uint64_t(pages) * uint64_t(size);
}

uint64_t tern::parseByteSize(llvm::StringRef text) {
  unsigned shift = 0;
  if (!text.empty()) {
    switch (llvm::toUpper(text.back())) {
    case 'K':
      shift = 10;
      break;
    case 'M':
      shift = 20;
      break;
    case 'G':
      shift = 30;
      break;
    case 'T':
      shift = 40;
      break;
    }
    if (shift)
      text = text.drop_back();
  }
  uint64_t value;
  if (text.getAsInteger(10, value) || value == 0 ||
      value > (UINT64_MAX >> shift))
    return 0;
  return value << shift;
}

std::string tern::formatBytes(uint64_t bytes) {
  static const char *const units[] = {"bytes", "KiB", "MiB", "GiB",
                                      "TiB",   "PiB", "EiB"};
  double value = double(bytes);
  unsigned unit = 0;
  while (value >= 1024 && unit + 1 < std::size(units)) {
    value /= 1024;
    ++unit;
  }
  std::string text;
  llvm::raw_string_ostream os(text);
  if (unit == 0)
    os << bytes << " bytes";
  else
    os << llvm::format("%.1f ", value) << units[unit];
  return text;
}
