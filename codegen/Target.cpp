//===- Target.cpp - the target registry -----------------------------------===//
#include "codegen/Target.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
using namespace mlir::tern;

Target::~Target() = default;

void OutputFolder::add(llvm::StringRef relativePath, std::string contents) {
  fileList.push_back({relativePath.str(), std::move(contents)});
}

std::error_code OutputFolder::writeTo(llvm::StringRef dir) const {
  for (const File &file : fileList) {
    llvm::SmallString<256> path(dir);
    llvm::sys::path::append(path, file.path);
    if (auto ec = llvm::sys::fs::create_directories(
            llvm::sys::path::parent_path(path)))
      return ec;
    std::error_code ec;
    llvm::raw_fd_ostream os(path, ec, llvm::sys::fs::OF_None);
    if (ec)
      return ec;
    os << file.contents;
    os.close();
    if (os.has_error())
      return os.error();
  }
  return {};
}

static std::vector<std::unique_ptr<Target>> &registry() {
  static std::vector<std::unique_ptr<Target>> targets;
  return targets;
}

void mlir::tern::registerTarget(std::unique_ptr<Target> target) {
  if (!lookupTarget(target->name()))
    registry().push_back(std::move(target));
}

Target *mlir::tern::lookupTarget(llvm::StringRef name) {
  for (auto &target : registry())
    if (target->name() == name)
      return target.get();
  return nullptr;
}

std::vector<Target *> mlir::tern::allTargets() {
  std::vector<Target *> result;
  for (auto &target : registry())
    result.push_back(target.get());
  return result;
}
