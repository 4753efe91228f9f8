//===- GgufLlm.cpp - an LLM checkpoint in a GGUF file ---------------------===//
#include "frontend/gguf/GgufLlm.h"

#include "llvm/Support/Endian.h"

#include <cstring>

#include "tern/tokenizer.h"

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

namespace {
void appendU32(std::string &out, uint32_t v) {
  char bytes[4];
  llvm::support::endian::write32le(bytes, v);
  out.append(bytes, 4);
}
} // namespace

llvm::Expected<std::string> gguf::exportTokenizer(const GgufFile &file) {
  std::optional<llvm::StringRef> model = file.getString("tokenizer.ggml.model");
  if (!model)
    return error(file, "no tokenizer: missing 'tokenizer.ggml.model'");
  bool spm = *model == "llama";
  if (!spm && *model != "gpt2")
    return error(file, "unsupported tokenizer model '" + *model +
                           "' (supported: llama, gpt2)");
  const Value *tokens = file.find("tokenizer.ggml.tokens");
  if (!tokens || tokens->type != ValueType::Array ||
      tokens->elementType != ValueType::String || tokens->elements.empty())
    return error(file, "'tokenizer.ggml.tokens' must be a non-empty array of "
                       "strings");
  size_t n = tokens->elements.size();
  // Optional per-token arrays; absent ones take llama.cpp's defaults.
  auto arrayOf = [&](const char *key,
                     size_t count) -> llvm::Expected<const Value *> {
    const Value *v = file.find(key);
    if (!v)
      return nullptr;
    if (v->type != ValueType::Array || v->elements.size() != count)
      return error(file, llvm::Twine("'") + key + "' must be an array of " +
                             llvm::Twine(count) + " elements");
    return v;
  };
  llvm::Expected<const Value *> scores = arrayOf("tokenizer.ggml.scores", n);
  if (!scores)
    return scores.takeError();
  llvm::Expected<const Value *> types = arrayOf("tokenizer.ggml.token_type", n);
  if (!types)
    return types.takeError();
  const Value *merges = file.find("tokenizer.ggml.merges");
  if (merges &&
      (merges->type != ValueType::Array ||
       (!merges->elements.empty() && merges->elementType != ValueType::String)))
    return error(file, "'tokenizer.ggml.merges' must be an array of strings");

  auto idKey = [&](const char *key, int64_t fallback) -> int64_t {
    std::optional<uint64_t> v = file.getUInt(key);
    return v && *v < n ? int64_t(*v) : (fallback < int64_t(n) ? fallback : -1);
  };
  int64_t bos = idKey("tokenizer.ggml.bos_token_id", spm ? 1 : -1);
  int64_t eos = idKey("tokenizer.ggml.eos_token_id", spm ? 2 : -1);
  auto flag = [&](const char *key, bool fallback) {
    const Value *v = file.find(key);
    return v && v->type == ValueType::Bool ? v->u != 0 : fallback;
  };
  uint32_t flags = 0;
  if (flag("tokenizer.ggml.add_bos_token", spm))
    flags |= TERN_TOKENIZER_ADD_BOS;
  if (flag("tokenizer.ggml.add_space_prefix", spm))
    flags |= TERN_TOKENIZER_ADD_SPACE_PREFIX;
  uint32_t pre = TERN_PRETOKENIZER_DEFAULT;
  if (!spm) {
    llvm::StringRef name =
        file.getString("tokenizer.ggml.pre").value_or("default");
    if (name == "llama-bpe" || name == "llama3")
      pre = TERN_PRETOKENIZER_LLAMA3;
    else if (name == "gpt-2" || name == "default")
      pre = TERN_PRETOKENIZER_GPT2;
    else
      return error(file, "unsupported BPE pre-tokenizer '" + name +
                             "' (supported: gpt-2, llama-bpe)");
  }

  std::string out(TERN_TOKENIZER_MAGIC, 8);
  out[7] = '\0';
  appendU32(out, TERN_TOKENIZER_VERSION);
  appendU32(out, spm ? TERN_TOKENIZER_SPM : TERN_TOKENIZER_BPE);
  appendU32(out, uint32_t(n));
  appendU32(out, uint32_t(int32_t(bos)));
  appendU32(out, uint32_t(int32_t(eos)));
  appendU32(out, flags);
  appendU32(out, merges ? uint32_t(merges->elements.size()) : 0);
  appendU32(out, pre);
  for (size_t i = 0; i < n; ++i) {
    float score = *scores ? float((*scores)->elements[i].isFloat()
                                      ? (*scores)->elements[i].f
                                      : 0.0)
                          : 0.0f;
    int32_t type = TERN_TOKEN_NORMAL;
    if (*types && (*types)->elements[i].isInteger())
      type = int32_t((*types)->elements[i].i);
    uint32_t bits;
    std::memcpy(&bits, &score, 4);
    appendU32(out, bits);
    appendU32(out, uint32_t(type));
    const std::string &text = tokens->elements[i].s;
    appendU32(out, uint32_t(text.size()));
    out += text;
  }
  if (merges)
    for (const Value &merge : merges->elements) {
      appendU32(out, uint32_t(merge.s.size()));
      out += merge.s;
    }
  return out;
}
