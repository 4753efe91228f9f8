//===- GgufLlm.cpp - an LLM checkpoint in a GGUF file ---------------------===//
#include "frontend/gguf/GgufLlm.h"

using namespace tern;
using namespace tern::gguf;

namespace {
llvm::Error error(const GgufFile &file, const llvm::Twine &message) {
  return llvm::createStringError(file.path() + ": error: " + message);
}
} // namespace

llvm::Expected<llm::LlmConfig> gguf::readLlmConfig(const GgufFile &file) {
  std::optional<llvm::StringRef> arch = file.getString("general.architecture");
  if (!arch)
    return error(file, "missing metadata key 'general.architecture'");
  llm::LlmConfig c;
  c.architecture = arch->str();
  if (llvm::Error e = llm::LlmConfig::applyArchitecture(c))
    return error(file, llvm::toString(std::move(e)));
  std::string p = c.architecture + ".";
  auto required = [&](const char *key, int64_t &out) -> llvm::Error {
    std::optional<uint64_t> v = file.getUInt(p + key);
    if (!v)
      return error(file,
                   "missing or non-integer metadata key '" + p + key + "'");
    if (*v > uint64_t(INT64_MAX))
      return error(file, "metadata key '" + p + key + "' is out of range");
    out = int64_t(*v);
    return llvm::Error::success();
  };
  for (auto [key, field] : {std::pair{"block_count", &c.layers},
                            {"embedding_length", &c.embedding},
                            {"feed_forward_length", &c.feedForward},
                            {"attention.head_count", &c.heads},
                            {"context_length", &c.contextLength}})
    if (llvm::Error e = required(key, *field))
      return std::move(e);
  // llama.cpp's defaults: as many KV heads as heads, RoPE base 10000.
  c.kvHeads = int64_t(
      file.getUInt(p + "attention.head_count_kv").value_or(uint64_t(c.heads)));
  c.ropeTheta = file.getFloat(p + "rope.freq_base").value_or(10000.0);
  c.rmsEpsilon =
      file.getFloat(p + "attention.layer_norm_rms_epsilon").value_or(1e-5);
  if (c.heads > 0)
    c.headDim = c.embedding / c.heads;
  if (std::optional<uint64_t> rot = file.getUInt(p + "rope.dimension_count"))
    if (int64_t(*rot) != c.headDim)
      return error(file, "partial rotary embeddings (rope.dimension_count " +
                             llvm::Twine(*rot) + " of head size " +
                             llvm::Twine(c.headDim) + ") are not supported");
  const TensorInfo *embd = file.findTensor("token_embd.weight");
  if (!embd || embd->ne.size() != 2)
    return error(file, "missing 2-D tensor 'token_embd.weight'");
  c.vocab = embd->ne[1];
  c.tiedEmbeddings = c.tiedEmbeddings || !file.findTensor("output.weight");
  if (llvm::Error e = c.validate())
    return error(file, llvm::toString(std::move(e)));
  return c;
}

bool GgufWeights::has(llvm::StringRef name) const {
  return file.findTensor(name) != nullptr;
}

llvm::Expected<std::vector<float>>
GgufWeights::floats(llvm::StringRef name, llvm::ArrayRef<int64_t> shape) {
  // Plain messages: the importer reports them at the checkpoint's location.
  const TensorInfo *tensor = file.findTensor(name);
  if (!tensor)
    return llvm::createStringError("missing tensor '" + name + "'");
  // ggml lists the fastest dimension first.
  llvm::SmallVector<int64_t> expected(shape.rbegin(), shape.rend());
  if (llvm::ArrayRef<int64_t>(tensor->ne) !=
      llvm::ArrayRef<int64_t>(expected)) {
    std::string got, want;
    for (int64_t d : tensor->ne)
      got += (got.empty() ? "" : ", ") + std::to_string(d);
    for (int64_t d : expected)
      want += (want.empty() ? "" : ", ") + std::to_string(d);
    return llvm::createStringError("tensor '" + name + "' has ne [" + got +
                                   "], the model's hyperparameters need [" +
                                   want + "]");
  }
  return file.dequantize(*tensor);
}
