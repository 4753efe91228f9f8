/* What the CUDA kernels can take, plain C++ so that ternc refuses (or
 * routes elsewhere) what they cannot before generating a launch. */
#ifndef TERN_CUDA_LIMITS_H
#define TERN_CUDA_LIMITS_H

#include <cstdint>

namespace tern {
namespace cuda {

/* A W2A8 block stages one token's padded activations in 48 KiB of shared
 * memory (tern/cuda/linear.cuh). */
constexpr int64_t kMaxStagedK = 48 * 1024;
/* Tokens and heads are grid dimensions y, which stop at 65535. */
constexpr int64_t kMaxGridY = 65535;
/* Attention lanes hold head_dim / 32 query and output elements each
 * (tern/cuda/llm.cuh). */
constexpr int kMaxHeadDim = 256;

} // namespace cuda
} // namespace tern

#endif /* TERN_CUDA_LIMITS_H */
