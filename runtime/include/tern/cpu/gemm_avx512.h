/* AVX-512 VNNI kernel for batched tern/cpu/linear.h calls of 16 tokens or
 * more (prefill). Lanes hold tokens, not k: x is interleaved as 4
 * consecutive k per token (interleave_tokens), so one 64-byte load holds
 * those k of 16 tokens, and each weight row's 4 codes at those k are
 * broadcast to all lanes. Every accumulator lane is then one output (row n,
 * token m): no horizontal sums, and the epilogue scales 16 outputs per
 * instruction.
 *
 * A thread decodes a chunk of row tiles to code bytes once (as gemm_x86.h
 * does) and sweeps blocks of up to 48 tokens over pairs of tiles: 8 rows x
 * 3 vectors = 24 accumulators, 8 broadcasts (load-port only) and 3 loads per
 * 24 vpdpbusd. */
#ifndef TERN_CPU_GEMM_AVX512_H
#define TERN_CPU_GEMM_AVX512_H

#include "tern/cpu/gemm_x86.h"

namespace tern {
namespace cpu {

constexpr int64_t kBroadcastMinBatch = 16;
constexpr int kBroadcastVectors = 3; /* 16-token vectors per block */

/* Tokens per block, whose x the kernel streams in one sequential pass. */
constexpr int64_t kBroadcastBlockTokens = 16 * kBroadcastVectors;

/* x[m][k_padded] -> xv[m / 48][k_padded / 4][m % 48][4] for this thread's
 * share of the tokens: a block's x for consecutive k is contiguous, so the
 * kernel's loads stream through the prefetchers rather than striding by the
 * batch. Tokens past call.m are zeroed by the caller. */
struct InterleaveTask {
  const LinearCall *call;
  int8_t *xv;
};

inline void interleave_tokens(void *opaque, int thread, int threads) {
  const InterleaveTask &t = *static_cast<const InterleaveTask *>(opaque);
  const LinearCall &call = *t.call;
  const int64_t kp = call.layout.k_padded(), quads = kp / 4;
  for (int64_t m = call.m * thread / threads;
       m < call.m * (thread + 1) / threads; ++m) {
    const int8_t *row = call.x_padded + m * kp;
    int8_t *out =
        t.xv + (m / kBroadcastBlockTokens) * quads * kBroadcastBlockTokens * 4 +
        (m % kBroadcastBlockTokens) * 4;
    for (int64_t q = 0; q < quads; ++q)
      std::memcpy(out + q * kBroadcastBlockTokens * 4, row + 4 * q, 4);
  }
}

/* acc += u8 . s8 (vpdpbusd) as inline asm: with 24 accumulators live, GCC
 * 12 copies and spills them around the intrinsic's tied operand at every
 * step, but keeps them in registers as "+v" asm operands. */
TERN_TARGET_AVX512 inline void dpbusd(__m512i &acc, __m512i u8, __m512i s8) {
  __asm__("vpdpbusd %2, %1, %0" : "+v"(acc) : "v"(u8), "v"(s8));
}

/* acc[tile * R + r][v] = sum_k c[row][k] * x[m0 + 16 v + lane][k] for TT
 * tiles of decoded codes (`codes` at the first) and V token vectors. */
template <int R, int TT, int V, int P, int64_t KB>
TERN_TARGET_AVX512 inline void
gemm_broadcast_block(const uint8_t *codes, int64_t kblocks_runtime,
                     const int8_t *xv, __m512i (&out)[R * TT][V]) {
  constexpr int64_t mp = kBroadcastBlockTokens;
  const int64_t kblocks = KB ? KB : kblocks_runtime;
  const int64_t tile_stride = kblocks * R * P * 64;
  // Local accumulators, indexed only in fully unrolled loops, so that they
  // can live in registers.
  __m512i acc[R * TT][V];
#pragma GCC unroll 8
  for (int r = 0; r < R * TT; ++r)
#pragma GCC unroll 4
    for (int v = 0; v < V; ++v)
      acc[r][v] = _mm512_setzero_si512();
  for (int64_t kb = 0; kb < kblocks; ++kb) {
    const uint8_t *cb = codes + kb * R * P * 64;
    const int8_t *xb = xv + kb * P * 16 * mp * 4;
    for (int i = 0; i < P * 16; ++i) {
      __m512i x[V];
#pragma GCC unroll 4
      for (int v = 0; v < V; ++v)
        x[v] = _mm512_loadu_si512(xb + (i * mp + 16 * v) * 4);
#pragma GCC unroll 8
      for (int tt = 0; tt < TT; ++tt)
#pragma GCC unroll 8
        for (int r = 0; r < R; ++r) {
          int32_t quad;
          std::memcpy(&quad, cb + tt * tile_stride + r * P * 64 + 4 * i, 4);
          const __m512i c = _mm512_set1_epi32(quad);
#pragma GCC unroll 4
          for (int v = 0; v < V; ++v)
            dpbusd(acc[tt * R + r][v], c, x[v]);
        }
    }
  }
#pragma GCC unroll 8
  for (int r = 0; r < R * TT; ++r)
#pragma GCC unroll 4
    for (int v = 0; v < V; ++v)
      out[r][v] = acc[r][v];
}

/* Tokens m.. of 16 that exist (m < call.m). */
inline __mmask16 token_mask(const LinearCall &call, int64_t m) {
  const int64_t left = call.m - m;
  return left >= 16 ? __mmask16(0xffff) : __mmask16((1u << left) - 1);
}

/* scale_output(sum - x_sums[m]) for one row n and 16 tokens from m, in
 * scale_output's operation order (lanes past call.m are don't-cares). */
TERN_TARGET_AVX512 inline __m512
scale_outputs(const LinearCall &call, __m512i sum, int64_t n, int64_t m) {
  const __mmask16 mask = token_mask(call, m);
  sum = _mm512_sub_epi32(sum, _mm512_maskz_loadu_epi32(mask, call.x_sums + m));
  const __m512 f = _mm512_cvtepi32_ps(sum);
  if (!call.per_channel) {
    const __m512 xs = call.per_token ? _mm512_maskz_loadu_ps(mask, call.xs + m)
                                     : _mm512_set1_ps(call.xs[0]);
    return _mm512_mul_ps(f, _mm512_mul_ps(xs, _mm512_set1_ps(call.ws[0])));
  }
  if (!call.per_token)
    return _mm512_mul_ps(f, _mm512_set1_ps(call.xs[0] * call.ws[n]));
  return _mm512_mul_ps(_mm512_mul_ps(f, _mm512_set1_ps(call.ws[n])),
                       _mm512_maskz_loadu_ps(mask, call.xs + m));
}

/* One row's outputs for 16 tokens from m: a masked scatter down y's column
 * n (for row counts other than 8). */
TERN_TARGET_AVX512 inline void store_row(const LinearCall &call, __m512 y,
                                         int64_t n, int64_t m) {
  const __m512i rows = _mm512_mullo_epi32(
      _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
      _mm512_set1_epi32(int32_t(call.layout.n)));
  _mm512_mask_i32scatter_ps(call.y + m * call.layout.n + n, token_mask(call, m),
                            rows, y, 4);
}

/* Lanes 8-15 (AVX-512F has no float form of this extract; DQ does). */
TERN_TARGET_AVX512 inline __m256 upper_half(__m512 v) {
  return _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1));
}

/* Rows n0..n0+7 for 16 tokens from m, transposed in registers so that each
 * token's 8 outputs, consecutive in y, go out as one 32-byte store: eight
 * scatters cost several times more. After the unpacks and shuffles, lane L
 * of a[j] holds rows 0-3 of token 4 L + j and lane L of b[j] rows 4-7. */
TERN_TARGET_AVX512 inline void store_8_rows(const LinearCall &call,
                                            const __m512 (&y)[8], int64_t n0,
                                            int64_t m) {
  __m512 t[8], a[4], b[4];
  for (int i = 0; i < 4; ++i) {
    t[2 * i] = _mm512_unpacklo_ps(y[2 * i], y[2 * i + 1]);
    t[2 * i + 1] = _mm512_unpackhi_ps(y[2 * i], y[2 * i + 1]);
  }
  for (int h = 0; h < 2; ++h) {
    __m512 *out = h ? b : a;
    const __m512 *in = t + 4 * h;
    out[0] = _mm512_shuffle_ps(in[0], in[2], 0x44);
    out[1] = _mm512_shuffle_ps(in[0], in[2], 0xEE);
    out[2] = _mm512_shuffle_ps(in[1], in[3], 0x44);
    out[3] = _mm512_shuffle_ps(in[1], in[3], 0xEE);
  }
  const int64_t left = call.m - m, n = call.layout.n;
  float *base = call.y + m * n + n0;
  for (int j = 0; j < 4; ++j) {
    // Lanes 0 and 2 of a[j] and b[j] (tokens j and 8 + j), then lanes 1
    // and 3 (tokens 4 + j and 12 + j), each token's two halves adjacent.
    const __m512 lanes02 =
        _mm512_shuffle_f32x4(a[j], b[j], _MM_SHUFFLE(2, 0, 2, 0));
    const __m512 lanes13 =
        _mm512_shuffle_f32x4(a[j], b[j], _MM_SHUFFLE(3, 1, 3, 1));
    const __m512 even =
        _mm512_shuffle_f32x4(lanes02, lanes02, _MM_SHUFFLE(3, 1, 2, 0));
    const __m512 odd =
        _mm512_shuffle_f32x4(lanes13, lanes13, _MM_SHUFFLE(3, 1, 2, 0));
    if (j < left)
      _mm256_storeu_ps(base + j * n, _mm512_castps512_ps256(even));
    if (8 + j < left)
      _mm256_storeu_ps(base + (8 + j) * n, upper_half(even));
    if (4 + j < left)
      _mm256_storeu_ps(base + (4 + j) * n, _mm512_castps512_ps256(odd));
    if (12 + j < left)
      _mm256_storeu_ps(base + (12 + j) * n, upper_half(odd));
  }
}

template <int R, int TT, int V, int P, int64_t KB>
TERN_TARGET_AVX512 inline void
gemm_broadcast_tiles(const LinearCall &call, const uint8_t *codes, int64_t t,
                     const int8_t *xv, int64_t m0) {
  __m512i acc[R * TT][V];
  gemm_broadcast_block<R, TT, V, P, KB>(codes, call.layout.k_blocks(),
                                        xv + m0 * call.layout.k_padded(), acc);
  const int64_t n0 = t * R;
  if constexpr (R * TT == 8) {
    if (n0 + 8 <= call.layout.n) {
      for (int v = 0; v < V; ++v) {
        __m512 y[8];
        for (int r = 0; r < 8; ++r)
          y[r] = scale_outputs(call, acc[r][v], n0 + r, m0 + 16 * v);
        store_8_rows(call, y, n0, m0 + 16 * v);
      }
      return;
    }
  }
  for (int r = 0; r < R * TT && n0 + r < call.layout.n; ++r)
    for (int v = 0; v < V; ++v)
      store_row(call, scale_outputs(call, acc[r][v], n0 + r, m0 + 16 * v),
                n0 + r, m0 + 16 * v);
}

/* Token vectors V = 1 .. kBroadcastVectors, chosen at run time. */
template <int R, int TT, int P, int64_t KB, int V = kBroadcastVectors>
inline void gemm_broadcast_vectors(int vectors, const LinearCall &call,
                                   const uint8_t *codes, int64_t t,
                                   const int8_t *xv, int64_t m0) {
  if constexpr (V > 1)
    if (vectors < V)
      return gemm_broadcast_vectors<R, TT, P, KB, V - 1>(vectors, call, codes,
                                                         t, xv, m0);
  gemm_broadcast_tiles<R, TT, V, P, KB>(call, codes, t, xv, m0);
}

struct BroadcastCall {
  const LinearCall *call;
  const int8_t *xv; /* interleave_tokens' layout */
};

template <int R, int P, int64_t KB>
void gemm_broadcast_task(void *opaque, int thread, int threads) {
  const BroadcastCall &b = *static_cast<const BroadcastCall *>(opaque);
  const LinearCall &call = *b.call;
  const PackedLayout &L = call.layout;
  /* Two tiles of 4 rows (8 broadcasts per k quad) where tiles are small. */
  constexpr int TT = R <= 4 ? 8 / R : 1;
  const int64_t kblocks = L.k_blocks();
  const int64_t begin = L.tiles() * thread / threads;
  const int64_t end = L.tiles() * (thread + 1) / threads;
  Scratch<uint8_t> codes{size_t(kGemmTilesPerChunk * kblocks * R * P * 64)};
  const int64_t tile_codes = kblocks * R * P * 64;
  const int64_t blocks =
      (call.m + kBroadcastBlockTokens - 1) / kBroadcastBlockTokens;
  for (int64_t t0 = begin; t0 < end; t0 += kGemmTilesPerChunk) {
    const int64_t tiles = std::min(end - t0, kGemmTilesPerChunk);
    decode_tiles(call, t0, tiles, codes.data);
    // The next chunk's packed weights are fetched into L2 a slice per
    // sweep, so that its decode does not wait on DRAM.
    const int64_t next_tiles = std::min(end - t0 - tiles, kGemmTilesPerChunk);
    const char *next =
        reinterpret_cast<const char *>(call.w + (t0 + tiles) * L.tile_bytes());
    const int64_t next_lines = next_tiles * L.tile_bytes() / 64;
    const int64_t sweeps = blocks * ((tiles + TT - 1) / TT);
    const int64_t lines_per_sweep = (next_lines + sweeps - 1) / sweeps;
    int64_t line = 0;
    auto prefetch_slice = [&] {
      for (int64_t i = 0; i < lines_per_sweep && line < next_lines; ++i)
        _mm_prefetch(next + 64 * line++, _MM_HINT_T1);
    };
    for (int64_t m0 = 0; m0 < call.m; m0 += kBroadcastBlockTokens) {
      const int vectors =
          int(std::min<int64_t>(kBroadcastVectors, (call.m - m0 + 15) / 16));
      int64_t t = 0;
      for (; t + TT <= tiles; t += TT) {
        prefetch_slice();
        gemm_broadcast_vectors<R, TT, P, KB>(
            vectors, call, codes.data + t * tile_codes, t0 + t, b.xv, m0);
      }
      for (; t < tiles; ++t) {
        prefetch_slice();
        gemm_broadcast_vectors<R, 1, P, KB>(
            vectors, call, codes.data + t * tile_codes, t0 + t, b.xv, m0);
      }
    }
  }
}

template <int R, int64_t KB>
inline void linear_broadcast(const LinearCall &call, tern_pool *pool) {
  const int64_t kp = call.layout.k_padded();
  const int64_t blocks =
      (call.m + kBroadcastBlockTokens - 1) / kBroadcastBlockTokens;
  Scratch<int8_t> xv{size_t(blocks * kBroadcastBlockTokens * kp)};
  // Only the last block has tokens past call.m; zero it whole.
  std::memset(xv.data + (blocks - 1) * kBroadcastBlockTokens * kp, 0,
              size_t(kBroadcastBlockTokens * kp));
  InterleaveTask interleave{&call, xv.data};
  tern_pool_run(pool, interleave_tokens, &interleave);
  BroadcastCall b{&call, xv.data};
  if (call.layout.format == Format::T3)
    tern_pool_run(pool, gemm_broadcast_task<R, 5, KB>, &b);
  else
    tern_pool_run(pool, gemm_broadcast_task<R, 4, KB>, &b);
}

} // namespace cpu
} // namespace tern

#endif /* TERN_CPU_GEMM_AVX512_H */
