//===- CudaLlmKernels.cpp - transformer-decoder ops as CUDA launches ------===//
//
// tern.embedding, tern.rms_norm, tern.rope, tern.attention and tern.lm_head
// become calls into runtime/include/tern/cuda/llm.cuh with the op's shape
// and attributes as constants, as the CPU target's LlmKernels.cpp does with
// tern/llm/ops.h. The element-wise rest of a decoder layer (the gated
// activation, residual adds) stays in loops, which DeviceLoops.cpp turns
// into kernels.
//
//===----------------------------------------------------------------------===//
#include "codegen/common/KernelCalls.h"
#include "codegen/cuda/CudaKernels.h"
#include "dialect/Tern.h"

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/FormatVariadic.h"

#include "tern/cuda/limits.h"

using namespace mlir;
using namespace mlir::tern;

namespace {
constexpr llvm::StringLiteral kHeader = "tern/cuda/llm.cuh";

int64_t dim(Value value, unsigned i) {
  return cast<RankedTensorType>(value.getType()).getDimSize(i);
}

LogicalResult lowerAttention(AttentionOp op, KernelCallBuilder &calls) {
  const int64_t heads = op.getHeads(), headDim = dim(op.getQuery(), 1) / heads,
                tokens = dim(op.getQuery(), 0);
  if (heads > ::tern::cuda::kMaxGridY || tokens > ::tern::cuda::kMaxGridY)
    return op.emitError() << "target cuda supports attention over at most "
                          << ::tern::cuda::kMaxGridY << " tokens and heads";
  if (headDim > ::tern::cuda::kMaxHeadDim)
    return op.emitError() << "target cuda supports attention heads of at most "
                          << ::tern::cuda::kMaxHeadDim << " dimensions, not "
                          << headDim;
  return calls.lower(
      op, "attention",
      llvm::formatv("tern::cuda::attention(a0, a1, a2, a3, {0}, {1}, {2}, {3}, "
                    "{4}, out)",
                    tokens, op.getLayer(), heads, op.getKvHeads(), headDim),
      kHeader);
}

LogicalResult lowerLmHead(LmHeadOp op, KernelCallBuilder &calls) {
  const int64_t tokens = dim(op.getInput(), 0), width = dim(op.getInput(), 1);
  if (tokens > ::tern::cuda::kMaxGridY)
    return op.emitError() << "target cuda supports an LM head over at most "
                          << ::tern::cuda::kMaxGridY << " tokens";
  MLIRContext *context = op.getContext();
  // The quantized tokens and their scales.
  SmallVector<MemRefType> scratch = {
      MemRefType::get({tokens, width}, IntegerType::get(context, 8)),
      MemRefType::get({tokens}, Float32Type::get(context))};
  return calls.lower(
      op, op->getOperands(), "lm_head",
      llvm::formatv("tern::cuda::lm_head(a0, a1, a2, {0}, {1}, {2}, out, "
                    "scratch0, scratch1)",
                    tokens, width, dim(op.getTable(), 0)),
      kHeader, scratch);
}
} // namespace

LogicalResult cuda::fuseNormQuantize(ModuleOp module,
                                     const TargetOptions &options) {
  SmallVector<QuantizeActivationsOp> fusible;
  module.walk([&](QuantizeActivationsOp q) {
    auto norm = q.getInput().getDefiningOp<RmsNormOp>();
    RankedTensorType type = q.getInput().getType();
    if (norm && norm->hasOneUse() &&
        q.getGranularity().getKind() == GranularityKind::PerToken &&
        type.getRank() == 2 && type.hasStaticShape() &&
        type.getDimSize(0) <= ::tern::cuda::kMaxGridY)
      fusible.push_back(q);
  });
  KernelCallBuilder calls(module, options);
  for (QuantizeActivationsOp q : fusible) {
    auto norm = q.getInput().getDefiningOp<RmsNormOp>();
    if (failed(calls.lower(
            q, ValueRange{norm.getInput(), norm.getWeight()},
            "rms_norm_quantize",
            llvm::formatv("tern::cuda::rms_norm_quantize(a0, a1, {0}, {1}, "
                          "{2}, out0, out1)",
                          dim(norm.getInput(), 0), dim(norm.getInput(), 1),
                          floatLiteral(norm.getEpsilon())),
            kHeader)))
      return failure();
    norm.erase();
  }
  return success();
}

LogicalResult cuda::lowerLlmKernels(ModuleOp module,
                                    const TargetOptions &options) {
  SmallVector<Operation *> ops;
  module.walk([&](Operation *op) {
    if (isa<EmbeddingOp, RmsNormOp, RopeOp, AttentionOp, LmHeadOp>(op))
      ops.push_back(op);
  });
  KernelCallBuilder calls(module, options);
  for (Operation *op : ops) {
    LogicalResult lowered = success();
    if (auto e = dyn_cast<EmbeddingOp>(op))
      lowered = calls.lower(
          op, "embedding",
          llvm::formatv("tern::cuda::embedding(a0, {0}, a1, {1}, out)",
                        dim(e.getTable(), 1), dim(e.getIds(), 0)),
          kHeader);
    else if (auto n = dyn_cast<RmsNormOp>(op))
      lowered = calls.lower(
          op, "rms_norm",
          llvm::formatv("tern::cuda::rms_norm(a0, a1, {0}, {1}, {2}, out)",
                        dim(n.getInput(), 0), dim(n.getInput(), 1),
                        floatLiteral(n.getEpsilon())),
          kHeader);
    else if (auto r = dyn_cast<RopeOp>(op))
      lowered = calls.lower(
          op, "rope",
          llvm::formatv(
              "tern::cuda::rope(a0, a1, {0}, {1}, {2}, {3}, {4}, out)",
              dim(r.getInput(), 0), dim(r.getInput(), 1), r.getHeadDim(),
              floatLiteral(r.getTheta()), r.getNeox() ? "true" : "false"),
          kHeader);
    else if (auto a = dyn_cast<AttentionOp>(op))
      lowered = lowerAttention(a, calls);
    else if (auto h = dyn_cast<LmHeadOp>(op))
      lowered = lowerLmHead(h, calls);
    if (failed(lowered))
      return failure();
  }
  return success();
}
