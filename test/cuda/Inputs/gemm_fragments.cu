// The tensor-core W2A8 GEMM's data movement run on the host: for every
// 16-row x 8-token tile, each of a warp's 32 lanes builds its A and B
// registers with tern/cuda/gemm.cuh's fragment helpers, an emulated
// mma.m16n8k32 (written here from the PTX ISA's fragment tables, not from
// gemm.cuh) multiplies them, the lanes' sums of x are combined as the
// kernel's shuffles do, and store_fragment writes the tile. The result must
// equal integer dot products of the unpacked weights. Needs nvcc, not a GPU.
#include "tern/cuda/gemm.cuh"

#include <cstdio>
#include <random>
#include <vector>

using namespace tern::cuda;

// D = A x B + C for one warp. PTX ISA, m16n8k32 with 8-bit integers, with
// groupID = lane >> 2 and threadID_in_group = lane % 4:
//   A: ai (i = 0..15, 4 per register) at row groupID for i < 4 and
//      8 <= i < 12, else groupID + 8; column threadID_in_group * 4 + (i & 3)
//      for i < 8, else that + 16.
//   B: bi (i = 0..7) at row threadID_in_group * 4 + (i & 3) for i < 4,
//      else that + 16; column groupID.
//   C: ci (i = 0..3) at row groupID for i < 2, else groupID + 8; column
//      threadID_in_group * 2 + (i & 1).
static void emulated_mma(int c[32][4], const uint32_t a[32][4],
                         const uint32_t b[32][2]) {
  int A[16][32] = {}, B[32][8] = {};
  for (int lane = 0; lane < 32; ++lane) {
    const int group = lane >> 2, thread = lane % 4;
    for (int i = 0; i < 16; ++i) {
      const int row = (i < 4 || (i >= 8 && i < 12)) ? group : group + 8;
      const int col = thread * 4 + (i & 3) + (i < 8 ? 0 : 16);
      A[row][col] = int((a[lane][i / 4] >> (8 * (i % 4))) & 0xff); // .u8
    }
    for (int i = 0; i < 8; ++i) {
      const int row = thread * 4 + (i & 3) + (i < 4 ? 0 : 16);
      B[row][group] = int(int8_t(b[lane][i / 4] >> (8 * (i % 4)))); // .s8
    }
  }
  for (int lane = 0; lane < 32; ++lane) {
    const int group = lane >> 2, thread = lane % 4;
    for (int i = 0; i < 4; ++i) {
      const int row = i < 2 ? group : group + 8, col = thread * 2 + (i & 1);
      for (int k = 0; k < 32; ++k)
        c[lane][i] += A[row][k] * B[k][col];
    }
  }
}

static int check(int n, int k, int m, std::mt19937 &rng) {
  std::uniform_int_distribution<int> trit(-1, 1), act(-128, 127);
  std::vector<int8_t> w(size_t(n) * size_t(k)), x(size_t(m) * size_t(k));
  for (auto &v : w)
    v = int8_t(trit(rng));
  for (auto &v : x)
    v = int8_t(act(rng));
  const W2Layout layout{n, k};
  std::vector<uint32_t> codes(size_t(layout.bytes() / 4));
  pack_w2(layout, w.data(), reinterpret_cast<uint8_t *>(codes.data()));
  const int words = int(layout.words_per_row());
  std::vector<int32_t> sums(size_t(m) * size_t(n), -1);

  for (int row0 = 0; row0 < n; row0 += 16)
    for (int token0 = 0; token0 < m; token0 += 8) {
      int c[32][4] = {}, x_sum[32] = {};
      for (int chunk = 0; chunk < words / 2; ++chunk) {
        uint32_t a[32][4], b[32][2];
        for (int lane = 0; lane < 32; ++lane) {
          weight_fragment(codes.data(), words, n, row0, chunk, lane, a[lane]);
          activation_fragment(x.data(), k, m, token0, chunk, lane, b[lane],
                              &x_sum[lane]);
        }
        emulated_mma(c, a, b);
      }
      // The kernel's shuffles: sum over each group of 4 lanes (xor 1, 2),
      // then lane (g, t) reads lanes 8t and 8t + 4.
      int total[32];
      for (int lane = 0; lane < 32; ++lane)
        total[lane] = x_sum[lane & ~3] + x_sum[(lane & ~3) + 1] +
                      x_sum[(lane & ~3) + 2] + x_sum[(lane & ~3) + 3];
      for (int lane = 0; lane < 32; ++lane) {
        const int t = lane % 4;
        const int token_sums[2] = {total[8 * t], total[8 * t + 4]};
        store_fragment(c[lane], token_sums, row0, token0, n, m, lane,
                       sums.data());
      }
    }

  int failures = 0;
  for (int t = 0; t < m; ++t)
    for (int row = 0; row < n; ++row) {
      int expected = 0;
      for (int i = 0; i < k; ++i)
        expected += int(w[size_t(row) * k + i]) * int(x[size_t(t) * k + i]);
      const int got = sums[size_t(t) * n + row];
      if (got != expected && failures++ < 3)
        std::printf("mismatch: %dx%d by %d tokens, token %d row %d: %d, "
                    "expected %d\n",
                    n, k, m, t, row, got, expected);
    }
  return failures;
}

int main() {
  std::mt19937 rng(11);
  int failures = 0;
  // Rows, k and tokens on and off the tile sizes (16, 32/64, 8).
  const int shapes[][3] = {{16, 64, 8},   {37, 300, 13},  {5, 7, 3},
                           {33, 130, 33}, {70, 2560, 20}, {128, 96, 1},
                           {17, 65, 9}};
  for (const auto &shape : shapes)
    failures += check(shape[0], shape[1], shape[2], rng);
  std::printf(failures ? "FAILED\n" : "all shapes match\n");
  return failures ? 1 : 0;
}
