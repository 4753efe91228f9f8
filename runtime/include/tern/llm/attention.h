// Causal grouped-query attention through the current KV cache (tern/llm.h)
// for tern.attention on the CPU.
//
// Keys are cached in panels of 16 positions, [element][position % 16], so
// one vector load holds element d of 16 keys and a query's 16 scores grow
// as 16 independent multiply-add chains: no horizontal sums. The queries of
// a KV group (one token's heads sharing a KV head) sweep the panels
// together, so each key load feeds all of them.
//
// The arithmetic is one definition on every ISA, so logits do not depend on
// the variant a model was compiled for:
//   score(p) = (q . k_p) * scale, the dot one fma chain in element order;
//   top      = the largest score (a score that is NaN is passed over);
//   e(p)     = exp_f32(score(p) - top);
//   total    = 16 lane sums (lane l adding e(p) for p = l, l + 16, ... in
//              order), then the lanes added in order;
//   out[d]   = one fma chain over p in order of (e(p) / total) * v_p[d].
#ifndef TERN_LLM_ATTENTION_H
#define TERN_LLM_ATTENTION_H

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

#include "tern/cpu/linear.h" // Isa, Scratch, the x86 target attributes
#include "tern/llm.h"
#include "tern/pool.h"

namespace tern::llm {

constexpr int kKeyPanel = 16; // positions per key panel

// ---- exp for softmax: Cephes' expf (range reduction by ln 2 in two parts,
// a degree-6 polynomial, then the exponent set directly), with explicit
// fused multiply-adds so each ISA's version rounds alike. Inputs below
// kExpMin give 0 and above kExpMax +inf (where 2^n leaves the exponent
// range; exp itself overflows from 88.72); results are within 2 ulp of exp.
constexpr float kExpMin = -87.0f, kExpMax = 88.3762626647949f;
constexpr float kLog2e = 1.44269504088896341f;
constexpr float kLn2Hi = 0.693359375f, kLn2Lo = -2.12194440e-4f;
constexpr float kExpPoly[6] = {1.9875691500e-4f, 1.3981999507e-3f,
                               8.3334519073e-3f, 4.1665795894e-2f,
                               1.6666665459e-1f, 5.0000001201e-1f};

inline float exp_f32(float x) {
  if (std::isnan(x))
    return x;
  if (x < kExpMin)
    return 0.0f;
  if (x > kExpMax)
    return std::numeric_limits<float>::infinity();
  const float n = std::nearbyint(x * kLog2e); // ties to even, as vectors do
  float r = std::fma(n, -kLn2Hi, x);
  r = std::fma(n, -kLn2Lo, r);
  float p = kExpPoly[0];
  for (int i = 1; i < 6; ++i)
    p = std::fma(p, r, kExpPoly[i]);
  const float y = std::fma(p, r * r, r) + 1.0f;
  const uint32_t bits = uint32_t(int32_t(n) + 127) << 23;
  float scale;
  std::memcpy(&scale, &bits, 4);
  return y * scale;
}

#if defined(__x86_64__)
TERN_TARGET_AVX512 inline __m512 exp_f32(__m512 x) {
  const __mmask16 tiny =
      _mm512_cmp_ps_mask(x, _mm512_set1_ps(kExpMin), _CMP_LT_OQ);
  const __m512 n =
      _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(kLog2e)),
                           _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m512 r = _mm512_fmadd_ps(n, _mm512_set1_ps(-kLn2Hi), x);
  r = _mm512_fmadd_ps(n, _mm512_set1_ps(-kLn2Lo), r);
  __m512 p = _mm512_set1_ps(kExpPoly[0]);
  for (int i = 1; i < 6; ++i)
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(kExpPoly[i]));
  const __m512 y = _mm512_add_ps(_mm512_fmadd_ps(p, _mm512_mul_ps(r, r), r),
                                 _mm512_set1_ps(1.0f));
  const __m512i bits = _mm512_slli_epi32(
      _mm512_add_epi32(_mm512_cvtps_epi32(n), _mm512_set1_epi32(127)), 23);
  // NaN lanes stay NaN through y; tiny lanes become 0, huge ones +inf.
  const __mmask16 huge =
      _mm512_cmp_ps_mask(x, _mm512_set1_ps(kExpMax), _CMP_GT_OQ);
  return _mm512_mask_blend_ps(
      huge, _mm512_maskz_mul_ps(~tiny, y, _mm512_castsi512_ps(bits)),
      _mm512_set1_ps(std::numeric_limits<float>::infinity()));
}

TERN_TARGET_AVX2 inline __m256 exp_f32(__m256 x) {
  const __m256 tiny = _mm256_cmp_ps(x, _mm256_set1_ps(kExpMin), _CMP_LT_OQ);
  const __m256 n =
      _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(kLog2e)),
                      _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m256 r = _mm256_fmadd_ps(n, _mm256_set1_ps(-kLn2Hi), x);
  r = _mm256_fmadd_ps(n, _mm256_set1_ps(-kLn2Lo), r);
  __m256 p = _mm256_set1_ps(kExpPoly[0]);
  for (int i = 1; i < 6; ++i)
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(kExpPoly[i]));
  const __m256 y = _mm256_add_ps(_mm256_fmadd_ps(p, _mm256_mul_ps(r, r), r),
                                 _mm256_set1_ps(1.0f));
  const __m256i bits = _mm256_slli_epi32(
      _mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
  const __m256 huge = _mm256_cmp_ps(x, _mm256_set1_ps(kExpMax), _CMP_GT_OQ);
  return _mm256_blendv_ps(
      _mm256_andnot_ps(tiny, _mm256_mul_ps(y, _mm256_castsi256_ps(bits))),
      _mm256_set1_ps(std::numeric_limits<float>::infinity()), huge);
}
#endif

// Where one attention call finds its cache, and the shape of its heads.
struct AttentionView {
  const float *key_panels; // this layer's panel 0
  const float *values;     // this layer's position 0
  int64_t width;           // kv_heads * head_dim
  int64_t head_dim;
  float scale;
  // Panel b of KV head h starts at key_panels + b * panel_stride + h * D * 16.
  int64_t panel_stride() const { return width * kKeyPanel; }
};

// ---- The three steps, for `group` queries (consecutive heads of one token,
// head_dim apart) of KV head h over positions [0, span). scores holds
// `group` rows of `row` floats (row >= span rounded up to 16).

inline void scores_scalar(const AttentionView &v, const float *q, int group,
                          int64_t h, int64_t span, float *scores, int64_t row) {
  const int64_t D = v.head_dim;
  for (int g = 0; g < group; ++g)
    for (int64_t p = 0; p < span; ++p) {
      const float *k = v.key_panels + (p / kKeyPanel) * v.panel_stride() +
                       h * D * kKeyPanel + p % kKeyPanel;
      float dot = 0;
      for (int64_t d = 0; d < D; ++d)
        dot = std::fma(q[g * D + d], k[d * kKeyPanel], dot);
      scores[g * row + p] = dot * v.scale;
    }
}

// Scores to weights e(p) / total in place over [0, span).
inline void softmax_scalar(float *s, int64_t span) {
  float top = -std::numeric_limits<float>::infinity();
  for (int64_t p = 0; p < span; ++p)
    top = s[p] > top ? s[p] : top; // as maxps: a NaN score is passed over
  float lanes[kKeyPanel] = {};
  for (int64_t p = 0; p < span; ++p) {
    s[p] = exp_f32(s[p] - top);
    lanes[p % kKeyPanel] += s[p];
  }
  float total = 0;
  for (float lane : lanes)
    total += lane;
  for (int64_t p = 0; p < span; ++p)
    s[p] /= total;
}

// Outputs [d0, head_dim); the vector paths finish their tails here.
inline void weighted_values_scalar(const AttentionView &v, const float *w,
                                   int64_t h, int64_t span, float *out,
                                   int64_t d0 = 0) {
  const int64_t D = v.head_dim;
  for (int64_t d = d0; d < D; ++d) {
    float o = 0;
    for (int64_t p = 0; p < span; ++p)
      o = std::fma(w[p], v.values[p * v.width + h * D + d], o);
    out[d] = o;
  }
}

#if defined(__x86_64__)
// G queries against B panels at a time: G * B chains, B key loads and G
// broadcasts per element.
template <int G, int B>
TERN_TARGET_AVX512 inline void
scores_panels_avx512(const float *q, int64_t D, const float *k, int64_t stride,
                     float scale, float *scores, int64_t row) {
  __m512 acc[G][B];
  for (int g = 0; g < G; ++g)
    for (int b = 0; b < B; ++b)
      acc[g][b] = _mm512_setzero_ps();
  for (int64_t d = 0; d < D; ++d) {
    __m512 keys[B];
    for (int b = 0; b < B; ++b)
      keys[b] = _mm512_loadu_ps(k + b * stride + d * kKeyPanel);
    for (int g = 0; g < G; ++g) {
      const __m512 qd = _mm512_set1_ps(q[g * D + d]);
      for (int b = 0; b < B; ++b)
        acc[g][b] = _mm512_fmadd_ps(qd, keys[b], acc[g][b]);
    }
  }
  for (int g = 0; g < G; ++g)
    for (int b = 0; b < B; ++b)
      _mm512_storeu_ps(scores + g * row + b * kKeyPanel,
                       _mm512_mul_ps(acc[g][b], _mm512_set1_ps(scale)));
}

template <int G>
TERN_TARGET_AVX512 inline void
scores_group_avx512(const AttentionView &v, const float *q, int64_t h,
                    int64_t panels, float *scores, int64_t row) {
  const int64_t stride = v.panel_stride();
  const float *k = v.key_panels + h * v.head_dim * kKeyPanel;
  int64_t b = 0;
  for (; b + 2 <= panels; b += 2)
    scores_panels_avx512<G, 2>(q, v.head_dim, k + b * stride, stride, v.scale,
                               scores + b * kKeyPanel, row);
  if (b < panels)
    scores_panels_avx512<G, 1>(q, v.head_dim, k + b * stride, stride, v.scale,
                               scores + b * kKeyPanel, row);
}

TERN_TARGET_AVX512 inline void scores_avx512(const AttentionView &v,
                                             const float *q, int group,
                                             int64_t h, int64_t span,
                                             float *scores, int64_t row) {
  const int64_t panels = (span + kKeyPanel - 1) / kKeyPanel;
  for (int g = 0; g < group; g += 4) {
    const float *qg = q + g * v.head_dim;
    float *sg = scores + g * row;
    switch (group - g) {
    case 1:
      scores_group_avx512<1>(v, qg, h, panels, sg, row);
      break;
    case 2:
      scores_group_avx512<2>(v, qg, h, panels, sg, row);
      break;
    case 3:
      scores_group_avx512<3>(v, qg, h, panels, sg, row);
      break;
    default:
      scores_group_avx512<4>(v, qg, h, panels, sg, row);
    }
  }
}

TERN_TARGET_AVX512 inline void softmax_avx512(float *s, int64_t span) {
  const int64_t panels = (span + kKeyPanel - 1) / kKeyPanel;
  const __m512 minus_inf =
      _mm512_set1_ps(-std::numeric_limits<float>::infinity());
  auto valid = [&](int64_t b) { // lanes before span
    const int64_t left = span - b * kKeyPanel;
    return left >= 16 ? __mmask16(0xffff) : __mmask16((1u << left) - 1);
  };
  __m512 top = minus_inf;
  for (int64_t b = 0; b < panels; ++b)
    top = _mm512_max_ps(
        _mm512_mask_loadu_ps(minus_inf, valid(b), s + b * kKeyPanel), top);
  const __m512 top_all = _mm512_set1_ps(_mm512_reduce_max_ps(top));
  __m512 sum = _mm512_setzero_ps();
  for (int64_t b = 0; b < panels; ++b) {
    const __m512 e = _mm512_maskz_mov_ps(
        valid(b),
        exp_f32(_mm512_sub_ps(_mm512_loadu_ps(s + b * kKeyPanel), top_all)));
    _mm512_storeu_ps(s + b * kKeyPanel, e);
    sum = _mm512_add_ps(sum, e);
  }
  alignas(64) float lanes[kKeyPanel];
  _mm512_store_ps(lanes, sum);
  float total = 0;
  for (float lane : lanes)
    total += lane;
  const __m512 divisor = _mm512_set1_ps(total);
  for (int64_t b = 0; b < panels; ++b)
    _mm512_storeu_ps(
        s + b * kKeyPanel,
        _mm512_div_ps(_mm512_loadu_ps(s + b * kKeyPanel), divisor));
}

// J vectors of outputs from `values` (this head's element d0 at position
// 0): J chains, one sweep over the positions.
template <int J>
TERN_TARGET_AVX512 inline void
weighted_vectors_avx512(const float *w, const float *values, int64_t width,
                        int64_t span, float *out) {
  __m512 o[J];
  for (int j = 0; j < J; ++j)
    o[j] = _mm512_setzero_ps();
  for (int64_t p = 0; p < span; ++p) {
    const __m512 wp = _mm512_set1_ps(w[p]);
    for (int j = 0; j < J; ++j)
      o[j] = _mm512_fmadd_ps(wp, _mm512_loadu_ps(values + p * width + 16 * j),
                             o[j]);
  }
  for (int j = 0; j < J; ++j)
    _mm512_storeu_ps(out + 16 * j, o[j]);
}

// out = sum_p w[p] v_p: 128 outputs (8 chains) per sweep where there are.
TERN_TARGET_AVX512 inline void weighted_values_avx512(const AttentionView &v,
                                                      const float *w, int64_t h,
                                                      int64_t span,
                                                      float *out) {
  const int64_t D = v.head_dim;
  const float *values = v.values + h * D;
  int64_t d0 = 0;
  for (; d0 + 128 <= D; d0 += 128)
    weighted_vectors_avx512<8>(w, values + d0, v.width, span, out + d0);
  for (; d0 + 64 <= D; d0 += 64)
    weighted_vectors_avx512<4>(w, values + d0, v.width, span, out + d0);
  for (; d0 + 16 <= D; d0 += 16)
    weighted_vectors_avx512<1>(w, values + d0, v.width, span, out + d0);
  weighted_values_scalar(v, w, h, span, out, d0);
}

// AVX2: a panel's 16 lanes are two vectors.
template <int G>
TERN_TARGET_AVX2 inline void scores_panel_avx2(const float *q, int64_t D,
                                               const float *k, float scale,
                                               float *scores, int64_t row) {
  __m256 acc[G][2];
  for (int g = 0; g < G; ++g)
    acc[g][0] = acc[g][1] = _mm256_setzero_ps();
  for (int64_t d = 0; d < D; ++d) {
    const __m256 k0 = _mm256_loadu_ps(k + d * kKeyPanel);
    const __m256 k1 = _mm256_loadu_ps(k + d * kKeyPanel + 8);
    for (int g = 0; g < G; ++g) {
      const __m256 qd = _mm256_set1_ps(q[g * D + d]);
      acc[g][0] = _mm256_fmadd_ps(qd, k0, acc[g][0]);
      acc[g][1] = _mm256_fmadd_ps(qd, k1, acc[g][1]);
    }
  }
  for (int g = 0; g < G; ++g)
    for (int half = 0; half < 2; ++half)
      _mm256_storeu_ps(scores + g * row + 8 * half,
                       _mm256_mul_ps(acc[g][half], _mm256_set1_ps(scale)));
}

TERN_TARGET_AVX2 inline void scores_avx2(const AttentionView &v, const float *q,
                                         int group, int64_t h, int64_t span,
                                         float *scores, int64_t row) {
  const int64_t panels = (span + kKeyPanel - 1) / kKeyPanel;
  const int64_t D = v.head_dim;
  for (int g = 0; g < group; g += 4)
    for (int64_t b = 0; b < panels; ++b) {
      const float *k = v.key_panels + b * v.panel_stride() + h * D * kKeyPanel;
      const float *qg = q + g * D;
      float *sg = scores + g * row + b * kKeyPanel;
      switch (group - g) {
      case 1:
        scores_panel_avx2<1>(qg, D, k, v.scale, sg, row);
        break;
      case 2:
        scores_panel_avx2<2>(qg, D, k, v.scale, sg, row);
        break;
      case 3:
        scores_panel_avx2<3>(qg, D, k, v.scale, sg, row);
        break;
      default:
        scores_panel_avx2<4>(qg, D, k, v.scale, sg, row);
      }
    }
}

// All-ones in lanes [0, left), zero in the others.
TERN_TARGET_AVX2 inline __m256 lanes_below(int64_t left) {
  return _mm256_castsi256_ps(
      _mm256_cmpgt_epi32(_mm256_set1_epi32(int32_t(std::min<int64_t>(left, 8))),
                         _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7)));
}

TERN_TARGET_AVX2 inline void softmax_avx2(float *s, int64_t span) {
  const int64_t panels = (span + kKeyPanel - 1) / kKeyPanel;
  // Lanes past span are masked to -inf (for the maximum) and to 0 (sums).
  const __m256 minus_inf =
      _mm256_set1_ps(-std::numeric_limits<float>::infinity());
  __m256 top = minus_inf;
  for (int64_t b = 0; b < panels; ++b)
    for (int half = 0; half < 2; ++half) {
      const int64_t from = b * kKeyPanel + 8 * half;
      top = _mm256_max_ps(_mm256_blendv_ps(minus_inf, _mm256_loadu_ps(s + from),
                                           lanes_below(span - from)),
                          top);
    }
  alignas(32) float tops[8];
  _mm256_store_ps(tops, top);
  float top_all = tops[0];
  for (float t : tops)
    top_all = t > top_all ? t : top_all;
  __m256 sum[2] = {_mm256_setzero_ps(), _mm256_setzero_ps()};
  for (int64_t b = 0; b < panels; ++b)
    for (int half = 0; half < 2; ++half) {
      const int64_t from = b * kKeyPanel + 8 * half;
      const __m256 e =
          _mm256_and_ps(lanes_below(span - from),
                        exp_f32(_mm256_sub_ps(_mm256_loadu_ps(s + from),
                                              _mm256_set1_ps(top_all))));
      _mm256_storeu_ps(s + from, e);
      sum[half] = _mm256_add_ps(sum[half], e);
    }
  alignas(32) float lanes[kKeyPanel];
  _mm256_store_ps(lanes, sum[0]);
  _mm256_store_ps(lanes + 8, sum[1]);
  float total = 0;
  for (float l : lanes)
    total += l;
  const __m256 divisor = _mm256_set1_ps(total);
  for (int64_t i = 0; i < panels * kKeyPanel; i += 8)
    _mm256_storeu_ps(s + i, _mm256_div_ps(_mm256_loadu_ps(s + i), divisor));
}

template <int J>
TERN_TARGET_AVX2 inline void
weighted_vectors_avx2(const float *w, const float *values, int64_t width,
                      int64_t span, float *out) {
  __m256 o[J];
  for (int j = 0; j < J; ++j)
    o[j] = _mm256_setzero_ps();
  for (int64_t p = 0; p < span; ++p) {
    const __m256 wp = _mm256_set1_ps(w[p]);
    for (int j = 0; j < J; ++j)
      o[j] = _mm256_fmadd_ps(wp, _mm256_loadu_ps(values + p * width + 8 * j),
                             o[j]);
  }
  for (int j = 0; j < J; ++j)
    _mm256_storeu_ps(out + 8 * j, o[j]);
}

// 64 outputs (8 chains) per sweep where there are.
TERN_TARGET_AVX2 inline void weighted_values_avx2(const AttentionView &v,
                                                  const float *w, int64_t h,
                                                  int64_t span, float *out) {
  const int64_t D = v.head_dim;
  const float *values = v.values + h * D;
  int64_t d0 = 0;
  for (; d0 + 64 <= D; d0 += 64)
    weighted_vectors_avx2<8>(w, values + d0, v.width, span, out + d0);
  for (; d0 + 8 <= D; d0 += 8)
    weighted_vectors_avx2<1>(w, values + d0, v.width, span, out + d0);
  weighted_values_scalar(v, w, h, span, out, d0);
}
#endif

// One token's queries of KV head h: heads [h * group, (h + 1) * group).
template <cpu::Isa I>
inline void attend_group(const AttentionView &v, const float *q, int group,
                         int64_t h, int64_t span, float *scores, int64_t row,
                         float *out) {
#if defined(__x86_64__)
  if constexpr (I == cpu::Isa::Avx512) {
    scores_avx512(v, q, group, h, span, scores, row);
    for (int g = 0; g < group; ++g) {
      softmax_avx512(scores + g * row, span);
      weighted_values_avx512(v, scores + g * row, h, span,
                             out + g * v.head_dim);
    }
    return;
  }
  if constexpr (I == cpu::Isa::Avx2) {
    scores_avx2(v, q, group, h, span, scores, row);
    for (int g = 0; g < group; ++g) {
      softmax_avx2(scores + g * row, span);
      weighted_values_avx2(v, scores + g * row, h, span, out + g * v.head_dim);
    }
    return;
  }
#endif
  scores_scalar(v, q, group, h, span, scores, row);
  for (int g = 0; g < group; ++g) {
    softmax_scalar(scores + g * row, span);
    weighted_values_scalar(v, scores + g * row, h, span, out + g * v.head_dim);
  }
}

struct AttentionTask {
  AttentionView view;
  const float *q; // [tokens][heads][head_dim]
  const int32_t *positions;
  int64_t tokens, heads, kv_heads;
  int64_t parts; // jobs per (token, KV head): group / parts heads each
  float *out;
};

// Jobs are (token, KV head, part) triples, dealt round-robin so that long
// and short causal spans mix on every thread.
template <cpu::Isa I>
inline void attention_jobs(void *context, int thread, int threads) {
  const AttentionTask &a = *static_cast<const AttentionTask *>(context);
  const int64_t D = a.view.head_dim, group = a.heads / a.kv_heads;
  const int64_t part_heads = group / a.parts;
  int64_t longest = 0;
  for (int64_t t = 0; t < a.tokens; ++t)
    longest = std::max<int64_t>(longest, a.positions[t] + 1);
  const int64_t row = (longest + kKeyPanel - 1) / kKeyPanel * kKeyPanel;
  cpu::Scratch<float> scores{size_t(part_heads * row)};
  const int64_t jobs = a.tokens * a.kv_heads * a.parts;
  for (int64_t job = thread; job < jobs; job += threads) {
    const int64_t t = job / (a.kv_heads * a.parts);
    const int64_t h = job / a.parts % a.kv_heads, part = job % a.parts;
    const int64_t first = t * a.heads + h * group + part * part_heads;
    attend_group<I>(a.view, a.q + first * D, int(part_heads), h,
                    a.positions[t] + 1, scores.data, row, a.out + first * D);
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
  const int64_t width = kv_heads * head_dim;
  float *panels = cache->keys + layer * cache->context * width;
  float *values = cache->values + layer * cache->context * width;
  for (int64_t t = 0; t < tokens; ++t) {
    const int64_t p = positions[t];
    float *panel = panels + (p / kKeyPanel) * width * kKeyPanel + p % kKeyPanel;
    for (int64_t i = 0; i < width; ++i)
      panel[i * kKeyPanel] = k[t * width + i];
    std::memcpy(values + p * width, v + t * width,
                size_t(width) * sizeof(float));
  }
  // A group's queries share key loads; split groups only where there are
  // too few jobs to keep every thread busy (decoding one token).
  tern_pool *pool = tern_pool_current();
  const int64_t group = heads / kv_heads, busy = 4 * tern_pool_threads(pool);
  int64_t parts = 1;
  while (tokens * kv_heads * parts < busy && group % (2 * parts) == 0)
    parts *= 2;
  AttentionTask task{
      {panels, values, width, head_dim, 1.0f / std::sqrt(float(head_dim))},
      q,
      positions,
      tokens,
      heads,
      kv_heads,
      parts,
      out};
  tern_pool_run(pool, attention_jobs<I>, &task);
}

} // namespace tern::llm

#endif // TERN_LLM_ATTENTION_H
