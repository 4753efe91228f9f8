// The W2A8 kernel's arithmetic run on the host: weights packed by
// tern/cuda/w2.h, activations staged and dotted by tern/cuda/linear.cuh's
// host-callable helpers exactly as each warp lane would, summed over the
// 32 lanes, against a plain integer dot product of the unpacked weights.
// Needs nvcc, not a GPU.
#include "tern/cuda/linear.cuh"

#include <cstdio>
#include <random>
#include <vector>

using namespace tern::cuda;

static int check(int64_t n, int64_t k, std::mt19937 &rng) {
  std::uniform_int_distribution<int> trit(-1, 1), act(-128, 127);
  std::vector<int8_t> w(static_cast<size_t>(n * k)), x(static_cast<size_t>(k));
  for (auto &v : w)
    v = int8_t(trit(rng));
  for (auto &v : x)
    v = int8_t(act(rng));
  const W2Layout layout{n, k};
  // uint4 storage: the kernel reads rows with 16-byte loads.
  std::vector<uint4> packed(static_cast<size_t>(layout.bytes() / 16));
  pack_w2(layout, w.data(), reinterpret_cast<uint8_t *>(packed.data()));

  const int words = int(layout.words_per_row()), steps = words / 4;
  std::vector<int4> staged(static_cast<size_t>(words));
  int x_sum = 0;
  for (int g = 0; g < words; ++g)
    staged[size_t(staged_index(g, words))] =
        activation_group(x.data(), int(k), g, &x_sum);
  int failures = 0;
  for (int64_t row = 0; row < n; ++row) {
    int sum = 0;
    for (int lane = 0; lane < 32; ++lane)
      sum += row_partial(packed.data() + row * steps, staged.data(), steps,
                         lane, 32);
    sum -= x_sum;
    int expected = 0;
    for (int64_t i = 0; i < k; ++i)
      expected += int(w[size_t(row * k + i)]) * int(x[size_t(i)]);
    if (sum != expected && failures++ < 3)
      std::printf("mismatch: %lldx%lld row %lld: %d, expected %d\n",
                  (long long)n, (long long)k, (long long)row, sum, expected);
  }
  return failures;
}

int main() {
  std::mt19937 rng(7);
  int failures = 0;
  const int64_t shapes[][2] = {{4, 3},    {70, 300}, {5, 64},   {9, 65},
                               {3, 2047}, {2, 2560}, {1, 6912}, {33, 17}};
  for (const auto &shape : shapes)
    failures += check(shape[0], shape[1], rng);
  std::printf(failures ? "FAILED\n" : "all shapes match\n");
  return failures ? 1 : 0;
}
