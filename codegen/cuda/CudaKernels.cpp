//===- CudaKernels.cpp - ternary layers as calls to the W2A8 kernels ------===//
#include "codegen/cuda/CudaKernels.h"

#include "codegen/common/KernelCalls.h"
#include "codegen/common/TernaryLinear.h"
#include "passes/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/Matchers.h"
#include "llvm/Support/FormatVariadic.h"

#include "tern/cuda/w2.h"

using namespace mlir;
using namespace mlir::tern;

namespace {
/// A token's activations are staged in 48 KiB of shared memory, one block
/// row per token (a grid dimension of at most 65535).
constexpr int64_t kMaxStagedK = 48 * 1024;
constexpr int64_t kMaxTokens = 65535;

bool fitsKernel(const LinearClaim &claim) {
  ::tern::cuda::W2Layout layout{claim.n, claim.k};
  return layout.k_padded() <= kMaxStagedK && claim.m <= kMaxTokens;
}

LogicalResult lowerLinear(const LinearClaim &claim, KernelCallBuilder &calls,
                          const TargetOptions &options) {
  LinearOp op = claim.op;
  ::tern::cuda::W2Layout layout{claim.n, claim.k};
  OpBuilder b(op);
  // Packed weights already made from the same constant in this compilation
  // (the other step of an LLM) are reused.
  Attribute source, packed;
  matchPattern(op.getWeights(), m_Constant(&source));
  Attribute key = source ? b.getArrayAttr({source, b.getStringAttr("cuda-w2")})
                         : Attribute();
  if (key && options.derivedWeights)
    packed = options.derivedWeights->lookup(key);
  if (!packed) {
    FailureOr<std::vector<int8_t>> values = ternaryWeightValues(claim);
    if (failed(values))
      return op.emitError("cannot read the constant weights of this layer");
    std::vector<char> bytes(size_t(layout.bytes()));
    ::tern::cuda::pack_w2(layout, values->data(),
                          reinterpret_cast<uint8_t *>(bytes.data()));
    auto type = RankedTensorType::get({layout.bytes()}, b.getI8Type());
    packed = DenseElementsAttr::getFromRawBuffer(type, bytes);
    if (key && options.derivedWeights)
      (*options.derivedWeights)[key] = packed;
  }
  Value weights =
      arith::ConstantOp::create(b, op.getLoc(), cast<TypedAttr>(packed));
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
  SmallVector<Value> inputs = {op.getInput(), op.getInputScales(), weights,
                               op.getWeightScales()};
  auto sums = MemRefType::get({claim.m, claim.n}, b.getI32Type());
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
          q.getInput().getType().getDimSize(0) <= kMaxTokens)
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
