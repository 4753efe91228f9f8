//===- Toolchain.cpp - running the compilers that build an output folder --===//
#include "codegen/common/Toolchain.h"

#include "llvm/Support/Program.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdlib>

using namespace mlir;
using namespace mlir::tern;

std::optional<std::string> mlir::tern::findProgram(const char *env,
                                                   StringRef fallback) {
  const char *chosen = getenv(env);
  auto found =
      llvm::sys::findProgramByName(chosen && *chosen ? chosen : fallback);
  if (!found)
    return std::nullopt;
  return *found;
}

LogicalResult mlir::tern::runCommand(const std::vector<std::string> &args,
                                     const TargetOptions &options,
                                     std::string &error) {
  SmallVector<StringRef> argv(args.begin(), args.end());
  if (options.verbose) {
    for (StringRef arg : argv)
      llvm::errs() << arg << " ";
    llvm::errs() << "\n";
  }
  std::string message;
  int status = llvm::sys::ExecuteAndWait(argv[0], argv, std::nullopt, {}, 0, 0,
                                         &message);
  if (status != 0) {
    error = "build command failed" + (message.empty() ? "" : ": " + message) +
            " (status " + std::to_string(status) + "):";
    for (const std::string &arg : args)
      error += " " + arg;
    return failure();
  }
  return success();
}
