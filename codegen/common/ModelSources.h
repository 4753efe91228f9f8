//===- ModelSources.h - the hand-written parts of an output folder -*- C++ -*-//
//
// Around the EmitC-printed kernel, an output folder has a model descriptor
// (C ABI, see tern/runtime.h), a header, a main() and build files. Their
// text is produced here from the entry function's signature.
//
//===----------------------------------------------------------------------===//
#ifndef TERN_CODEGEN_COMMON_MODELSOURCES_H
#define TERN_CODEGEN_COMMON_MODELSOURCES_H

#include "codegen/Target.h"
#include "codegen/common/WeightsFile.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

#include <optional>

#include <string>
#include <vector>

namespace mlir::tern {

/// One graph input or output as the runtime describes it.
struct TensorSignature {
  std::string name;
  int32_t onnxType;
  std::vector<int64_t> dims;
  std::string cType; // pointer element type in the kernel, e.g. "float"
  int64_t bound = 0; // tern_tensor_info.bound (the tern.bound arg attr)
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
/// " runtime/src/a.c runtime/src/b.c ...": the runtime's C sources in an
/// output folder, each path after `prefix`.
std::string runtimeSourceList(llvm::StringRef prefix);

/// The C type a kernel's pointer argument points to ("float", "int8_t").
std::string cTypeOf(Type element);

/// The module's one public function, with its signature recorded
/// (recordSignature) and renamed `<prefix>_entry` so that several models
/// link into one program: where each target's `lower` starts.
FailureOr<func::FuncOp> prepareEntry(ModuleOp module,
                                     const TargetOptions &options);

/// What each target's `emitSources` starts from: the module's signature
/// (with the weights file's size and checksum), its weights file, and its
/// C++ printed after `banner`. The constant globals, now in the weights
/// file, are erased first.
struct TranslatedModel {
  ModelSignature signature;
  WeightsFile weights;
  std::string source;
};
FailureOr<TranslatedModel>
translateModel(ModuleOp module, const TargetOptions &options, StringRef banner);

/// For an LLM module: appends to `source` the C++ and descriptor of its
/// prefill step when there is one (a second model, its symbols with
/// "_prefill" appended, that must read exactly `weights`, made from globals
/// holding `weightValues`; its descriptor names `device`, empty for the
/// CPU), then the tern_llm_desc. Returns whether `module` is an LLM.
FailureOr<bool> appendLlmParts(ModuleOp module, ModuleOp prefill,
                               const TargetOptions &options,
                               ArrayRef<Attribute> weightValues,
                               const WeightsFile &weights, StringRef device,
                               std::string &source);

/// Records the entry's inputs and outputs (names, ONNX types, shapes) on
/// the module, where they survive bufferization and EmitC conversion.
LogicalResult recordSignature(ModuleOp module, func::FuncOp entry);
/// The signature recorded on a lowered module, with its arena size.
FailureOr<ModelSignature> signatureOf(ModuleOp module,
                                      const TargetOptions &options);
/// The constant globals' values in module order: equal lists make equal
/// weights files.
SmallVector<Attribute> globalValues(ModuleOp module);
/// The `tern.llm` attribute of an imported LLM (frontend/llm).
std::optional<LlmSignature> llmSignatureOf(ModuleOp module);
/// The arena and weights arguments exist even when a model needs neither;
/// `(void)arg;` keeps -Wunused-parameter quiet.
void markUnusedArgumentsUsed(ModuleOp module);
std::string makefile(const TargetOptions &options);
/// The Makefile rules `synth-weights` and `weights`, which build
/// runtime/tools/synth_weights.c with `includes` and run it on
/// <model>.synth.
std::string synthesizedWeightsRule(const TargetOptions &options,
                                   StringRef includes);
/// <model>.weights, or with --synthesize-weights the manifest <model>.synth
/// that `make weights` turns into it.
void addWeightsFile(OutputFolder &out, const TargetOptions &options,
                    WeightsFile &weights);

} // namespace mlir::tern

#endif
