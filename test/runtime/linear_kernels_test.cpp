//===- linear_kernels_test.cpp - CPU kernels against a scalar reference ---===//
//
// Property test of runtime/include/tern/cpu/linear.h: every kernel variant
// this CPU runs (scalar, AVX2, AVX-512 VNNI, AVX-512 VBMI base-3, AMX-INT8
// for batches >= 16; scalar and NEON on AArch64, where the suite runs this
// program under qemu-aarch64) on random shapes with ragged K and N, both
// scale granularities, and 1 and 2 threads. The reference multiplies the
// unpacked trits directly, so it shares no code with the packed layouts.
// Also the int8 LM head kernel of tern/llm/ops.h and the per-token
// activation quantizer of tern/cpu/quantize.h, and attention (against a
// double-precision reference, and each vector path bit for bit against the
// scalar one) with its exp, for each ISA here.
// Plain C++ without GoogleTest, so it cross-compiles with nothing but a
// cross compiler.
//
//===----------------------------------------------------------------------===//
#include "tern/cpu/linear.h"
#include "tern/cpu/quantize.h"
#include "tern/llm/ops.h"

#include <cmath>
#include <cstdio>
#include <random>
#include <string>
#include <tuple>
#include <vector>

using namespace tern::cpu;

namespace {
int failures = 0, checks = 0;

struct Case {
  int64_t m, n, k;
  bool perToken, perChannel;
};

std::vector<float> reference(const Case &c, const std::vector<int8_t> &x,
                             const std::vector<int8_t> &w,
                             const std::vector<float> &xs,
                             const std::vector<float> &ws) {
  std::vector<float> y(size_t(c.m * c.n));
  for (int64_t m = 0; m < c.m; ++m)
    for (int64_t n = 0; n < c.n; ++n) {
      int32_t sum = 0;
      for (int64_t k = 0; k < c.k; ++k)
        sum += int32_t(x[size_t(m * c.k + k)]) * w[size_t(n * c.k + k)];
      // tern.linear's dequantization (dialect/TernOps.td).
      float xm = xs[size_t(c.perToken ? m : 0)];
      y[size_t(m * c.n + n)] = !c.perChannel ? float(sum) * (xm * ws[0])
                               : !c.perToken
                                   ? float(sum) * (xm * ws[size_t(n)])
                                   : (float(sum) * ws[size_t(n)]) * xm;
    }
  return y;
}

using Kernel = void (*)(const PackedLayout &, int64_t, const int8_t *,
                        const float *, const uint8_t *, const float *, float *,
                        bool, bool, tern_pool *);
template <Isa I> Kernel kernelFor() {
  return [](const PackedLayout &l, int64_t m, const int8_t *x, const float *xs,
            const uint8_t *w, const float *ws, float *y, bool pt, bool pc,
            tern_pool *pool) {
    linear<I, 4>(l, m, x, xs, w, ws, y, pt, pc, pool);
  };
}

struct Variant {
  std::string name;
  Kernel kernel;
  Format format;
};

std::vector<Variant> variants() {
  std::vector<Variant> list = {
      {"scalar-i2", kernelFor<Isa::Scalar>(), Format::I2},
      {"scalar-t3", kernelFor<Isa::Scalar>(), Format::T3}};
#if defined(__x86_64__)
  if (!tern_missing_cpu_feature("avx2,fma"))
    list.push_back({"avx2-i2", kernelFor<Isa::Avx2>(), Format::I2});
  else
    std::printf("note: no AVX2 here; its kernel is not tested\n");
  if (!tern_missing_cpu_feature("avx512f,avx512bw,avx512vl,avx512vnni")) {
    list.push_back({std::string("avx512-i2") +
                        (amx_available() ? " (AMX-INT8 for m >= 16)" : ""),
                    kernelFor<Isa::Avx512>(), Format::I2});
    if (amx_available())
      list.push_back({"avx512-i2 (vpdpbusd for m >= 4, AMX off)",
                      [](const PackedLayout &l, int64_t m, const int8_t *x,
                         const float *xs, const uint8_t *w, const float *ws,
                         float *y, bool pt, bool pc, tern_pool *pool) {
                        amx_allowed() = false;
                        linear<Isa::Avx512, 4>(l, m, x, xs, w, ws, y, pt, pc,
                                               pool);
                        amx_allowed() = true;
                      },
                      Format::I2});
    if (!tern_missing_cpu_feature("avx512vbmi"))
      list.push_back({"avx512vbmi-t3", kernelFor<Isa::Avx512>(), Format::T3});
  } else {
    std::printf("note: no AVX-512 VNNI here; its kernels are not tested\n");
  }
#endif
#if defined(__aarch64__)
  list.push_back({
#if defined(__ARM_FEATURE_DOTPROD)
    "neon-dotprod-i2",
#else
    "neon-i2",
#endif
        kernelFor<Isa::Neon>(), Format::I2
  });
#endif
  return list;
}

void check(const Variant &v, const Case &c, int threads, tern_pool *pool,
           std::mt19937 &rng) {
  std::vector<int8_t> w(size_t(c.n * c.k)), x(size_t(c.m * c.k));
  for (auto &t : w)
    t = int8_t(int(rng() % 3) - 1);
  for (auto &t : x)
    t = int8_t(int(rng() % 256) - 128); // the full int8 range, -128 included
  std::vector<float> xs(size_t(c.m)), ws(size_t(c.n));
  for (auto &s : xs)
    s = float(1 + rng() % 1000) / 4096.0f;
  for (auto &s : ws)
    s = float(1 + rng() % 1000) / 1024.0f;
  PackedLayout layout{v.format, 4, c.n, c.k};
  Scratch<uint8_t> packed{size_t(layout.bytes())};
  pack_weights(layout, w.data(), packed.data);
  std::vector<float> y(size_t(c.m * c.n), -1.0f);
  v.kernel(layout, c.m, x.data(), xs.data(), packed.data, ws.data(), y.data(),
           c.perToken, c.perChannel, pool);
  std::vector<float> want = reference(c, x, w, xs, ws);
  ++checks;
  for (size_t i = 0; i < y.size(); ++i)
    if (y[i] != want[i]) {
      std::printf("FAIL %s m=%lld n=%lld k=%lld per_token=%d per_channel=%d "
                  "threads=%d: y[%zu] = %.9g, want %.9g\n",
                  v.name.c_str(), (long long)c.m, (long long)c.n,
                  (long long)c.k, c.perToken, c.perChannel, threads, i,
                  double(y[i]), double(want[i]));
      ++failures;
      return;
    }
}
} // namespace

// tern.lm_head's kernel (tern/llm/ops.h) against exact int64 sums, for each
// ISA this CPU runs: per-token int8 input, int8 rows, bit-equal results.
template <Isa I>
void checkLmHead(const char *name, std::mt19937 &rng, tern_pool *pool) {
  tern_pool_set_current(pool);
  int before = failures;
  for (auto [t, d, v] : {std::tuple{1, 1, 1},
                         {1, 64, 7},
                         {3, 100, 1001},
                         {2, 2600, 129},
                         {1, 2560, 300}}) {
    std::uniform_real_distribution<float> real(-3, 3);
    std::uniform_int_distribution<int> weight(-127, 127);
    std::vector<float> x(static_cast<size_t>(t * d)),
        ws(static_cast<size_t>(v)), y(static_cast<size_t>(t * v));
    std::vector<int8_t> w(static_cast<size_t>(v * d));
    for (float &e : x)
      e = real(rng);
    for (float &e : ws)
      e = real(rng);
    for (int8_t &e : w)
      e = int8_t(weight(rng));
    tern::llm::lm_head<I>(x.data(), w.data(), ws.data(), t, d, v, y.data());
    for (int r = 0; r < t; ++r) {
      float top = 0;
      for (int k = 0; k < d; ++k)
        top = std::fmax(top, std::fabs(x[size_t(r * d + k)]));
      float s = std::fmax(top, 1e-5f) / 127.0f;
      for (int c = 0; c < v; ++c) {
        int64_t sum = 0;
        for (int k = 0; k < d; ++k)
          sum += int64_t(std::nearbyint(x[size_t(r * d + k)] / s)) *
                 w[size_t(c * d + k)];
        float want = float(sum) * ws[size_t(c)] * s;
        ++checks;
        if (y[size_t(r * v + c)] != want && ++failures < 10)
          std::printf("FAIL lm_head %s t=%d d=%d v=%d: [%d, %d] = %g, want "
                      "%g\n",
                      name, t, d, v, r, c, double(y[size_t(r * v + c)]),
                      double(want));
      }
    }
  }
  std::printf("%s lm_head %s\n", failures == before ? "ok  " : "FAIL", name);
}

// tern.quantize_activations per_token's kernel (tern/cpu/quantize.h)
// against the op's definition written out here: ragged row lengths, exact
// ties (a row whose max is 127 has scale 1, so x.5 must round to even), an
// all-zero row (scale 1e-5 / 127) and a row with a NaN (NaN scale, so
// every value is -128).
template <Isa I>
void checkQuantize(const char *name, std::mt19937 &rng, tern_pool *pool) {
  int before = failures;
  for (int64_t cols : {1, 15, 16, 17, 100, 2563}) {
    const int64_t rows = 6;
    std::uniform_real_distribution<float> real(-4, 4);
    std::vector<float> x(size_t(rows * cols));
    for (float &e : x)
      e = real(rng);
    for (int64_t c = 0; c < cols; ++c) {
      x[size_t(cols + c)] = float(int(c % 9) - 4) + 0.5f; // ties
      x[size_t(2 * cols + c)] = 0;
    }
    x[size_t(cols + cols - 1)] = 127; // scale exactly 1
    x[size_t(3 * cols + cols / 2)] = NAN;
    std::vector<int8_t> q(x.size());
    std::vector<float> scales(static_cast<size_t>(rows));
    quantize_rows<I>(x.data(), rows, cols, q.data(), scales.data(), pool);
    for (int64_t r = 0; r < rows; ++r) {
      float top = 0;
      bool nan = false;
      for (int64_t c = 0; c < cols; ++c) {
        nan |= std::isnan(x[size_t(r * cols + c)]);
        top = std::fmax(top, std::fabs(x[size_t(r * cols + c)]));
      }
      float s = nan ? NAN : std::fmax(top, 1e-5f) / 127.0f;
      ++checks;
      if (!(scales[size_t(r)] == s || (nan && std::isnan(scales[size_t(r)])))) {
        ++failures;
        std::printf("FAIL quantize %s cols=%lld: scale[%lld] = %g, want %g\n",
                    name, (long long)cols, (long long)r,
                    double(scales[size_t(r)]), double(s));
      }
      for (int64_t c = 0; c < cols; ++c) {
        float v = x[size_t(r * cols + c)];
        int want =
            nan ? -128
                : int(std::fmin(std::fmax(std::nearbyint(v / s), -128.0f),
                                127.0f));
        ++checks;
        if (q[size_t(r * cols + c)] != want && ++failures < 10)
          std::printf(
              "FAIL quantize %s cols=%lld: [%lld, %lld] = %d, want %d\n", name,
              (long long)cols, (long long)r, (long long)c,
              int(q[size_t(r * cols + c)]), want);
      }
    }
  }
  std::printf("%s quantize_activations %s\n",
              failures == before ? "ok  " : "FAIL", name);
}

// Attention's output from the cache as tern/llm.h documents its layout, in
// double precision: the independent reference.
std::vector<double> referenceAttention(const tern_kv_cache &cache,
                                       const std::vector<float> &q,
                                       const std::vector<int32_t> &positions,
                                       int heads, int kvHeads, int headDim) {
  const int64_t width = cache.width, group = heads / kvHeads;
  std::vector<double> out(q.size());
  for (size_t t = 0; t < positions.size(); ++t)
    for (int h = 0; h < heads; ++h) {
      const float *qh = q.data() + (int64_t(t) * heads + h) * headDim;
      const int64_t kv = h / group * headDim, span = positions[t] + 1;
      std::vector<double> w(static_cast<size_t>(span));
      double top = -1e300, total = 0;
      for (int64_t p = 0; p < span; ++p) {
        double dot = 0;
        for (int d = 0; d < headDim; ++d)
          dot += double(qh[d]) *
                 cache.keys[(p / 16 * 16) * width + (kv + d) * 16 + p % 16];
        w[size_t(p)] = dot / std::sqrt(double(headDim));
        top = std::max(top, w[size_t(p)]);
      }
      for (double &e : w)
        total += e = std::exp(e - top);
      for (int d = 0; d < headDim; ++d) {
        double o = 0;
        for (int64_t p = 0; p < span; ++p)
          o += w[size_t(p)] / total * cache.values[p * width + kv + d];
        out[(int64_t(t) * heads + h) * headDim + d] = o;
      }
    }
  return out;
}

// tern.attention's kernel for ISA I against the double-precision reference
// and, for vector ISAs, bit for bit against the scalar path (one summation
// order on every ISA). Shapes cover groups of 1-5 heads, head sizes with
// and without full vectors, spans from 1 across panel boundaries, and one
// decoded token (whose groups are split across threads).
template <Isa I>
void checkAttention(const char *name, std::mt19937 &rng, tern_pool *pool) {
  tern_pool_set_current(pool);
  int before = failures;
  for (auto [heads, kvHeads, headDim, tokens, first] :
       {std::tuple{4, 2, 64, 7, 30},
        {2, 1, 128, 5, 30},
        {3, 3, 16, 6, 30},
        {2, 2, 48, 3, 30},
        {5, 1, 32, 20, 0},
        {20, 5, 128, 1, 33},
        {8, 2, 20, 4, 12}}) {
    const int64_t width = kvHeads * headDim, context = 40;
    std::uniform_real_distribution<float> real(-2, 2);
    std::vector<float> q(size_t(tokens * heads * headDim)),
        k(size_t(tokens * width)), v(size_t(tokens * width));
    for (auto *values : {&q, &k, &v})
      for (float &e : *values)
        e = real(rng);
    std::vector<int32_t> positions(static_cast<size_t>(tokens));
    for (int t = 0; t < tokens; ++t)
      positions[size_t(t)] = first + t;
    std::vector<float> want(q.size()), got(q.size());
    std::vector<double> reference;
    for (bool scalar : {true, false}) {
      tern_kv_cache *cache = nullptr;
      if (tern_kv_cache_create(1, int32_t(context), int32_t(width), &cache)) {
        ++failures;
        return;
      }
      // Earlier positions hold the same values for both runs.
      std::mt19937 fill(7);
      for (int64_t i = 0; i < cache->context * width; ++i) {
        cache->keys[i] = real(fill);
        cache->values[i] = real(fill);
      }
      tern_kv_cache_set_current(cache);
      if (scalar) {
        tern::llm::attention<Isa::Scalar>(q.data(), k.data(), v.data(),
                                          positions.data(), tokens, 0, heads,
                                          kvHeads, headDim, want.data());
      } else {
        tern::llm::attention<I>(q.data(), k.data(), v.data(), positions.data(),
                                tokens, 0, heads, kvHeads, headDim, got.data());
        reference =
            referenceAttention(*cache, q, positions, heads, kvHeads, headDim);
      }
      tern_kv_cache_set_current(nullptr);
      tern_kv_cache_destroy(cache);
    }
    for (size_t i = 0; i < want.size(); ++i) {
      ++checks;
      if (got[i] != want[i] && ++failures < 10)
        std::printf("FAIL attention %s head_dim=%d: [%zu] = %g, scalar %g\n",
                    name, headDim, i, double(got[i]), double(want[i]));
      ++checks;
      if (std::fabs(got[i] - reference[i]) > 1e-5 && ++failures < 10)
        std::printf("FAIL attention %s head_dim=%d: [%zu] = %g, want %g\n",
                    name, headDim, i, double(got[i]), reference[i]);
    }
  }
  std::printf("%s attention %s\n", failures == before ? "ok  " : "FAIL", name);
}

// The gated FFN's SiLU for ISA I (split across the pool): bit for bit the
// scalar path, and within 4 ulp-ish of the double-precision formula.
template <Isa I>
void checkSiluGate(const char *name, std::mt19937 &rng, tern_pool *pool) {
  tern_pool_set_current(pool);
  int before = failures;
  std::uniform_real_distribution<float> real(-30, 30);
  for (int64_t n : {int64_t(1), int64_t(37), int64_t(1) << 16}) {
    std::vector<float> gate(static_cast<size_t>(n)), up(gate.size()),
        got(gate.size());
    for (size_t i = 0; i < gate.size(); ++i) {
      gate[i] = real(rng);
      up[i] = real(rng) / 8;
    }
    gate[0] = -100.0f; // exp underflows to 0 on the way: -0 * up
    tern::llm::silu_gate<I>(gate.data(), up.data(), n, got.data());
    for (size_t i = 0; i < gate.size(); ++i) {
      const float scalar = tern::llm::silu_gate_scalar(gate[i], up[i]);
      const double g = gate[i], exact = g / (1 + std::exp(-g)) * double(up[i]);
      ++checks;
      if ((got[i] != scalar || std::fabs(got[i] - exact) >
                                   1e-6 * (std::fabs(exact) + 1e-30) + 1e-30) &&
          ++failures < 10)
        std::printf("FAIL silu_gate %s(%g, %g) = %.9g, scalar %.9g, want "
                    "%.9g\n",
                    name, double(gate[i]), double(up[i]), double(got[i]),
                    double(scalar), exact);
    }
  }
  tern_pool_set_current(nullptr);
  std::printf("%s silu_gate %s\n", failures == before ? "ok  " : "FAIL", name);
}

#if defined(__x86_64__)
TERN_TARGET_AVX512 void expAvx512(const float *x, float *out, size_t n) {
  for (size_t i = 0; i < n; i += 16)
    _mm512_storeu_ps(out + i, tern::llm::exp_f32(_mm512_loadu_ps(x + i)));
}

TERN_TARGET_AVX2 void expAvx2(const float *x, float *out, size_t n) {
  for (size_t i = 0; i < n; i += 8)
    _mm256_storeu_ps(out + i, tern::llm::exp_f32(_mm256_loadu_ps(x + i)));
}
#endif

// Softmax's exp: the vector forms bit-equal to the scalar one, and that
// within 2 ulp of exp (0 below kExpMin, +inf above kExpMax).
template <Isa I> void checkExp(const char *name, std::mt19937 &rng) {
  int before = failures;
  std::uniform_real_distribution<float> real(-90, 90);
  std::vector<float> x(4096);
  for (float &e : x)
    e = real(rng);
  const float specials[] = {0.0f,   -0.0f,   -1e-30f, -0.5f,     -86.99f,
                            -87.0f, -87.01f, -1e30f,  -INFINITY, 88.0f,
                            88.37f, 88.38f,  1e30f,   INFINITY};
  std::copy(std::begin(specials), std::end(specials), x.begin());
  std::vector<float> got(x.size());
#if defined(__x86_64__)
  if constexpr (I == Isa::Avx512)
    expAvx512(x.data(), got.data(), x.size());
  if constexpr (I == Isa::Avx2)
    expAvx2(x.data(), got.data(), x.size());
#endif
  if constexpr (I == Isa::Scalar)
    for (size_t i = 0; i < x.size(); ++i)
      got[i] = tern::llm::exp_f32(x[i]);
  for (size_t i = 0; i < x.size(); ++i) {
    const float scalar = tern::llm::exp_f32(x[i]);
    const double exact = x[i] < tern::llm::kExpMin   ? 0
                         : x[i] > tern::llm::kExpMax ? INFINITY
                                                     : std::exp(double(x[i]));
    ++checks;
    if ((got[i] != scalar ||
         std::fabs(got[i] - exact) > 2 * std::ldexp(exact, -23)) &&
        ++failures < 10)
      std::printf("FAIL exp %s(%g) = %.9g, scalar %.9g, exp %.9g\n", name,
                  double(x[i]), double(got[i]), double(scalar), exact);
  }
  std::printf("%s exp %s\n", failures == before ? "ok  " : "FAIL", name);
}

int main() {
  std::mt19937 rng(20261123);
  tern_pool *pools[2] = {nullptr, nullptr};
  if (tern_pool_create(1, &pools[0]) || tern_pool_create(2, &pools[1])) {
    std::printf("FAIL: %s\n", tern_last_error());
    return 1;
  }
  std::vector<Case> cases = {
      {1, 1, 1, true, true},       {1, 4, 256, true, false},
      {1, 5, 257, false, true},    {1, 3, 320, false, false},
      {16, 16, 64, true, true},    {17, 33, 321, true, true},
      {1, 300, 1000, true, false}, {40, 70, 700, false, true},
      {1, 513, 2560, true, true},  {32, 256, 640, true, false},
      {100, 37, 700, true, true},  {130, 9, 257, false, true},
  };
  // Sizes past kMinParallelWeights, so 2 threads really split the rows.
  for (int i = 0; i < 30; ++i)
    cases.push_back(
        {i % 3 == 0 ? int64_t(16 + rng() % 24) : int64_t(1 + rng() % 4),
         int64_t(1 + rng() % 400), int64_t(1 + rng() % 1500), rng() % 2 == 0,
         rng() % 2 == 0});
  std::vector<Variant> list = variants();
  for (const Variant &v : list) {
    int before = failures;
    for (const Case &c : cases)
      for (int threads : {1, 2})
        check(v, c, threads, pools[threads - 1], rng);
    std::printf("%s %s: %zu shapes x 1 and 2 threads\n",
                failures == before ? "ok  " : "FAIL", v.name.c_str(),
                cases.size());
  }
  checkLmHead<Isa::Scalar>("scalar", rng, pools[1]);
  checkQuantize<Isa::Scalar>("scalar", rng, pools[1]);
  checkAttention<Isa::Scalar>("scalar", rng, pools[1]);
  checkExp<Isa::Scalar>("scalar", rng);
  checkSiluGate<Isa::Scalar>("scalar", rng, pools[1]);
#if defined(__x86_64__)
  if (!tern_missing_cpu_feature("avx2,fma")) {
    checkLmHead<Isa::Avx2>("avx2", rng, pools[1]);
    checkQuantize<Isa::Avx2>("avx2", rng, pools[1]);
    checkAttention<Isa::Avx2>("avx2", rng, pools[1]);
    checkExp<Isa::Avx2>("avx2", rng);
    checkSiluGate<Isa::Avx2>("avx2", rng, pools[1]);
  }
  if (!tern_missing_cpu_feature("avx512f,avx512bw,avx512vl,avx512vnni")) {
    checkLmHead<Isa::Avx512>("avx512", rng, pools[0]);
    checkQuantize<Isa::Avx512>("avx512", rng, pools[1]);
    checkAttention<Isa::Avx512>("avx512", rng, pools[1]);
    checkExp<Isa::Avx512>("avx512", rng);
    checkSiluGate<Isa::Avx512>("avx512", rng, pools[1]);
  }
#endif
  tern_pool_destroy(pools[0]);
  tern_pool_destroy(pools[1]);
  std::printf("%d checks, %d failures\n", checks, failures);
  return failures ? 1 : 0;
}
