/* x86 kernels for batched tern/cpu/linear.h calls (m >= kGemmMinBatch).
 * Ternary GEMM is compute-bound, so weights are decoded once per thread and
 * reused across tokens:
 *   - with AMX-INT8 (I2, m >= 16): 16-row strips decoded to signed int8 and
 *     multiplied as tiles;
 *   - otherwise: a chunk of row tiles decoded to code bytes (0..2, one byte
 *     per weight), then swept T tokens at a time, so each code load feeds T
 *     tokens and each x load R rows (vpdpbusd on AVX-512, maddubs on AVX2). */
#ifndef TERN_CPU_GEMM_X86_H
#define TERN_CPU_GEMM_X86_H

#include "tern/cpu/linear_x86.h"

#include <atomic>
#include <cstdlib>

namespace tern {
namespace cpu {

/* ---- Decoding a run of 64-byte weight blocks (contiguous in the packed
 * layout: a chunk of tiles) into code planes: block i becomes P x 64 bytes
 * at codes + i * P * 64, plane q holding the codes of k = 64 q + j. */
TERN_TARGET_AVX2 inline void decode_i2_avx2(const uint8_t *w, int64_t blocks,
                                            uint8_t *codes) {
  const __m256i mask = _mm256_set1_epi8(3);
  for (int64_t i = 0; i < blocks * 2; ++i) {
    const __m256i v = _mm256_load_si256((const __m256i *)(w + 32 * i));
    uint8_t *out = codes + (i / 2) * 256 + (i % 2) * 32;
    for (int q = 0; q < 4; ++q)
      _mm256_store_si256((__m256i *)(out + 64 * q),
                         _mm256_and_si256(_mm256_srli_epi16(v, 2 * q), mask));
  }
}

TERN_TARGET_VBMI inline void decode_t3_vbmi(const uint8_t *w, int64_t blocks,
                                            uint8_t *codes) {
  const __m512i mask = _mm512_set1_epi8(3);
  const Base3Decoder base3 = base3_decoder();
  for (int64_t i = 0; i < blocks; ++i) {
    const __m512i v = _mm512_load_si512(w + 64 * i);
    __m512i low4, c4;
    decode_base3(base3, v, low4, c4);
    uint8_t *out = codes + i * 320;
    for (int q = 0; q < 4; ++q)
      _mm512_store_si512(
          out + 64 * q, _mm512_and_si512(_mm512_srli_epi16(low4, 2 * q), mask));
    _mm512_store_si512(out + 256, c4);
  }
}

/* Tiles [t0, t0 + tiles) of a batched call's weights decoded to code bytes
 * (P planes of 64 per block), as the batched kernels sweep them. */
inline void decode_tiles(const LinearCall &call, int64_t t0, int64_t tiles,
                         uint8_t *codes) {
  const PackedLayout &L = call.layout;
  const uint8_t *w = call.w + t0 * L.tile_bytes();
  const int64_t blocks = tiles * L.k_blocks() * L.rows_per_tile;
  if (L.format == Format::T3)
    decode_t3_vbmi(w, blocks, codes);
  else
    decode_i2_avx2(w, blocks, codes);
}

/* ---- Code-byte GEMM: sums[tok][t * R + r] = sum_k x[tok][k] * c[row][k]
 * for `tiles` tiles of decoded codes and T tokens (x rows kp apart). */
template <int R, int T, int P, int64_t KB>
TERN_TARGET_AVX512 inline void
gemm_codes_avx512(const uint8_t *codes, int64_t kblocks_runtime, int64_t tiles,
                  const int8_t *x, int64_t kp, int32_t *sums) {
  const int64_t kblocks = KB ? KB : kblocks_runtime;
  for (int64_t t = 0; t < tiles; ++t) {
    __m512i acc[R][T];
#pragma GCC unroll 16
    for (int r = 0; r < R; ++r)
      for (int tok = 0; tok < T; ++tok)
        acc[r][tok] = _mm512_setzero_si512();
    const uint8_t *ct = codes + t * kblocks * R * P * 64;
    for (int64_t b = 0; b < kblocks; ++b) {
#pragma GCC unroll 5
      for (int q = 0; q < P; ++q) {
        __m512i xq[T];
#pragma GCC unroll 8
        for (int tok = 0; tok < T; ++tok)
          xq[tok] = _mm512_load_si512(x + tok * kp + (b * P + q) * 64);
#pragma GCC unroll 16
        for (int r = 0; r < R; ++r) {
          const __m512i c = _mm512_load_si512(ct + ((b * R + r) * P + q) * 64);
#pragma GCC unroll 8
          for (int tok = 0; tok < T; ++tok)
            acc[r][tok] = _mm512_dpbusd_epi32(acc[r][tok], c, xq[tok]);
        }
      }
    }
#pragma GCC unroll 16
    for (int r = 0; r < R; ++r)
      for (int tok = 0; tok < T; ++tok)
        sums[tok * tiles * R + t * R + r] = sum_lanes(acc[r][tok]);
  }
}

/* AVX2: per 32 codes and token, the P maddubs are summed in 16 bits
 * (|sum| <= P * 2 * 2 * 128) and widened by one madd. */
template <int R, int T, int P, int64_t KB>
TERN_TARGET_AVX2 inline void
gemm_codes_avx2(const uint8_t *codes, int64_t kblocks_runtime, int64_t tiles,
                const int8_t *x, int64_t kp, int32_t *sums) {
  const int64_t kblocks = KB ? KB : kblocks_runtime;
  const __m256i ones = _mm256_set1_epi16(1);
  for (int64_t t = 0; t < tiles; ++t) {
    __m256i acc[R][T];
#pragma GCC unroll 16
    for (int r = 0; r < R; ++r)
      for (int tok = 0; tok < T; ++tok)
        acc[r][tok] = _mm256_setzero_si256();
    const uint8_t *ct = codes + t * kblocks * R * P * 64;
    for (int64_t b = 0; b < kblocks; ++b)
#pragma GCC unroll 2
      for (int h = 0; h < 2; ++h)
#pragma GCC unroll 16
        for (int r = 0; r < R; ++r) {
          const uint8_t *cr = ct + (b * R + r) * P * 64 + h * 32;
#pragma GCC unroll 8
          for (int tok = 0; tok < T; ++tok) {
            const int8_t *xb = x + tok * kp + b * P * 64 + h * 32;
            __m256i p = _mm256_setzero_si256();
#pragma GCC unroll 5
            for (int q = 0; q < P; ++q)
              p = _mm256_add_epi16(
                  p, _mm256_maddubs_epi16(
                         _mm256_load_si256((const __m256i *)(cr + 64 * q)),
                         _mm256_load_si256((const __m256i *)(xb + 64 * q))));
            acc[r][tok] =
                _mm256_add_epi32(acc[r][tok], _mm256_madd_epi16(p, ones));
          }
        }
#pragma GCC unroll 16
    for (int r = 0; r < R; ++r)
      for (int tok = 0; tok < T; ++tok) {
        __m128i s = _mm_add_epi32(_mm256_castsi256_si128(acc[r][tok]),
                                  _mm256_extracti128_si256(acc[r][tok], 1));
        s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4e));
        s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xb1));
        sums[tok * tiles * R + t * R + r] = _mm_cvtsi128_si32(s);
      }
  }
}

/* ---- One thread's share of a batched call without AMX: its row tiles, a
 * chunk at a time, decoded once and swept by every token. */
constexpr int64_t kGemmTilesPerChunk = 8; /* <= 280 KiB of codes: L2 */

template <Isa I, int R, int T, int P, int64_t KB>
inline void gemm_codes(const uint8_t *codes, int64_t kblocks, int64_t tiles,
                       const int8_t *x, int64_t kp, int32_t *sums) {
  if constexpr (I == Isa::Avx512)
    gemm_codes_avx512<R, T, P, KB>(codes, kblocks, tiles, x, kp, sums);
  else
    gemm_codes_avx2<R, T, P, KB>(codes, kblocks, tiles, x, kp, sums);
}

/* Tokens m0 .. m0 + T - 1 (T <= kTokens) over one decoded chunk. */
template <Isa I, int R, int P, int64_t KB, int kTokens>
inline void gemm_tokens(int tokens, const uint8_t *codes, int64_t kblocks,
                        int64_t tiles, const int8_t *x, int64_t kp,
                        int32_t *sums) {
  if constexpr (kTokens > 1)
    if (tokens < kTokens)
      return gemm_tokens<I, R, P, KB, kTokens - 1>(tokens, codes, kblocks,
                                                   tiles, x, kp, sums);
  gemm_codes<I, R, kTokens, P, KB>(codes, kblocks, tiles, x, kp, sums);
}

template <Isa I, int R, int64_t KB>
void gemm_task(void *opaque, int thread, int threads) {
  const LinearCall &call = *static_cast<const LinearCall *>(opaque);
  const PackedLayout &L = call.layout;
  /* AVX-512 keeps R x 4 accumulators in its 32 registers, AVX2 R x 2 in 16. */
  constexpr int kTokens = I == Isa::Avx512 ? 4 : 2;
  const int64_t kp = L.k_padded(), kblocks = L.k_blocks();
  const int P = codesPerBlock(L.format) / kBlockBytes;
  const int64_t begin = L.tiles() * thread / threads;
  const int64_t end = L.tiles() * (thread + 1) / threads;
  Scratch<uint8_t> codes{size_t(kGemmTilesPerChunk * kblocks * R * P * 64)};
  int32_t sums[kTokens * kGemmTilesPerChunk * R];
  for (int64_t t0 = begin; t0 < end; t0 += kGemmTilesPerChunk) {
    const int64_t tiles = std::min(end - t0, kGemmTilesPerChunk);
    decode_tiles(call, t0, tiles, codes.data);
    for (int64_t m0 = 0; m0 < call.m; m0 += kTokens) {
      const int tokens = int(std::min<int64_t>(kTokens, call.m - m0));
      const int8_t *x = call.x_padded + m0 * kp;
      if (P == 5)
        gemm_tokens<I, R, 5, KB, kTokens>(tokens, codes.data, kblocks, tiles, x,
                                          kp, sums);
      else
        gemm_tokens<I, R, 4, KB, kTokens>(tokens, codes.data, kblocks, tiles, x,
                                          kp, sums);
      for (int tok = 0; tok < tokens; ++tok) {
        const int64_t m = m0 + tok;
        for (int64_t n = t0 * R; n < std::min(L.n, (t0 + tiles) * R); ++n)
          call.y[m * L.n + n] = scale_output(
              sums[tok * tiles * R + n - t0 * R] - call.x_sums[m], call.xs,
              call.ws, m, n, call.per_token, call.per_channel);
      }
    }
  }
}

/* ---- AMX-INT8 prefill. C[16 n][16 m] += W[16 n][64 k] . X^T, with X^T in
 * the VNNI layout AMX wants for B: xv[k / 4][m][k % 4]. Each thread decodes
 * two 16-row weight strips into signed int8 once (so no sum(x) correction)
 * and sweeps every token block over them: 2 A x 2 B tiles, 4 accumulators. */
constexpr int64_t kAmxMinBatch = 16;

/* Whether batched AVX-512 calls may use AMX: set TERN_NO_AMX in the
 * environment, or call this with false, to run them on vpdpbusd instead
 * (to compare the two, or where AMX is slow or unwelcome). */
inline std::atomic<bool> &amx_allowed() {
  static std::atomic<bool> allowed{std::getenv("TERN_NO_AMX") == nullptr};
  return allowed;
}

inline bool amx_available() {
  static const bool usable =
      tern_missing_cpu_feature("amx-tile,amx-int8") == nullptr;
  return usable && amx_allowed().load(std::memory_order_relaxed);
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
  // A tile's rows at a time, blocks in storage order: one sequential read
  // of the weights (row by row, the loads would stride by a tile's rows).
  for (int row = 0; row < 16;) {
    int64_t n = strip * 16 + row, t = n / R;
    if (t >= L.tiles()) {
      std::memset(out + row * kp, 0, size_t((16 - row) * kp));
      break;
    }
    int first = int(n % R), count = std::min(R - first, 16 - row);
    for (int64_t kb = 0; kb < L.k_blocks(); ++kb)
      for (int r = 0; r < count; ++r) {
        const uint8_t *block = call.w + L.block_offset(t, kb, first + r);
        // Far enough ahead to cover DRAM latency: the decode's stores
        // otherwise fill the window before enough loads are in flight.
        _mm_prefetch(reinterpret_cast<const char *>(block) + 2048, _MM_HINT_T0);
        const __m512i v = _mm512_load_si512(block);
        int8_t *dst = out + (row + r) * kp + kb * 256;
        for (int q = 0; q < 4; ++q) {
          __m512i codes = _mm512_and_si512(
              _mm512_srlv_epi16(v, _mm512_set1_epi16(short(2 * q))), mask);
          _mm512_store_si512(dst + q * 64, _mm512_sub_epi8(codes, one));
        }
      }
    row += count;
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

#endif /* TERN_CPU_GEMM_X86_H */
