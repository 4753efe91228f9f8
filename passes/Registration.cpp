#include "passes/Passes.h"

#include "mlir/Pass/PassRegistry.h"

namespace mlir::tern {
#define GEN_PASS_REGISTRATION
#include "passes/Passes.h.inc"
} // namespace mlir::tern

void mlir::tern::registerTernPassesAndPipelines() {
  registerTernPasses();
  PassPipelineRegistration<>(
      "tern-reference-to-llvm",
      "Lower tern ops through their reference semantics to the LLVM dialect",
      buildReferenceToLLVMPipeline);
}
