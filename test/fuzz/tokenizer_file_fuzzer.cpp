//===- tokenizer_file_fuzzer.cpp - the runtime's tokenizer file -----------===//
//
// A generated LLM program loads <model>.tokenizer with
// tern_tokenizer_parse; one that loads must then encode and decode any text
// without reading out of bounds.
//
//===----------------------------------------------------------------------===//
#include "FuzzInput.h"

#include "tern/tokenizer.h"

#include <cstdlib>
#include <cstring>

/// Texts that reach every pre-tokenizer branch: letters, digits, spaces,
/// newlines, contractions, punctuation, multi-byte UTF-8 and invalid bytes.
static const char *const kTexts[] = {
    "Hello world! It's 2026, isn't it?\n\n  tabs\tand   spaces",
    "\xce\xb1\xce\xb2\xce\xb3 \xe4\xb8\xad\xe6\x96\x87 \xf0\x9f\x98\x80 "
    "caf\xc3\xa9",
    "\xff\xfe bad \xc3 bytes \x80",
    "",
};

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  tern_tokenizer *tokenizer = nullptr;
  if (tern_tokenizer_parse(data, size, "fuzz.tokenizer", &tokenizer) !=
      TERN_OK) {
    if (tokenizer)
      tern::fuzz::checkFailed("a failed parse hands nothing out");
    return 0;
  }
  int32_t vocabulary = tern_tokenizer_size(tokenizer);
  for (const char *text : kTexts) {
    int32_t *ids = nullptr;
    size_t count = 0;
    if (tern_tokenizer_encode(tokenizer, text, std::strlen(text), 1, &ids,
                              &count) == TERN_OK) {
      for (size_t i = 0; i < count; ++i) {
        if (ids[i] < 0 || ids[i] >= vocabulary)
          tern::fuzz::checkFailed("every id names a token");
        size_t length = 0;
        if (!tern_tokenizer_piece(tokenizer, ids[i], &length))
          tern::fuzz::checkFailed("every id has a piece");
      }
    }
    std::free(ids);
  }
  size_t length;
  if (tern_tokenizer_piece(tokenizer, vocabulary, &length) ||
      tern_tokenizer_piece(tokenizer, -1, &length))
    tern::fuzz::checkFailed("ids out of range have no piece");
  tern_tokenizer_close(tokenizer);
  return 0;
}
