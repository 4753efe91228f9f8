/* CUDA kernels for ternary layers with int8 activations (W2A8), and the
 * per-token activation quantization that feeds them. Weights are in the
 * layout of tern/cuda/w2.h (2-bit codes w + 1).
 *
 * The dot product is integer only: dp4a of the unsigned codes against the
 * signed activations, minus sum(x) once per token (since sum (w + 1) x =
 * sum w x + sum x), so there is no per-byte subtract and no float multiply.
 * A separate element-wise kernel applies the scales, in the same operation
 * order as the CPU kernels (tern/cpu/linear.h's scale_output), so outputs
 * match them bit for bit. */
#ifndef TERN_CUDA_LINEAR_CUH
#define TERN_CUDA_LINEAR_CUH

#include "tern/cuda/arith.cuh"
#include "tern/cuda/device.cuh"
#include "tern/cuda/gemm.cuh"
#include "tern/cuda/w2.h"

#include <cstdint>

namespace tern {
namespace cuda {

constexpr int kLinearWarps = 8; /* rows per block, one warp each */
constexpr int kQuantizeBlock = 256;
/* From this many tokens on, layers run on tensor cores (tern/cuda/gemm.cuh)
 * where the device has them. */
constexpr int kGemmMinTokens = 8;

/* 16 codes of one word against the 16 activations they multiply. */
__host__ __device__ __forceinline__ int dot16(uint32_t codes, int4 x, int acc) {
  acc = dp4a(int(codes & 0x03030303u), x.x, acc);
  acc = dp4a(int((codes >> 2) & 0x03030303u), x.y, acc);
  acc = dp4a(int((codes >> 4) & 0x03030303u), x.z, acc);
  acc = dp4a(int((codes >> 6) & 0x03030303u), x.w, acc);
  return acc;
}

/* Activations k = 16 g .. 16 g + 15 of a row of k, zero past its end, as
 * the 4 dp4a operands of word g; adds their sum to *x_sum. A 16-byte
 * aligned row of a multiple of 16 bytes (arena views are) loads a whole
 * group at once. */
__host__ __device__ __forceinline__ int4 activation_group(const int8_t *row,
                                                          int k, int g,
                                                          int *x_sum) {
  int4 group;
  if (k % 16 == 0 && 16 * g + 16 <= k &&
      reinterpret_cast<uintptr_t>(row) % 16 == 0) {
    group = *reinterpret_cast<const int4 *>(row + 16 * g);
  } else {
    int packed[4];
    for (int j = 0; j < 4; ++j) {
      unsigned bytes = 0;
      for (int b = 0; b < 4; ++b) {
        const int at = 16 * g + 4 * j + b;
        if (at < k)
          bytes |= unsigned(uint8_t(row[at])) << (8 * b);
      }
      packed[j] = int(bytes);
    }
    group = make_int4(packed[0], packed[1], packed[2], packed[3]);
  }
  *x_sum = dp4a(group.x, 0x01010101, *x_sum);
  *x_sum = dp4a(group.y, 0x01010101, *x_sum);
  *x_sum = dp4a(group.z, 0x01010101, *x_sum);
  *x_sum = dp4a(group.w, 0x01010101, *x_sum);
  return group;
}

/* Where group g of a row of `words` words is staged: lane step g / 4 reads
 * it as word g % 4 of its 16-byte load. */
__host__ __device__ __forceinline__ int staged_index(int g, int words) {
  return (g % 4) * (words / 4) + g / 4;
}

/* A row's sum over lane steps first, first + stride, ... below `steps`:
 * what one lane adds up before the warp's reduction. */
__host__ __device__ __forceinline__ int row_partial(const uint4 *codes,
                                                    const int4 *staged,
                                                    int steps, int first,
                                                    int stride) {
  int acc = 0;
  for (int i = first; i < steps; i += stride) {
#if defined(__CUDA_ARCH__)
    const uint4 c = __ldg(codes + i);
#else
    const uint4 c = codes[i];
#endif
    acc = dot16(c.x, staged[i], acc);
    acc = dot16(c.y, staged[steps + i], acc);
    acc = dot16(c.z, staged[2 * steps + i], acc);
    acc = dot16(c.w, staged[3 * steps + i], acc);
  }
  return acc;
}

/* sums[m][n] = sum_k w[n][k] x[m][k]: one warp per row, one block row per
 * token (blockIdx.y). The block first stages its token's activations in
 * shared memory, zero-padded, as an int4 per 16 k, stored in the order the
 * lanes read them: lane step i reads words 4 i .. 4 i + 3 of a row (one
 * 16-byte load) and so groups 4 i + t, kept at staged[t * steps + i], which
 * consecutive lanes read without bank conflicts. */
__global__ void __launch_bounds__(kLinearWarps * 32)
    ternary_dot_w2a8(const int8_t *__restrict__ x,
                     const uint8_t *__restrict__ w, int32_t *__restrict__ sums,
                     int n, int k, int words) {
  extern __shared__ int4 staged[];
  __shared__ int warp_sums[kLinearWarps];
  const int lane = int(threadIdx.x) % 32, warp = int(threadIdx.x) / 32;
  const int steps = words / 4;
  const int8_t *row_x = x + size_t(blockIdx.y) * size_t(k);
  int x_sum = 0;
  for (int g = int(threadIdx.x); g < words; g += int(blockDim.x))
    staged[staged_index(g, words)] = activation_group(row_x, k, g, &x_sum);
  x_sum = warp_sum(x_sum);
  if (lane == 0)
    warp_sums[warp] = x_sum;
  __syncthreads();
  x_sum = 0;
  for (int i = 0; i < kLinearWarps; ++i)
    x_sum += warp_sums[i];

  const int row = int(blockIdx.x) * kLinearWarps + warp;
  if (row >= n)
    return; /* the whole warp: it shares the row */
  const uint4 *codes = reinterpret_cast<const uint4 *>(w) + size_t(row) * steps;
  const int acc = warp_sum(row_partial(codes, staged, steps, lane, 32));
  if (lane == 0)
    sums[size_t(blockIdx.y) * size_t(n) + size_t(row)] = acc - x_sum;
}

/* y = sums scaled per tensor, token and/or channel (scale_output's order). */
__global__ void scale_sums(const int32_t *__restrict__ sums,
                           const float *__restrict__ xs,
                           const float *__restrict__ ws, float *__restrict__ y,
                           long long outputs, int n, bool per_token,
                           bool per_channel) {
  const long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= outputs)
    return;
  const int token = int(i / n), row = int(i % n);
  const float x_scale = xs[per_token ? token : 0];
  const float sum = float(sums[i]);
  if (!per_channel)
    y[i] = sum * (x_scale * ws[0]);
  else if (!per_token)
    y[i] = sum * (x_scale * ws[row]);
  else
    y[i] = (sum * ws[row]) * x_scale;
}

/* A layer: y[m][n] from x[m][k] (int8), its scales, the packed weights and
 * theirs; `sums` is m x n int32 scratch on the device. Many tokens go
 * through tensor cores, a few through the dp4a kernel: both compute the
 * same integer sums. */
inline void linear_w2a8(const W2Layout &layout, int m, const int8_t *x,
                        const float *xs, const uint8_t *w, const float *ws,
                        float *y, int32_t *sums, bool per_token,
                        bool per_channel) {
  if (m >= kGemmMinTokens && tensor_cores_available()) {
    gemm_w2a8(layout, m, x, w, sums);
  } else {
    const dim3 grid(blocks_for(layout.n, kLinearWarps), unsigned(m));
    ternary_dot_w2a8<<<grid, kLinearWarps * 32, size_t(layout.k_padded()),
                       stream()>>>(x, w, sums, int(layout.n), int(layout.k),
                                   int(layout.words_per_row()));
    check_launch("ternary_dot_w2a8");
  }
  const long long outputs = (long long)m * layout.n;
  scale_sums<<<blocks_for(outputs, kLoopBlock), kLoopBlock, 0, stream()>>>(
      sums, xs, ws, y, outputs, int(layout.n), per_token, per_channel);
  check_launch("scale_sums");
}

/* tern.quantize_activations per_token, as tern/cpu/quantize.h computes it:
 * s = max(max|x|, 1e-5) / 127 (NaN if the row holds one) and
 * q = clamp(roundeven(x / s), -128, 127), NaN becoming -128. One block per
 * row. */
/* Folds a value into a row's largest magnitude, NaNs set aside. */
__device__ __forceinline__ void absmax_step(float v, float &top, int &nan) {
  if (isnan(v))
    nan = 1;
  else
    top = fmaxf(top, fabsf(v));
}

/* The row's scale from every thread's (top, nan) of a kQuantizeBlock
 * block: max(max|x|, 1e-5) / 127, or NaN if the row holds one. */
__device__ inline float block_quantize_scale(float top, int nan) {
  __shared__ float warp_max[kQuantizeBlock / 32];
  __shared__ int warp_nan[kQuantizeBlock / 32];
  for (int offset = 16; offset; offset >>= 1) {
    top = fmaxf(top, __shfl_xor_sync(kFullWarp, top, offset));
    nan |= __shfl_xor_sync(kFullWarp, nan, offset);
  }
  if (threadIdx.x % 32 == 0) {
    warp_max[threadIdx.x / 32] = top;
    warp_nan[threadIdx.x / 32] = nan;
  }
  __syncthreads();
  for (int i = 0; i < kQuantizeBlock / 32; ++i) {
    top = fmaxf(top, warp_max[i]);
    nan |= warp_nan[i];
  }
  return nan ? __int_as_float(0x7fffffff) : fmaxf(top, 1e-5f) / 127.0f;
}

__device__ __forceinline__ int8_t quantize_value(float v, float scale) {
  return int8_t(fminf(fmaxf(rintf(v / scale), -128.0f), 127.0f));
}

__global__ void __launch_bounds__(kQuantizeBlock)
    quantize_rows(const float *__restrict__ x, int k, int8_t *__restrict__ q,
                  float *__restrict__ scales) {
  const float *row = x + size_t(blockIdx.x) * size_t(k);
  float top = 0.0f;
  int nan = 0;
  for (int i = int(threadIdx.x); i < k; i += kQuantizeBlock)
    absmax_step(row[i], top, nan);
  const float scale = block_quantize_scale(top, nan);
  if (threadIdx.x == 0)
    scales[blockIdx.x] = scale;
  int8_t *out = q + size_t(blockIdx.x) * size_t(k);
  for (int i = int(threadIdx.x); i < k; i += kQuantizeBlock)
    out[i] = quantize_value(row[i], scale);
}

inline void quantize_per_token(const float *x, int m, int k, int8_t *q,
                               float *scales) {
  quantize_rows<<<unsigned(m), kQuantizeBlock, 0, stream()>>>(x, k, q, scales);
  check_launch("quantize_rows");
}

} // namespace cuda
} // namespace tern

#endif /* TERN_CUDA_LINEAR_CUH */
