#include "passes/Passes.h"

#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

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

void mlir::tern::buildQuantizationPipeline(OpPassManager &pm,
                                           const QuantizationOptions &options) {
  if (!options.method.empty()) {
    TernQuantizeWeightsOptions weights;
    weights.method = options.method;
    weights.granularity = options.weightGranularity;
    weights.keepFloat = options.keepFloat;
    weights.keepFirstLast = options.keepFirstLast;
    pm.addPass(createTernQuantizeWeights(weights));
  }
  pm.addPass(createTernFormLinear());
  if (!options.method.empty()) {
    TernQuantizeActivationsOptions activations;
    activations.granularity = options.activationGranularity;
    pm.addPass(createTernQuantizeActivations(activations));
  }
  pm.addPass(createCanonicalizerPass());
}
