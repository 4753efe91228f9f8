//===- HfCheckpoint.cpp - a Hugging Face checkpoint folder ----------------===//
#include "frontend/safetensors/HfCheckpoint.h"

#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/Path.h"

#include <cmath>
#include <set>

using namespace tern;
using namespace tern::safetensors;

namespace {
llvm::Error fail(llvm::StringRef path, const llvm::Twine &what) {
  return llvm::createStringError(path + ": error: " + what);
}

/// Every file of a checkpoint is read from inside its folder: a symlink
/// (config.json, a shard, the tokenizer) could lead anywhere, so the real
/// path must stay in the folder's.
llvm::Error checkInsideFolder(llvm::StringRef path, llvm::StringRef folder,
                              llvm::StringRef what) {
  llvm::SmallString<256> real, realFolder;
  if (llvm::sys::fs::real_path(path, real) ||
      llvm::sys::fs::real_path(folder, realFolder))
    return fail(path, "cannot open " + what);
  if (!llvm::StringRef(real).starts_with(
          (realFolder + llvm::sys::path::get_separator()).str()))
    return fail(path, what + " resolves outside the checkpoint folder");
  return llvm::Error::success();
}

llvm::Expected<llvm::json::Value> readJson(llvm::StringRef path) {
  auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/true);
  if (!buffer)
    return fail(path, "cannot read: " + buffer.getError().message());
  llvm::Expected<llvm::json::Value> json =
      llvm::json::parse((*buffer)->getBuffer());
  if (!json)
    return fail(path, "invalid JSON: " + llvm::toString(json.takeError()));
  if (!json->getAsObject())
    return fail(path, "expected a JSON object");
  return json;
}
} // namespace

std::string tern::safetensors::huggingFaceName(llvm::StringRef name) {
  if (name == "token_embd.weight")
    return "model.embed_tokens.weight";
  if (name == "output_norm.weight")
    return "model.norm.weight";
  if (name == "output.weight")
    return "lm_head.weight";
  if (!name.consume_front("blk."))
    return "";
  auto [layer, rest] = name.split('.');
  unsigned index;
  if (layer.getAsInteger(10, index) || !rest.consume_back(".weight"))
    return "";
  llvm::StringRef module = llvm::StringSwitch<llvm::StringRef>(rest)
                               .Case("attn_norm", "input_layernorm")
                               .Case("attn_q", "self_attn.q_proj")
                               .Case("attn_k", "self_attn.k_proj")
                               .Case("attn_v", "self_attn.v_proj")
                               .Case("attn_output", "self_attn.o_proj")
                               .Case("attn_sub_norm", "self_attn.attn_sub_norm")
                               .Case("ffn_norm", "post_attention_layernorm")
                               .Case("ffn_gate", "mlp.gate_proj")
                               .Case("ffn_up", "mlp.up_proj")
                               .Case("ffn_down", "mlp.down_proj")
                               .Case("ffn_sub_norm", "mlp.ffn_sub_norm")
                               .Default("");
  if (module.empty())
    return "";
  return ("model.layers." + layer + "." + module + ".weight").str();
}

llvm::Expected<std::unique_ptr<HfCheckpoint>>
HfCheckpoint::open(llvm::StringRef folder) {
  auto checkpoint = std::unique_ptr<HfCheckpoint>(new HfCheckpoint());
  checkpoint->folder_ = folder.str();
  llvm::SmallString<256> config(folder);
  llvm::sys::path::append(config, "config.json");
  if (llvm::sys::fs::exists(config))
    if (llvm::Error e = checkInsideFolder(config, folder, "config.json"))
      return std::move(e);
  if (llvm::Error e = checkpoint->readConfig(config))
    return std::move(e);
  if (llvm::Error e = checkpoint->mapShards())
    return std::move(e);
  llm::LlmConfig &c = checkpoint->config_;
  c.tiedEmbeddings = c.tiedEmbeddings || !checkpoint->has("output.weight");
  const TensorEntry *embedding = checkpoint->lookup("token_embd.weight");
  if (!embedding || embedding->shape.size() != 2)
    return fail(folder, "missing 2-D tensor 'model.embed_tokens.weight'");
  if (embedding->shape[0] != c.vocab)
    return fail(config, "vocab_size " + llvm::Twine(c.vocab) +
                            " disagrees with model.embed_tokens.weight's " +
                            llvm::Twine(embedding->shape[0]) + " rows");
  return std::move(checkpoint);
}

llvm::Error HfCheckpoint::readConfig(llvm::StringRef path) {
  llvm::Expected<llvm::json::Value> json = readJson(path);
  if (!json)
    return json.takeError();
  const llvm::json::Object &o = *json->getAsObject();
  llm::LlmConfig &c = config_;
  const llvm::json::Array *architectures = o.getArray("architectures");
  std::optional<llvm::StringRef> architecture =
      architectures && !architectures->empty()
          ? (*architectures)[0].getAsString()
          : std::nullopt;
  if (!architecture)
    return fail(path, "missing 'architectures'");
  if (*architecture == "LlamaForCausalLM")
    c.architecture = "llama";
  else if (*architecture == "BitNetForCausalLM")
    c.architecture = "bitnet-b1.58";
  else
    return fail(path, "unsupported architecture '" + *architecture +
                          "' (supported: LlamaForCausalLM, "
                          "BitNetForCausalLM)");
  if (llvm::Error e = llm::LlmConfig::applyArchitecture(c))
    return fail(path, llvm::toString(std::move(e)));
  // Hugging Face's rotate_half pairs (i, i + d/2), and its checkpoints keep
  // Q and K unpermuted (llama.cpp's converter permutes them for GGUF).
  c.ropeNeox = true;

  auto integer = [&](llvm::StringRef key, int64_t &out,
                     std::optional<int64_t> fallback) -> llvm::Error {
    if (std::optional<int64_t> v = o.getInteger(key)) {
      out = *v;
      return llvm::Error::success();
    }
    if (!fallback)
      return fail(path, "missing or non-integer '" + key + "'");
    out = *fallback;
    return llvm::Error::success();
  };
  for (auto [key, field] : {std::pair{"num_hidden_layers", &c.layers},
                            {"hidden_size", &c.embedding},
                            {"intermediate_size", &c.feedForward},
                            {"num_attention_heads", &c.heads},
                            {"vocab_size", &c.vocab}})
    if (llvm::Error e = integer(key, *field, std::nullopt))
      return e;
  if (llvm::Error e = integer("num_key_value_heads", c.kvHeads, c.heads))
    return e;
  if (llvm::Error e =
          integer("max_position_embeddings", c.contextLength, int64_t(2048)))
    return e;
  c.ropeTheta = o.getNumber("rope_theta").value_or(10000.0);
  c.rmsEpsilon = o.getNumber("rms_norm_eps").value_or(1e-6);
  c.tiedEmbeddings = o.getBoolean("tie_word_embeddings").value_or(false);
  if (c.heads > 0)
    c.headDim = c.embedding / c.heads;
  if (std::optional<int64_t> headDim = o.getInteger("head_dim"))
    if (*headDim != c.headDim)
      return fail(path, "head_dim " + llvm::Twine(*headDim) +
                            " is not hidden_size / num_attention_heads");
  if (const llvm::json::Value *scaling = o.get("rope_scaling"))
    if (scaling->kind() != llvm::json::Value::Null)
      return fail(path, "'rope_scaling' is not supported");
  if (std::optional<llvm::StringRef> act = o.getString("hidden_act")) {
    if (*act == "silu")
      c.activation = llm::Activation::SiLU;
    else if (*act == "relu2")
      c.activation = llm::Activation::ReLUSquared;
    else
      return fail(path, "unsupported hidden_act '" + *act +
                            "' (supported: silu, relu2)");
  }
  if (const llvm::json::Object *q = o.getObject("quantization_config")) {
    llvm::StringRef linear = q->getString("linear_class").value_or("bitlinear");
    llvm::StringRef mode =
        q->getString("quantization_mode").value_or("offline");
    if (linear != "bitlinear" && linear != "autobitlinear")
      return fail(path, "unsupported quantization_config.linear_class '" +
                            linear + "'");
    if (mode != "offline" && mode != "online")
      return fail(path, "unsupported quantization_config.quantization_mode '" +
                            mode + "'");
    scaleDivides_ = linear == "bitlinear";
  }
  bos_ = int32_t(o.getInteger("bos_token_id").value_or(-1));
  if (std::optional<int64_t> eos = o.getInteger("eos_token_id"))
    eos_ = int32_t(*eos);
  else if (const llvm::json::Array *eos = o.getArray("eos_token_id"))
    if (!eos->empty())
      eos_ = int32_t((*eos)[0].getAsInteger().value_or(-1));
  if (llvm::Error e = c.validate())
    return fail(path, llvm::toString(std::move(e)));
  return llvm::Error::success();
}

llvm::Error HfCheckpoint::mapShards() {
  llvm::SmallString<256> single(folder_), index(folder_);
  llvm::sys::path::append(single, "model.safetensors");
  llvm::sys::path::append(index, "model.safetensors.index.json");
  std::vector<std::string> names;
  if (llvm::sys::fs::exists(index)) {
    if (llvm::Error e = checkInsideFolder(index, folder_, "the index"))
      return e;
    llvm::Expected<llvm::json::Value> json = readJson(index);
    if (!json)
      return json.takeError();
    const llvm::json::Object *map =
        json->getAsObject()->getObject("weight_map");
    if (!map)
      return fail(index, "missing 'weight_map'");
    std::set<std::string> unique;
    for (const auto &[tensor, file] : *map) {
      std::optional<llvm::StringRef> name = file.getAsString();
      // A shard is a plain file name in this folder: no separators, no
      // "..", so the index cannot point outside the checkpoint.
      if (!name || name->empty() || name->contains('/') ||
          name->contains('\\') || *name == "." || *name == "..")
        return fail(index, "tensor '" + llvm::StringRef(tensor) +
                               "': shard must be a file name in the folder");
      unique.insert(name->str());
    }
    names.assign(unique.begin(), unique.end());
  } else if (llvm::sys::fs::exists(single)) {
    names.push_back("model.safetensors");
  } else {
    return fail(folder_, "no model.safetensors or "
                         "model.safetensors.index.json");
  }
  for (const std::string &name : names) {
    llvm::SmallString<256> path(folder_);
    llvm::sys::path::append(path, name);
    if (llvm::Error e = checkInsideFolder(path, folder_, "shard"))
      return e;
    auto file = SafetensorsFile::open(path);
    if (!file)
      return file.takeError();
    for (const TensorEntry &tensor : (*file)->tensors())
      if (!owner_.try_emplace(tensor.name, file->get()).second)
        return fail(path, "tensor '" + tensor.name +
                              "' also appears in another shard");
    shards_.push_back(std::move(*file));
  }
  return llvm::Error::success();
}

const TensorEntry *HfCheckpoint::lookup(llvm::StringRef name,
                                        const SafetensorsFile **file) const {
  std::string hf = huggingFaceName(name);
  auto it = owner_.find(hf.empty() ? name : llvm::StringRef(hf));
  if (it == owner_.end())
    return nullptr;
  if (file)
    *file = it->second;
  return it->second->find(it->first());
}

bool HfCheckpoint::has(llvm::StringRef name) const {
  return lookup(name) != nullptr;
}

llvm::Expected<std::vector<float>>
HfCheckpoint::floats(llvm::StringRef name, llvm::ArrayRef<int64_t> shape) {
  // Plain messages: the importer reports them at the checkpoint's location.
  const SafetensorsFile *file;
  const TensorEntry *tensor = lookup(name, &file);
  std::string hf = huggingFaceName(name);
  if (!tensor)
    return llvm::createStringError("missing tensor '" + hf + "' (for '" + name +
                                   "')");
  auto shapeText = [](llvm::ArrayRef<int64_t> dims) {
    std::string text;
    for (int64_t d : dims)
      text += (text.empty() ? "" : ", ") + std::to_string(d);
    return "[" + text + "]";
  };
  bool packed = tensor->dtype == Dtype::U8 && shape.size() == 2;
  llvm::SmallVector<int64_t, 2> stored(shape);
  if (packed)
    stored[0] = shape[0] / 4;
  if (llvm::ArrayRef<int64_t>(tensor->shape) != llvm::ArrayRef(stored) ||
      (packed && shape[0] % 4))
    return llvm::createStringError(
        "tensor '" + hf + "' has shape " + shapeText(tensor->shape) +
        ", the model's hyperparameters need " + shapeText(stored) +
        (packed ? " (packed from " + shapeText(shape) + ")" : std::string()));
  if (!packed)
    return file->floats(*tensor);

  // BitNet's packed trits and their per-tensor scale.
  std::string scaleName =
      llvm::StringRef(hf).drop_back(6).str() + "weight_scale";
  auto scaleOwner = owner_.find(scaleName);
  if (scaleOwner == owner_.end())
    return llvm::createStringError("packed tensor '" + hf + "' has no '" +
                                   scaleName + "'");
  const TensorEntry *scaleTensor = scaleOwner->second->find(scaleName);
  auto scale = scaleOwner->second->floats(*scaleTensor);
  if (!scale)
    return scale.takeError();
  if (scale->size() != 1 || !std::isfinite((*scale)[0]) || (*scale)[0] == 0)
    return llvm::createStringError("'" + scaleName +
                                   "' must hold one finite, nonzero value");
  const float s = scaleDivides_ ? 1.0f / (*scale)[0] : (*scale)[0];
  const int64_t rows = shape[0], cols = shape[1], packedRows = rows / 4;
  std::vector<float> out(static_cast<size_t>(rows * cols));
  for (int64_t r = 0; r < packedRows; ++r)
    for (int64_t col = 0; col < cols; ++col) {
      uint8_t byte = tensor->bytes[size_t(r * cols + col)];
      for (int q = 0; q < 4; ++q) {
        int code = (byte >> (2 * q)) & 3;
        if (code == 3)
          return llvm::createStringError(
              "packed tensor '" + hf + "': code 3 (not a trit) at packed row " +
              llvm::Twine(r) + ", column " + llvm::Twine(col));
        out[size_t((q * packedRows + r) * cols + col)] = float(code - 1) * s;
      }
    }
  return out;
}

/// The folder's tokenizer: tokenizer.json, else a tiktoken tokenizer.model;
/// BOS and EOS as config.json gives them, padded to the model's vocabulary.
llvm::Expected<tokenizer::Vocabulary>
tern::safetensors::readFolderVocabulary(const HfCheckpoint &checkpoint) {
  llvm::SmallString<256> json(checkpoint.folder()), model(checkpoint.folder());
  llvm::sys::path::append(json, "tokenizer.json");
  llvm::sys::path::append(model, "tokenizer.model");
  for (llvm::StringRef path : {json.str(), model.str()})
    if (llvm::sys::fs::exists(path))
      if (llvm::Error e =
              checkInsideFolder(path, checkpoint.folder(), "the tokenizer"))
        return std::move(e);
  llvm::Expected<tokenizer::Vocabulary> vocabulary =
      llvm::sys::fs::exists(json) ? tokenizer::readHfTokenizer(json)
      : llvm::sys::fs::exists(model)
          ? tokenizer::readVocabularyFile(model)
          : llvm::Expected<tokenizer::Vocabulary>(llvm::createStringError(
                checkpoint.folder() + ": error: no tokenizer.json or "
                                      "tokenizer.model"));
  if (!vocabulary)
    return vocabulary.takeError();
  int64_t vocab = checkpoint.config().vocab;
  if (int64_t(vocabulary->size()) > vocab)
    return llvm::createStringError(
        checkpoint.folder() + ": error: the tokenizer has " +
        llvm::Twine(vocabulary->size()) + " tokens, the model only " +
        llvm::Twine(vocab));
  vocabulary->padTo(size_t(vocab));
  if (checkpoint.bosTokenId() >= 0 && checkpoint.bosTokenId() < vocab)
    vocabulary->bos = checkpoint.bosTokenId();
  if (checkpoint.eosTokenId() >= 0 && checkpoint.eosTokenId() < vocab)
    vocabulary->eos = checkpoint.eosTokenId();
  return vocabulary;
}
