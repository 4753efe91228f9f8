//===- Passes.h - tern passes and pipelines -------------------------------===//
#ifndef TERN_PASSES_PASSES_H
#define TERN_PASSES_PASSES_H

#include "dialect/Tern.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassManager.h"

#include <string>

namespace mlir::tern {

#define GEN_PASS_DECL
#include "passes/Passes.h.inc"

/// Appends the pipeline that takes IR with tern ops on tensors to the LLVM
/// dialect through the reference lowering, so it can be JIT-compiled or run
/// with mlir-runner. Registered as `tern-reference-to-llvm`.
void buildReferenceToLLVMPipeline(OpPassManager &pm);

/// The attribute carrying a layer's activation choice ("per_token",
/// "per_tensor" or "float") from a recipe to tern-quantize-activations.
constexpr llvm::StringLiteral kActivationsAttr = "tern.activations";

/// Marks the op computing a lookup table at run time (the `lut` strategy),
/// so the op census counts reads from it as table lookups rather than as
/// plain reads of activations.
constexpr llvm::StringLiteral kLookupTableAttr = "tern.lookup_table";
/// Set on a tern.linear a code generator will compute with its own kernel
/// (codegen's Target::selectKernels); multiply elimination leaves it alone.
constexpr llvm::StringLiteral kTargetKernelAttr = "tern.target_kernel";

/// What `ternc --quantize` asks for. Neither a method nor a recipe
/// quantizes nothing.
struct QuantizationOptions {
  std::string method;
  std::string recipe;
  std::string weightGranularity = "per_tensor";
  std::string activationGranularity = "per_token";
  /// A fixed activation scale (positive) instead of absmax at run time.
  double activationScale = 0;
  std::string keepFloat;
  bool keepFirstLast = false;
  /// Quantize the activations of low-bit products even without a method:
  /// checkpoints that arrive ternary (GGUF, BitNet) still run W1.58A8.
  bool quantizeActivations = false;
  /// tern-eliminate-multiplies strategy for quantized tern.linear; empty
  /// leaves them to the reference lowering.
  std::string multiplyElimination = "addsub";
};

/// tern's passes on imported IR: with a method, weights then activations
/// are quantized (BitNet's W1.58A8 for absmean); products with low-bit
/// weights (quantized here or imported from QONNX) become tern.linear;
/// ternary and binary ones then lose their multiplies.
void buildQuantizationPipeline(OpPassManager &pm,
                               const QuantizationOptions &options);

/// Parses "per_tensor", "per_channel", "per_token" or "group=G".
FailureOr<GranularityAttr> parseGranularityOption(MLIRContext *context,
                                                  StringRef text);

/// Registers every tern pass and pipeline with the global registry.
void registerTernPassesAndPipelines();

} // namespace mlir::tern

#endif // TERN_PASSES_PASSES_H
