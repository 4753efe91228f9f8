//===- tern-mkmodel.cpp - synthetic ternary LLM checkpoints ---------------===//
//
//   tern-mkmodel --preset tiny|bitnet-2b4t|llama-2b-32k
//                --format gguf:tq2_0|gguf:tq1_0|gguf:i2_s|gguf:f16
//                --seed N [--vocab VOCAB] [--arch A] [--layers N] -o PATH
//
// Random ternary weights for a preset's shapes, deterministic from the seed
// and identical in every format: each linear weight is {-1, 0, 1} times a
// per-tensor scale that F16 holds exactly, so a TQ2_0, TQ1_0, I2_S and F16
// copy decode to the same numbers. Embedding and output tables are F16,
// norms F32. The vocabulary comes from --vocab (a GGUF file's tokenizer
// metadata, or a tiktoken rank file such as LLaMA-3's tokenizer.model); the
// tiny preset takes its size, the others pad it with unused tokens.
//
//===----------------------------------------------------------------------===//
#include "frontend/gguf/GgufWriter.h"
#include "frontend/tokenizer/Vocabulary.h"

#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>

namespace cl = llvm::cl;
using namespace tern::gguf;

static cl::OptionCategory category("tern-mkmodel options");
static cl::opt<std::string>
    presetName("preset", cl::Required,
               cl::desc("Model shape: tiny, bitnet-2b4t, llama-2b-32k"),
               cl::cat(category));
static cl::opt<std::string>
    format("format", cl::Required,
           cl::desc("gguf:tq2_0, gguf:tq1_0, gguf:i2_s or gguf:f16"),
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

/// A value F16 holds exactly, so every format stores the same scale.
float halfExact(float x) { return halfToFloat(floatToHalf(x)); }

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
  std::optional<GgmlType> linearType =
      llvm::StringSwitch<std::optional<GgmlType>>(format)
          .Case("gguf:tq2_0", GgmlType::TQ2_0)
          .Case("gguf:tq1_0", GgmlType::TQ1_0)
          .Case("gguf:i2_s", GgmlType::I2_S)
          .Case("gguf:f16", GgmlType::F16)
          .Default(std::nullopt);
  if (!linearType)
    return fail("unknown format '" + format +
                "' (gguf:tq2_0, gguf:tq1_0, gguf:i2_s, gguf:f16)");
  if (!archOverride.empty()) {
    if (archOverride != "llama" && archOverride != "bitnet-b1.58")
      return fail("--arch must be llama or bitnet-b1.58");
    preset.architecture = archOverride;
  }
  if (layersOverride)
    preset.layers = layersOverride;
  const bool bitnet = preset.architecture != "llama";

  GgufWriter out;
  std::string arch = preset.architecture.str(), p = arch + ".";
  out.addString("general.architecture", arch);
  out.addString("general.name", ("tern-mkmodel " + preset.name).str());
  if (!vocabPath.empty()) {
    auto vocabulary = tern::tokenizer::readVocabularyFile(vocabPath);
    if (!vocabulary)
      return fail(llvm::toString(vocabulary.takeError()));
    // A vocabulary smaller than the preset's is padded with unused tokens.
    if (int64_t(vocabulary->size()) > preset.vocab || presetName == "tiny")
      preset.vocab = int64_t(vocabulary->size());
    vocabulary->padTo(size_t(preset.vocab));
    tern::tokenizer::addGgufVocabulary(out, *vocabulary);
  }
  out.addU32(p + "block_count", uint32_t(preset.layers));
  out.addU32(p + "context_length", uint32_t(preset.context));
  out.addU32(p + "embedding_length", uint32_t(preset.embedding));
  out.addU32(p + "feed_forward_length", uint32_t(preset.feedForward));
  out.addU32(p + "attention.head_count", uint32_t(preset.heads));
  out.addU32(p + "attention.head_count_kv", uint32_t(preset.kvHeads));
  out.addF32(p + "rope.freq_base", preset.ropeTheta);
  out.addF32(p + "attention.layer_norm_rms_epsilon", 1e-5f);
  out.addU32(p + "vocab_size", uint32_t(preset.vocab));

  Random random(seed);
  llvm::Error failure = llvm::Error::success();
  auto add = [&](const std::string &name, llvm::ArrayRef<int64_t> ne,
                 GgmlType type, const std::vector<float> &values) {
    if (failure)
      return;
    auto bytes = quantize(type, values.data(), int64_t(values.size()));
    if (!bytes) {
      failure = llvm::createStringError(
          "tensor '" + name + "': " + llvm::toString(bytes.takeError()));
      return;
    }
    out.addTensor(name, ne, type, std::move(*bytes));
  };
  auto table = [&](const std::string &name, int64_t rows) {
    std::vector<float> values(size_t(rows * preset.embedding));
    for (float &v : values)
      v = halfExact(0.125f * random.uniform());
    add(name, {preset.embedding, rows}, GgmlType::F16, values);
  };
  auto norm = [&](const std::string &name, int64_t n) {
    // Near 1, so the norms are exercised but keep the scale.
    std::vector<float> values(static_cast<size_t>(n));
    for (float &v : values)
      v = 1.0f + 0.25f * random.uniform();
    add(name, {n}, GgmlType::F32, values);
  };
  auto linear = [&](const std::string &name, int64_t in, int64_t outRows) {
    std::vector<float> values(size_t(in * outRows));
    const float scale = halfExact(1.5f / std::sqrt(float(in)));
    for (float &v : values)
      v = float(int(random.next() % 3) - 1) * scale;
    add(name, {in, outRows}, *linearType, values);
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
  if (llvm::Error e = out.write(outputPath)) {
    llvm::errs() << llvm::toString(std::move(e)) << "\n";
    return 1;
  }
  return 0;
}
