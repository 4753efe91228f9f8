//===- CudaKernels.h - what the CUDA target computes, and where -*- C++ -*-===//
//
// Ternary tern.linear ops with int8 activations become the W2A8 kernels of
// runtime/include/tern/cuda/linear.cuh (weights repacked into
// tern/cuda/w2.h's layout), per-token activation quantization its
// quantize kernel, and every other top-level loop nest a kernel of its own
// (DeviceLoops.cpp). The entry point is host code that only launches.
//
//===----------------------------------------------------------------------===//
#ifndef TERN_CODEGEN_CUDA_CUDAKERNELS_H
#define TERN_CODEGEN_CUDA_CUDAKERNELS_H

#include "codegen/Target.h"

namespace mlir::tern::cuda {

/// Marks the tern.linear ops the W2A8 kernel computes.
void claimLinearKernels(ModuleOp module);

/// Replaces claimed tern.linear ops and per-token activation quantization
/// by calls to the kernels of tern/cuda/linear.cuh.
LogicalResult lowerKernels(ModuleOp module, const TargetOptions &options);

/// Module attribute listing the outlined loop bodies, which must be
/// printed as __device__ functions.
constexpr llvm::StringLiteral kDeviceFunctionsAttr = "tern.device_functions";

/// Replaces each tern.rms_norm whose only user is a per-token
/// tern.quantize_activations, and that user, by one call to
/// tern/cuda/llm.cuh's rms_norm_quantize: the normalized row is never
/// stored. Runs before lowerKernels, which would take the quantization.
LogicalResult fuseNormQuantize(ModuleOp module, const TargetOptions &options);

/// Replaces the transformer-decoder ops of an LLM (embedding, RMSNorm,
/// RoPE, attention, LM head) by calls to the kernels of tern/cuda/llm.cuh.
LogicalResult lowerLlmKernels(ModuleOp module, const TargetOptions &options);

/// Moves every top-level loop nest of the entry (and any other memory
/// access left there) into a kernel: one thread per outer iteration when
/// iterations are independent, else one thread for the whole nest.
LogicalResult outlineDeviceLoops(ModuleOp module, const TargetOptions &options);

} // namespace mlir::tern::cuda

#endif
