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

/// How a target's written folder is compiled: the runtime's C sources with
/// `$CC` and main.cpp with `$CXX` always; the model's source and the link
/// as the target says.
struct FolderBuild {
  /// Compiler and flags for `modelSource` (-I, -c and -o are added).
  std::vector<std::string> modelCompiler;
  std::string modelSource;
  /// Linker and flags for executables; `libraries` follow the objects.
  std::vector<std::string> linker;
  std::vector<std::string> libraries;
};

/// The C and C++ compilers ($CC, $CXX, else cc and c++), or an error.
LogicalResult findHostCompilers(std::string &cc, std::string &cxx,
                                std::string &error);

/// Builds `dir` (written by emitSources) into lib<model>.a
/// (EmitKind::Lib) or the executable <model> (EmitKind::Exe), leaving no
/// object files behind. With TERN_CACHE_DIR set in the environment,
/// executables link the runtime compiled once and kept there.
LogicalResult buildFolder(StringRef dir, EmitKind kind, const FolderBuild &how,
                          const TargetOptions &options, std::string &error);

} // namespace mlir::tern

#endif
