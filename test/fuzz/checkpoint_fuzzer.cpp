//===- checkpoint_fuzzer.cpp - Hugging Face checkpoint folders ------------===//
//
// The input is a folder in one file: config.json, tokenizer.json and
// model.safetensors, separated by kSeparator (an input without it is the
// safetensors file alone, beside a fixed config). The folder is read as
// ternc reads it: config, shards, tokenizer, then every tensor the LLM
// importer asks for at the shape the config gives, and every float tensor.
//
//===----------------------------------------------------------------------===//
#include "FuzzInput.h"

#include "frontend/safetensors/HfCheckpoint.h"
#include "frontend/safetensors/SafetensorsFile.h"

#include "llvm/ADT/StringRef.h"

#include <cstdlib>

using namespace tern;

static constexpr llvm::StringLiteral kSeparator = "\n#tern-fuzz-file#\n";
static constexpr llvm::StringLiteral kConfig =
    R"({"architectures": ["LlamaForCausalLM"], "hidden_size": 8,
"intermediate_size": 16, "num_attention_heads": 2, "num_key_value_heads": 1,
"num_hidden_layers": 1, "vocab_size": 4, "max_position_embeddings": 16})";

template <typename T> static void drop(llvm::Expected<T> &value) {
  if (!value)
    llvm::consumeError(value.takeError());
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  llvm::StringRef input(reinterpret_cast<const char *>(data), size);
  llvm::SmallVector<llvm::StringRef, 3> parts;
  input.split(parts, kSeparator, 2);
  if (parts.size() == 1)
    parts.insert(parts.begin(), {kConfig, ""});
  fuzz::clearScratchFolder();
  auto write = [](const char *name, llvm::StringRef bytes) {
    fuzz::writeScratchFile(
        name, reinterpret_cast<const uint8_t *>(bytes.data()), bytes.size());
  };
  write("config.json", parts[0]);
  if (parts.size() == 3 && !parts[1].empty())
    write("tokenizer.json", parts[1]);
  write("model.safetensors", parts.back());

  auto checkpoint = safetensors::HfCheckpoint::open(fuzz::scratchFolder());
  if (!checkpoint) {
    llvm::consumeError(checkpoint.takeError());
    return 0;
  }
  auto vocabulary = safetensors::readFolderVocabulary(**checkpoint);
  drop(vocabulary);
  const llm::LlmConfig &c = (*checkpoint)->config();
  int64_t q = c.heads * c.headDim, kv = c.kvHeads * c.headDim;
  llvm::SmallVector<std::pair<std::string, llvm::SmallVector<int64_t, 2>>>
      wanted = {{"token_embd.weight", {c.vocab, c.embedding}},
                {"output_norm.weight", {c.embedding}},
                {"output.weight", {c.vocab, c.embedding}}};
  for (int64_t layer = 0; layer < std::min<int64_t>(c.layers, 2); ++layer) {
    std::string blk = "blk." + std::to_string(layer) + ".";
    wanted.push_back({blk + "attn_norm.weight", {c.embedding}});
    wanted.push_back({blk + "attn_q.weight", {q, c.embedding}});
    wanted.push_back({blk + "attn_k.weight", {kv, c.embedding}});
    wanted.push_back({blk + "attn_v.weight", {kv, c.embedding}});
    wanted.push_back({blk + "attn_output.weight", {c.embedding, q}});
    wanted.push_back({blk + "ffn_gate.weight", {c.feedForward, c.embedding}});
    wanted.push_back({blk + "ffn_down.weight", {c.embedding, c.feedForward}});
  }
  for (auto &[name, shape] : wanted) {
    if (!(*checkpoint)->has(name))
      continue;
    auto values = (*checkpoint)->floats(name, shape);
    drop(values);
  }
  // The file alone, as every shard is read.
  auto file = safetensors::SafetensorsFile::open(fuzz::scratchFolder() +
                                                 "/model.safetensors");
  if (!file) {
    llvm::consumeError(file.takeError());
    return 0;
  }
  for (const safetensors::TensorEntry &tensor : (*file)->tensors()) {
    auto values = (*file)->floats(tensor);
    if (values && int64_t(values->size()) != tensor.elements)
      tern::fuzz::checkFailed("a decoded tensor has its element count");
    drop(values);
  }
  return 0;
}
