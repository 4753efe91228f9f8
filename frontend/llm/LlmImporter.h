//===- LlmImporter.h - a decoder-only LLM as a tern module -------*- C++
//-*-===//
//
// Builds one step of the model as a function of `tokens` and `positions`
// (i32 [T]) returning `logits` (f32 [T, vocab]):
//
//   tern.embedding, then per layer
//     tern.rms_norm -> q, k, v products -> tern.rope -> tern.attention
//     [-> tern.rms_norm (sub-norm)] -> output product -> residual add
//     tern.rms_norm -> gate, up products -> SiLU or ReLU^2 gate
//     [-> tern.rms_norm (sub-norm)] -> down product -> residual add
//   tern.rms_norm -> LM head product.
//
// Products are linalg contractions. Weights that are exactly ternary (per
// tensor, else per row) enter as tern.dequantize(tern.unpack(packed)), which
// is what tern's quantization produces, so tern-form-linear and the
// activation quantization treat them like any quantized ONNX layer. BitNet
// architectures quantize other weights as BitLinear does (absmean per
// tensor); other architectures keep them float (and `ternc --quantize` may
// quantize them).
//
//===----------------------------------------------------------------------===//
#ifndef TERN_FRONTEND_LLM_LLMIMPORTER_H
#define TERN_FRONTEND_LLM_LLMIMPORTER_H

#include "frontend/llm/LlmModel.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "mlir/IR/Value.h"
#include "llvm/ADT/StringMap.h"

#include <functional>

namespace tern::llm {

/// Weights built by one import, for another import of the same checkpoint
/// into the same context (an LLM's decode and prefill steps): the second
/// copies the first's constant ops, sharing their data, instead of reading
/// and converting the checkpoint again. The first module must outlive the
/// second import.
struct SharedWeights {
  llvm::StringMap<mlir::Value> values;
};

struct LlmImportOptions {
  /// Tokens per model step (the entry's T).
  int64_t tokensPerStep = 1;
  /// The LM head in W8A8 (tern.lm_head): its input int8 per token, as
  /// llama.cpp does with Q8_K for quantized output tables and BitNet for
  /// every product, and its table int8 per row (a quarter of f32's bytes,
  /// read once per token). Float input and table otherwise.
  bool int8LmHead = true;
  /// Logits of the step's last token only ([1, vocab]): a prompt needs no
  /// others, and the LM head is the largest product of a step.
  bool lastTokenLogits = false;
  /// Where weights are shared across imports; null: not shared.
  SharedWeights *sharedWeights = nullptr;
  /// Called once per imported layer, for progress reports.
  std::function<void(int64_t layer, int64_t layers)> progress;
};

/// Module attribute holding the LlmConfig the generated program needs.
constexpr llvm::StringLiteral kLlmAttr = "tern.llm";

/// Registers the dialects the imported module uses.
void registerLlmImportDialects(mlir::DialectRegistry &registry);

/// Reports errors through the context's diagnostics at `location` (the
/// checkpoint) and returns null.
mlir::OwningOpRef<mlir::ModuleOp> importLlm(mlir::MLIRContext *context,
                                            mlir::Location location,
                                            const LlmConfig &config,
                                            WeightSource &weights,
                                            const LlmImportOptions &options);

} // namespace tern::llm

#endif
