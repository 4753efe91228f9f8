//===- Kernels.h - CPU variants and the ternary kernels they call ---------===//
//
// `--target=cpu:VARIANT` names an instruction set; ternary tern.linear ops
// on it become calls to the templates of runtime/include/tern/cpu/linear.h,
// instantiated for the layer's shape, with weights repacked into the
// kernel's layout in the weights file. Everything else lowers to loops.
//
//===----------------------------------------------------------------------===//
#ifndef TERN_CODEGEN_CPU_KERNELS_H
#define TERN_CODEGEN_CPU_KERNELS_H

#include "codegen/common/ModelSources.h"

#include <string>

namespace mlir::tern::cpu {

struct CpuVariant {
  /// tern::cpu::Isa enumerator the kernels are instantiated with; empty
  /// for the scalar-loops variant, which calls no kernels.
  std::string isa;
  /// Whether the T3 (base-3, 1.6-bit) format can be decoded (AVX-512 VBMI).
  bool base3 = false;
  /// Features the runtime checks before running (tern_model_desc).
  std::string cpuFeatures;
  /// What --target=cpu:NAME resolved to, for messages.
  std::string description;
};

/// Resolves `variant` ("", native, x86-64-v3, avx512, neon, scalar);
/// native and "" detect the host.
FailureOr<CpuVariant> resolveCpuVariant(ModuleOp module, StringRef variant);

/// Marks the tern.linear ops the variant's kernels compute.
LogicalResult claimLinearKernels(ModuleOp module, const CpuVariant &variant,
                                 const TargetOptions &options);

/// Replaces each claimed tern.linear by a call to a kernel whose C++ source
/// rides on the callee's declaration (`kKernelSourceAttr`), with the weights
/// repacked as a new constant.
LogicalResult lowerLinearKernels(ModuleOp module, const CpuVariant &variant,
                                 const TargetOptions &options);

/// Replaces the transformer-decoder ops (tern.embedding, tern.rms_norm,
/// tern.rope, tern.attention, tern.lm_head, per-token
/// tern.quantize_activations, and the gated FFN's SiLU) by calls to the
/// kernels of runtime/include/tern/llm/ops.h, the same way
/// (codegen/cpu/LlmKernels.cpp), with the variant's ISA.
LogicalResult lowerLlmKernels(ModuleOp module, const CpuVariant &variant,
                              const TargetOptions &options);

/// Outlines each top-level loop nest with enough work and independent
/// outer iterations into a function over an iteration range, called through
/// a kernel that splits the range across the thread pool
/// (codegen/cpu/ParallelLoops.cpp). Runs on loops after bufferization.
void outlineParallelLoops(ModuleOp module, const TargetOptions &options);

} // namespace mlir::tern::cpu

#endif
