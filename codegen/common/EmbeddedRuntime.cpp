//===- EmbeddedRuntime.cpp - the runtime's sources, inside ternc ----------===//
#include "codegen/common/EmbeddedRuntime.h"

static const mlir::tern::EmbeddedFile files[] = {
#include "codegen/common/EmbeddedRuntime.inc"
};

llvm::ArrayRef<mlir::tern::EmbeddedFile> mlir::tern::embeddedRuntimeFiles() {
  return files;
}
