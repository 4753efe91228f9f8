//===- Vocabulary.cpp - the runtime tokenizer file ------------------------===//
#include "frontend/tokenizer/Vocabulary.h"

#include "llvm/Support/ConvertUTF.h"
#include "llvm/Support/Endian.h"

#include <cstring>

using namespace tern::tokenizer;

void Vocabulary::padTo(size_t count) {
  for (size_t i = tokens.size(); i < count; ++i) {
    tokens.push_back("[PAD" + std::to_string(i) + "]");
    scores.push_back(0.0f);
    types.push_back(TERN_TOKEN_UNUSED);
  }
}

namespace {
void appendU32(std::string &out, uint32_t v) {
  char bytes[4];
  llvm::support::endian::write32le(bytes, v);
  out.append(bytes, 4);
}
} // namespace

std::string tern::tokenizer::serialize(const Vocabulary &v) {
  std::string out(TERN_TOKENIZER_MAGIC, 8);
  out[7] = '\0';
  appendU32(out, TERN_TOKENIZER_VERSION);
  appendU32(out, v.kind);
  appendU32(out, uint32_t(v.tokens.size()));
  appendU32(out, uint32_t(v.bos));
  appendU32(out, uint32_t(v.eos));
  appendU32(out, (v.addBos ? TERN_TOKENIZER_ADD_BOS : 0u) |
                     (v.addSpacePrefix ? TERN_TOKENIZER_ADD_SPACE_PREFIX : 0u));
  appendU32(out, uint32_t(v.merges.size()));
  appendU32(out, v.pre);
  for (size_t i = 0; i < v.tokens.size(); ++i) {
    uint32_t bits;
    std::memcpy(&bits, &v.scores[i], 4);
    appendU32(out, bits);
    appendU32(out, uint32_t(v.types[i]));
    appendU32(out, uint32_t(v.tokens[i].size()));
    out += v.tokens[i];
  }
  for (const std::string &merge : v.merges) {
    appendU32(out, uint32_t(merge.size()));
    out += merge;
  }
  return out;
}

Vocabulary tern::tokenizer::byteVocabulary() {
  Vocabulary v;
  v.kind = TERN_TOKENIZER_BPE;
  v.pre = TERN_PRETOKENIZER_GPT2;
  for (unsigned byte = 0; byte < 256; ++byte) {
    v.tokens.push_back(byteLevelSpelling(std::string(1, char(byte))));
    v.types.push_back(TERN_TOKEN_NORMAL);
  }
  for (const char *special : {"<|begin_of_text|>", "<|end_of_text|>"}) {
    v.tokens.push_back(special);
    v.types.push_back(TERN_TOKEN_CONTROL);
  }
  v.scores.assign(v.tokens.size(), 0.0f);
  v.bos = 256;
  v.eos = 257;
  v.addBos = true;
  return v;
}

std::string tern::tokenizer::byteLevelSpelling(llvm::StringRef bytes) {
  // The runtime's mapping, so vocabularies and tokenizer agree.
  std::string out;
  for (unsigned char byte : bytes) {
    char utf8[UNI_MAX_UTF8_BYTES_PER_CODE_POINT];
    char *end = utf8;
    llvm::ConvertCodePointToUTF8(tern_byte_level_code_point(byte), end);
    out.append(utf8, end);
  }
  return out;
}

llvm::Error tern::tokenizer::checkLoadable(const Vocabulary &vocabulary,
                                           llvm::StringRef path) {
  std::string file = serialize(vocabulary);
  tern_tokenizer *loaded = nullptr;
  if (tern_tokenizer_parse(reinterpret_cast<const uint8_t *>(file.data()),
                           file.size(), "", &loaded) == TERN_OK) {
    tern_tokenizer_close(loaded);
    return llvm::Error::success();
  }
  // The runtime's message starts with the (empty) name and ": ".
  llvm::StringRef message = tern_last_error();
  message.consume_front(": ");
  return llvm::createStringError(path + ": error: " + message);
}
