//===- LoopAnalysis.h - questions targets ask of top-level loop nests -----===//
//
// After lowering to loops, a target decides where each top-level loop nest
// runs: the CPU splits large ones across its thread pool
// (cpu/ParallelLoops.cpp), the GPU turns each into a kernel with a thread
// per outer iteration (cuda/DeviceLoops.cpp). Both ask the same questions.
//
//===----------------------------------------------------------------------===//
#ifndef TERN_CODEGEN_COMMON_LOOPANALYSIS_H
#define TERN_CODEGEN_COMMON_LOOPANALYSIS_H

#include "mlir/Dialect/SCF/IR/SCF.h"

#include <optional>

namespace mlir::tern {

/// What a math-dialect call (a libm function) weighs against one element.
constexpr int64_t kMathCallWeight = 16;

/// Iterations of a loop with constant bounds and positive step.
std::optional<int64_t> tripCount(scf::ForOp loop);

/// Elements a loop nest computes (counting, per iteration, its largest
/// inner nest), weighted by its math calls; nullopt if a nested bound is
/// not constant.
std::optional<int64_t> workOf(scf::ForOp loop);

/// Whether outer iterations are independent: each buffer the nest stores
/// to is loaded and stored only at elements whose index in one dimension
/// is the outer induction variable, and there are no calls (kernels run
/// in parallel themselves). Reductions over the outer loop fail this.
bool hasIndependentIterations(scf::ForOp loop);

/// A statically shaped, contiguous buffer at offset 0: an outlined
/// function can take it as a pointer to its first element.
bool isPlainBuffer(Value value);

} // namespace mlir::tern

#endif
