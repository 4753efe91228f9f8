//===- tern-mkmodel.cpp - synthetic ternary LLM checkpoints ---------------===//
//
//   tern-mkmodel --preset tiny|bitnet-2b4t|llama-2b-32k
//                --format gguf:tq2_0|gguf:tq1_0|gguf:i2_s|gguf:f16|safetensors
//                --seed N [--vocab VOCAB] [--arch A] [--layers N] -o PATH
//
// Random ternary weights for a preset's shapes, deterministic from the seed
// and identical in every format: each linear weight is {-1, 0, 1} times a
// per-tensor power-of-two scale, so TQ2_0, TQ1_0, I2_S and F16 GGUF copies
// and a safetensors folder (BitNetForCausalLM's packed uint8 weights)
// decode to the same numbers. Embedding and output tables are F16,
// norms F32. The vocabulary comes from --vocab (a GGUF file's tokenizer
// metadata, or a tiktoken rank file such as LLaMA-3's tokenizer.model; by
// default the 256 bytes); the tiny preset takes its size, the others pad it
// with unused tokens.
//
//===----------------------------------------------------------------------===//
#include "frontend/gguf/GgufWriter.h"
#include "frontend/safetensors/HfCheckpoint.h"
#include "frontend/safetensors/SafetensorsWriter.h"
#include "frontend/tokenizer/Vocabulary.h"

#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/Endian.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>

namespace cl = llvm::cl;
using namespace tern::gguf;
using tern::safetensors::Dtype;
using tern::safetensors::SafetensorsWriter;

static cl::OptionCategory category("tern-mkmodel options");
static cl::opt<std::string>
    presetName("preset", cl::Required,
               cl::desc("Model shape: tiny, bitnet-2b4t, llama-2b-32k"),
               cl::cat(category));
static cl::opt<std::string>
    format("format", cl::Required,
           cl::desc("gguf:tq2_0, gguf:tq1_0, gguf:i2_s, gguf:f16 or "
                    "safetensors (a folder)"),
           cl::cat(category));
static cl::opt<uint64_t> seed("seed", cl::desc("Random seed (default 1)"),
                              cl::init(1), cl::cat(category));
static cl::opt<std::string>
    vocabPath("vocab",
              cl::desc("The vocabulary: a GGUF file's tokenizer metadata or "
                       "a tiktoken rank file"),
              cl::value_desc("file"), cl::cat(category));
static cl::opt<std::string>
    archOverride("arch",
                 cl::desc("Override the preset's architecture "
                          "(llama or bitnet-b1.58)"),
                 cl::cat(category));
static cl::opt<unsigned> layersOverride("layers",
                                        cl::desc("Override the layer count"),
                                        cl::cat(category));
static cl::opt<std::string> outputPath("o", cl::Required,
                                       cl::desc("Output file"),
                                       cl::value_desc("path"),
                                       cl::cat(category));

namespace {
struct Preset {
  llvm::StringRef name, architecture;
  int64_t embedding, layers, heads, kvHeads, feedForward, vocab, context;
  float ropeTheta;
};

// bitnet-2b4t is BitNet-b1.58-2B-4T's config.json; llama-2b-32k has its
// linear shapes with llama's architecture and vocabulary.
const Preset kPresets[] = {
    {"tiny", "bitnet-b1.58", 256, 2, 4, 2, 512, 32000, 256, 10000.0f},
    {"bitnet-2b4t", "bitnet-b1.58", 2560, 30, 20, 5, 6912, 128256, 4096,
     500000.0f},
    {"llama-2b-32k", "llama", 2560, 30, 20, 5, 6912, 32000, 4096, 500000.0f},
};

/// splitmix64: the same stream on every platform and standard library.
class Random {
public:
  explicit Random(uint64_t seed) : state(seed) {}
  uint64_t next() {
    uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  /// Uniform in [-1, 1).
  float uniform() {
    return float(int64_t(next() >> 40) - (1 << 23)) / (1 << 23);
  }

private:
  uint64_t state;
};

constexpr double kRmsEpsilon = 1e-5;

/// A value F16 holds exactly, so every format stores the same numbers.
float halfExact(float x) { return halfToFloat(floatToHalf(x)); }

/// The hyperparameters and vocabulary as llama.cpp's GGUF keys.
void describeGguf(GgufWriter &out, const Preset &preset,
                  const std::optional<tern::tokenizer::Vocabulary> &vocab) {
  std::string arch = preset.architecture.str(), p = arch + ".";
  out.addString("general.architecture", arch);
  out.addString("general.name", ("tern-mkmodel " + preset.name).str());
  if (vocab)
    tern::tokenizer::addGgufVocabulary(out, *vocab);
  out.addU32(p + "block_count", uint32_t(preset.layers));
  out.addU32(p + "context_length", uint32_t(preset.context));
  out.addU32(p + "embedding_length", uint32_t(preset.embedding));
  out.addU32(p + "feed_forward_length", uint32_t(preset.feedForward));
  out.addU32(p + "attention.head_count", uint32_t(preset.heads));
  out.addU32(p + "attention.head_count_kv", uint32_t(preset.kvHeads));
  out.addF32(p + "rope.freq_base", preset.ropeTheta);
  out.addF32(p + "attention.layer_norm_rms_epsilon", float(kRmsEpsilon));
  out.addU32(p + "vocab_size", uint32_t(preset.vocab));
}

/// Writes `contents` to `path` through a temporary file.
llvm::Error writeWhole(llvm::StringRef path, llvm::StringRef contents) {
  auto temp = llvm::sys::fs::TempFile::create(path + ".tmp-%%%%%%");
  if (!temp)
    return temp.takeError();
  {
    llvm::raw_fd_ostream os(temp->FD, /*shouldClose=*/false);
    os << contents;
  }
  return temp->keep(path);
}

/// A Hugging Face checkpoint folder: config.json as BitNet-b1.58-2B-4T's
/// (BitLinear: packed weights, dividing weight_scale), model.safetensors,
/// and tokenizer.json when the vocabulary is byte-level BPE.
llvm::Error writeFolder(llvm::StringRef folder, const Preset &preset,
                        const std::optional<tern::tokenizer::Vocabulary> &vocab,
                        const SafetensorsWriter &tensors) {
  if (std::error_code ec = llvm::sys::fs::create_directories(folder))
    return llvm::createStringError(folder + ": error: " + ec.message());
  auto file = [&](llvm::StringRef name) {
    llvm::SmallString<256> path(folder);
    llvm::sys::path::append(path, name);
    return std::string(path);
  };
  if (vocab && vocab->kind == TERN_TOKENIZER_BPE) {
    std::string json;
    llvm::raw_string_ostream os(json);
    if (llvm::Error e = tern::tokenizer::writeHfTokenizer(*vocab, os))
      return e;
    if (llvm::Error e = writeWhole(file("tokenizer.json"), json))
      return e;
  } else if (vocab) {
    return llvm::createStringError(
        "safetensors folders get a tokenizer.json, which needs a byte-level "
        "BPE vocabulary (e.g. llama3-tokenizer.model)");
  }
  llvm::json::Object config{
      {"architectures", llvm::json::Array{"BitNetForCausalLM"}},
      {"model_type", "bitnet"},
      {"hidden_size", preset.embedding},
      {"intermediate_size", preset.feedForward},
      {"num_hidden_layers", preset.layers},
      {"num_attention_heads", preset.heads},
      {"num_key_value_heads", preset.kvHeads},
      {"vocab_size", preset.vocab},
      {"max_position_embeddings", preset.context},
      {"rope_theta", double(preset.ropeTheta)},
      {"rms_norm_eps", kRmsEpsilon},
      {"hidden_act", "relu2"},
      {"tie_word_embeddings", true},
      {"quantization_config",
       llvm::json::Object{{"quant_method", "bitnet"},
                          {"linear_class", "bitlinear"},
                          {"quantization_mode", "offline"}}}};
  if (vocab && vocab->bos >= 0)
    config["bos_token_id"] = vocab->bos;
  if (vocab && vocab->eos >= 0)
    config["eos_token_id"] = vocab->eos;
  std::string json;
  llvm::raw_string_ostream(json)
      << llvm::formatv("{0:2}", llvm::json::Value(std::move(config))) << "\n";
  if (llvm::Error e = writeWhole(file("config.json"), json))
    return e;
  return tensors.write(file("model.safetensors"));
}

int fail(const llvm::Twine &message) {
  llvm::errs() << "tern-mkmodel: error: " << message << "\n";
  return 1;
}
} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  cl::HideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(argc, argv,
                              "tern-mkmodel: synthetic ternary LLM "
                              "checkpoints for tests and benchmarks\n");
  const Preset *found = nullptr;
  for (const Preset &p : kPresets)
    if (p.name == presetName)
      found = &p;
  if (!found)
    return fail("unknown preset '" + presetName +
                "' (tiny, bitnet-2b4t, llama-2b-32k)");
  Preset preset = *found;
  const bool toFolder = format == "safetensors";
  std::optional<GgmlType> linearType =
      llvm::StringSwitch<std::optional<GgmlType>>(format)
          .Case("gguf:tq2_0", GgmlType::TQ2_0)
          .Case("gguf:tq1_0", GgmlType::TQ1_0)
          .Case("gguf:i2_s", GgmlType::I2_S)
          .Case("gguf:f16", GgmlType::F16)
          .Default(std::nullopt);
  if (!linearType && !toFolder)
    return fail("unknown format '" + format +
                "' (gguf:tq2_0, gguf:tq1_0, gguf:i2_s, gguf:f16, "
                "safetensors)");
  if (!archOverride.empty()) {
    if (archOverride != "llama" && archOverride != "bitnet-b1.58")
      return fail("--arch must be llama or bitnet-b1.58");
    preset.architecture = archOverride;
  }
  if (layersOverride)
    preset.layers = layersOverride;
  const bool bitnet = preset.architecture != "llama";
  // Hugging Face's llama pairs RoPE dimensions differently from GGUF's
  // (whose converter permutes Q and K), so the same weights would not be
  // the same model; BitNet pairs them alike in both.
  if (toFolder && !bitnet)
    return fail("safetensors output is written for BitNet architectures "
                "(BitNetForCausalLM)");

  // Without --vocab, the 256 bytes: any text tokenizes, so the model
  // still compiles to a program that runs.
  llvm::Expected<tern::tokenizer::Vocabulary> read =
      vocabPath.empty() ? tern::tokenizer::byteVocabulary()
                        : tern::tokenizer::readVocabularyFile(vocabPath);
  if (!read)
    return fail(llvm::toString(read.takeError()));
  // A vocabulary smaller than the preset's is padded with unused tokens.
  if (int64_t(read->size()) > preset.vocab || presetName == "tiny")
    preset.vocab = int64_t(read->size());
  read->padTo(size_t(preset.vocab));
  std::optional<tern::tokenizer::Vocabulary> vocabulary = std::move(*read);

  GgufWriter gguf;
  SafetensorsWriter safetensors;
  if (!toFolder)
    describeGguf(gguf, preset, vocabulary);

  Random random(seed);
  llvm::Error failure = llvm::Error::success();
  // Tensors are generated in one order for every format, so the random
  // stream, and hence the weights, are the same.
  auto add = [&](const std::string &name, llvm::ArrayRef<int64_t> shape,
                 GgmlType type, const std::vector<float> &values) {
    if (failure)
      return;
    if (toFolder) {
      std::vector<uint8_t> bytes(values.size() *
                                 (type == GgmlType::F16 ? 2 : 4));
      for (size_t i = 0; i < values.size(); ++i)
        if (type == GgmlType::F16)
          llvm::support::endian::write16le(&bytes[2 * i],
                                           floatToHalf(values[i]));
        else
          llvm::support::endian::write32le(&bytes[4 * i],
                                           llvm::bit_cast<uint32_t>(values[i]));
      safetensors.add(tern::safetensors::huggingFaceName(name),
                      type == GgmlType::F16 ? Dtype::F16 : Dtype::F32, shape,
                      std::move(bytes));
      return;
    }
    auto bytes = quantize(type, values.data(), int64_t(values.size()));
    if (!bytes) {
      failure = llvm::createStringError(
          "tensor '" + name + "': " + llvm::toString(bytes.takeError()));
      return;
    }
    // ggml lists the fastest dimension first.
    llvm::SmallVector<int64_t> ne(shape.rbegin(), shape.rend());
    gguf.addTensor(name, ne, type, std::move(*bytes));
  };
  auto table = [&](const std::string &name, int64_t rows) {
    std::vector<float> values(size_t(rows * preset.embedding));
    for (float &v : values)
      v = halfExact(0.125f * random.uniform());
    add(name, {rows, preset.embedding}, GgmlType::F16, values);
  };
  auto norm = [&](const std::string &name, int64_t n) {
    // Near 1, so the norms are exercised but keep the scale.
    std::vector<float> values(static_cast<size_t>(n));
    for (float &v : values)
      v = 1.0f + 0.25f * random.uniform();
    add(name, {n}, GgmlType::F32, values);
  };
  auto linear = [&](const std::string &name, int64_t in, int64_t outRows) {
    // A power of two near 1.5/sqrt(in): every format holds it and its
    // reciprocal exactly (BitNet's safetensors store 1 / scale).
    const float scale =
        std::exp2(std::round(std::log2(1.5f / std::sqrt(float(in)))));
    std::vector<int8_t> trits(size_t(in * outRows));
    for (int8_t &t : trits)
      t = int8_t(int(random.next() % 3) - 1);
    if (toFolder) {
      // transformers' pack_weights: output row q*(out/4)+r in bits 2q of
      // packed row r.
      const int64_t packedRows = outRows / 4;
      std::vector<uint8_t> packed(size_t(packedRows * in), 0);
      for (int64_t row = 0; row < outRows; ++row)
        for (int64_t col = 0; col < in; ++col)
          packed[size_t((row % packedRows) * in + col)] |= uint8_t(
              (trits[size_t(row * in + col)] + 1) << (2 * (row / packedRows)));
      std::string hf = tern::safetensors::huggingFaceName(name);
      safetensors.add(hf, Dtype::U8, {packedRows, in}, std::move(packed));
      std::vector<uint8_t> inverse(4);
      llvm::support::endian::write32le(inverse.data(),
                                       llvm::bit_cast<uint32_t>(1.0f / scale));
      safetensors.add(llvm::StringRef(hf).drop_back(6).str() + "weight_scale",
                      Dtype::F32, {1}, std::move(inverse));
      return;
    }
    std::vector<float> values(trits.size());
    for (size_t i = 0; i < trits.size(); ++i)
      values[i] = float(trits[i]) * scale;
    add(name, {outRows, in}, *linearType, values);
  };

  const int64_t d = preset.embedding, f = preset.feedForward,
                headDim = d / preset.heads, kv = preset.kvHeads * headDim;
  table("token_embd.weight", preset.vocab);
  for (int64_t layer = 0; layer < preset.layers && !failure; ++layer) {
    std::string b = "blk." + std::to_string(layer) + ".";
    norm(b + "attn_norm.weight", d);
    linear(b + "attn_q.weight", d, d);
    linear(b + "attn_k.weight", d, kv);
    linear(b + "attn_v.weight", d, kv);
    if (bitnet)
      norm(b + "attn_sub_norm.weight", d);
    linear(b + "attn_output.weight", d, d);
    norm(b + "ffn_norm.weight", d);
    linear(b + "ffn_gate.weight", d, f);
    linear(b + "ffn_up.weight", d, f);
    if (bitnet)
      norm(b + "ffn_sub_norm.weight", f);
    linear(b + "ffn_down.weight", f, d);
    if (preset.layers >= 8)
      llvm::errs() << "tern-mkmodel: layer " << layer + 1 << "/"
                   << preset.layers << "\r";
  }
  norm("output_norm.weight", d);
  if (!bitnet) // BitNet ties the LM head to token_embd
    table("output.weight", preset.vocab);
  if (failure)
    return fail(llvm::toString(std::move(failure)));
  if (preset.layers >= 8)
    llvm::errs() << "\n";
  llvm::Error written =
      toFolder ? writeFolder(outputPath, preset, vocabulary, safetensors)
               : gguf.write(outputPath);
  if (written)
    return fail(llvm::toString(std::move(written)));
  return 0;
}
