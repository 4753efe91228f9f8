/* The W2A8 product of many tokens at once (an LLM's prefill, a batch) on
 * int8 tensor cores: mma.sync m16n8k32 with the 2-bit weight codes decoded
 * on the fly as the unsigned operand (A) and the int8 activations as the
 * signed one (B). It computes the same integer sums[m][n] as
 * ternary_dot_w2a8 (tern/cuda/linear.cuh): sum_k code * x - sum_k x.
 *
 * Fragments of m16n8k32 (PTX ISA, "Matrix fragments for mma.m16n8k32"),
 * with g = lane / 4 and t = lane % 4, each register 4 consecutive k:
 *   A (16 rows x 32 k): a0 row g, k 4t..; a1 row g + 8, k 4t..;
 *                       a2 row g, k 16 + 4t..; a3 row g + 8, k 16 + 4t..
 *   B (32 k x 8 tokens): b0 token g, k 4t..; b1 token g, k 16 + 4t..
 *   C (16 rows x 8 tokens): c0, c1 row g, tokens 2t, 2t + 1;
 *                           c2, c3 row g + 8, tokens 2t, 2t + 1.
 * In tern/cuda/w2.h's layout, (word >> 2 j) & 0x03030303 holds the codes
 * of k = 16 w + 4 j .. + 3: the 32 k of chunk c are words 2c and 2c + 1,
 * and a lane's A registers are those two words of its rows shifted by 2t.
 * The fragment helpers are __host__ __device__ so that a test can run a
 * warp's worth of them on the host around an emulated mma. */
#ifndef TERN_CUDA_GEMM_CUH
#define TERN_CUDA_GEMM_CUH

#include "tern/cuda/arith.cuh"
#include "tern/cuda/device.cuh"
#include "tern/cuda/w2.h"

#include <cstdint>

namespace tern {
namespace cuda {

constexpr int kGemmWarps = 4;      /* per block, each its own rows */
constexpr int kWarpRowTiles = 2;   /* 16-row A tiles per warp */
constexpr int kWarpTokenTiles = 4; /* 8-token B tiles per warp */
constexpr int kGemmRows = kGemmWarps * kWarpRowTiles * 16;
constexpr int kGemmTokens = kWarpTokenTiles * 8;

/* The A fragment of rows row0 .. row0 + 15 (zero past n) for k chunk
 * `chunk`: `codes` is the packed weights, `words` words per row. */
__host__ __device__ inline void weight_fragment(const uint32_t *codes,
                                                int words, int n, int row0,
                                                int chunk, int lane,
                                                uint32_t a[4]) {
  const int g = lane / 4, t = lane % 4;
  for (int half = 0; half < 2; ++half) { /* rows g, then g + 8 */
    const int row = row0 + g + 8 * half;
    uint32_t low = 0, high = 0;
    if (row < n) {
      const uint32_t *pair = codes + size_t(row) * size_t(words) + 2 * chunk;
#if defined(__CUDA_ARCH__)
      const uint2 both = __ldg(reinterpret_cast<const uint2 *>(pair));
      low = both.x;
      high = both.y;
#else
      low = pair[0];
      high = pair[1];
#endif
    }
    a[half] = (low >> (2 * t)) & 0x03030303u;
    a[2 + half] = (high >> (2 * t)) & 0x03030303u;
  }
}

/* Activations x[token][at .. at + 3] of a row of k as one register, zero
 * past k. */
__host__ __device__ inline uint32_t activation_word(const int8_t *row, int k,
                                                    int at) {
  if (k % 4 == 0 && at + 4 <= k)
    return *reinterpret_cast<const uint32_t *>(row + at);
  uint32_t bytes = 0;
  for (int b = 0; b < 4; ++b)
    if (at + b < k)
      bytes |= uint32_t(uint8_t(row[at + b])) << (8 * b);
  return bytes;
}

/* The B fragment of tokens token0 .. token0 + 7 (zero past m) for k chunk
 * `chunk`; adds the lane's share of its token's sum of x to *x_sum (the 4
 * lanes of a group together cover all k of token g). */
__host__ __device__ inline void activation_fragment(const int8_t *x, int k,
                                                    int m, int token0,
                                                    int chunk, int lane,
                                                    uint32_t b[2], int *x_sum) {
  const int g = lane / 4, t = lane % 4, token = token0 + g;
  b[0] = b[1] = 0;
  if (token < m) {
    const int8_t *row = x + size_t(token) * size_t(k);
    b[0] = activation_word(row, k, 32 * chunk + 4 * t);
    b[1] = activation_word(row, k, 32 * chunk + 16 + 4 * t);
  }
  *x_sum = dp4a(int(b[0]), 0x01010101, *x_sum);
  *x_sum = dp4a(int(b[1]), 0x01010101, *x_sum);
}

/* The C fragment of rows row0.., tokens token0.. into sums[token][row],
 * minus each token's sum of x (token_sums[0] for token 2t, [1] for
 * 2t + 1), skipping what lies past n or m. */
__host__ __device__ inline void store_fragment(const int c[4],
                                               const int token_sums[2],
                                               int row0, int token0, int n,
                                               int m, int lane, int32_t *sums) {
  const int g = lane / 4, t = lane % 4;
  for (int i = 0; i < 4; ++i) {
    const int row = row0 + g + 8 * (i / 2), token = token0 + 2 * t + i % 2;
    if (row < n && token < m)
      sums[size_t(token) * size_t(n) + size_t(row)] = c[i] - token_sums[i % 2];
  }
}

#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
/* c += A (unsigned codes) x B (signed activations), exact in int32. */
__device__ __forceinline__ void mma_u8s8(int c[4], const uint32_t a[4],
                                         const uint32_t b[2]) {
  asm volatile("mma.sync.aligned.m16n8k32.row.col.s32.u8.s8.s32 "
               "{%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, "
               "{%0, %1, %2, %3};\n"
               : "+r"(c[0]), "+r"(c[1]), "+r"(c[2]), "+r"(c[3])
               : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]),
                 "r"(b[1]));
}
#endif

/* sums[m][n] for a block of kGemmRows rows (blockIdx.x) and kGemmTokens
 * tokens (blockIdx.y); each warp has kWarpRowTiles x kWarpTokenTiles
 * accumulator tiles. Launched only on devices of compute capability 8.0
 * or newer (tensor_cores_available). */
__global__ void __launch_bounds__(kGemmWarps * 32)
    ternary_gemm_w2a8(const int8_t *__restrict__ x,
                      const uint32_t *__restrict__ codes,
                      int32_t *__restrict__ sums, int m, int n, int k,
                      int words) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
  const int lane = int(threadIdx.x) % 32, warp = int(threadIdx.x) / 32;
  const int row0 = int(blockIdx.x) * kGemmRows + warp * kWarpRowTiles * 16;
  const int token0 = int(blockIdx.y) * kGemmTokens;
  if (row0 >= n)
    return; /* the whole warp */
  int c[kWarpRowTiles][kWarpTokenTiles][4] = {};
  int x_sum[kWarpTokenTiles] = {};
  for (int chunk = 0; chunk < words / 2; ++chunk) {
    uint32_t a[kWarpRowTiles][4], b[kWarpTokenTiles][2];
    for (int r = 0; r < kWarpRowTiles; ++r)
      weight_fragment(codes, words, n, row0 + 16 * r, chunk, lane, a[r]);
    for (int j = 0; j < kWarpTokenTiles; ++j)
      activation_fragment(x, k, m, token0 + 8 * j, chunk, lane, b[j],
                          &x_sum[j]);
    for (int r = 0; r < kWarpRowTiles; ++r)
      for (int j = 0; j < kWarpTokenTiles; ++j)
        mma_u8s8(c[r][j], a[r], b[j]);
  }
  const int t = lane % 4;
  for (int j = 0; j < kWarpTokenTiles; ++j) {
    /* The group's 4 lanes hold token g's partial sums; lane 4 u holds
     * token u's total after these. */
    x_sum[j] += __shfl_xor_sync(kFullWarp, x_sum[j], 1);
    x_sum[j] += __shfl_xor_sync(kFullWarp, x_sum[j], 2);
    const int token_sums[2] = {__shfl_sync(kFullWarp, x_sum[j], 8 * t),
                               __shfl_sync(kFullWarp, x_sum[j], 8 * t + 4)};
    for (int r = 0; r < kWarpRowTiles; ++r)
      store_fragment(c[r][j], token_sums, row0 + 16 * r, token0 + 8 * j, n, m,
                     lane, sums);
  }
#endif
}

inline void gemm_w2a8(const W2Layout &layout, int m, const int8_t *x,
                      const uint8_t *w, int32_t *sums) {
  const dim3 grid{blocks_for(layout.n, kGemmRows), blocks_for(m, kGemmTokens)};
  ternary_gemm_w2a8<<<grid, kGemmWarps * 32, 0, stream()>>>(
      x, reinterpret_cast<const uint32_t *>(w), sums, m, int(layout.n),
      int(layout.k), int(layout.words_per_row()));
  check_launch("ternary_gemm_w2a8");
}

} // namespace cuda
} // namespace tern

#endif /* TERN_CUDA_GEMM_CUH */
