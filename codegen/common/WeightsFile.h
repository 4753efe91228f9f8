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

#include <optional>
#include <string>

namespace mlir::tern {

struct WeightsFile {
  std::string contents; // header + payload; empty when synthesized
  uint64_t payloadBytes = 0;
  uint64_t checksum = 0;
  /// With synthesized weights: the manifest tern_synth_weights writes the
  /// file from (runtime/tools/synth_weights.c), in place of `contents`.
  std::string manifest;
};

/// Serializes every planned constant global of `module`; reports an error
/// on a global whose data cannot be read. With `synthesizeSeed`, the large
/// float and byte constants are replaced by tern/synth.h's stand-ins and
/// only the manifest, size and checksum are kept.
FailureOr<WeightsFile>
buildWeightsFile(ModuleOp module,
                 std::optional<uint64_t> synthesizeSeed = std::nullopt);

} // namespace mlir::tern

#endif
