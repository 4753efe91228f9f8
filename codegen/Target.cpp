//===- Target.cpp - the target registry -----------------------------------===//
#include "codegen/Target.h"

using namespace mlir;
using namespace mlir::tern;

Target::~Target() = default;

void OutputFolder::add(llvm::StringRef relativePath, std::string contents) {
  fileList.push_back({relativePath.str(), std::move(contents)});
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
