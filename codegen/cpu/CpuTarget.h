//===- CpuTarget.h - C++ for the host CPU ------------------------*- C++ -*-===//
#ifndef TERN_CODEGEN_CPU_CPUTARGET_H
#define TERN_CODEGEN_CPU_CPUTARGET_H

#include "codegen/Target.h"

namespace mlir::tern {
std::unique_ptr<Target> createCpuTarget();
} // namespace mlir::tern

#endif
