//===- Targets.cpp - the code generators built into tern ------------------===//
//
// Adding a target: implement mlir::tern::Target in codegen/<name>/, expose a
// create function, and register it here.
//
//===----------------------------------------------------------------------===//
#include "codegen/Target.h"
#include "codegen/cpu/CpuTarget.h"

void mlir::tern::registerBuiltinTargets() {
  registerTarget(createCpuTarget());
}
