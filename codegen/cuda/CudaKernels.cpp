//===- CudaKernels.cpp - ternary layers as calls to the W2A8 kernels ------===//
#include "codegen/cuda/CudaKernels.h"

#include "codegen/common/KernelCalls.h"
#include "codegen/common/TernaryLinear.h"
#include "passes/Passes.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "llvm/Support/FormatVariadic.h"

#include "tern/cuda/limits.h"
#include "tern/cuda/w2.h"

using namespace mlir;
using namespace mlir::tern;

namespace {
using ::tern::cuda::kMaxGridY;
using ::tern::cuda::kMaxStagedK;

bool fitsKernel(const LinearClaim &claim) {
  ::tern::cuda::W2Layout layout{claim.n, claim.k};
  return layout.k_padded() <= kMaxStagedK && claim.m <= kMaxGridY;
}

LogicalResult lowerLinear(const LinearClaim &claim, KernelCallBuilder &calls,
                          const TargetOptions &options) {
  LinearOp op = claim.op;
  ::tern::cuda::W2Layout layout{claim.n, claim.k};
  FailureOr<Value> weights =
      packedWeightsConstant(claim, "cuda-w2", layout.bytes(), options,
                            [&](const int8_t *values, uint8_t *out) {
                              ::tern::cuda::pack_w2(layout, values, out);
                            });
  if (failed(weights))
    return failure();
  std::string layer = layerName(op.getLoc());
  std::string call = llvm::formatv(
      "// tern.linear{0}: {1}x{2} by {3}x{2} ternary weights, W2 ({4} "
      "bytes)\n"
      "  constexpr tern::cuda::W2Layout layout{{{3}, {2}};\n"
      "  tern::cuda::linear_w2a8(layout, {1}, a0, a1,\n"
      "      reinterpret_cast<const uint8_t *>(a2), a3, out, scratch0, {5}, "
      "{6})",
      layer.empty() ? "" : " '" + layer + "'", claim.m, claim.k, claim.n,
      layout.bytes(), claim.perToken ? "true" : "false",
      claim.perChannel ? "true" : "false");
  SmallVector<Value> inputs = {op.getInput(), op.getInputScales(), *weights,
                               op.getWeightScales()};
  auto sums = MemRefType::get({claim.m, claim.n},
                              IntegerType::get(op.getContext(), 32));
  return calls.lower(op, inputs, "linear", call, "tern/cuda/linear.cuh",
                     {sums});
}
} // namespace

void cuda::claimLinearKernels(ModuleOp module) {
  Builder b(module.getContext());
  module.walk([&](LinearOp op) {
    std::optional<LinearClaim> claim = claimableLinear(op);
    if (claim && fitsKernel(*claim))
      op->setAttr(kTargetKernelAttr, b.getStringAttr("w2"));
  });
}

LogicalResult cuda::lowerKernels(ModuleOp module,
                                 const TargetOptions &options) {
  SmallVector<Operation *> ops;
  WalkResult walk = module.walk([&](Operation *op) {
    if (auto linear = dyn_cast<LinearOp>(op)) {
      if (!linear->hasAttr(kTargetKernelAttr))
        return WalkResult::advance();
      std::optional<LinearClaim> claim = claimableLinear(linear);
      if (!claim || !fitsKernel(*claim)) {
        op->emitError("layer was claimed for a CUDA kernel it cannot use");
        return WalkResult::interrupt();
      }
      ops.push_back(op);
    }
    if (auto q = dyn_cast<QuantizeActivationsOp>(op))
      if (q.getGranularity().getKind() == GranularityKind::PerToken &&
          q.getInput().getType().getRank() == 2 &&
          q.getInput().getType().hasStaticShape() &&
          q.getInput().getType().getDimSize(0) <= kMaxGridY)
        ops.push_back(op);
    return WalkResult::advance();
  });
  if (walk.wasInterrupted())
    return failure();
  KernelCallBuilder calls(module, options);
  for (Operation *op : ops) {
    if (auto linear = dyn_cast<LinearOp>(op)) {
      if (failed(lowerLinear(*claimableLinear(linear), calls, options)))
        return failure();
      continue;
    }
    auto q = cast<QuantizeActivationsOp>(op);
    RankedTensorType type = q.getInput().getType();
    if (failed(calls.lower(
            op, "quantize_activations",
            llvm::formatv("tern::cuda::quantize_per_token(a0, {0}, {1}, "
                          "out0, out1)",
                          type.getDimSize(0), type.getDimSize(1)),
            "tern/cuda/linear.cuh")))
      return failure();
  }
  return success();
}
