//===- gguf_fuzzer.cpp - the GGUF reader ----------------------------------===//
//
// What ternc reads of a GGUF file: the validated file, every tensor it can
// decode, the LLM hyperparameters and the vocabulary, which is serialized
// into the runtime's tokenizer file. That file must load in the runtime.
//
//===----------------------------------------------------------------------===//
#include "FuzzInput.h"

#include "frontend/gguf/GgufFile.h"
#include "frontend/gguf/GgufLlm.h"
#include "frontend/tokenizer/Vocabulary.h"

#include "tern/tokenizer.h"

#include <cstdio>
#include <cstdlib>

using namespace tern;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string path = fuzz::writeScratchFile("model.gguf", data, size);
  auto file = gguf::GgufFile::open(path);
  if (!file) {
    llvm::consumeError(file.takeError());
    return 0;
  }
  for (const gguf::TensorInfo &tensor : (*file)->tensors()) {
    auto values = (*file)->dequantize(tensor);
    if (values && int64_t(values->size()) != tensor.elements)
      tern::fuzz::checkFailed("a decoded tensor has its element count");
    if (!values)
      llvm::consumeError(values.takeError());
  }
  auto config = gguf::readLlmConfig(**file);
  if (config) {
    if (llvm::Error e = config->validate())
      llvm::consumeError(std::move(e));
  } else {
    llvm::consumeError(config.takeError());
  }
  auto vocabulary = tokenizer::readGgufVocabulary(**file);
  if (!vocabulary) {
    llvm::consumeError(vocabulary.takeError());
    return 0;
  }
  std::string serialized = tokenizer::serialize(*vocabulary);
  tern_tokenizer *runtime = nullptr;
  if (tern_tokenizer_parse(reinterpret_cast<const uint8_t *>(serialized.data()),
                           serialized.size(), "gguf", &runtime) != TERN_OK) {
    std::fprintf(stderr, "%s\n", tern_last_error());
    tern::fuzz::checkFailed(
        "ternc would write a tokenizer its programs refuse");
  }
  tern_tokenizer_close(runtime);
  return 0;
}
