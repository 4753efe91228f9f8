//===- Bufferize.cpp - tensors to static buffers with out-params ----------===//
#include "codegen/common/Passes.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Bufferization/Transforms/OneShotAnalysis.h"
#include "mlir/Dialect/Bufferization/Transforms/OneShotModuleBufferize.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"

namespace mlir::tern {
#define GEN_PASS_DEF_TERNBUFFERIZE
#include "codegen/common/Passes.h.inc"
} // namespace mlir::tern

using namespace mlir;

namespace {
/// Copies as linalg.copy, so they lower to loops like all other linalg ops.
LogicalResult copyWithLinalg(OpBuilder &b, Location loc, Value from, Value to) {
  linalg::CopyOp::create(b, loc, from, to);
  return success();
}

/// Results computed into a fresh buffer and then copied to their out-param
/// are computed in the out-param directly.
void writeResultsInPlace(func::FuncOp func) {
  for (BlockArgument arg : func.getArguments()) {
    if (!arg.hasOneUse())
      continue;
    auto copy = dyn_cast<linalg::CopyOp>(*arg.getUsers().begin());
    if (!copy || copy.getOutputs()[0] != arg)
      continue;
    auto alloc = copy.getInputs()[0].getDefiningOp<memref::AllocOp>();
    if (!alloc || alloc.getType() != arg.getType())
      continue;
    bool copiedElsewhere =
        llvm::any_of(alloc->getUsers(), [&](Operation *user) {
          return user != copy && isa<linalg::CopyOp>(user) &&
                 isa<BlockArgument>(cast<linalg::CopyOp>(user).getOutputs()[0]);
        });
    if (copiedElsewhere)
      continue;
    copy.erase();
    alloc.replaceAllUsesWith(arg);
    alloc.erase();
  }
}

struct TernBufferizePass : tern::impl::TernBufferizeBase<TernBufferizePass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    bufferization::OneShotBufferizationOptions options;
    options.bufferizeFunctionBoundaries = true;
    options.setFunctionBoundaryTypeConversion(
        bufferization::LayoutMapOption::IdentityLayoutMap);
    options.memCpyFn = copyWithLinalg;
    bufferization::BufferizationState state;
    if (failed(
            bufferization::runOneShotModuleBufferize(module, options, state)))
      return signalPassFailure();

    bufferization::BufferResultsToOutParamsOpts outParams;
    outParams.hoistStaticAllocs = true;
    outParams.modifyPublicFunctions = true;
    outParams.memCpyFn = copyWithLinalg;
    if (failed(
            bufferization::promoteBufferResultsToOutParams(module, outParams)))
      return signalPassFailure();
    for (auto func : module.getOps<func::FuncOp>())
      if (!func.isExternal())
        writeResultsInPlace(func);
  }
};
} // namespace
