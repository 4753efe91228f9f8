//===- LlmKernels.cpp - transformer-decoder ops as CPU kernel calls -------===//
//
// Each op becomes a call to a private function whose C++ body (one call
// into runtime/include/tern/llm/ops.h with the op's shape and attributes as
// constants) rides on its declaration, as the ternary kernels do. Operands
// are passed as buffers; the result is a fresh buffer the kernel fills.
//
//===----------------------------------------------------------------------===//
#include "codegen/common/KernelCalls.h"
#include "codegen/common/Passes.h"
#include "codegen/cpu/Kernels.h"
#include "dialect/Tern.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Matchers.h"
#include "llvm/Support/FormatVariadic.h"

using namespace mlir;
using namespace mlir::tern;

namespace {
int64_t dim(Value value, unsigned i) {
  return cast<RankedTensorType>(value.getType()).getDimSize(i);
}

/// The other operand of a binary op when one is `value`, else null.
Value otherOperand(Operation *op, Value value) {
  if (!op || op->getNumOperands() != 2)
    return nullptr;
  if (op->getOperand(0) == value)
    return op->getOperand(1);
  return op->getOperand(1) == value ? op->getOperand(0) : nullptr;
}

/// Whether `generic` is the importer's gated SiLU (LlmImporter's `gated`),
/// gate / (1 + exp(-gate)) * up, over two same-shaped static f32 tensors:
/// the vector kernel computes exactly those operations.
bool isSiluGate(linalg::GenericOp generic) {
  if (generic.getNumDpsInputs() != 2 || generic.getNumDpsInits() != 1 ||
      generic.getNumParallelLoops() != generic.getNumLoops() ||
      !llvm::all_of(generic.getIndexingMapsArray(),
                    [](AffineMap map) { return map.isIdentity(); }))
    return false;
  auto type = dyn_cast<RankedTensorType>(generic.getResult(0).getType());
  if (!type || !type.hasStaticShape() || !type.getElementType().isF32() ||
      llvm::any_of(generic.getDpsInputs(),
                   [&](Value v) { return v.getType() != type; }))
    return false;
  Block &body = generic.getRegion().front();
  Value gate = body.getArgument(0), up = body.getArgument(1);
  auto mul = body.getTerminator()->getOperand(0).getDefiningOp<arith::MulFOp>();
  Value silu = mul ? otherOperand(mul, up) : nullptr;
  auto div = silu ? silu.getDefiningOp<arith::DivFOp>() : nullptr;
  if (!div || div.getLhs() != gate)
    return false;
  auto add = div.getRhs().getDefiningOp<arith::AddFOp>();
  if (!add)
    return false;
  Value e = matchPattern(add.getLhs(), m_OneFloat())   ? add.getRhs()
            : matchPattern(add.getRhs(), m_OneFloat()) ? add.getLhs()
                                                       : nullptr;
  auto exp = e ? e.getDefiningOp<math::ExpOp>() : nullptr;
  auto neg = exp ? exp.getOperand().getDefiningOp<arith::NegFOp>() : nullptr;
  return neg && neg.getOperand() == gate;
}
} // namespace

LogicalResult cpu::lowerLlmKernels(ModuleOp module, const CpuVariant &variant,
                                   const TargetOptions &options) {
  std::string isaName = variant.isa.empty() ? "Scalar" : variant.isa;
  SmallVector<Operation *> ops;
  module.walk([&](Operation *op) {
    if (isa<EmbeddingOp, RmsNormOp, RopeOp, AttentionOp, LmHeadOp>(op))
      ops.push_back(op);
    // The gated FFN's SiLU: libm's exp, one element at a time, costs
    // prefill more than attention does.
    if (auto generic = dyn_cast<linalg::GenericOp>(op))
      if (isSiluGate(generic))
        ops.push_back(op);
    // Per-token activation quantization of a matrix: a vector kernel,
    // where the reference loops' libm rounding calls cost as much as a
    // ternary GEMM's decode.
    if (auto q = dyn_cast<QuantizeActivationsOp>(op))
      if (q.getGranularity().getKind() == GranularityKind::PerToken &&
          q.getInput().getType().getRank() == 2 &&
          q.getInput().getType().hasStaticShape())
        ops.push_back(op);
  });
  KernelCallBuilder lowering(module, options);
  for (Operation *op : ops) {
    LogicalResult lowered = success();
    if (auto e = dyn_cast<EmbeddingOp>(op)) {
      lowered = lowering.lower(
          op, "embedding",
          llvm::formatv("tern::llm::embedding(a0, {0}, a1, {1}, out)",
                        dim(e.getTable(), 1), dim(e.getIds(), 0)));
    } else if (auto n = dyn_cast<RmsNormOp>(op)) {
      lowered = lowering.lower(
          op, "rms_norm",
          llvm::formatv("tern::llm::rms_norm(a0, a1, {0}, {1}, {2}, "
                        "out)",
                        dim(n.getInput(), 0), dim(n.getInput(), 1),
                        floatLiteral(n.getEpsilon())));
    } else if (auto r = dyn_cast<RopeOp>(op)) {
      lowered = lowering.lower(
          op, "rope",
          llvm::formatv("tern::llm::rope(a0, a1, {0}, {1}, {2}, {3}, {4}, out)",
                        dim(r.getInput(), 0), dim(r.getInput(), 1),
                        r.getHeadDim(), floatLiteral(r.getTheta()),
                        r.getNeox() ? "true" : "false"));
    } else if (auto a = dyn_cast<AttentionOp>(op)) {
      int64_t heads = a.getHeads();
      lowered = lowering.lower(
          op, "attention",
          llvm::formatv("tern::llm::attention<tern::cpu::Isa::{5}>(a0, a1, "
                        "a2, a3, {0}, {1}, {2}, {3}, {4}, out)",
                        dim(a.getQuery(), 0), a.getLayer(), heads,
                        a.getKvHeads(), dim(a.getQuery(), 1) / heads, isaName));
    } else if (auto h = dyn_cast<LmHeadOp>(op)) {
      lowered = lowering.lower(
          op, "lm_head",
          llvm::formatv("tern::llm::lm_head<tern::cpu::Isa::{3}>("
                        "a0, a1, a2, {0}, {1}, {2}, out)",
                        dim(h.getInput(), 0), dim(h.getInput(), 1),
                        dim(h.getTable(), 0), isaName));
    } else if (auto g = dyn_cast<linalg::GenericOp>(op)) {
      lowered = lowering.lower(
          op, g.getDpsInputs(), "silu_gate",
          llvm::formatv(
              "tern::llm::silu_gate<tern::cpu::Isa::{1}>(a0, a1, "
              "{0}, out)",
              cast<RankedTensorType>(g.getResult(0).getType()).getNumElements(),
              isaName),
          "tern/llm/ops.h");
    } else if (auto q = dyn_cast<QuantizeActivationsOp>(op)) {
      lowered = lowering.lower(
          op, "quantize_activations",
          llvm::formatv("tern::cpu::quantize_rows<tern::cpu::Isa::{2}>("
                        "a0, {0}, {1}, out0, out1)",
                        dim(q.getInput(), 0), dim(q.getInput(), 1), isaName),
          "tern/cpu/quantize.h");
    }
    if (failed(lowered))
      return failure();
  }
  return success();
}
