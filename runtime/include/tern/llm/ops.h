// The kernels of tern's transformer-decoder ops (dialect/TernLlmOps.td) on
// the CPU: embedding rows, RMSNorm, rotary embedding, causal grouped-query
// attention through the current KV cache (tern/llm.h), and the int8 LM
// head. Header-only, so generated code inlines them with its static shapes.
#ifndef TERN_LLM_OPS_H
#define TERN_LLM_OPS_H

#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include "tern/cpu/linear.h" // Isa, and the x86 target attributes
#include "tern/cpu/quantize.h"
#include "tern/llm.h"
#include "tern/pool.h"

namespace tern::llm {

inline void embedding(const float *table, int64_t dim, const int32_t *ids,
                      int64_t tokens, float *out) {
  for (int64_t t = 0; t < tokens; ++t)
    std::memcpy(out + t * dim, table + int64_t(ids[t]) * dim,
                size_t(dim) * sizeof(float));
}

// IEEE half bits to float, exactly.
inline float half_to_float(uint16_t h) {
  uint32_t sign = uint32_t(h & 0x8000) << 16, exponent = (h >> 10) & 0x1F,
           mantissa = h & 0x3FF, bits;
  if (exponent == 0x1F) { // inf, nan
    bits = sign | 0x7F800000 | (mantissa << 13);
  } else if (exponent) {
    bits = sign | ((exponent + 112) << 23) | (mantissa << 13);
  } else { // zero and subnormals: mantissa * 2^-24, exact in float
    float f = float(mantissa) * 0x1p-24f;
    return sign ? -f : f;
  }
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

// An f16 table passed as its bits (not every C++ compiler has _Float16),
// widened exactly row by row.
inline void embedding(const int16_t *table, int64_t dim, const int32_t *ids,
                      int64_t tokens, float *out) {
  for (int64_t t = 0; t < tokens; ++t)
    for (int64_t i = 0; i < dim; ++i)
      out[t * dim + i] =
          half_to_float(uint16_t(table[int64_t(ids[t]) * dim + i]));
}

// Sums of squares in double, as ggml_rms_norm does, so results track
// llama.cpp's closely.
inline void rms_norm(const float *x, const float *weight, int64_t tokens,
                     int64_t dim, float epsilon, float *out) {
  for (int64_t t = 0; t < tokens; ++t) {
    const float *row = x + t * dim;
    double sum = 0;
    for (int64_t i = 0; i < dim; ++i)
      sum += double(row[i]) * row[i];
    float scale = 1.0f / std::sqrt(float(sum / double(dim)) + epsilon);
    for (int64_t i = 0; i < dim; ++i)
      out[t * dim + i] = row[i] * scale * weight[i];
  }
}

inline void rope(const float *x, const int32_t *positions, int64_t tokens,
                 int64_t width, int64_t head_dim, float theta, bool neox,
                 float *out) {
  int64_t half = head_dim / 2;
  std::vector<float> cosines(static_cast<size_t>(half)),
      sines(static_cast<size_t>(half));
  for (int64_t t = 0; t < tokens; ++t) {
    // The angles depend on the position and the pair, not the head.
    for (int64_t i = 0; i < half; ++i) {
      double angle = double(positions[t]) *
                     std::pow(double(theta), -2.0 * double(i) / head_dim);
      cosines[size_t(i)] = float(std::cos(angle));
      sines[size_t(i)] = float(std::sin(angle));
    }
    for (int64_t h = 0; h < width / head_dim; ++h) {
      const float *in = x + t * width + h * head_dim;
      float *o = out + t * width + h * head_dim;
      for (int64_t i = 0; i < half; ++i) {
        float c = cosines[size_t(i)], s = sines[size_t(i)];
        int64_t a = neox ? i : 2 * i, b = neox ? i + half : 2 * i + 1;
        float x0 = in[a], x1 = in[b];
        o[a] = x0 * c - x1 * s;
        o[b] = x0 * s + x1 * c;
      }
    }
  }
}

// Float dot products of attention in one summation order on every ISA:
// 16 lanes, lane l accumulating elements l, l + 16, ... with fused
// multiply-adds, then the lanes added in order. So a model's logits do not
// depend on the variant it was compiled for.
// Elements i.. of the dot product into their lanes, then the lanes' sum:
// the part every ISA shares, so they cannot drift apart.
inline float finish_dot_f32(float lanes[16], const float *a, const float *b,
                            int64_t i, int64_t n) {
  for (; i < n; ++i)
    lanes[i % 16] = std::fma(a[i], b[i], lanes[i % 16]);
  float sum = 0;
  for (int l = 0; l < 16; ++l)
    sum += lanes[l];
  return sum;
}

inline float dot_f32_scalar(const float *a, const float *b, int64_t n) {
  float lanes[16] = {};
  return finish_dot_f32(lanes, a, b, 0, n);
}

#if defined(__x86_64__)
TERN_TARGET_AVX512 inline float dot_f32_avx512(const float *a, const float *b,
                                               int64_t n) {
  __m512 acc = _mm512_setzero_ps();
  int64_t i = 0;
  for (; i + 16 <= n; i += 16)
    acc = _mm512_fmadd_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i), acc);
  alignas(64) float lanes[16];
  _mm512_store_ps(lanes, acc);
  return finish_dot_f32(lanes, a, b, i, n);
}

TERN_TARGET_AVX2 inline float dot_f32_avx2(const float *a, const float *b,
                                           int64_t n) {
  __m256 low = _mm256_setzero_ps(), high = _mm256_setzero_ps();
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    low = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), low);
    high = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8),
                           _mm256_loadu_ps(b + i + 8), high);
  }
  alignas(32) float lanes[16];
  _mm256_store_ps(lanes, low);
  _mm256_store_ps(lanes + 8, high);
  return finish_dot_f32(lanes, a, b, i, n);
}

// out[i] = fma(w, v[i], out[i]): elementwise, so every ISA agrees.
TERN_TARGET_AVX512 inline void axpy_f32_avx512(float w, const float *v,
                                               float *out, int64_t n) {
  int64_t i = 0;
  __m512 wv = _mm512_set1_ps(w);
  for (; i + 16 <= n; i += 16)
    _mm512_storeu_ps(out + i, _mm512_fmadd_ps(wv, _mm512_loadu_ps(v + i),
                                              _mm512_loadu_ps(out + i)));
  for (; i < n; ++i)
    out[i] = std::fma(w, v[i], out[i]);
}

TERN_TARGET_AVX2 inline void axpy_f32_avx2(float w, const float *v, float *out,
                                           int64_t n) {
  int64_t i = 0;
  __m256 wv = _mm256_set1_ps(w);
  for (; i + 8 <= n; i += 8)
    _mm256_storeu_ps(out + i, _mm256_fmadd_ps(wv, _mm256_loadu_ps(v + i),
                                              _mm256_loadu_ps(out + i)));
  for (; i < n; ++i)
    out[i] = std::fma(w, v[i], out[i]);
}
#endif

template <cpu::Isa I>
inline float dot_f32(const float *a, const float *b, int64_t n) {
#if defined(__x86_64__)
  if constexpr (I == cpu::Isa::Avx512)
    return dot_f32_avx512(a, b, n);
  if constexpr (I == cpu::Isa::Avx2)
    return dot_f32_avx2(a, b, n);
#endif
  return dot_f32_scalar(a, b, n);
}

template <cpu::Isa I>
inline void axpy_f32(float w, const float *v, float *out, int64_t n) {
#if defined(__x86_64__)
  if constexpr (I == cpu::Isa::Avx512)
    return axpy_f32_avx512(w, v, out, n);
  if constexpr (I == cpu::Isa::Avx2)
    return axpy_f32_avx2(w, v, out, n);
#endif
  for (int64_t i = 0; i < n; ++i)
    out[i] = std::fma(w, v[i], out[i]);
}

#if defined(__x86_64__)
// One query against `span` cached positions for head size D (a multiple of
// 16), with the generic path's arithmetic: each dot's 16 lanes accumulate
// in k order and are summed by finish_dot_f32, and the output accumulates
// fma(weight, v, o) position by position. Dots run four keys at a time and
// the output stays in registers, where the generic path is latency-bound.
template <int D>
TERN_TARGET_AVX512 inline void
attend_avx512(const float *q, const float *keys, const float *values,
              int64_t width, int64_t span, float scale,
              std::vector<float> &scores, float *out) {
  constexpr int kVectors = D / 16;
  __m512 qv[kVectors];
  for (int j = 0; j < kVectors; ++j)
    qv[j] = _mm512_loadu_ps(q + 16 * j);
  scores.resize(size_t(span));
  float top = -INFINITY;
  int64_t p = 0;
  for (; p + 4 <= span; p += 4) {
    __m512 acc[4];
    for (int r = 0; r < 4; ++r)
      acc[r] = _mm512_setzero_ps();
    for (int j = 0; j < kVectors; ++j)
      for (int r = 0; r < 4; ++r)
        acc[r] = _mm512_fmadd_ps(
            qv[j], _mm512_loadu_ps(keys + (p + r) * width + 16 * j), acc[r]);
    alignas(64) float lanes[4][16];
    for (int r = 0; r < 4; ++r)
      _mm512_store_ps(lanes[r], acc[r]);
    for (int r = 0; r < 4; ++r) {
      float score = finish_dot_f32(lanes[r], q, keys, D, D) * scale;
      scores[size_t(p + r)] = score;
      top = std::fmax(top, score);
    }
  }
  for (; p < span; ++p) {
    float score = dot_f32_avx512(q, keys + p * width, D) * scale;
    scores[size_t(p)] = score;
    top = std::fmax(top, score);
  }
  double total = 0;
  for (p = 0; p < span; ++p) {
    scores[size_t(p)] = std::exp(scores[size_t(p)] - top);
    total += scores[size_t(p)];
  }
  __m512 o[kVectors];
  for (int j = 0; j < kVectors; ++j)
    o[j] = _mm512_setzero_ps();
  for (p = 0; p < span; ++p) {
    const __m512 w = _mm512_set1_ps(float(scores[size_t(p)] / total));
    for (int j = 0; j < kVectors; ++j)
      o[j] = _mm512_fmadd_ps(w, _mm512_loadu_ps(values + p * width + 16 * j),
                             o[j]);
  }
  for (int j = 0; j < kVectors; ++j)
    _mm512_storeu_ps(out + 16 * j, o[j]);
}
#endif

struct AttentionTask {
  const float *q;
  const int32_t *positions;
  int64_t tokens, heads, group, head_dim;
  const float *keys, *values; // this layer's cache
  int64_t width;
  float *out;
};

template <cpu::Isa I>
inline void attention_heads(void *context, int thread, int threads) {
  const AttentionTask &a = *static_cast<const AttentionTask *>(context);
  int64_t jobs = a.tokens * a.heads;
  std::vector<float> scores;
  float scale = 1.0f / std::sqrt(float(a.head_dim));
  for (int64_t job = thread; job < jobs; job += threads) {
    int64_t t = job / a.heads, h = job % a.heads;
    int64_t kv = (h / a.group) * a.head_dim, span = a.positions[t] + 1;
    const float *q = a.q + t * a.heads * a.head_dim + h * a.head_dim;
    float *o = a.out + t * a.heads * a.head_dim + h * a.head_dim;
#if defined(__x86_64__)
    if constexpr (I == cpu::Isa::Avx512) {
      if (a.head_dim == 128) {
        attend_avx512<128>(q, a.keys + kv, a.values + kv, a.width, span, scale,
                           scores, o);
        continue;
      }
      if (a.head_dim == 64) {
        attend_avx512<64>(q, a.keys + kv, a.values + kv, a.width, span, scale,
                          scores, o);
        continue;
      }
    }
#endif
    scores.resize(size_t(span));
    float top = -INFINITY;
    for (int64_t p = 0; p < span; ++p) {
      float dot = dot_f32<I>(q, a.keys + p * a.width + kv, a.head_dim);
      scores[size_t(p)] = dot * scale;
      top = std::fmax(top, scores[size_t(p)]);
    }
    double total = 0;
    for (int64_t p = 0; p < span; ++p) {
      scores[size_t(p)] = std::exp(scores[size_t(p)] - top);
      total += scores[size_t(p)];
    }
    for (int64_t i = 0; i < a.head_dim; ++i)
      o[i] = 0;
    for (int64_t p = 0; p < span; ++p)
      axpy_f32<I>(float(scores[size_t(p)] / total), a.values + p * a.width + kv,
                  o, a.head_dim);
  }
}

// Stores the tokens' keys and values at their positions, then attends each
// query to the cached positions up to its own.
template <cpu::Isa I>
inline void attention(const float *q, const float *k, const float *v,
                      const int32_t *positions, int64_t tokens, int64_t layer,
                      int64_t heads, int64_t kv_heads, int64_t head_dim,
                      float *out) {
  tern_kv_cache *cache = tern_kv_cache_current();
  int64_t width = kv_heads * head_dim;
  float *keys = cache->keys + layer * cache->context * width;
  float *values = cache->values + layer * cache->context * width;
  for (int64_t t = 0; t < tokens; ++t)
    for (int64_t i = 0; i < width; ++i) {
      keys[positions[t] * width + i] = k[t * width + i];
      values[positions[t] * width + i] = v[t * width + i];
    }
  AttentionTask task{q,        positions, tokens, heads, heads / kv_heads,
                     head_dim, keys,      values, width, out};
  tern_pool_run(tern_pool_current(), attention_heads<I>, &task);
}

struct LmHeadTask {
  const int8_t *q; // [tokens][dim] quantized input
  const float *xs; // [tokens] its scales
  const int8_t *table;
  const float *scales;
  int64_t tokens, dim, vocab;
  float *out;
};

// sum_d q[d] * w[d] for one row, exactly. |q| and |w| are at most 127
// (absmax scales), so the sign trick's byte products, |w| * (q * sign w),
// never saturate AVX2's 16-bit pair sums.
inline int32_t dot_i8_scalar(const int8_t *q, const int8_t *w, int64_t dim) {
  int32_t sum = 0;
  for (int64_t d = 0; d < dim; ++d)
    sum += int32_t(q[d]) * int32_t(w[d]);
  return sum;
}

#if defined(__x86_64__)
TERN_TARGET_AVX512 inline int32_t dot_i8_avx512(const int8_t *q,
                                                const int8_t *w, int64_t dim) {
  __m512i acc = _mm512_setzero_si512();
  int64_t d = 0;
  for (; d + 64 <= dim; d += 64) {
    __m512i wv = _mm512_loadu_si512(w + d), qv = _mm512_loadu_si512(q + d);
    __mmask64 negative = _mm512_movepi8_mask(wv);
    __m512i signed_q =
        _mm512_mask_sub_epi8(qv, negative, _mm512_setzero_si512(), qv);
    acc = _mm512_dpbusd_epi32(acc, _mm512_abs_epi8(wv), signed_q);
  }
  return _mm512_reduce_add_epi32(acc) + dot_i8_scalar(q + d, w + d, dim - d);
}

TERN_TARGET_AVX2 inline int32_t dot_i8_avx2(const int8_t *q, const int8_t *w,
                                            int64_t dim) {
  __m256i acc = _mm256_setzero_si256();
  const __m256i ones = _mm256_set1_epi16(1);
  int64_t d = 0;
  for (; d + 32 <= dim; d += 32) {
    __m256i wv = _mm256_loadu_si256(reinterpret_cast<const __m256i *>(w + d));
    __m256i qv = _mm256_loadu_si256(reinterpret_cast<const __m256i *>(q + d));
    __m256i pairs = _mm256_maddubs_epi16(_mm256_sign_epi8(wv, wv),
                                         _mm256_sign_epi8(qv, wv));
    acc = _mm256_add_epi32(acc, _mm256_madd_epi16(pairs, ones));
  }
  __m128i half = _mm_add_epi32(_mm256_castsi256_si128(acc),
                               _mm256_extracti128_si256(acc, 1));
  half = _mm_add_epi32(half, _mm_shuffle_epi32(half, 0x4E));
  half = _mm_add_epi32(half, _mm_shuffle_epi32(half, 0xB1));
  return _mm_cvtsi128_si32(half) + dot_i8_scalar(q + d, w + d, dim - d);
}
#endif

template <cpu::Isa I>
inline int32_t dot_i8(const int8_t *q, const int8_t *w, int64_t dim) {
#if defined(__x86_64__)
  if constexpr (I == cpu::Isa::Avx512)
    return dot_i8_avx512(q, w, dim);
  if constexpr (I == cpu::Isa::Avx2)
    return dot_i8_avx2(q, w, dim);
#endif
  return dot_i8_scalar(q, w, dim);
}

template <cpu::Isa I>
inline void lm_head_rows(void *context, int thread, int threads) {
  const LmHeadTask &a = *static_cast<const LmHeadTask *>(context);
  // Contiguous row ranges, so each thread streams its part of the table.
  int64_t begin = a.vocab * thread / threads,
          end = a.vocab * (thread + 1) / threads;
  for (int64_t v = begin; v < end; ++v) {
    const int8_t *w = a.table + v * a.dim;
    for (int64_t t = 0; t < a.tokens; ++t)
      a.out[t * a.vocab + v] =
          float(dot_i8<I>(a.q + t * a.dim, w, a.dim)) * a.scales[v] * a.xs[t];
  }
}

// tern.lm_head: quantizes each token as tern.quantize_activations per_token
// does, then int8 x int8 products over the table's rows.
template <cpu::Isa I>
inline void lm_head(const float *x, const int8_t *table, const float *scales,
                    int64_t tokens, int64_t dim, int64_t vocab, float *out) {
  cpu::Scratch<int8_t> q{size_t(tokens * dim)};
  cpu::Scratch<float> xs{size_t(tokens)};
  cpu::quantize_rows<I>(x, tokens, dim, q.data, xs.data);
  LmHeadTask task{q.data, xs.data, table, scales, tokens, dim, vocab, out};
  tern_pool_run(tern_pool_current(), lm_head_rows<I>, &task);
}

} // namespace tern::llm

#endif // TERN_LLM_OPS_H
