//===- LlmModel.cpp - architecture defaults and configuration checks ------===//
#include "frontend/llm/LlmModel.h"

using namespace tern::llm;

WeightSource::~WeightSource() = default;

llvm::Error LlmConfig::applyArchitecture(LlmConfig &c) {
  if (c.architecture == "llama") {
    c.activation = Activation::SiLU;
    return llvm::Error::success();
  }
  // BitNet b1.58: squared ReLU in the gated FFN, a norm before each output
  // projection, embeddings tied to the LM head, NeoX-style rotary pairs
  // (llama.cpp's LLM_ARCH_BITNET uses LLAMA_ROPE_TYPE_NEOX).
  if (c.architecture == "bitnet-b1.58" || c.architecture == "bitnet-25") {
    c.activation = Activation::ReLUSquared;
    c.subNorms = true;
    c.ropeNeox = true;
    c.ternaryLinears = true;
    return llvm::Error::success();
  }
  return llvm::createStringError(
      "unsupported architecture '" + c.architecture +
      "' (supported: llama, bitnet-b1.58, bitnet-25)");
}

llvm::Error LlmConfig::validate() const {
  auto fail = [](const std::string &message) {
    return llvm::createStringError(message);
  };
  const int64_t limit = int64_t(1) << 24;
  for (auto [name, value] : {std::pair{"block_count", layers},
                             {"embedding_length", embedding},
                             {"feed_forward_length", feedForward},
                             {"attention.head_count", heads},
                             {"attention.head_count_kv", kvHeads},
                             {"vocab size", vocab},
                             {"context_length", contextLength}})
    if (value <= 0 || value > limit)
      return fail(std::string(name) + " is " + std::to_string(value) +
                  ", expected 1.." + std::to_string(limit));
  if (embedding % heads)
    return fail("embedding_length " + std::to_string(embedding) +
                " is not a multiple of head_count " + std::to_string(heads));
  if (heads % kvHeads)
    return fail("head_count_kv " + std::to_string(kvHeads) +
                " does not divide head_count " + std::to_string(heads));
  if (headDim % 2)
    return fail("head dimension " + std::to_string(headDim) + " is odd");
  if (!(ropeTheta > 0) || !(rmsEpsilon > 0))
    return fail("rope.freq_base and layer_norm_rms_epsilon must be positive");
  return llvm::Error::success();
}
