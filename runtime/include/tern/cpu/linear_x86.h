/* x86 kernels for tern/cpu/linear.h: AVX2 (maddubs), AVX-512 VNNI
 * (vpdpbusd), AVX-512 VBMI base-3 decode (vpermi2b) and AMX-INT8 prefill.
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
 * transfers overlap the decode (cold GEMV 29 of 32 GB/s) where 2 KiB into
 * L1 (T0) left them mostly serial (20 of 32 GB/s). */
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

/* ---- AVX-512 VBMI, T3: 64 bytes give 5 x 64 codes. Two compare-and-
 * subtract steps split each byte into c4 and rest (< 81), one vpermi2b maps
 * rest to four 2-bit planes (masked in place, as for I2). Only ports 0 and 5
 * run 512-bit work, so decode is counted in uops: 7 here against 4 table
 * lookups and 3 blend/mask ops for a 256-entry table. */
template <int R, int64_t KB>
TERN_TARGET_VBMI inline void
gemv_t3_avx512(const uint8_t *w, const PackedLayout &L, const int8_t *x,
               int64_t t0, int64_t t1, int32_t *sums) {
  const int64_t kblocks = KB ? KB : L.k_blocks();
  const PlaneMasks512 planes = plane_masks512();
  const __m512i table_lo = _mm512_load_si512(base3_tables().low4);
  const __m512i table_hi = _mm512_load_si512(base3_tables().low4 + 64);
  const __m512i c81 = _mm512_set1_epi8(81), c162 = _mm512_set1_epi8(char(162));
  const __m512i one = _mm512_set1_epi8(1), two = _mm512_set1_epi8(2);
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
        const __mmask64 ge81 = _mm512_cmpge_epu8_mask(v, c81);
        const __mmask64 ge162 = _mm512_cmpge_epu8_mask(v, c162);
        __m512i rest = _mm512_mask_sub_epi8(v, ge81, v, c81);
        rest = _mm512_mask_sub_epi8(rest, ge162, rest, c81);
        const __m512i low4 = _mm512_permutex2var_epi8(table_lo, rest, table_hi);
        const __m512i c4 =
            _mm512_mask_mov_epi8(_mm512_maskz_mov_epi8(ge81, one), ge162, two);
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

/* ---- AMX-INT8 prefill. C[16 n][16 m] += W[16 n][64 k] . X^T, with X^T in
 * the VNNI layout AMX wants for B: xv[k / 4][m][k % 4]. Each thread decodes
 * two 16-row weight strips into signed int8 once (so no sum(x) correction)
 * and sweeps every token block over them: 2 A x 2 B tiles, 4 accumulators. */
constexpr int64_t kAmxMinBatch = 16;

inline bool amx_available() {
  static const bool usable =
      tern_missing_cpu_feature("amx-tile,amx-int8") == nullptr;
  return usable;
}

struct AmxTileConfig {
  uint8_t palette = 1, start_row = 0, reserved[14] = {};
  uint16_t colsb[16] = {};
  uint8_t rows[16] = {};
};

struct AmxCall {
  const LinearCall *call;
  const int8_t *xv; /* [k_padded / 4][m_padded][4] */
  int64_t m_padded;
};

/* Signed int8 rows [strip * 16, strip * 16 + 16) of W, K padded, into
 * out[16][k_padded]; rows past the layout's tiles are zero. */
TERN_TARGET_AMX inline void decode_strip_i2(const LinearCall &call, int R,
                                            int64_t strip, int8_t *out) {
  const PackedLayout &L = call.layout;
  const int64_t kp = L.k_padded();
  const __m512i mask = _mm512_set1_epi8(3), one = _mm512_set1_epi8(1);
  for (int row = 0; row < 16; ++row) {
    int64_t n = strip * 16 + row, t = n / R;
    int8_t *dst = out + row * kp;
    if (t >= L.tiles()) {
      std::memset(dst, 0, size_t(kp));
      continue;
    }
    for (int64_t kb = 0; kb < L.k_blocks(); ++kb) {
      const __m512i v =
          _mm512_load_si512(call.w + L.block_offset(t, kb, int(n % R)));
      for (int q = 0; q < 4; ++q) {
        __m512i codes = _mm512_and_si512(
            _mm512_srlv_epi16(v, _mm512_set1_epi16(short(2 * q))), mask);
        _mm512_store_si512(dst + kb * 256 + q * 64,
                           _mm512_sub_epi8(codes, one));
      }
    }
  }
}

TERN_TARGET_AMX inline void amx_task_body(const AmxCall &amx, int thread,
                                          int threads) {
  const LinearCall &call = *amx.call;
  const PackedLayout &L = call.layout;
  const int R = L.rows_per_tile;
  const int64_t kp = L.k_padded(), mp = amx.m_padded;
  const int64_t strips = (L.n + 15) / 16, pairs = (strips + 1) / 2;
  const int64_t begin = pairs * thread / threads;
  const int64_t end = pairs * (thread + 1) / threads;
  if (begin == end)
    return;
  AmxTileConfig config;
  for (int i = 0; i < 8; ++i) {
    config.rows[i] = 16;
    config.colsb[i] = 64;
  }
  _tile_loadconfig(&config);
  Scratch<int8_t> strip{size_t(2 * 16 * kp)};
  alignas(64) int32_t c[4][16][16];
  for (int64_t pair = begin; pair < end; ++pair) {
    decode_strip_i2(call, R, 2 * pair, strip.data);
    decode_strip_i2(call, R, 2 * pair + 1, strip.data + 16 * kp);
    for (int64_t mb = 0; mb < mp / 16; mb += 2) {
      _tile_zero(0);
      _tile_zero(1);
      _tile_zero(2);
      _tile_zero(3);
      for (int64_t kc = 0; kc < kp / 64; ++kc) {
        _tile_loadd(4, strip.data + kc * 64, kp);
        _tile_loadd(5, strip.data + 16 * kp + kc * 64, kp);
        const int8_t *b = amx.xv + (kc * 16 * mp + mb * 16) * 4;
        _tile_loadd(6, b, mp * 4);
        _tile_loadd(7, b + 64, mp * 4);
        _tile_dpbssd(0, 4, 6);
        _tile_dpbssd(1, 4, 7);
        _tile_dpbssd(2, 5, 6);
        _tile_dpbssd(3, 5, 7);
      }
      _tile_stored(0, c[0], 64);
      _tile_stored(1, c[1], 64);
      _tile_stored(2, c[2], 64);
      _tile_stored(3, c[3], 64);
      for (int tile = 0; tile < 4; ++tile)
        for (int i = 0; i < 16; ++i) {
          int64_t n = (2 * pair + tile / 2) * 16 + i;
          if (n >= L.n)
            break;
          for (int j = 0; j < 16; ++j) {
            int64_t m = (mb + tile % 2) * 16 + j;
            if (m >= call.m)
              break;
            call.y[m * L.n + n] =
                scale_output(c[tile][i][j], call.xs, call.ws, m, n,
                             call.per_token, call.per_channel);
          }
        }
    }
  }
  _tile_release();
}

inline void amx_task(void *opaque, int thread, int threads) {
  amx_task_body(*static_cast<const AmxCall *>(opaque), thread, threads);
}

inline void linear_amx(const LinearCall &call, tern_pool *pool) {
  const int64_t kp = call.layout.k_padded();
  const int64_t mp = (call.m + 31) / 32 * 32;
  Scratch<int8_t> xv{size_t(kp * mp)};
  std::memset(xv.data, 0, size_t(kp * mp));
  for (int64_t m = 0; m < call.m; ++m)
    for (int64_t k = 0; k < kp; k += 4)
      std::memcpy(xv.data + ((k / 4) * mp + m) * 4, call.x_padded + m * kp + k,
                  4);
  AmxCall amx{&call, xv.data, mp};
  tern_pool_run(pool, amx_task, &amx);
}

} // namespace cpu
} // namespace tern

#endif /* TERN_CPU_LINEAR_X86_H */
