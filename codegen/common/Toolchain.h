//===- Toolchain.h - running the compilers that build an output folder ----===//
//
// Targets build their written folder (`--emit=lib|exe`) by running a
// compiler found on PATH or named by an environment variable.
//
//===----------------------------------------------------------------------===//
#ifndef TERN_CODEGEN_COMMON_TOOLCHAIN_H
#define TERN_CODEGEN_COMMON_TOOLCHAIN_H

#include "codegen/Target.h"

#include <optional>
#include <string>
#include <vector>

namespace mlir::tern {

/// The program `$env` names (when set and non-empty) or `fallback`, found on
/// PATH; nullopt when neither exists.
std::optional<std::string> findProgram(const char *env, StringRef fallback);

/// Runs `args` (printing it under --verbose); on failure `error` says which
/// command failed and how.
LogicalResult runCommand(const std::vector<std::string> &args,
                         const TargetOptions &options, std::string &error);

} // namespace mlir::tern

#endif
