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
#include "llvm/ADT/StringRef.h"

namespace mlir::tern {

struct EmbeddedFile {
  const char *path; // relative to runtime/, e.g. "src/session.c"
  const char *contents;
  /// A C source of the runtime library (src/*.c), not a header or a
  /// standalone tool (tools/synth_weights.c has its own main).
  bool isLibrarySource() const {
    llvm::StringRef name(path);
    return name.starts_with("src/") && name.ends_with(".c");
  }
};

llvm::ArrayRef<EmbeddedFile> embeddedRuntimeFiles();

} // namespace mlir::tern

#endif
