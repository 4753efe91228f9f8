//===- tern-opt.cpp - mlir-opt with the tern dialect and passes -----------===//
//
// Parses, verifies, transforms and prints IR that mixes tern with the
// upstream dialects tern uses. `tern-opt --help` lists the tern passes.
//
//===----------------------------------------------------------------------===//
#include "tools/common/Registration.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  mlir::tern::registerAllDialects(registry);
  mlir::tern::registerAllPasses();
  return mlir::asMainReturnCode(mlir::MlirOptMain(
      argc, argv, "tern optimizer: the tern dialect and its passes\n",
      registry));
}
