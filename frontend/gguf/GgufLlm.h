//===- GgufLlm.h - an LLM checkpoint in a GGUF file ----------*- C++ -*-===//
//
// The hyperparameters (`<arch>.block_count`, ...; llama.cpp's defaults for
// missing keys) and the tensors as a tern::llm::WeightSource. The
// vocabulary is frontend/tokenizer's.
//
//===----------------------------------------------------------------------===//
#ifndef TERN_FRONTEND_GGUF_GGUFLLM_H
#define TERN_FRONTEND_GGUF_GGUFLLM_H

#include "frontend/gguf/GgufFile.h"
#include "frontend/llm/LlmModel.h"

namespace tern::gguf {

llvm::Expected<llm::LlmConfig> readLlmConfig(const GgufFile &file);

/// Tensors of `file` dequantized to floats on request.
class GgufWeights : public llm::WeightSource {
public:
  explicit GgufWeights(const GgufFile &file) : file(file) {}
  bool has(llvm::StringRef name) const override;
  llvm::Expected<std::vector<float>>
  floats(llvm::StringRef name, llvm::ArrayRef<int64_t> shape) override;

private:
  const GgufFile &file;
};

} // namespace tern::gguf

#endif
