//===- GgufVocabulary.cpp - vocabularies in GGUF metadata -----------------===//
//
// llama.cpp's `tokenizer.ggml.*` keys, read and written.
//
//===----------------------------------------------------------------------===//
#include "frontend/gguf/GgufWriter.h"
#include "frontend/tokenizer/Vocabulary.h"

#include "llvm/Support/ConvertUTF.h"
#include "llvm/Support/MemoryBuffer.h"

using namespace tern;
using namespace tern::gguf;
using namespace tern::tokenizer;

namespace {
llvm::Error error(const GgufFile &file, const llvm::Twine &message) {
  return llvm::createStringError(file.path() + ": error: " + message);
}

bool isUtf8(llvm::StringRef text) {
  auto *at = reinterpret_cast<const llvm::UTF8 *>(text.begin());
  return llvm::isLegalUTF8String(
      &at, reinterpret_cast<const llvm::UTF8 *>(text.end()));
}
} // namespace

llvm::Expected<Vocabulary> tokenizer::readGgufVocabulary(const GgufFile &file) {
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

  Vocabulary v;
  v.kind = spm ? TERN_TOKENIZER_SPM : TERN_TOKENIZER_BPE;
  auto idKey = [&](const char *key, int64_t fallback) -> int32_t {
    std::optional<uint64_t> id = file.getUInt(key);
    return int32_t(id && *id < n ? int64_t(*id)
                                 : (fallback < int64_t(n) ? fallback : -1));
  };
  v.bos = idKey("tokenizer.ggml.bos_token_id", spm ? 1 : -1);
  v.eos = idKey("tokenizer.ggml.eos_token_id", spm ? 2 : -1);
  auto flag = [&](const char *key, bool fallback) {
    const Value *value = file.find(key);
    return value && value->type == ValueType::Bool ? value->u != 0 : fallback;
  };
  v.addBos = flag("tokenizer.ggml.add_bos_token", spm);
  v.addSpacePrefix = flag("tokenizer.ggml.add_space_prefix", spm);
  if (!spm) {
    llvm::StringRef name =
        file.getString("tokenizer.ggml.pre").value_or("default");
    if (name == "llama-bpe" || name == "llama3")
      v.pre = TERN_PRETOKENIZER_LLAMA3;
    else if (name == "gpt-2" || name == "default")
      v.pre = TERN_PRETOKENIZER_GPT2;
    else
      return error(file, "unsupported BPE pre-tokenizer '" + name +
                             "' (supported: gpt-2, llama-bpe)");
  }
  for (size_t i = 0; i < n; ++i) {
    const Value *score = *scores ? &(*scores)->elements[i] : nullptr;
    const Value *type = *types ? &(*types)->elements[i] : nullptr;
    // Token texts are UTF-8 in both models (SPM spells bytes "<0x80>",
    // byte-level BPE as printable code points); anything else is corrupt.
    if (!isUtf8(tokens->elements[i].s))
      return error(file, "token " + llvm::Twine(i) +
                             " of 'tokenizer.ggml.tokens' is not valid UTF-8");
    v.tokens.push_back(tokens->elements[i].s);
    v.scores.push_back(score && score->isFloat() ? float(score->f) : 0.0f);
    v.types.push_back(type && type->isInteger() ? int32_t(type->i)
                                                : TERN_TOKEN_NORMAL);
  }
  if (merges)
    for (auto [i, merge] : llvm::enumerate(merges->elements)) {
      if (!isUtf8(merge.s))
        return error(file, "merge " + llvm::Twine(i) +
                               " of 'tokenizer.ggml.merges' is not valid "
                               "UTF-8");
      v.merges.push_back(merge.s);
    }
  if (llvm::Error e = checkLoadable(v, file.path()))
    return std::move(e);
  return v;
}

void tokenizer::addGgufVocabulary(GgufWriter &out, const Vocabulary &v) {
  bool spm = v.kind == TERN_TOKENIZER_SPM;
  out.addString("tokenizer.ggml.model", spm ? "llama" : "gpt2");
  if (!spm)
    out.addString("tokenizer.ggml.pre",
                  v.pre == TERN_PRETOKENIZER_LLAMA3 ? "llama-bpe" : "gpt-2");
  auto array = [](ValueType type) {
    Value value;
    value.type = ValueType::Array;
    value.elementType = type;
    return value;
  };
  Value tokens = array(ValueType::String), scores = array(ValueType::F32),
        types = array(ValueType::I32);
  for (size_t i = 0; i < v.size(); ++i) {
    Value token, score, type;
    token.type = ValueType::String;
    token.s = v.tokens[i];
    score.type = ValueType::F32;
    score.f = v.scores[i];
    type.type = ValueType::I32;
    type.i = v.types[i];
    type.u = uint64_t(int64_t(v.types[i]));
    tokens.elements.push_back(std::move(token));
    scores.elements.push_back(score);
    types.elements.push_back(type);
  }
  out.add("tokenizer.ggml.tokens", std::move(tokens));
  out.add("tokenizer.ggml.scores", std::move(scores));
  out.add("tokenizer.ggml.token_type", std::move(types));
  if (!v.merges.empty()) {
    Value merges = array(ValueType::String);
    for (const std::string &text : v.merges) {
      Value merge;
      merge.type = ValueType::String;
      merge.s = text;
      merges.elements.push_back(std::move(merge));
    }
    out.add("tokenizer.ggml.merges", std::move(merges));
  }
  if (v.bos >= 0)
    out.addU32("tokenizer.ggml.bos_token_id", uint32_t(v.bos));
  if (v.eos >= 0)
    out.addU32("tokenizer.ggml.eos_token_id", uint32_t(v.eos));
  out.addBool("tokenizer.ggml.add_bos_token", v.addBos);
  if (spm)
    out.addBool("tokenizer.ggml.add_space_prefix", v.addSpacePrefix);
}

llvm::Expected<Vocabulary> tokenizer::readVocabularyFile(llvm::StringRef path) {
  auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                            /*RequiresNullTerminator=*/false);
  if (!buffer)
    return llvm::createStringError(
        path + ": error: cannot read: " + buffer.getError().message());
  llvm::StringRef bytes = (*buffer)->getBuffer();
  if (!bytes.starts_with("GGUF")) {
    // tiktoken files start "<base64> <rank>"; anything else is neither.
    auto [encoded, rank] = bytes.split('\n').first.rtrim('\r').split(' ');
    uint64_t value;
    if (encoded.empty() || rank.getAsInteger(10, value))
      return llvm::createStringError(
          path + ": error: neither a GGUF file nor a tiktoken rank file "
                 "('<base64 token> <rank>' per line)");
    return readTiktoken(path);
  }
  buffer->reset(); // GgufFile maps the file itself
  auto file = GgufFile::open(path);
  if (!file)
    return file.takeError();
  return readGgufVocabulary(**file);
}
