//===- ModelSources.h - the hand-written parts of an output folder -*- C++ -*-//
//
// Around the EmitC-printed kernel, an output folder has a model descriptor
// (C ABI, see tern/runtime.h), a header, a main() and build files. Their
// text is produced here from the entry function's signature.
//
//===----------------------------------------------------------------------===//
#ifndef TERN_CODEGEN_CPU_MODELSOURCES_H
#define TERN_CODEGEN_CPU_MODELSOURCES_H

#include "codegen/Target.h"

#include <string>
#include <vector>

namespace mlir::tern {

/// One graph input or output as the runtime describes it.
struct TensorSignature {
  std::string name;
  int32_t onnxType;
  std::vector<int64_t> dims;
  std::string cType; // pointer element type in the kernel, e.g. "float"
};

struct ModelSignature {
  std::vector<TensorSignature> inputs, outputs;
  uint64_t arenaBytes = 0, weightsBytes = 0, weightsChecksum = 0;
  /// CPU features the kernels were compiled for (tern_model_desc).
  std::string cpuFeatures;
  /// The tern_device the entry runs on (a C++ name); empty for the CPU.
  std::string device;
  std::string entryName; // the kernel function
};

/// A decoder-only LLM's shape (tern/llm.h's tern_llm_desc), from the
/// module's `tern.llm` attribute.
struct LlmSignature {
  std::string architecture;
  int64_t layers = 0, heads = 0, kvHeads = 0, headDim = 0, vocab = 0,
          contextLength = 0, tokensPerStep = 0;
  /// Tokens of the prefill step `<prefix>_prefill_desc`; 0 without one.
  int64_t prefillTokens = 0;
};

/// The descriptor and adapter appended to the kernel's .cpp.
std::string modelDescriptorSource(const ModelSignature &signature,
                                  const TargetOptions &options);
/// ... and, for an LLM, its tern_llm_desc.
std::string llmDescriptorSource(const LlmSignature &llm,
                                const TargetOptions &options);
/// `llm` declares `<prefix>_llm()` too.
std::string modelHeader(const ModelSignature &signature,
                        const TargetOptions &options, bool llm = false);
/// main() runs tern_main, or tern_llm_main for an LLM.
std::string mainSource(const TargetOptions &options, bool llm = false);
std::string cmakeLists(const TargetOptions &options);
std::string makefile(const TargetOptions &options);

} // namespace mlir::tern

#endif
