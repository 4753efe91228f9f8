//===- HfTokenizer.cpp - Hugging Face tokenizer.json (byte-level BPE) -----===//
//
// The parts of tokenizers' JSON that byte-level BPE models use: model.vocab
// (text -> id), model.merges ("a b" strings or ["a", "b"] pairs),
// model.ignore_merges, added_tokens, the pre-tokenizer (GPT-2's ByteLevel
// regex, or LLaMA-3's Split regex before a ByteLevel without regex) and a
// TemplateProcessing post-processor that puts a special token first (BOS).
//
//===----------------------------------------------------------------------===//
#include "frontend/tokenizer/Vocabulary.h"

#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

using namespace tern::tokenizer;

namespace {
/// LLaMA-3's pre-tokenizer regex, as its tokenizer.json spells it.
constexpr llvm::StringLiteral llama3Pattern =
    "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| "
    "?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

llvm::Error fail(llvm::StringRef path, const llvm::Twine &what) {
  return llvm::createStringError(path + ": error: " + what);
}

/// Visits `node` and, for a Sequence, its parts in order.
template <typename F>
void forEachStep(const llvm::json::Object *node, llvm::StringRef listKey,
                 F &&visit) {
  if (!node)
    return;
  if (node->getString("type") == "Sequence") {
    if (const llvm::json::Array *parts = node->getArray(listKey))
      for (const llvm::json::Value &part : *parts)
        forEachStep(part.getAsObject(), listKey, visit);
    return;
  }
  visit(*node);
}
} // namespace

llvm::Expected<Vocabulary>
tern::tokenizer::readHfTokenizer(llvm::StringRef path) {
  auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/true);
  if (!buffer)
    return fail(path, "cannot read: " + buffer.getError().message());
  llvm::Expected<llvm::json::Value> json =
      llvm::json::parse((*buffer)->getBuffer());
  if (!json)
    return fail(path, "invalid JSON: " + llvm::toString(json.takeError()));
  const llvm::json::Object *root = json->getAsObject();
  const llvm::json::Object *model = root ? root->getObject("model") : nullptr;
  if (!model)
    return fail(path, "missing 'model'");
  if (model->getString("type") != "BPE")
    return fail(path, "unsupported tokenizer model '" +
                          model->getString("type").value_or("?") +
                          "' (supported: byte-level BPE)");
  const llvm::json::Object *vocab = model->getObject("vocab");
  if (!vocab)
    return fail(path, "missing 'model.vocab'");

  // Ids of the vocabulary and the added tokens must be 0..n-1, each once.
  std::vector<std::string> texts;
  std::vector<int32_t> types;
  auto place = [&](llvm::StringRef text, std::optional<int64_t> id,
                   int32_t type) -> llvm::Error {
    const int64_t limit = int64_t(1) << 24;
    if (!id || *id < 0 || *id >= limit)
      return fail(path, "token '" + text + "' has an id outside 0..2^24");
    if (size_t(*id) >= texts.size()) {
      texts.resize(size_t(*id) + 1);
      types.resize(size_t(*id) + 1, 0);
    }
    if (types[size_t(*id)] && texts[size_t(*id)] != text)
      return fail(path, "id " + llvm::Twine(*id) + " is both '" +
                            texts[size_t(*id)] + "' and '" + text + "'");
    texts[size_t(*id)] = text.str();
    types[size_t(*id)] = type;
    return llvm::Error::success();
  };
  for (const auto &[text, id] : *vocab)
    if (llvm::Error e = place(text, id.getAsInteger(), TERN_TOKEN_NORMAL))
      return std::move(e);
  if (const llvm::json::Array *added = root->getArray("added_tokens"))
    for (const llvm::json::Value &entry : *added) {
      const llvm::json::Object *token = entry.getAsObject();
      std::optional<llvm::StringRef> content =
          token ? token->getString("content") : std::nullopt;
      if (!content)
        return fail(path, "an added token has no 'content'");
      bool special = token->getBoolean("special").value_or(false);
      if (llvm::Error e =
              place(*content, token->getInteger("id"),
                    special ? TERN_TOKEN_CONTROL : TERN_TOKEN_USER_DEFINED))
        return std::move(e);
    }
  for (size_t id = 0; id < texts.size(); ++id)
    if (!types[id])
      return fail(path, "no token has id " + llvm::Twine(id));

  Vocabulary v;
  v.kind = TERN_TOKENIZER_BPE;
  v.tokens = std::move(texts);
  v.types = std::move(types);
  v.scores.assign(v.tokens.size(), 0.0f);
  if (const llvm::json::Array *merges = model->getArray("merges"))
    for (const llvm::json::Value &merge : *merges) {
      if (std::optional<llvm::StringRef> text = merge.getAsString()) {
        v.merges.push_back(text->str());
        continue;
      }
      const llvm::json::Array *pair = merge.getAsArray();
      if (!pair || pair->size() != 2 || !(*pair)[0].getAsString() ||
          !(*pair)[1].getAsString())
        return fail(path, "merge " + llvm::Twine(v.merges.size()) +
                              " is neither 'a b' nor [\"a\", \"b\"]");
      v.merges.push_back(
          (*(*pair)[0].getAsString() + " " + *(*pair)[1].getAsString()).str());
    }

  // The pre-tokenizer decides the split regex; ignore_merges must be what
  // the runtime does for it (LLaMA-3 ignores merges for whole-token words).
  bool llama3 = false, gpt2 = false;
  forEachStep(root->getObject("pre_tokenizer"), "pretokenizers",
              [&](const llvm::json::Object &step) {
                std::optional<llvm::StringRef> type = step.getString("type");
                const llvm::json::Object *pattern = step.getObject("pattern");
                if (type == "Split" && pattern &&
                    pattern->getString("Regex") == llama3Pattern)
                  llama3 = true;
                if (type == "ByteLevel" &&
                    step.getBoolean("use_regex").value_or(true))
                  gpt2 = true;
              });
  if (llama3 == gpt2)
    return fail(path, "unsupported pre-tokenizer (supported: GPT-2's "
                      "ByteLevel regex, LLaMA-3's Split regex)");
  v.pre = llama3 ? TERN_PRETOKENIZER_LLAMA3 : TERN_PRETOKENIZER_GPT2;
  if (model->getBoolean("ignore_merges").value_or(false) != llama3)
    return fail(path, llvm::Twine("ignore_merges ") +
                          (llama3 ? "false" : "true") +
                          " with this pre-tokenizer is not supported");

  forEachStep(root->getObject("post_processor"), "processors",
              [&](const llvm::json::Object &step) {
                const llvm::json::Array *single = step.getArray("single");
                if (step.getString("type") != "TemplateProcessing" || !single ||
                    single->empty())
                  return;
                const llvm::json::Object *first = (*single)[0].getAsObject();
                const llvm::json::Object *special =
                    first ? first->getObject("SpecialToken") : nullptr;
                if (!special)
                  return;
                std::optional<llvm::StringRef> name = special->getString("id");
                for (size_t id = 0; name && id < v.tokens.size(); ++id)
                  if (v.tokens[id] == *name) {
                    v.bos = int32_t(id);
                    v.addBos = true;
                  }
              });
  if (llvm::Error e = checkLoadable(v, path))
    return std::move(e);
  return v;
}

llvm::Error tern::tokenizer::writeHfTokenizer(const Vocabulary &v,
                                              llvm::raw_ostream &os) {
  if (v.kind != TERN_TOKENIZER_BPE)
    return llvm::createStringError(
        "tokenizer.json is written for byte-level BPE vocabularies only");
  bool llama3 = v.pre == TERN_PRETOKENIZER_LLAMA3;
  llvm::json::OStream j(os);
  j.object([&] {
    j.attribute("version", "1.0");
    j.attributeArray("added_tokens", [&] {
      for (size_t id = 0; id < v.size(); ++id)
        if (v.types[id] == TERN_TOKEN_CONTROL ||
            v.types[id] == TERN_TOKEN_USER_DEFINED)
          j.object([&] {
            j.attribute("id", int64_t(id));
            j.attribute("content", v.tokens[id]);
            j.attribute("special", v.types[id] == TERN_TOKEN_CONTROL);
          });
    });
    j.attributeObject("pre_tokenizer", [&] {
      if (!llama3) {
        j.attribute("type", "ByteLevel");
        j.attribute("add_prefix_space", false);
        j.attribute("use_regex", true);
        return;
      }
      j.attribute("type", "Sequence");
      j.attributeArray("pretokenizers", [&] {
        j.object([&] {
          j.attribute("type", "Split");
          j.attributeObject("pattern",
                            [&] { j.attribute("Regex", llama3Pattern); });
          j.attribute("behavior", "Isolated");
          j.attribute("invert", false);
        });
        j.object([&] {
          j.attribute("type", "ByteLevel");
          j.attribute("add_prefix_space", false);
          j.attribute("use_regex", false);
        });
      });
    });
    if (v.addBos && v.bos >= 0)
      j.attributeObject("post_processor", [&] {
        j.attribute("type", "TemplateProcessing");
        j.attributeArray("single", [&] {
          j.object([&] {
            j.attributeObject("SpecialToken", [&] {
              j.attribute("id", v.tokens[size_t(v.bos)]);
              j.attribute("type_id", 0);
            });
          });
          j.object([&] {
            j.attributeObject("Sequence", [&] {
              j.attribute("id", "A");
              j.attribute("type_id", 0);
            });
          });
        });
      });
    j.attributeObject("model", [&] {
      j.attribute("type", "BPE");
      j.attribute("ignore_merges", llama3);
      j.attributeObject("vocab", [&] {
        for (size_t id = 0; id < v.size(); ++id)
          if (v.types[id] != TERN_TOKEN_CONTROL &&
              v.types[id] != TERN_TOKEN_USER_DEFINED)
            j.attribute(v.tokens[id], int64_t(id));
      });
      j.attributeArray("merges", [&] {
        for (const std::string &merge : v.merges)
          j.value(merge);
      });
    });
  });
  return llvm::Error::success();
}
