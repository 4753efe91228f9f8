//===- tern-tokenize.cpp - tokenize text with a model's vocabulary --------===//
//
//   tern-tokenize VOCAB.gguf|RANKS.tiktoken|FILE.tokenizer [-f INPUT]
//   [--separator LINE]
//                 [--bos] [--decode]
//
// Tokenizes with the runtime's tokenizer (what compiled LLMs run), after
// converting a GGUF file's vocabulary (or a tiktoken rank file, as
// LLaMA-3's tokenizer.model) exactly as ternc does. Prints one
// line of space-separated ids per input. INPUT (default: stdin) holds one
// input, or several each followed by a line equal to --separator (llama.cpp's
// vocabulary tests use `__ggml_vocab_test__`).
//
//===----------------------------------------------------------------------===//
#include "frontend/tokenizer/Vocabulary.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include "tern/tokenizer.h"

#include <cstdlib>

namespace cl = llvm::cl;

static cl::OptionCategory category("tern-tokenize options");
static cl::opt<std::string>
    vocabPath(cl::Positional, cl::Required,
              cl::desc("<vocab.gguf | tiktoken ranks | .tokenizer>"),
              cl::cat(category));
static cl::opt<std::string> inputPath("f", cl::desc("Input text file"),
                                      cl::value_desc("file"), cl::init("-"),
                                      cl::cat(category));
static cl::opt<std::string>
    separator("separator",
              cl::desc("A line that separates inputs in the input file"),
              cl::cat(category));
static cl::opt<bool> addBos("bos", cl::desc("Start with the BOS token"),
                            cl::cat(category));
static cl::opt<bool> decode("decode",
                            cl::desc("Print the decoded text after the ids"),
                            cl::cat(category));

static int fail(const llvm::Twine &message) {
  llvm::errs() << message << "\n";
  return 1;
}

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  cl::HideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(argc, argv,
                              "tern-tokenize: tokenizes text as compiled "
                              "LLMs do\n");
  std::string bytes;
  if (llvm::StringRef(vocabPath).ends_with(".tokenizer")) {
    auto buffer = llvm::MemoryBuffer::getFile(vocabPath);
    if (!buffer)
      return fail(vocabPath + ": error: " + buffer.getError().message());
    bytes = (*buffer)->getBuffer().str();
  } else {
    auto vocabulary = tern::tokenizer::readVocabularyFile(vocabPath);
    if (!vocabulary)
      return fail(llvm::toString(vocabulary.takeError()));
    bytes = tern::tokenizer::serialize(*vocabulary);
  }
  tern_tokenizer *tokenizer;
  if (tern_tokenizer_parse(reinterpret_cast<const uint8_t *>(bytes.data()),
                           bytes.size(), vocabPath.c_str(), &tokenizer))
    return fail(llvm::Twine("error: ") + tern_last_error());

  auto input = llvm::MemoryBuffer::getFileOrSTDIN(inputPath);
  if (!input) {
    tern_tokenizer_close(tokenizer);
    return fail(inputPath + ": error: " + input.getError().message());
  }
  llvm::SmallVector<llvm::StringRef> texts;
  llvm::StringRef all = (*input)->getBuffer();
  if (separator.empty())
    texts.push_back(all);
  else {
    // Each input is followed by the separator line, the last one too.
    std::string line = "\n" + separator + "\n";
    if (all.ends_with(line))
      all = all.drop_back(line.size());
    all.split(texts, line);
  }
  int status = 0;
  for (llvm::StringRef text : texts) {
    int32_t *ids;
    size_t count;
    if (tern_tokenizer_encode(tokenizer, text.data(), text.size(), addBos, &ids,
                              &count)) {
      status = fail(llvm::Twine("error: ") + tern_last_error());
      break;
    }
    for (size_t i = 0; i < count; ++i)
      llvm::outs() << (i ? " " : "") << ids[i];
    llvm::outs() << "\n";
    if (decode) {
      for (size_t i = 0; i < count; ++i) {
        size_t length;
        const char *piece = tern_tokenizer_piece(tokenizer, ids[i], &length);
        llvm::outs() << llvm::StringRef(piece, length);
      }
      llvm::outs() << "\n";
    }
    std::free(ids);
  }
  tern_tokenizer_close(tokenizer);
  return status;
}
