// The kernels of tern's transformer-decoder ops (dialect/TernLlmOps.td) on
// the CPU: embedding rows, RMSNorm, rotary embedding, the gated FFN's SiLU,
// the int8 LM head, and (attention.h) causal grouped-query attention
// through the KV cache.
// Header-only, so generated code inlines them with its static shapes.
#ifndef TERN_LLM_OPS_H
#define TERN_LLM_OPS_H

#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include "tern/cpu/linear.h" // Isa, and the x86 target attributes
#include "tern/cpu/parallel.h"
#include "tern/cpu/quantize.h"
#include "tern/llm.h"
#include "tern/llm/attention.h"
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
// llama.cpp's closely. Tokens are split across the pool.
inline void rms_norm(const float *x, const float *weight, int64_t tokens,
                     int64_t dim, float epsilon, float *out) {
  cpu::parallel_for(0, tokens, 1, [&](int64_t begin, int64_t end) {
    for (int64_t t = begin; t < end; ++t) {
      const float *row = x + t * dim;
      double sum = 0;
      for (int64_t i = 0; i < dim; ++i)
        sum += double(row[i]) * row[i];
      float scale = 1.0f / std::sqrt(float(sum / double(dim)) + epsilon);
      for (int64_t i = 0; i < dim; ++i)
        out[t * dim + i] = row[i] * scale * weight[i];
    }
  });
}

// Tokens are split across the pool.
inline void rope(const float *x, const int32_t *positions, int64_t tokens,
                 int64_t width, int64_t head_dim, float theta, bool neox,
                 float *out) {
  const int64_t half = head_dim / 2;
  cpu::parallel_for(0, tokens, 1, [&](int64_t begin, int64_t end) {
    std::vector<float> cosines(static_cast<size_t>(half)),
        sines(static_cast<size_t>(half));
    for (int64_t t = begin; t < end; ++t) {
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
  });
}

// The gated FFN's SiLU, out = gate / (1 + exp_f32(-gate)) * up, those
// operations in that order on every ISA; vectors split across the pool
// where there are enough of them.
inline float silu_gate_scalar(float gate, float up) {
  return gate / (1.0f + exp_f32(-gate)) * up;
}

#if defined(__x86_64__)
TERN_TARGET_AVX512 inline void silu_gate_avx512(const float *gate,
                                                const float *up, int64_t begin,
                                                int64_t end, float *out) {
  const __m512 one = _mm512_set1_ps(1.0f), sign = _mm512_set1_ps(-0.0f);
  int64_t i = begin;
  for (; i + 16 <= end; i += 16) {
    const __m512 g = _mm512_loadu_ps(gate + i);
    const __m512 e = exp_f32(_mm512_castsi512_ps(
        _mm512_xor_si512(_mm512_castps_si512(g), _mm512_castps_si512(sign))));
    _mm512_storeu_ps(out + i,
                     _mm512_mul_ps(_mm512_div_ps(g, _mm512_add_ps(one, e)),
                                   _mm512_loadu_ps(up + i)));
  }
  for (; i < end; ++i)
    out[i] = silu_gate_scalar(gate[i], up[i]);
}

TERN_TARGET_AVX2 inline void silu_gate_avx2(const float *gate, const float *up,
                                            int64_t begin, int64_t end,
                                            float *out) {
  const __m256 one = _mm256_set1_ps(1.0f), sign = _mm256_set1_ps(-0.0f);
  int64_t i = begin;
  for (; i + 8 <= end; i += 8) {
    const __m256 g = _mm256_loadu_ps(gate + i);
    const __m256 e = exp_f32(_mm256_xor_ps(g, sign));
    _mm256_storeu_ps(out + i,
                     _mm256_mul_ps(_mm256_div_ps(g, _mm256_add_ps(one, e)),
                                   _mm256_loadu_ps(up + i)));
  }
  for (; i < end; ++i)
    out[i] = silu_gate_scalar(gate[i], up[i]);
}
#endif

template <cpu::Isa I>
inline void silu_gate(const float *gate, const float *up, int64_t n,
                      float *out) {
  auto run = [&](int64_t begin, int64_t end) {
#if defined(__x86_64__)
    if constexpr (I == cpu::Isa::Avx512)
      return silu_gate_avx512(gate, up, begin, end, out);
    if constexpr (I == cpu::Isa::Avx2)
      return silu_gate_avx2(gate, up, begin, end, out);
#endif
    for (int64_t i = begin; i < end; ++i)
      out[i] = silu_gate_scalar(gate[i], up[i]);
  };
  // Below this the pool's wake-up costs more than the work (a decode step).
  constexpr int64_t kParallelElements = 1 << 15, kChunk = 64;
  if (n < kParallelElements)
    return run(0, n);
  cpu::parallel_for(0, n, kChunk,
                    [&](int64_t begin, int64_t end) { run(begin, end); });
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
