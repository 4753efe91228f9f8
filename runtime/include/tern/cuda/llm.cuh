/* CUDA kernels of tern's transformer-decoder ops (dialect/TernLlmOps.td)
 * for --target=cuda: embedding rows, RMSNorm, rotary embedding, causal
 * grouped-query attention through a KV cache on the device, and the int8
 * LM head. Each host function only launches; the model's entry calls them
 * with device pointers and its static shapes. The arithmetic follows the
 * CPU kernels (tern/llm/ops.h) operation by operation where the order can
 * be kept (round-to-nearest intrinsics stop nvcc from fusing a multiply
 * and an add the CPU rounds apart); sums spread over threads add in a
 * different order, so float results agree within rounding, not bit for
 * bit. The LM head's dot products are exact integers. */
#ifndef TERN_CUDA_LLM_CUH
#define TERN_CUDA_LLM_CUH

#include "tern/cuda/device.cuh"
#include "tern/cuda/limits.h"
#include "tern/cuda/linear.cuh" /* dp4a, warp_sum, quantize_per_token */
#include "tern/llm.h"

#include <cmath>
#include <cstdint>
#include <cstring>

namespace tern {
namespace cuda {

constexpr int kNormBlock = 256;
constexpr int kAttentionWarps = 4; /* split one head's positions */
constexpr int kDimsPerLane = kMaxHeadDim / 32;
constexpr int kHeadWarps = 8; /* LM-head rows per block, one warp each */

/* IEEE half bits to float, exactly (tern::llm::half_to_float). */
__host__ __device__ inline float half_bits_to_float(uint16_t h) {
  const uint32_t sign = uint32_t(h & 0x8000) << 16, exponent = (h >> 10) & 0x1F,
                 mantissa = h & 0x3FF;
  uint32_t bits;
  if (exponent == 0x1F)
    bits = sign | 0x7F800000 | (mantissa << 13);
  else if (exponent)
    bits = sign | ((exponent + 112) << 23) | (mantissa << 13);
  else { /* zero and subnormals: mantissa * 2^-24, exact in float */
    const float f = float(mantissa) * 0x1p-24f;
    return sign ? -f : f;
  }
#if defined(__CUDA_ARCH__)
  return __uint_as_float(bits);
#else
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
#endif
}

__device__ __forceinline__ float widen(float value) { return value; }
/* f16 tables travel as their bits (tern::llm::embedding). */
__device__ __forceinline__ float widen(int16_t bits) {
  return half_bits_to_float(uint16_t(bits));
}

template <typename T>
__global__ void embedding_rows(const T *__restrict__ table, int dim,
                               const int32_t *__restrict__ ids, long long total,
                               float *__restrict__ out) {
  const long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= total)
    return;
  const long long t = i / dim, d = i % dim;
  out[i] = widen(table[(long long)ids[t] * dim + d]);
}

/* tern.embedding: out[t] = table[ids[t]], a thread per element. */
template <typename T>
inline void embedding(const T *table, int64_t dim, const int32_t *ids,
                      int64_t tokens, float *out) {
  const long long total = (long long)(tokens * dim);
  embedding_rows<<<blocks_for(total, kLoopBlock), kLoopBlock, 0, stream()>>>(
      table, int(dim), ids, total, out);
  check_launch("embedding_rows");
}

__device__ __forceinline__ double warp_sum(double value) {
  for (int offset = 16; offset; offset >>= 1)
    value += __shfl_xor_sync(kFullWarp, value, offset);
  return value;
}

__device__ __forceinline__ float warp_sum(float value) {
  for (int offset = 16; offset; offset >>= 1)
    value += __shfl_xor_sync(kFullWarp, value, offset);
  return value;
}

/* 1 / sqrt(mean(row^2) + epsilon) for a kNormBlock block, the sum of
 * squares in double as on the CPU. */
__device__ inline float block_rms_scale(const float *row, int dim,
                                        float epsilon) {
  __shared__ double warp_sums[kNormBlock / 32];
  double sum = 0;
  for (int i = int(threadIdx.x); i < dim; i += kNormBlock)
    sum += double(row[i]) * double(row[i]);
  sum = warp_sum(sum);
  if (threadIdx.x % 32 == 0)
    warp_sums[threadIdx.x / 32] = sum;
  __syncthreads();
  sum = 0;
  for (int i = 0; i < kNormBlock / 32; ++i)
    sum += warp_sums[i];
  return 1.0f / sqrtf(__fadd_rn(float(sum / double(dim)), epsilon));
}

__device__ __forceinline__ float normalized(float x, float scale,
                                            float weight) {
  return __fmul_rn(__fmul_rn(x, scale), weight);
}

/* One block per token. */
__global__ void __launch_bounds__(kNormBlock)
    rms_norm_rows(const float *__restrict__ x, const float *__restrict__ weight,
                  int dim, float epsilon, float *__restrict__ out) {
  const float *row = x + size_t(blockIdx.x) * size_t(dim);
  const float scale = block_rms_scale(row, dim, epsilon);
  float *o = out + size_t(blockIdx.x) * size_t(dim);
  for (int i = int(threadIdx.x); i < dim; i += kNormBlock)
    o[i] = normalized(row[i], scale, weight[i]);
}

/* RMSNorm then per-token int8 quantization in one pass per token: the
 * normalized row is never stored, each element is computed again (by the
 * same operations) when it is quantized, so q and scales equal rms_norm
 * followed by quantize_per_token bit for bit. */
__global__ void __launch_bounds__(kNormBlock)
    rms_norm_quantize_rows(const float *__restrict__ x,
                           const float *__restrict__ weight, int dim,
                           float epsilon, int8_t *__restrict__ q,
                           float *__restrict__ scales) {
  static_assert(kNormBlock == kQuantizeBlock, "one block does both");
  const float *row = x + size_t(blockIdx.x) * size_t(dim);
  const float scale = block_rms_scale(row, dim, epsilon);
  float top = 0.0f;
  int nan = 0;
  for (int i = int(threadIdx.x); i < dim; i += kNormBlock)
    absmax_step(normalized(row[i], scale, weight[i]), top, nan);
  const float step = block_quantize_scale(top, nan);
  if (threadIdx.x == 0)
    scales[blockIdx.x] = step;
  int8_t *out = q + size_t(blockIdx.x) * size_t(dim);
  for (int i = int(threadIdx.x); i < dim; i += kNormBlock)
    out[i] = quantize_value(normalized(row[i], scale, weight[i]), step);
}

inline void rms_norm(const float *x, const float *weight, int64_t tokens,
                     int64_t dim, float epsilon, float *out) {
  rms_norm_rows<<<unsigned(tokens), kNormBlock, 0, stream()>>>(
      x, weight, int(dim), epsilon, out);
  check_launch("rms_norm_rows");
}

/* A tern.rms_norm whose only user is a per-token tern.quantize_activations
 * (codegen/cuda/CudaLlmKernels.cpp fuses them): one launch and no float
 * row in between. */
inline void rms_norm_quantize(const float *x, const float *weight,
                              int64_t tokens, int64_t dim, float epsilon,
                              int8_t *q, float *scales) {
  rms_norm_quantize_rows<<<unsigned(tokens), kNormBlock, 0, stream()>>>(
      x, weight, int(dim), epsilon, q, scales);
  check_launch("rms_norm_quantize_rows");
}

/* A thread per (token, head, pair); the angle in double, as on the CPU. */
__global__ void rope_pairs(const float *__restrict__ x,
                           const int32_t *__restrict__ positions,
                           long long pairs, int width, int head_dim,
                           float theta, bool neox, float *__restrict__ out) {
  const long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= pairs)
    return;
  const int half = head_dim / 2, per_token = width / 2;
  const long long t = i / per_token;
  const int head = int(i % per_token) / half, pair = int(i % per_token) % half;
  const double angle =
      double(positions[t]) *
      pow(double(theta), -2.0 * double(pair) / double(head_dim));
  const float c = float(cos(angle)), s = float(sin(angle));
  const long long base = t * width + (long long)head * head_dim;
  const int a = neox ? pair : 2 * pair, b = neox ? pair + half : 2 * pair + 1;
  const float x0 = x[base + a], x1 = x[base + b];
  out[base + a] = __fsub_rn(__fmul_rn(x0, c), __fmul_rn(x1, s));
  out[base + b] = __fadd_rn(__fmul_rn(x0, s), __fmul_rn(x1, c));
}

inline void rope(const float *x, const int32_t *positions, int64_t tokens,
                 int64_t width, int64_t head_dim, float theta, bool neox,
                 float *out) {
  const long long pairs = (long long)(tokens * width / 2);
  rope_pairs<<<blocks_for(pairs, kLoopBlock), kLoopBlock, 0, stream()>>>(
      x, positions, pairs, int(width), int(head_dim), theta, neox, out);
  check_launch("rope_pairs");
}

/* The tokens' keys and values into the cache at their positions (rows of
 * `width`, tern/llm.h's device layout); a position outside the cache is
 * skipped, and attention never reads past the cache either. */
__global__ void store_kv(const float *__restrict__ k,
                         const float *__restrict__ v,
                         const int32_t *__restrict__ positions, long long total,
                         int width, int context, float *__restrict__ keys,
                         float *__restrict__ values) {
  const long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= total)
    return;
  const long long t = i / width, c = i % width;
  const int p = positions[t];
  if (p < 0 || p >= context)
    return;
  keys[(long long)p * width + c] = k[i];
  values[(long long)p * width + c] = v[i];
}

/* A warp's running softmax over the positions it visited: the largest
 * score, the sum of exp(score - top), and sum of exp(score - top) * value
 * for the lane's dimensions d = lane + 32 j. */
struct SoftmaxPartial {
  float top, total;
  float acc[kDimsPerLane];
};

/* Folds one more position's score and value row into `p`, rescaling what
 * it holds when the top moves (the first score sets it: exp(-inf) = 0). */
__host__ __device__ inline void softmax_step(SoftmaxPartial &p, float score,
                                             const float *value, int lane,
                                             int head_dim) {
  const float top = fmaxf(p.top, score);
  const float fade = expf(p.top - top), e = expf(score - top);
  p.total = p.total * fade + e;
  for (int j = 0; j < kDimsPerLane; ++j) {
    const int d = lane + 32 * j;
    if (d < head_dim)
      p.acc[j] = p.acc[j] * fade + e * value[d];
  }
  p.top = top;
}

/* Output element d of a head from the warps' partials (part_acc is
 * [kAttentionWarps][kMaxHeadDim]): each warp's sums rescaled to the
 * largest top; an idle warp's top is -inf, so it adds nothing. */
__host__ __device__ inline float merged_output(const float *part_top,
                                               const float *part_total,
                                               const float *part_acc, int d) {
  float top = -INFINITY;
  for (int w = 0; w < kAttentionWarps; ++w)
    top = fmaxf(top, part_top[w]);
  float weighted = 0.0f, total = 0.0f;
  for (int w = 0; w < kAttentionWarps; ++w) {
    const float fade = expf(part_top[w] - top);
    weighted += part_acc[w * kMaxHeadDim + d] * fade;
    total += part_total[w] * fade;
  }
  return weighted / total;
}

/* One block per (head, token): warp w attends to positions w, w + W, ...
 * of the token's causal span, each with a running softmax, then the block
 * merges the warps' partials. */
__global__ void __launch_bounds__(kAttentionWarps * 32)
    attention_heads(const float *__restrict__ q, const float *__restrict__ keys,
                    const float *__restrict__ values,
                    const int32_t *__restrict__ positions, int heads, int group,
                    int width, int head_dim, int context, float scale,
                    float *__restrict__ out) {
  __shared__ float part_top[kAttentionWarps], part_total[kAttentionWarps];
  __shared__ float part_acc[kAttentionWarps][kMaxHeadDim];
  const int lane = int(threadIdx.x) % 32, warp = int(threadIdx.x) / 32;
  const int head = int(blockIdx.x), t = int(blockIdx.y);
  const long long row = (long long)t * heads + head;
  const int kv_offset = (head / group) * head_dim;
  float query[kDimsPerLane];
  for (int j = 0; j < kDimsPerLane; ++j) {
    const int d = lane + 32 * j;
    query[j] = d < head_dim ? q[row * head_dim + d] : 0.0f;
  }
  SoftmaxPartial p;
  p.top = -INFINITY;
  p.total = 0.0f;
  for (int j = 0; j < kDimsPerLane; ++j)
    p.acc[j] = 0.0f;
  const int span = min(positions[t] + 1, context);
  for (int pos = warp; pos < span; pos += kAttentionWarps) {
    const float *key = keys + (long long)pos * width + kv_offset;
    float dot = 0.0f;
    for (int j = 0; j < kDimsPerLane; ++j) {
      const int d = lane + 32 * j;
      if (d < head_dim)
        dot = fmaf(query[j], key[d], dot);
    }
    const float score = __fmul_rn(warp_sum(dot), scale);
    softmax_step(p, score, values + (long long)pos * width + kv_offset, lane,
                 head_dim);
  }
  if (lane == 0) {
    part_top[warp] = p.top;
    part_total[warp] = p.total;
  }
  for (int j = 0; j < kDimsPerLane; ++j)
    if (lane + 32 * j < head_dim)
      part_acc[warp][lane + 32 * j] = p.acc[j];
  __syncthreads();
  for (int d = int(threadIdx.x); d < head_dim; d += int(blockDim.x))
    out[row * head_dim + d] =
        merged_output(part_top, part_total, &part_acc[0][0], d);
}

/* tern.attention: stores the tokens' keys and values in the current KV
 * cache (on the device: tern_kv_cache_create_on with the model's device),
 * then attends each query head to the positions up to its token's. */
inline void attention(const float *q, const float *k, const float *v,
                      const int32_t *positions, int64_t tokens, int64_t layer,
                      int64_t heads, int64_t kv_heads, int64_t head_dim,
                      float *out) {
  tern_kv_cache *cache = tern_kv_cache_current();
  if (!cache || cache->device != &device) {
    report("attention", cache ? "the KV cache is not on the CUDA device"
                              : "no KV cache is current");
    return;
  }
  const int64_t width = kv_heads * head_dim;
  if (width != cache->width || layer >= cache->layers ||
      head_dim > kMaxHeadDim) {
    report("attention", "the KV cache does not match the model");
    return;
  }
  const long long layer_offset = (long long)layer * cache->context * width;
  float *keys = cache->keys + layer_offset;
  float *values = cache->values + layer_offset;
  const long long total = (long long)(tokens * width);
  store_kv<<<blocks_for(total, kLoopBlock), kLoopBlock, 0, stream()>>>(
      k, v, positions, total, int(width), cache->context, keys, values);
  check_launch("store_kv");
  const dim3 grid{unsigned(heads), unsigned(tokens)};
  attention_heads<<<grid, kAttentionWarps * 32, 0, stream()>>>(
      q, keys, values, positions, int(heads), int(heads / kv_heads), int(width),
      int(head_dim), cache->context, 1.0f / std::sqrt(float(head_dim)), out);
  check_launch("attention_heads");
}

/* out[t][v] = (sum_d q[t][d] table[v][d]) * scales[v] * xs[t]: a warp per
 * vocabulary row, dp4a over 4 bytes at a time when rows are 4-aligned. */
__global__ void __launch_bounds__(kHeadWarps * 32)
    lm_head_rows(const int8_t *__restrict__ q, const float *__restrict__ xs,
                 const int8_t *__restrict__ table,
                 const float *__restrict__ scales, int dim, int vocab,
                 float *__restrict__ out) {
  const int lane = int(threadIdx.x) % 32, warp = int(threadIdx.x) / 32;
  const int row = int(blockIdx.x) * kHeadWarps + warp, t = int(blockIdx.y);
  if (row >= vocab)
    return; /* the whole warp */
  const int8_t *w = table + size_t(row) * size_t(dim);
  const int8_t *x = q + size_t(t) * size_t(dim);
  int acc = 0;
  if (dim % 4 == 0) {
    const int *w4 = reinterpret_cast<const int *>(w);
    const int *x4 = reinterpret_cast<const int *>(x);
    for (int i = lane; i < dim / 4; i += 32)
      acc = dp4a(__ldg(w4 + i), x4[i], acc);
  } else {
    for (int i = lane; i < dim; i += 32)
      acc += int(w[i]) * int(x[i]);
  }
  acc = warp_sum(acc);
  if (lane == 0)
    out[size_t(t) * size_t(vocab) + size_t(row)] =
        __fmul_rn(__fmul_rn(float(acc), scales[row]), xs[t]);
}

/* tern.lm_head: the tokens quantized per token (into q and xs, m x dim and
 * m on the device), then int8 products with the table's rows. */
inline void lm_head(const float *x, const int8_t *table, const float *scales,
                    int64_t tokens, int64_t dim, int64_t vocab, float *out,
                    int8_t *q, float *xs) {
  quantize_per_token(x, int(tokens), int(dim), q, xs);
  const dim3 grid(blocks_for(vocab, kHeadWarps), unsigned(tokens));
  lm_head_rows<<<grid, kHeadWarps * 32, 0, stream()>>>(
      q, xs, table, scales, int(dim), int(vocab), out);
  check_launch("lm_head_rows");
}

} // namespace cuda
} // namespace tern

#endif /* TERN_CUDA_LLM_CUH */
