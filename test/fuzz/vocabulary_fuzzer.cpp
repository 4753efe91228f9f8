//===- vocabulary_fuzzer.cpp - tokenizer vocabulary files -----------------===//
//
// The tokenizer files of a checkpoint folder: a Hugging Face tokenizer.json
// (input starting '{'), else a tiktoken rank file or a GGUF vocabulary, as
// readVocabularyFile tells them apart. A vocabulary that reads is
// serialized into the runtime's tokenizer file, which must load; the ids
// it encodes must name tokens.
//
//===----------------------------------------------------------------------===//
#include "FuzzInput.h"

#include "frontend/tokenizer/Vocabulary.h"

#include "tern/tokenizer.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>

using namespace tern;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  bool json = size > 0 && data[0] == '{';
  std::string path = fuzz::writeScratchFile(
      json ? "tokenizer.json" : "tokenizer.model", data, size);
  auto vocabulary = json ? tokenizer::readHfTokenizer(path)
                         : tokenizer::readVocabularyFile(path);
  if (!vocabulary) {
    llvm::consumeError(vocabulary.takeError());
    return 0;
  }
  std::string serialized = tokenizer::serialize(*vocabulary);
  tern_tokenizer *runtime = nullptr;
  if (tern_tokenizer_parse(reinterpret_cast<const uint8_t *>(serialized.data()),
                           serialized.size(), "vocabulary",
                           &runtime) != TERN_OK) {
    std::fprintf(stderr, "%s\n", tern_last_error());
    tern::fuzz::checkFailed(
        "ternc would write a tokenizer its programs refuse");
  }
  const char text[] = "Hello, world! 123 \xe4\xb8\xad";
  int32_t *ids = nullptr;
  size_t count = 0;
  // Encoding may refuse text the vocabulary cannot spell (an SPM
  // vocabulary without byte tokens), with a message; ids it returns must
  // name tokens.
  if (tern_tokenizer_encode(runtime, text, std::strlen(text), 1, &ids,
                            &count) != TERN_OK)
    count = 0;
  for (size_t i = 0; i < count; ++i)
    if (ids[i] < 0 || ids[i] >= tern_tokenizer_size(runtime))
      tern::fuzz::checkFailed("every id names a token");
  std::free(ids);
  tern_tokenizer_close(runtime);
  return 0;
}
