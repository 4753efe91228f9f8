//===- EmbeddedRuntime.h - the runtime's sources, inside ternc ---*- C++
//-*-===//
//
// Output folders must build with a C++ compiler alone, so ternc carries the
// runtime's headers and sources and copies them in.
//
//===----------------------------------------------------------------------===//
#ifndef TERN_CODEGEN_COMMON_EMBEDDEDRUNTIME_H
#define TERN_CODEGEN_COMMON_EMBEDDEDRUNTIME_H

#include "llvm/ADT/ArrayRef.h"

namespace mlir::tern {

struct EmbeddedFile {
  const char *path; // relative to runtime/, e.g. "src/session.c"
  const char *contents;
};

llvm::ArrayRef<EmbeddedFile> embeddedRuntimeFiles();

} // namespace mlir::tern

#endif
