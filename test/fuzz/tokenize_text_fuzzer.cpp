//===- tokenize_text_fuzzer.cpp - tokenizers on arbitrary text ------------===//
//
// Each vocabulary in $TERN_FUZZ_VOCABULARIES (':'-separated GGUF or
// tiktoken files, converted as ternc converts them), plus the built-in
// byte vocabulary, encodes the input as a generated program encodes a
// prompt. Every id must name a token, and a byte-level BPE vocabulary must
// decode back to exactly the input bytes: it spells every byte.
//
//===----------------------------------------------------------------------===//
#include "FuzzInput.h"

#include "frontend/tokenizer/Vocabulary.h"

#include "tern/tokenizer.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

namespace {
struct Loaded {
  std::string name;
  std::string file; ///< the serialized tokenizer, which `tokenizer` views
  tern_tokenizer *tokenizer = nullptr;
  bool byteLevel = false;
};

/// Loaded once and kept for the whole run (never freed, so reachable).
std::vector<Loaded> &vocabularies() {
  static std::vector<Loaded> &loaded = *new std::vector<Loaded>;
  return loaded;
}

void load(const std::string &name,
          const tern::tokenizer::Vocabulary &vocabulary) {
  Loaded entry;
  entry.name = name;
  entry.file = tern::tokenizer::serialize(vocabulary);
  entry.byteLevel = vocabulary.kind == TERN_TOKENIZER_BPE;
  if (tern_tokenizer_parse(reinterpret_cast<const uint8_t *>(entry.file.data()),
                           entry.file.size(), name.c_str(),
                           &entry.tokenizer) != TERN_OK) {
    llvm::errs() << name << ": " << tern_last_error() << "\n";
    tern::fuzz::checkFailed("a built-in or given vocabulary loads");
  }
  vocabularies().push_back(std::move(entry));
}
} // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***) {
  load("bytes", tern::tokenizer::byteVocabulary());
  const char *list = std::getenv("TERN_FUZZ_VOCABULARIES");
  llvm::SmallVector<llvm::StringRef> paths;
  llvm::StringRef(list ? list : "").split(paths, ':', -1, false);
  for (llvm::StringRef path : paths) {
    auto vocabulary = tern::tokenizer::readVocabularyFile(path);
    if (!vocabulary) {
      llvm::errs() << llvm::toString(vocabulary.takeError()) << "\n";
      tern::fuzz::checkFailed("a given vocabulary reads");
    }
    load(path.str(), *vocabulary);
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *text = reinterpret_cast<const char *>(data);
  for (const Loaded &entry : vocabularies()) {
    int32_t *ids = nullptr;
    size_t count = 0;
    if (tern_tokenizer_encode(entry.tokenizer, text, size, 0, &ids, &count) !=
        TERN_OK)
      tern::fuzz::checkFailed("any bytes are a prompt");
    std::string decoded;
    for (size_t i = 0; i < count; ++i) {
      size_t length = 0;
      const char *piece =
          tern_tokenizer_piece(entry.tokenizer, ids[i], &length);
      if (!piece)
        tern::fuzz::checkFailed("an id with no token");
      decoded.append(piece, length);
    }
    std::free(ids);
    if (entry.byteLevel && decoded != llvm::StringRef(text, size)) {
      llvm::errs() << entry.name << ": decoding the ids does not give the "
                   << size << " input bytes back\n";
      tern::fuzz::checkFailed("byte-level BPE decodes back to the input bytes");
    }
  }
  return 0;
}
