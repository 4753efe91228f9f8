/* tern.quantize_activations per_token as one CPU kernel: for each row,
 * s = max(max|x|, 1e-5) / 127 and q = clamp(roundeven(x / s), -128, 127).
 * Bit-exact with the op's reference lowering on every ISA: max|x| does not
 * depend on the order of the maxima, IEEE division is correctly rounded,
 * and vector rounding to nearest even is nearbyint in the default mode.
 * A row holding NaN gets a NaN scale, as the reference's maximumf gives,
 * and its NaNs become -128 on every ISA. */
#ifndef TERN_CPU_QUANTIZE_H
#define TERN_CPU_QUANTIZE_H

#include <cmath>
#include <cstdint>
#include <limits>

#include "tern/cpu/linear.h" // Isa, and the x86 target attributes
#include "tern/pool.h"

namespace tern {
namespace cpu {

constexpr float kMinActivationScale = 1e-5f;

/* NaN stays NaN (std::fmax alone would drop it). */
inline float activation_scale(float abs_max) {
  if (std::isnan(abs_max))
    return abs_max;
  return std::fmax(abs_max, kMinActivationScale) / 127.0f;
}

/* NaN quantizes to -128 on every path (maxps returns its second operand). */

inline int8_t quantize_scalar(float x, float scale) {
  float r = std::nearbyint(x / scale);
  return int8_t(std::fmin(std::fmax(r, -128.0f), 127.0f));
}

inline float abs_max_scalar(const float *x, int64_t n) {
  float top = 0;
  for (int64_t i = 0; i < n; ++i) {
    if (std::isnan(x[i]))
      return x[i];
    top = std::fmax(top, std::fabs(x[i]));
  }
  return top;
}

/* A row's max|x| from its vector part (the lanes' maximum, and whether a
 * lane saw NaN) and its scalar tail; NaN anywhere makes it NaN. */
inline float combine_abs_max(float vector_max, bool vector_nan,
                             const float *tail, int64_t n) {
  float tail_max = abs_max_scalar(tail, n);
  if (vector_nan || std::isnan(tail_max))
    return std::numeric_limits<float>::quiet_NaN();
  return std::fmax(vector_max, tail_max);
}

inline float quantize_row_scalar(const float *x, int64_t n, int8_t *q) {
  float s = activation_scale(abs_max_scalar(x, n));
  for (int64_t i = 0; i < n; ++i)
    q[i] = quantize_scalar(x[i], s);
  return s;
}

#if defined(__x86_64__)
TERN_TARGET_AVX512 inline float quantize_row_avx512(const float *x, int64_t n,
                                                    int8_t *q) {
  __m512 top = _mm512_setzero_ps();
  __mmask16 nan = 0;
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    __m512 a = _mm512_abs_ps(_mm512_loadu_ps(x + i));
    nan |= _mm512_cmp_ps_mask(a, a, _CMP_UNORD_Q);
    top = _mm512_max_ps(top, a);
  }
  const float s = activation_scale(
      combine_abs_max(_mm512_reduce_max_ps(top), nan != 0, x + i, n - i));
  const __m512 vs = _mm512_set1_ps(s), lo = _mm512_set1_ps(-128.0f),
               hi = _mm512_set1_ps(127.0f);
  for (i = 0; i + 16 <= n; i += 16) {
    __m512 r =
        _mm512_roundscale_ps(_mm512_div_ps(_mm512_loadu_ps(x + i), vs),
                             _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    r = _mm512_min_ps(_mm512_max_ps(r, lo), hi);
    _mm_storeu_si128((__m128i *)(q + i),
                     _mm512_cvtepi32_epi8(_mm512_cvttps_epi32(r)));
  }
  for (; i < n; ++i)
    q[i] = quantize_scalar(x[i], s);
  return s;
}

TERN_TARGET_AVX2 inline float quantize_row_avx2(const float *x, int64_t n,
                                                int8_t *q) {
  const __m256 sign = _mm256_set1_ps(-0.0f);
  __m256 top = _mm256_setzero_ps(), nan = _mm256_setzero_ps();
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    __m256 a = _mm256_andnot_ps(sign, _mm256_loadu_ps(x + i));
    nan = _mm256_or_ps(nan, _mm256_cmp_ps(a, a, _CMP_UNORD_Q));
    top = _mm256_max_ps(top, a);
  }
  alignas(32) float lanes[8];
  _mm256_store_ps(lanes, top);
  const float s = activation_scale(combine_abs_max(
      abs_max_scalar(lanes, 8), _mm256_movemask_ps(nan) != 0, x + i, n - i));
  const __m256 vs = _mm256_set1_ps(s), lo = _mm256_set1_ps(-128.0f),
               hi = _mm256_set1_ps(127.0f);
  for (i = 0; i + 8 <= n; i += 8) {
    __m256 r = _mm256_round_ps(_mm256_div_ps(_mm256_loadu_ps(x + i), vs),
                               _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    r = _mm256_min_ps(_mm256_max_ps(r, lo), hi);
    // Eight int32 in [-128, 127] to int8: saturating packs keep them.
    __m256i v = _mm256_cvttps_epi32(r);
    __m128i w = _mm_packs_epi32(_mm256_castsi256_si128(v),
                                _mm256_extracti128_si256(v, 1));
    _mm_storel_epi64((__m128i *)(q + i), _mm_packs_epi16(w, w));
  }
  for (; i < n; ++i)
    q[i] = quantize_scalar(x[i], s);
  return s;
}
#endif

template <Isa I>
inline float quantize_row(const float *x, int64_t n, int8_t *q) {
#if defined(__x86_64__)
  if constexpr (I == Isa::Avx512)
    return quantize_row_avx512(x, n, q);
  if constexpr (I == Isa::Avx2)
    return quantize_row_avx2(x, n, q);
#endif
  return quantize_row_scalar(x, n, q);
}

template <Isa I> struct QuantizeRowsTask {
  const float *x;
  int64_t rows, cols;
  int8_t *q;
  float *scales;

  static void run(void *opaque, int thread, int threads) {
    const auto &t = *static_cast<const QuantizeRowsTask *>(opaque);
    for (int64_t r = t.rows * thread / threads;
         r < t.rows * (thread + 1) / threads; ++r)
      t.scales[r] = quantize_row<I>(t.x + r * t.cols, t.cols, t.q + r * t.cols);
  }
};

/* q[rows][cols] and scales[rows] of x[rows][cols]; batches large enough to
 * pay for waking the pool are split across its threads by rows. */
template <Isa I>
inline void quantize_rows(const float *x, int64_t rows, int64_t cols, int8_t *q,
                          float *scales,
                          tern_pool *pool = tern_pool_current()) {
  QuantizeRowsTask<I> task{x, rows, cols, q, scales};
  if (rows * cols < kMinParallelWeights)
    pool = nullptr;
  tern_pool_run(pool, QuantizeRowsTask<I>::run, &task);
}

} // namespace cpu
} // namespace tern

#endif /* TERN_CPU_QUANTIZE_H */
