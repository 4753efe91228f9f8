//===- Toolchain.cpp - running the compilers that build an output folder --===//
#include "codegen/common/Toolchain.h"

#include "codegen/common/EmbeddedRuntime.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Support/xxhash.h"

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

LogicalResult mlir::tern::findHostCompilers(std::string &cc, std::string &cxx,
                                            std::string &error) {
  std::optional<std::string> c = findProgram("CC", "cc"),
                             cpp = findProgram("CXX", "c++");
  if (!c || !cpp) {
    error = "no C/C++ compiler found (set CC and CXX)";
    return failure();
  }
  cc = *c;
  cxx = *cpp;
  return success();
}

namespace {
const char *const kRuntimeFlags[] = {"-O2", "-pthread", "-std=c11"};

/// The flags `--sanitize` adds to every compile and link: a report aborts
/// the program, and its stack trace names lines.
std::vector<std::string> sanitizerFlags(const TargetOptions &options) {
  if (options.sanitize.empty())
    return {};
  // One flag per sanitizer: nvcc's -Xcompiler splits its value at commas.
  SmallVector<StringRef> names;
  StringRef(options.sanitize).split(names, ',', -1, /*KeepEmpty=*/false);
  std::vector<std::string> flags;
  for (StringRef name : names)
    flags.push_back(("-fsanitize=" + name).str());
  flags.insert(flags.end(),
               {"-fno-sanitize-recover=all", "-fno-omit-frame-pointer", "-g1"});
  return flags;
}

/// nvcc hands host-compiler flags on through -Xcompiler.
bool isNvcc(StringRef program) {
  return llvm::sys::path::stem(program) == "nvcc";
}

void appendSanitizerFlags(std::vector<std::string> &command,
                          const TargetOptions &options) {
  bool nvcc = isNvcc(command.front());
  for (const std::string &flag : sanitizerFlags(options))
    command.push_back(nvcc ? "-Xcompiler=" + flag : flag);
}

/// `$TERN_CACHE_DIR/runtime-<hash>.a`: the runtime compiled by `cc` with
/// kRuntimeFlags, named by a hash of its sources, the command and the
/// compiler's file, so a changed runtime or compiler never reuses a stale
/// archive. Empty when TERN_CACHE_DIR is unset (nothing is written outside
/// the output).
std::string cachedRuntimePath(const std::string &cc,
                              const TargetOptions &options) {
  const char *dir = std::getenv("TERN_CACHE_DIR");
  if (!dir || !*dir)
    return "";
  // The compiler by path, size and time: an upgraded compiler at the same
  // path gets a new archive.
  std::string key = cc;
  llvm::sys::fs::file_status status;
  if (!llvm::sys::fs::status(cc, status))
    key += " " + std::to_string(status.getSize()) + " " +
           std::to_string(llvm::sys::toTimeT(status.getLastModificationTime()));
  for (const char *flag : kRuntimeFlags)
    key += std::string(" ") + flag;
  for (const std::string &flag : sanitizerFlags(options))
    key += " " + flag;
  for (const EmbeddedFile &file : embeddedRuntimeFiles()) {
    key += '\0';
    key += file.path;
    key += '\0';
    key += file.contents;
  }
  SmallString<256> path(dir);
  llvm::sys::path::append(
      path,
      "runtime-" + llvm::utohexstr(llvm::xxh3_64bits(key), true, 16) + ".a");
  return std::string(path);
}

/// Stores `objects` as the cached runtime: written to a unique temporary
/// name and renamed, so concurrent builds never see half an archive. A
/// failure only means the next build compiles the runtime again.
void storeRuntime(const std::string &archive,
                  const std::vector<std::string> &objects,
                  const TargetOptions &options) {
  std::optional<std::string> ar = findProgram("AR", "ar");
  SmallString<256> dir = StringRef(archive);
  llvm::sys::path::remove_filename(dir);
  if (!ar || llvm::sys::fs::create_directories(dir))
    return;
  std::string temporary =
      archive + ".tmp" + std::to_string(llvm::sys::Process::getProcessId());
  std::vector<std::string> args = {*ar, "rcs", temporary};
  args.insert(args.end(), objects.begin(), objects.end());
  std::string ignored;
  if (succeeded(runCommand(args, options, ignored)) &&
      !llvm::sys::fs::rename(temporary, archive))
    return;
  llvm::sys::fs::remove(temporary);
}
} // namespace

LogicalResult mlir::tern::buildFolder(StringRef dir, EmitKind kind,
                                      const FolderBuild &how,
                                      const TargetOptions &options,
                                      std::string &error) {
  std::string cc, cxx;
  if (failed(findHostCompilers(cc, cxx, error)))
    return failure();
  auto path = [&](StringRef relative) {
    SmallString<256> p(dir);
    llvm::sys::path::append(p, relative);
    return std::string(p);
  };
  std::string include = "-I" + path("runtime/include");
  std::string here = "-I" + std::string(dir);
  std::vector<std::string> objects;
  auto compile = [&](std::vector<std::string> command,
                     const std::string &source) {
    std::string object = source + ".o";
    objects.push_back(object);
    appendSanitizerFlags(command, options);
    command.insert(command.end(), {include, here, "-c", source, "-o", object});
    return runCommand(command, options, error);
  };
  auto removeObjects = [&] {
    for (const std::string &object : objects)
      llvm::sys::fs::remove(object);
  };
  // An executable links the cached runtime when there is one (a library
  // must hold the runtime's objects itself).
  LogicalResult result = success();
  std::string cached =
      kind == EmitKind::Exe ? cachedRuntimePath(cc, options) : "";
  bool reuse = !cached.empty() && llvm::sys::fs::exists(cached);
  if (!reuse) {
    std::vector<std::string> runtimeCompile = {cc};
    runtimeCompile.insert(runtimeCompile.end(), std::begin(kRuntimeFlags),
                          std::end(kRuntimeFlags));
    for (const EmbeddedFile &file : embeddedRuntimeFiles())
      if (file.isLibrarySource() &&
          failed(result = compile(runtimeCompile,
                                  path(std::string("runtime/") + file.path))))
        break;
    if (succeeded(result) && !cached.empty())
      storeRuntime(cached, objects, options);
  }
  if (succeeded(result))
    result = compile(how.modelCompiler, path(how.modelSource));
  if (succeeded(result) && kind == EmitKind::Lib) {
    std::optional<std::string> ar = findProgram("AR", "ar");
    if (!ar) {
      error = "no 'ar' found to build the library";
      result = failure();
    } else {
      std::vector<std::string> args = {*ar, "rcs",
                                       path("lib" + options.modelName + ".a")};
      args.insert(args.end(), objects.begin(), objects.end());
      result = runCommand(args, options, error);
    }
  } else if (succeeded(result)) {
    result = compile({cxx, "-O2", "-pthread", "-std=c++17"}, path("main.cpp"));
    if (succeeded(result)) {
      std::vector<std::string> args = how.linker;
      appendSanitizerFlags(args, options);
      args.insert(args.end(), objects.begin(), objects.end());
      if (reuse)
        args.push_back(cached);
      args.insert(args.end(), how.libraries.begin(), how.libraries.end());
      args.insert(args.end(), {"-o", path(options.modelName)});
      result = runCommand(args, options, error);
    }
  }
  removeObjects();
  return result;
}
