//===- LlmModel.h - decoder-only LLMs: config and weights ----*- C++ -*-===//
//
// What the LLM importer needs from a checkpoint, whatever its format: the
// architecture's hyperparameters (LlmConfig) and its tensors by llama.cpp's
// names (WeightSource). frontend/gguf and frontend/safetensors implement
// WeightSource; LlmImporter.h builds the model from them.
//
//===----------------------------------------------------------------------===//
#ifndef TERN_FRONTEND_LLM_LLMMODEL_H
#define TERN_FRONTEND_LLM_LLMMODEL_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <string>
#include <vector>

namespace tern::llm {

enum class Activation { SiLU, ReLUSquared };

struct LlmConfig {
  std::string architecture; // "llama", "bitnet-b1.58", "bitnet-25"
  int64_t layers = 0;
  int64_t embedding = 0;   // hidden size D
  int64_t feedForward = 0; // FFN width
  int64_t heads = 0, kvHeads = 0, headDim = 0;
  int64_t vocab = 0;
  int64_t contextLength = 0;
  double ropeTheta = 10000.0;
  double rmsEpsilon = 1e-5;
  bool ropeNeox = false; // rotate (i, i + d/2) pairs instead of (2i, 2i + 1)
  Activation activation = Activation::SiLU;
  bool subNorms = false;       // BitNet's attn_sub_norm and ffn_sub_norm
  bool tiedEmbeddings = false; // the LM head is token_embd
  // BitNet: linear weights are ternary by definition; float (master)
  // weights are quantized as BitLinear does (absmean per tensor).
  bool ternaryLinears = false;

  /// Hyperparameters of the named architecture that the checkpoint does
  /// not spell out; an error for an architecture tern does not know.
  static llvm::Error applyArchitecture(LlmConfig &config);
  /// Checks sizes: positive, consistent, and small enough to index.
  llvm::Error validate() const;
};

/// The checkpoint's tensors, by llama.cpp's names ("token_embd.weight",
/// "blk.3.attn_q.weight", ...).
class WeightSource {
public:
  virtual ~WeightSource();
  virtual bool has(llvm::StringRef name) const = 0;
  /// The tensor as row-major floats of `shape` (outermost first); an error
  /// names the tensor when it is missing or shaped otherwise.
  virtual llvm::Expected<std::vector<float>>
  floats(llvm::StringRef name, llvm::ArrayRef<int64_t> shape) = 0;
};

} // namespace tern::llm

#endif
