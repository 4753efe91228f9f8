//===- HfCheckpoint.h - a Hugging Face checkpoint folder -----*- C++ -*-===//
//
// A folder with config.json and model.safetensors, or shards listed by
// model.safetensors.index.json. LlamaForCausalLM and BitNetForCausalLM
// become an llm::LlmConfig, and their tensors are served under llama.cpp's
// names (llm::WeightSource), so the LLM importer treats them like GGUF.
//
// BitNetForCausalLM's packed weights (transformers' integrations/bitnet.py):
// uint8 [out/4, in], four trits per byte along the output dimension; output
// row q*(out/4)+r is ((b >> 2q) & 3) - 1 of packed row r. `weight_scale`
// divides with linear_class "bitlinear" (BitLinear computes
// y / (input_scale * weight_scale)) and multiplies with "autobitlinear"
// (its offline mode computes y * weight_scale).
//
//===----------------------------------------------------------------------===//
#ifndef TERN_FRONTEND_SAFETENSORS_HFCHECKPOINT_H
#define TERN_FRONTEND_SAFETENSORS_HFCHECKPOINT_H

#include "frontend/llm/LlmModel.h"
#include "frontend/safetensors/SafetensorsFile.h"
#include "frontend/tokenizer/Vocabulary.h"

namespace tern::safetensors {

class HfCheckpoint : public llm::WeightSource {
public:
  /// Reads config.json and maps every shard; errors name the file.
  static llvm::Expected<std::unique_ptr<HfCheckpoint>>
  open(llvm::StringRef folder);

  const llm::LlmConfig &config() const { return config_; }
  llvm::StringRef folder() const { return folder_; }
  /// config.json's bos_token_id and (first) eos_token_id; -1 when absent.
  int32_t bosTokenId() const { return bos_; }
  int32_t eosTokenId() const { return eos_; }

  bool has(llvm::StringRef name) const override;
  llvm::Expected<std::vector<float>>
  floats(llvm::StringRef name, llvm::ArrayRef<int64_t> shape) override;

private:
  HfCheckpoint() = default;
  /// The tensor behind llama.cpp's `name`, or null.
  const TensorEntry *lookup(llvm::StringRef name,
                            const SafetensorsFile **file = nullptr) const;
  llvm::Error readConfig(llvm::StringRef path);
  llvm::Error mapShards();

  std::string folder_;
  llm::LlmConfig config_;
  bool scaleDivides_ = true;
  int32_t bos_ = -1, eos_ = -1;
  std::vector<std::unique_ptr<SafetensorsFile>> shards_;
  llvm::StringMap<const SafetensorsFile *> owner_; // HF name -> shard
};

/// The folder's tokenizer: tokenizer.json, else a tiktoken tokenizer.model;
/// BOS and EOS as config.json gives them, padded to the model's vocabulary.
llvm::Expected<tokenizer::Vocabulary>
readFolderVocabulary(const HfCheckpoint &checkpoint);

/// The Hugging Face name of llama.cpp's tensor `name` ("blk.3.attn_q.weight"
/// -> "model.layers.3.self_attn.q_proj.weight"); empty when it has none.
std::string huggingFaceName(llvm::StringRef name);

} // namespace tern::safetensors

#endif
