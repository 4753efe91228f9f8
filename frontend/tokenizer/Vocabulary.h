//===- Vocabulary.h - a tokenizer vocabulary, any source ----*- C++ -*-===//
//
// What every tokenizer source (GGUF metadata, tiktoken rank files,
// Hugging Face tokenizer.json) reads
// into; `serialize` writes it as the runtime's tokenizer file
// (runtime/include/tern/tokenizer.h), which generated programs load.
//
//===----------------------------------------------------------------------===//
#ifndef TERN_FRONTEND_TOKENIZER_VOCABULARY_H
#define TERN_FRONTEND_TOKENIZER_VOCABULARY_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdint>
#include <string>
#include <vector>

#include "tern/tokenizer.h"

namespace tern::gguf {
class GgufFile;
class GgufWriter;
} // namespace tern::gguf

namespace tern::tokenizer {

struct Vocabulary {
  tern_tokenizer_kind kind = TERN_TOKENIZER_SPM;
  tern_pretokenizer pre = TERN_PRETOKENIZER_DEFAULT;
  /// Token texts as the vocabulary spells them (byte-level BPE: bytes
  /// mapped to printable code points; SPM: '▁' for spaces).
  std::vector<std::string> tokens;
  std::vector<float> scores;       ///< one per token
  std::vector<int32_t> types;      ///< one per token, TERN_TOKEN_*
  std::vector<std::string> merges; ///< BPE: "left right", best first
  int32_t bos = -1, eos = -1;
  bool addBos = false, addSpacePrefix = false;

  size_t size() const { return tokens.size(); }
  /// Appends `[PADi]` tokens of type UNUSED up to `count`, as Hugging Face
  /// converters pad a model's vocab_size past its tokenizer.
  void padTo(size_t count);
};

/// The runtime's tokenizer file for `vocabulary`.
std::string serialize(const Vocabulary &vocabulary);

/// Checks that the runtime loads `vocabulary` (every token a valid piece of
/// its kind, ids in range), so ternc refuses a vocabulary at compile time
/// rather than writing a program that refuses it; errors name `path`.
llvm::Error checkLoadable(const Vocabulary &vocabulary, llvm::StringRef path);

/// GPT-2's bytes_to_unicode spelling of raw bytes.
std::string byteLevelSpelling(llvm::StringRef bytes);

/// The smallest byte-level BPE vocabulary: the 256 bytes, no merges, then
/// <|begin_of_text|> (BOS) and <|end_of_text|> (EOS). It spells any text.
Vocabulary byteVocabulary();

/// A tiktoken rank file (one "base64-token rank" per line, as LLaMA-3's
/// tokenizer.model) with LLaMA-3's 256 special tokens after the ranks.
/// Merges are derived from the ranks: every split of a token into two
/// tokens, ordered by the merged token's rank, as Hugging Face's
/// TikTokenConverter derives them.
llvm::Expected<Vocabulary> readTiktoken(llvm::StringRef path);

/// llama.cpp's `tokenizer.ggml.*` metadata of a GGUF file.
llvm::Expected<Vocabulary> readGgufVocabulary(const gguf::GgufFile &file);

/// Writes `vocabulary` as `tokenizer.ggml.*` metadata, as llama.cpp's
/// converters do.
void addGgufVocabulary(gguf::GgufWriter &out, const Vocabulary &vocabulary);

/// A Hugging Face tokenizer.json of a byte-level BPE model (GPT-2 or
/// LLaMA-3 pre-tokenizer). BOS is the token its post-processor puts first.
llvm::Expected<Vocabulary> readHfTokenizer(llvm::StringRef path);

/// Writes `vocabulary` (byte-level BPE) as a tokenizer.json that
/// readHfTokenizer and Hugging Face's tokenizers read.
llvm::Error writeHfTokenizer(const Vocabulary &vocabulary,
                             llvm::raw_ostream &os);

/// A GGUF file's vocabulary or a tiktoken rank file, told apart by content.
llvm::Expected<Vocabulary> readVocabularyFile(llvm::StringRef path);

} // namespace tern::tokenizer

#endif
