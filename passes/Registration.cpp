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
  bool quantize = !options.method.empty() || !options.recipe.empty();
  if (quantize) {
    TernQuantizeWeightsOptions weights;
    if (!options.method.empty())
      weights.method = options.method;
    weights.recipe = options.recipe;
    weights.granularity = options.weightGranularity;
    weights.keepFloat = options.keepFloat;
    weights.keepFirstLast = options.keepFirstLast;
    pm.addPass(createTernQuantizeWeights(weights));
  }
  pm.addPass(createTernFormLinear());
  pm.addPass(createTernIntegerActivations());
  if (quantize || options.quantizeActivations || options.activationScale > 0) {
    TernQuantizeActivationsOptions activations;
    activations.granularity = options.activationGranularity;
    activations.staticScale = options.activationScale;
    pm.addPass(createTernQuantizeActivations(activations));
  }
  if (!options.multiplyElimination.empty()) {
    TernEliminateMultipliesOptions eliminate;
    eliminate.strategy = options.multiplyElimination;
    pm.addPass(createTernEliminateMultiplies(eliminate));
  }
  pm.addPass(createCanonicalizerPass());
  // Layers reading one input (q, k and v; gate and up) share its
  // quantization.
  pm.addPass(createCSEPass());
}
