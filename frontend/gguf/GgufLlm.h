//===- GgufLlm.h - an LLM checkpoint in a GGUF file --------------*- C++
//-*-===//
//
// The hyperparameters (`<arch>.block_count`, ...; llama.cpp's defaults for
// missing keys), the tensors as a tern::llm::WeightSource, and the
// vocabulary as a runtime tokenizer file (runtime/include/tern/tokenizer.h).
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

/// The `tokenizer.ggml.*` metadata as a tern tokenizer file.
llvm::Expected<std::string> exportTokenizer(const GgufFile &file);

} // namespace tern::gguf

#endif
