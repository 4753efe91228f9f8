/* x86 batch-1 kernels for tern/cpu/linear.h: AVX2 (maddubs), AVX-512 VNNI
 * (vpdpbusd) and AVX-512 VBMI base-3 decode (vpermi2b). Batched calls:
 * gemm_x86.h.
 * Each function carries its own target attribute, so the including file
 * needs no -m flags; the runtime refuses a CPU that lacks the features a
 * model was compiled for (tern_model_desc.cpu_features). */
#ifndef TERN_CPU_LINEAR_X86_H
#define TERN_CPU_LINEAR_X86_H

#include <immintrin.h>

#define TERN_TARGET_AVX2 __attribute__((target("avx2,fma")))
#define TERN_TARGET_AVX512                                                     \
  __attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni")))
#define TERN_TARGET_VBMI                                                       \
  __attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni,avx512vbmi")))
#define TERN_TARGET_AMX                                                        \
  __attribute__((                                                              \
      target("avx512f,avx512bw,avx512vl,avx512vnni,amx-tile,amx-int8")))

namespace tern {
namespace cpu {

/* Weight bytes ahead of the current block that kernels prefetch, into L2
 * (T1): measured on the 2-core AVX-512 machine, 4 KiB into L2 lets DRAM
 * transfers overlap the decode (cold I2 GEMV 25 GB/s of 32) where 2 KiB
 * into L1 (T0) left them mostly serial (20 GB/s). */
constexpr int64_t kPrefetchBytes = 4096;
inline void prefetch_weights(const uint8_t *block) {
  _mm_prefetch((const char *)(block + kPrefetchBytes), _MM_HINT_T1);
}

/* Sum of the 16 lanes, through memory: once per row, and GCC 12's
 * lane-shuffling intrinsics trip -Wmaybe-uninitialized in its own header. */
TERN_TARGET_AVX512 inline int32_t sum_lanes(__m512i v) {
  alignas(64) int32_t lanes[16];
  _mm512_store_si512(lanes, v);
  int32_t sum = 0;
  for (int32_t lane : lanes)
    sum += lane;
  return sum;
}

/* Sum of the int8 values of x[0, kp), kp a multiple of 64: vpdpbusd with
 * unsigned ones. */
TERN_TARGET_AVX512 inline int32_t sum_row_avx512(const int8_t *x, int64_t kp) {
  const __m512i ones = _mm512_set1_epi8(1);
  __m512i acc = _mm512_setzero_si512();
  for (int64_t k = 0; k < kp; k += 64)
    acc = _mm512_dpbusd_epi32(acc, ones, _mm512_loadu_si512(x + k));
  return sum_lanes(acc);
}

/* Masks selecting the four 2-bit planes of a code byte in place. Unshifted
 * planes weigh 1, 4, 16 and 64: vpdpbusd takes them as unsigned bytes
 * (<= 128), and the sums are shifted back once per row. This spares three
 * shifts per 64 bytes on port 0, which vpdpbusd already keeps busy. */
struct PlaneMasks512 {
  __m512i m[4];
};
TERN_TARGET_AVX512 inline PlaneMasks512 plane_masks512() {
  return {{_mm512_set1_epi8(0x03), _mm512_set1_epi8(0x0c),
           _mm512_set1_epi8(0x30), _mm512_set1_epi8(char(0xc0))}};
}
/* sum_q acc[q] / 4^q; each acc[q] is an exact multiple of 4^q. */
TERN_TARGET_AVX512 inline int32_t sum_planes(const __m512i acc[4]) {
  return sum_lanes(
      _mm512_add_epi32(_mm512_add_epi32(acc[0], _mm512_srai_epi32(acc[1], 2)),
                       _mm512_add_epi32(_mm512_srai_epi32(acc[2], 4),
                                        _mm512_srai_epi32(acc[3], 6))));
}

/* ---- AVX-512 VNNI, I2: one 64-byte load gives 4 x 64 codes (masked in
 * place); R rows share the x vectors; 4 independent accumulators per row. */
template <int R, int64_t KB>
TERN_TARGET_AVX512 inline void
gemv_i2_avx512(const uint8_t *w, const PackedLayout &L, const int8_t *x,
               int64_t t0, int64_t t1, int32_t *sums) {
  const int64_t kblocks = KB ? KB : L.k_blocks();
  const PlaneMasks512 planes = plane_masks512();
  for (int64_t t = t0; t < t1; ++t) {
    const uint8_t *wt = w + t * kblocks * R * kBlockBytes;
    __m512i acc[R][4];
#pragma GCC unroll 16
    for (int r = 0; r < R; ++r)
      for (int q = 0; q < 4; ++q)
        acc[r][q] = _mm512_setzero_si512();
    for (int64_t b = 0; b < kblocks; ++b) {
      const int8_t *xb = x + b * 256;
      __m512i xq[4];
      for (int q = 0; q < 4; ++q)
        xq[q] = _mm512_load_si512(xb + 64 * q);
      const uint8_t *wb = wt + b * R * kBlockBytes;
#pragma GCC unroll 16
      for (int r = 0; r < R; ++r) {
        prefetch_weights(wb + r * kBlockBytes);
        const __m512i v = _mm512_load_si512(wb + r * kBlockBytes);
#pragma GCC unroll 4
        for (int q = 0; q < 4; ++q)
          acc[r][q] = _mm512_dpbusd_epi32(
              acc[r][q], _mm512_and_si512(v, planes.m[q]), xq[q]);
      }
    }
#pragma GCC unroll 16
    for (int r = 0; r < R; ++r)
      sums[(t - t0) * R + r] = sum_planes(acc[r]);
  }
}

/* T3 decode of 64 bytes (linear.h, Base3Tables): two compare-and-subtract
 * steps split each byte into its fifth code c4 and rest (< 81); one
 * vpermi2b maps rest to its four codes, packed as I2 packs them. Only ports
 * 0 and 5 run 512-bit work, so decode is counted in uops: 7 here against 4
 * table lookups and 3 blend/mask ops for a 256-entry table. */
struct Base3Decoder {
  __m512i table_lo, table_hi, c81, c162, one, two;
};
TERN_TARGET_VBMI inline Base3Decoder base3_decoder() {
  return {_mm512_load_si512(base3_tables().low4),
          _mm512_load_si512(base3_tables().low4 + 64),
          _mm512_set1_epi8(81),
          _mm512_set1_epi8(char(162)),
          _mm512_set1_epi8(1),
          _mm512_set1_epi8(2)};
}
TERN_TARGET_VBMI inline void decode_base3(const Base3Decoder &d, __m512i v,
                                          __m512i &low4, __m512i &c4) {
  const __mmask64 ge81 = _mm512_cmpge_epu8_mask(v, d.c81);
  const __mmask64 ge162 = _mm512_cmpge_epu8_mask(v, d.c162);
  __m512i rest = _mm512_mask_sub_epi8(v, ge81, v, d.c81);
  rest = _mm512_mask_sub_epi8(rest, ge162, rest, d.c81);
  low4 = _mm512_permutex2var_epi8(d.table_lo, rest, d.table_hi);
  c4 = _mm512_mask_mov_epi8(_mm512_maskz_mov_epi8(ge81, d.one), ge162, d.two);
}

/* ---- AVX-512 VBMI, T3: 64 bytes give 5 x 64 codes (decode_base3); the
 * four 2-bit planes are masked in place, as for I2. */
template <int R, int64_t KB>
TERN_TARGET_VBMI inline void
gemv_t3_avx512(const uint8_t *w, const PackedLayout &L, const int8_t *x,
               int64_t t0, int64_t t1, int32_t *sums) {
  const int64_t kblocks = KB ? KB : L.k_blocks();
  const PlaneMasks512 planes = plane_masks512();
  const Base3Decoder base3 = base3_decoder();
  for (int64_t t = t0; t < t1; ++t) {
    const uint8_t *wt = w + t * kblocks * R * kBlockBytes;
    __m512i acc[R][4];
#pragma GCC unroll 16
    for (int r = 0; r < R; ++r)
      for (int q = 0; q < 4; ++q)
        acc[r][q] = _mm512_setzero_si512();
    for (int64_t b = 0; b < kblocks; ++b) {
      const int8_t *xb = x + b * 320;
      const uint8_t *wb = wt + b * R * kBlockBytes;
#pragma GCC unroll 16
      for (int r = 0; r < R; ++r) {
        prefetch_weights(wb + r * kBlockBytes);
        const __m512i v = _mm512_load_si512(wb + r * kBlockBytes);
        __m512i low4, c4;
        decode_base3(base3, v, low4, c4);
#pragma GCC unroll 4
        for (int q = 0; q < 4; ++q)
          acc[r][q] = _mm512_dpbusd_epi32(acc[r][q],
                                          _mm512_and_si512(low4, planes.m[q]),
                                          _mm512_load_si512(xb + 64 * q));
        acc[r][0] =
            _mm512_dpbusd_epi32(acc[r][0], c4, _mm512_load_si512(xb + 256));
      }
    }
#pragma GCC unroll 16
    for (int r = 0; r < R; ++r)
      sums[(t - t0) * R + r] = sum_planes(acc[r]);
  }
}

/* ---- AVX2, I2: maddubs (u8 codes x s8 x) into 16-bit pairs. One shift by
 * 4 gives the upper two planes; the planes weighing 4 (masked in place) are
 * summed apart from those weighing 1, each pair of maddubs staying within
 * 16 bits (|sum| <= 2 * 2 * 8 * 128), and widened by one madd each. */
template <int R, int64_t KB>
TERN_TARGET_AVX2 inline void
gemv_i2_avx2(const uint8_t *w, const PackedLayout &L, const int8_t *x,
             int64_t t0, int64_t t1, int32_t *sums) {
  const int64_t kblocks = KB ? KB : L.k_blocks();
  const __m256i low = _mm256_set1_epi8(0x03), high = _mm256_set1_epi8(0x0c);
  const __m256i ones = _mm256_set1_epi16(1);
  for (int64_t t = t0; t < t1; ++t) {
    const uint8_t *wt = w + t * kblocks * R * kBlockBytes;
    __m256i acc1[R], acc4[R]; /* planes weighing 1 and 4 */
#pragma GCC unroll 16
    for (int r = 0; r < R; ++r)
      acc1[r] = acc4[r] = _mm256_setzero_si256();
    for (int64_t b = 0; b < kblocks; ++b) {
      const int8_t *xb = x + b * 256;
      const uint8_t *wb = wt + b * R * kBlockBytes;
#pragma GCC unroll 2
      for (int h = 0; h < 2; ++h) {
        __m256i xq[4];
        for (int q = 0; q < 4; ++q)
          xq[q] = _mm256_load_si256((const __m256i *)(xb + 64 * q + h * 32));
#pragma GCC unroll 16
        for (int r = 0; r < R; ++r) {
          const uint8_t *row = wb + r * kBlockBytes + h * 32;
          if (h == 0)
            prefetch_weights(row);
          const __m256i v = _mm256_load_si256((const __m256i *)row);
          const __m256i v4 = _mm256_srli_epi16(v, 4);
          const __m256i p1 = _mm256_add_epi16(
              _mm256_maddubs_epi16(_mm256_and_si256(v, low), xq[0]),
              _mm256_maddubs_epi16(_mm256_and_si256(v4, low), xq[2]));
          const __m256i p4 = _mm256_add_epi16(
              _mm256_maddubs_epi16(_mm256_and_si256(v, high), xq[1]),
              _mm256_maddubs_epi16(_mm256_and_si256(v4, high), xq[3]));
          acc1[r] = _mm256_add_epi32(acc1[r], _mm256_madd_epi16(p1, ones));
          acc4[r] = _mm256_add_epi32(acc4[r], _mm256_madd_epi16(p4, ones));
        }
      }
    }
#pragma GCC unroll 16
    for (int r = 0; r < R; ++r) {
      const __m256i acc =
          _mm256_add_epi32(acc1[r], _mm256_srai_epi32(acc4[r], 2));
      __m128i s = _mm_add_epi32(_mm256_castsi256_si128(acc),
                                _mm256_extracti128_si256(acc, 1));
      s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4e));
      s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xb1));
      sums[(t - t0) * R + r] = _mm_cvtsi128_si32(s);
    }
  }
}

} // namespace cpu
} // namespace tern

#endif /* TERN_CPU_LINEAR_X86_H */
