//===- Passes.h - tern passes and pipelines -------------------------------===//
#ifndef TERN_PASSES_PASSES_H
#define TERN_PASSES_PASSES_H

#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassManager.h"

namespace mlir::tern {

#define GEN_PASS_DECL
#include "passes/Passes.h.inc"

/// Appends the pipeline that takes IR with tern ops on tensors to the LLVM
/// dialect through the reference lowering, so it can be JIT-compiled or run
/// with mlir-runner. Registered as `tern-reference-to-llvm`.
void buildReferenceToLLVMPipeline(OpPassManager &pm);

/// Registers every tern pass and pipeline with the global registry.
void registerTernPassesAndPipelines();

} // namespace mlir::tern

#endif // TERN_PASSES_PASSES_H
