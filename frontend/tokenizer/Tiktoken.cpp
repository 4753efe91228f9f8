//===- Tiktoken.cpp - LLaMA-3 style tiktoken rank files -------------------===//
#include "frontend/tokenizer/Vocabulary.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/Base64.h"
#include "llvm/Support/MemoryBuffer.h"

#include <algorithm>

using namespace tern::tokenizer;

namespace {
llvm::Error error(llvm::StringRef path, size_t line, const llvm::Twine &what) {
  return llvm::createStringError(path + ":" + llvm::Twine(line) +
                                 ": error: " + what);
}

/// LLaMA-3's special tokens, in id order after the ranks (Meta's
/// llama3/tokenizer.py; BitNet-b1.58-2B-4T uses the same list).
std::vector<std::string> llama3SpecialTokens() {
  std::vector<std::string> names = {"<|begin_of_text|>",
                                    "<|end_of_text|>",
                                    "<|reserved_special_token_0|>",
                                    "<|reserved_special_token_1|>",
                                    "<|reserved_special_token_2|>",
                                    "<|reserved_special_token_3|>",
                                    "<|start_header_id|>",
                                    "<|end_header_id|>",
                                    "<|reserved_special_token_4|>",
                                    "<|eot_id|>"};
  for (int i = 5; names.size() < 256; ++i)
    names.push_back("<|reserved_special_token_" + std::to_string(i) + "|>");
  return names;
}
} // namespace

llvm::Expected<Vocabulary> tern::tokenizer::readTiktoken(llvm::StringRef path) {
  auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                            /*RequiresNullTerminator=*/false);
  if (!buffer)
    return llvm::createStringError(
        path + ": error: cannot read: " + buffer.getError().message());
  // Token bytes by rank; ranks must be 0, 1, 2, ... in order.
  std::vector<std::string> bytes;
  llvm::StringRef rest = (*buffer)->getBuffer();
  for (size_t line = 1; !rest.empty(); ++line) {
    auto [text, next] = rest.split('\n');
    rest = next;
    text = text.rtrim('\r');
    if (text.empty())
      continue;
    auto [encoded, rankText] = text.split(' ');
    uint64_t rank;
    if (rankText.getAsInteger(10, rank))
      return error(path, line, "expected 'base64-token rank'");
    if (rank != bytes.size())
      return error(path, line, "rank " + llvm::Twine(rank) + " out of order");
    std::vector<char> decoded;
    if (llvm::Error e = llvm::decodeBase64(encoded, decoded)) {
      llvm::consumeError(std::move(e));
      return error(path, line, "invalid base64 token");
    }
    if (decoded.empty())
      return error(path, line, "empty token");
    bytes.emplace_back(decoded.begin(), decoded.end());
  }
  if (bytes.size() < 256)
    return error(path, 1,
                 "a byte-level vocabulary needs at least the 256 "
                 "byte tokens");

  llvm::StringMap<uint32_t> rankOf;
  for (uint32_t r = 0; r < bytes.size(); ++r)
    if (!rankOf.try_emplace(bytes[r], r).second)
      return error(path, r + 1, "duplicate token");
  for (unsigned b = 0; b < 256; ++b)
    if (!rankOf.count(std::string(1, char(b))))
      return error(path, 1, "no token for byte " + llvm::Twine(b));

  // Every split of a token into two tokens is a merge of the token's rank;
  // among one token's splits, lower-ranked halves come first.
  struct Merge {
    uint32_t rank, left, right;
  };
  std::vector<Merge> merges;
  for (uint32_t r = 0; r < bytes.size(); ++r) {
    llvm::StringRef token = bytes[r];
    for (size_t split = 1; split < token.size(); ++split) {
      auto left = rankOf.find(token.take_front(split));
      auto right = rankOf.find(token.drop_front(split));
      if (left != rankOf.end() && right != rankOf.end())
        merges.push_back({r, left->second, right->second});
    }
  }
  std::sort(merges.begin(), merges.end(), [](const Merge &a, const Merge &b) {
    return std::tie(a.rank, a.left, a.right) <
           std::tie(b.rank, b.left, b.right);
  });

  Vocabulary v;
  v.kind = TERN_TOKENIZER_BPE;
  v.pre = TERN_PRETOKENIZER_LLAMA3;
  std::vector<std::string> spelled;
  spelled.reserve(bytes.size());
  for (const std::string &token : bytes)
    spelled.push_back(byteLevelSpelling(token));
  for (const Merge &m : merges)
    v.merges.push_back(spelled[m.left] + " " + spelled[m.right]);
  v.tokens = std::move(spelled);
  v.types.assign(v.tokens.size(), TERN_TOKEN_NORMAL);
  int32_t first = int32_t(v.tokens.size());
  for (std::string &special : llama3SpecialTokens()) {
    v.tokens.push_back(std::move(special));
    v.types.push_back(TERN_TOKEN_CONTROL);
  }
  v.scores.assign(v.tokens.size(), 0.0f);
  v.bos = first;     // <|begin_of_text|>
  v.eos = first + 1; // <|end_of_text|>; <|eot_id|> also ends generation
  v.addBos = true;
  if (llvm::Error e = checkLoadable(v, path))
    return std::move(e);
  return v;
}
