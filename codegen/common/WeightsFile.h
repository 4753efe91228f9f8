//===- WeightsFile.h - the weights file every target writes ------*- C++
//-*-===//
//
// The format is defined in runtime/include/tern/runtime.h. Constants come
// from the memref.globals that tern-plan-weights gave offsets.
//
//===----------------------------------------------------------------------===//
#ifndef TERN_CODEGEN_COMMON_WEIGHTSFILE_H
#define TERN_CODEGEN_COMMON_WEIGHTSFILE_H

#include "mlir/IR/BuiltinOps.h"

#include <string>

namespace mlir::tern {

struct WeightsFile {
  std::string contents; // header + payload
  uint64_t payloadBytes = 0;
  uint64_t checksum = 0;
};

/// Serializes every planned constant global of `module`; reports an error
/// on a global whose data cannot be read.
FailureOr<WeightsFile> buildWeightsFile(ModuleOp module);

} // namespace mlir::tern

#endif
