// The arithmetic of tern/cuda/llm.cuh's attention run on the host: four
// warps of 32 lanes each fold every fourth position of a head's span into
// a running softmax (softmax_step), and merged_output combines them, as
// attention_heads does; checked against softmax attention in double. Also
// every IEEE half bit pattern through half_bits_to_float against ldexp.
// Needs nvcc, not a GPU.
#include "tern/cuda/llm.cuh"

#include <cmath>
#include <cstdio>
#include <initializer_list>
#include <random>
#include <vector>

using namespace tern::cuda;

static int check_attention(int head_dim, int span, std::mt19937 &rng) {
  std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
  const size_t rows = static_cast<size_t>(span * head_dim);
  std::vector<float> q(static_cast<size_t>(head_dim)), k(rows), v(rows);
  for (std::vector<float> *values : {&q, &k, &v})
    for (float &x : *values)
      x = 2.0f * uniform(rng);
  const float scale = 1.0f / std::sqrt(float(head_dim));

  float part_top[kAttentionWarps], part_total[kAttentionWarps];
  std::vector<float> part_acc(size_t(kAttentionWarps * kMaxHeadDim), 0.0f);
  for (int warp = 0; warp < kAttentionWarps; ++warp)
    for (int lane = 0; lane < 32; ++lane) {
      SoftmaxPartial p;
      p.top = -INFINITY;
      p.total = 0.0f;
      for (float &a : p.acc)
        a = 0.0f;
      for (int pos = warp; pos < span; pos += kAttentionWarps) {
        float dot = 0.0f;
        for (int d = 0; d < head_dim; ++d)
          dot = std::fma(q[size_t(d)], k[size_t(pos * head_dim + d)], dot);
        softmax_step(p, dot * scale, &v[size_t(pos * head_dim)], lane,
                     head_dim);
      }
      part_top[warp] = p.top; // the same on every lane
      part_total[warp] = p.total;
      for (int j = 0; j < kDimsPerLane; ++j)
        if (lane + 32 * j < head_dim)
          part_acc[size_t(warp * kMaxHeadDim + lane + 32 * j)] = p.acc[j];
    }

  std::vector<double> weights(static_cast<size_t>(span));
  double top = -INFINITY, total = 0;
  for (int pos = 0; pos < span; ++pos) {
    double dot = 0;
    for (int d = 0; d < head_dim; ++d)
      dot += double(q[size_t(d)]) * k[size_t(pos * head_dim + d)];
    weights[size_t(pos)] = dot * scale;
    top = std::fmax(top, weights[size_t(pos)]);
  }
  for (double &w : weights)
    total += (w = std::exp(w - top));
  int failures = 0;
  for (int d = 0; d < head_dim; ++d) {
    double expected = 0;
    for (int pos = 0; pos < span; ++pos)
      expected += weights[size_t(pos)] / total * v[size_t(pos * head_dim + d)];
    const float got = merged_output(part_top, part_total, part_acc.data(), d);
    if (!(std::fabs(got - expected) <= 1e-5) && failures++ < 3)
      std::printf("mismatch: head_dim %d span %d, d %d: %.8f, expected %.8f\n",
                  head_dim, span, d, double(got), expected);
  }
  return failures;
}

static int check_halves() {
  int failures = 0;
  for (uint32_t bits = 0; bits < 65536; ++bits) {
    const int exponent = int(bits >> 10) & 0x1F, mantissa = int(bits & 0x3FF);
    const double sign = (bits & 0x8000) ? -1.0 : 1.0;
    const double expected =
        exponent == 0x1F ? (mantissa ? NAN : sign * INFINITY)
        : exponent       ? sign * std::ldexp(1024 + mantissa, exponent - 25)
                         : sign * std::ldexp(mantissa, -24);
    const float got = half_bits_to_float(uint16_t(bits));
    const bool same = std::isnan(expected)
                          ? std::isnan(got)
                          : double(got) == expected &&
                                std::signbit(got) == std::signbit(expected);
    if (!same && failures++ < 3)
      std::printf("half 0x%04x: %g, expected %g\n", bits, double(got),
                  expected);
  }
  return failures;
}

int main() {
  std::mt19937 rng(5);
  int failures = check_halves();
  const int shapes[][2] = {{64, 1},   {64, 3},  {128, 17}, {80, 300},
                           {256, 64}, {128, 2}, {32, 1000}};
  for (const auto &shape : shapes)
    failures += check_attention(shape[0], shape[1], rng);
  std::printf(failures ? "FAILED\n" : "all checks match\n");
  return failures ? 1 : 0;
}
