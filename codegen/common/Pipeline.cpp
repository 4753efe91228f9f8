//===- Pipeline.cpp - tensors with tern ops to loops on planned buffers ---===//
#include "codegen/common/Passes.h"

#include "mlir/Dialect/EmitC/Transforms/Passes.h"
#include "mlir/Pass/PassManager.h"

#include "passes/Passes.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Arith/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

namespace mlir::tern {
#define GEN_PASS_REGISTRATION
#include "codegen/common/Passes.h.inc"
} // namespace mlir::tern

using namespace mlir;

void tern::buildLowerToLoopsPipeline(OpPassManager &pm) {
  pm.addPass(createTernLowerToReference());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  // Chains of element-wise ops become one loop nest: fewer intermediates.
  pm.addPass(createLinalgElementwiseOpFusionPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createTernBufferize());
  pm.addNestedPass<func::FuncOp>(createConvertLinalgToLoopsPass());
  pm.addPass(createTernPlanArena());
  pm.addPass(createTernPlanWeights());
  // Subviews and reshapes fold into the accesses; what remains is loads and
  // stores with static strided layouts.
  pm.addPass(memref::createFoldMemRefAliasOpsPass());
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(arith::createArithExpandOpsPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
}

void tern::buildToEmitCPipeline(OpPassManager &pm) {
  pm.addPass(createTernConvertToEmitC());
  pm.addPass(emitc::createFormExpressionsPass());
}

LogicalResult tern::lowerToLoops(ModuleOp module, func::FuncOp entry) {
  PassManager pm(module.getContext());
  buildLowerToLoopsPipeline(pm);
  if (failed(pm.run(module)))
    return failure();
  if (Attribute arena = entry->getAttr(kArenaBytesAttr))
    module->setAttr(kArenaBytesAttr, arena);
  return success();
}

LogicalResult tern::lowerToEmitC(ModuleOp module) {
  PassManager pm(module.getContext());
  buildToEmitCPipeline(pm);
  return pm.run(module);
}

void tern::registerCodegenPasses() {
  registerTernCodegenPasses();
  PassPipelineRegistration<>(
      "tern-lower-to-loops",
      "Lower tensors with tern ops to loops on arena and weights buffers",
      buildLowerToLoopsPipeline);
}
