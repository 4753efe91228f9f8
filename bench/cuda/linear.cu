//===- linear.cu - the W2A8 CUDA kernels against copy bandwidth -----------===//
//
// A standalone program (nvcc only, nothing else to copy to a GPU machine):
//   nvcc -O2 -std=c++17 -arch=native -Iruntime/include
//        bench/cuda/linear.cu -o cuda-linear && ./cuda-linear
// measures, in one run:
//   * device-to-device copy bandwidth (cudaMemcpy of 1 GiB, bytes read plus
//     bytes written per second, median of 9);
//   * batch-1 GEMV on the BitNet-b1.58-2B-4T shapes with tern's W2A8 kernel
//     (tern/cuda/linear.cuh, scaling included), rotating over 1 GiB of
//     weight copies so the 50-60 MiB L2 cannot hold them; effective weight
//     bytes per second and its ratio to the copy bandwidth;
//   * the 128-token prefill GEMM on tensor cores (tern/cuda/gemm.cuh) on
//     the same shapes, in TOPS and against the dp4a kernel on the same
//     tokens;
// and checks every shape's output against a host reference first, so a
// broken kernel cannot post a figure. The test suite compiles it.
//
//===----------------------------------------------------------------------===//
#include "tern/cuda/linear.cuh"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

using namespace tern::cuda;

namespace {
#define CHECK(call)                                                            \
  do {                                                                         \
    cudaError_t status_ = (call);                                              \
    if (status_ != cudaSuccess) {                                              \
      std::fprintf(stderr, "error: %s: %s\n", #call,                           \
                   cudaGetErrorString(status_));                               \
      std::exit(1);                                                            \
    }                                                                          \
  } while (0)

struct Shape {
  int64_t k, n;
};
// K x N of the 2B-4T projections: attention q/o, k/v, FFN up/gate, down.
const Shape kShapes[] = {{2560, 2560}, {2560, 640}, {2560, 6912}, {6912, 2560}};
constexpr size_t kRotateBytes = size_t(1) << 30;
constexpr int kPrefillTokens = 128;

float median(std::vector<float> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

/* Seconds per call of `run`, timed with events over `calls` calls. */
template <typename Run> float secondsPerCall(int calls, Run run) {
  cudaEvent_t start, stop;
  CHECK(cudaEventCreate(&start));
  CHECK(cudaEventCreate(&stop));
  run(0); // warm-up
  CHECK(cudaEventRecord(start));
  for (int i = 0; i < calls; ++i)
    run(i);
  CHECK(cudaEventRecord(stop));
  CHECK(cudaEventSynchronize(stop));
  float ms = 0;
  CHECK(cudaEventElapsedTime(&ms, start, stop));
  CHECK(cudaEventDestroy(start));
  CHECK(cudaEventDestroy(stop));
  const char *error = device_finish();
  if (error) {
    std::fprintf(stderr, "error: %s\n", error);
    std::exit(1);
  }
  return ms / 1e3f / float(calls);
}

double copyBandwidth() {
  void *a, *b;
  CHECK(cudaMalloc(&a, kRotateBytes));
  CHECK(cudaMalloc(&b, kRotateBytes));
  CHECK(cudaMemset(a, 1, kRotateBytes));
  std::vector<float> rates;
  for (int i = 0; i < 9; ++i) {
    float s = secondsPerCall(3, [&](int) {
      CHECK(cudaMemcpy(b, a, kRotateBytes, cudaMemcpyDeviceToDevice));
    });
    rates.push_back(float(2.0 * double(kRotateBytes) / s));
  }
  CHECK(cudaFree(a));
  CHECK(cudaFree(b));
  return median(rates);
}

/* A layer of one shape over `m` tokens on the device, its weights copied
 * enough times to rotate over 1 GiB so the 50-60 MiB L2 cannot hold them. */
class Layer {
public:
  Layer(Shape shape, int m, std::mt19937 &rng)
      : shape(shape), m(m), layout{shape.n, shape.k} {
    std::uniform_int_distribution<int> trit(-1, 1), act(-127, 127);
    w.resize(size_t(shape.n * shape.k));
    x.resize(size_t(m * shape.k));
    for (auto &v : w)
      v = int8_t(trit(rng));
    for (auto &v : x)
      v = int8_t(act(rng));
    std::vector<uint8_t> packed(size_t(layout.bytes()));
    pack_w2(layout, w.data(), packed.data());
    copies = int(std::max<int64_t>(1, int64_t(kRotateBytes) / layout.bytes()));
    CHECK(cudaMalloc(&dw, size_t(layout.bytes()) * size_t(copies)));
    CHECK(cudaMalloc(&dx, x.size()));
    CHECK(cudaMalloc(&dxs, sizeof xs));
    CHECK(cudaMalloc(&dws, sizeof ws));
    CHECK(cudaMalloc(&dy, size_t(m * shape.n) * sizeof(float)));
    CHECK(cudaMalloc(&dsums, size_t(m * shape.n) * sizeof(int32_t)));
    for (int c = 0; c < copies; ++c)
      CHECK(cudaMemcpy(dw + size_t(c) * size_t(layout.bytes()), packed.data(),
                       packed.size(), cudaMemcpyHostToDevice));
    CHECK(cudaMemcpy(dx, x.data(), x.size(), cudaMemcpyHostToDevice));
    CHECK(cudaMemcpy(dxs, &xs, sizeof xs, cudaMemcpyHostToDevice));
    CHECK(cudaMemcpy(dws, &ws, sizeof ws, cudaMemcpyHostToDevice));
  }
  ~Layer() {
    cudaFree(dw);
    cudaFree(dx);
    cudaFree(dxs);
    cudaFree(dws);
    cudaFree(dy);
    cudaFree(dsums);
  }

  /* tern's layer as generated code calls it: the GEMV for one token, the
   * tensor-core GEMM for many. */
  void layer(int i) {
    linear_w2a8(layout, m, dx, dxs, weights(i), dws, dy, dsums, false, false);
  }
  /* The dp4a kernel for every token count: the GEMM's baseline. */
  void dp4a_kernel(int i) {
    const dim3 grid(blocks_for(layout.n, kLinearWarps), unsigned(m));
    ternary_dot_w2a8<<<grid, kLinearWarps * 32, size_t(layout.k_padded()),
                       stream()>>>(dx, weights(i), dsums, int(layout.n),
                                   int(layout.k), int(layout.words_per_row()));
    check_launch("ternary_dot_w2a8");
  }

  /* Exits unless the last call's integer sums (before scaling) and layer()'s
   * outputs equal a host reference. */
  void check(const char *what) {
    std::vector<int32_t> sums(size_t(m * shape.n));
    std::vector<float> y(sums.size());
    CHECK(cudaDeviceSynchronize());
    CHECK(cudaMemcpy(sums.data(), dsums, sums.size() * sizeof(int32_t),
                     cudaMemcpyDeviceToHost));
    CHECK(cudaMemcpy(y.data(), dy, y.size() * sizeof(float),
                     cudaMemcpyDeviceToHost));
    for (int64_t t = 0; t < m; ++t)
      for (int64_t row = 0; row < shape.n; ++row) {
        int32_t sum = 0;
        for (int64_t i = 0; i < shape.k; ++i)
          sum += int32_t(w[size_t(row * shape.k + i)]) *
                 int32_t(x[size_t(t * shape.k + i)]);
        const size_t at = size_t(t * shape.n + row);
        if (sums[at] != sum || y[at] != float(sum) * (xs * ws)) {
          std::fprintf(stderr,
                       "error: %s %lldx%lld, %d tokens, token %lld row %lld: "
                       "%d, expected %d\n",
                       what, (long long)shape.k, (long long)shape.n, m,
                       (long long)t, (long long)row, sums[at], sum);
          std::exit(1);
        }
      }
  }

  /* Median seconds per call of `run` over 9 timings. */
  template <typename Run> double seconds(Run run) {
    std::vector<float> times;
    for (int r = 0; r < 9; ++r)
      times.push_back(secondsPerCall(std::max(copies, 50), run));
    return median(times);
  }

  Shape shape;
  int m;
  W2Layout layout;

private:
  const uint8_t *weights(int i) const {
    return dw + size_t(i % copies) * size_t(layout.bytes());
  }
  std::vector<int8_t> w, x;
  const float xs = 0.01f, ws = 0.5f;
  int copies = 1;
  uint8_t *dw = nullptr;
  int8_t *dx = nullptr;
  float *dxs = nullptr, *dws = nullptr, *dy = nullptr;
  int32_t *dsums = nullptr;
};
} // namespace

int main() {
  cudaDeviceProp props;
  CHECK(cudaGetDeviceProperties(&props, 0));
  std::printf("device: %s (sm_%d%d, %.0f MiB L2)\n", props.name, props.major,
              props.minor, props.l2CacheSize / 1048576.0);
  const double copy = copyBandwidth();
  std::printf("device copy bandwidth: %.0f GB/s\n\n", copy / 1e9);
  std::mt19937 rng(1);

  std::printf("Batch-1 GEMV (dp4a):\n\n"
              "| K x N | weight bytes | GB/s | / copy bandwidth |\n"
              "|---|---:|---:|---:|\n");
  for (const Shape &shape : kShapes) {
    Layer layer(shape, 1, rng);
    auto run = [&](int i) { layer.layer(i); };
    run(0);
    layer.check("GEMV");
    const double rate = double(layer.layout.bytes()) / layer.seconds(run);
    std::printf("| %lldx%lld | %lld | %.0f | %.2f |\n", (long long)shape.k,
                (long long)shape.n, (long long)layer.layout.bytes(), rate / 1e9,
                rate / copy);
  }

  std::printf("\nPrefill GEMM, %d tokens (tensor cores), against the dp4a "
              "kernel on the same tokens:\n\n"
              "| K x N | TOPS | dp4a TOPS | ratio |\n|---|---:|---:|---:|\n",
              kPrefillTokens);
  for (const Shape &shape : kShapes) {
    Layer layer(shape, kPrefillTokens, rng);
    auto gemm = [&](int i) { layer.layer(i); };
    auto dp4a = [&](int i) { layer.dp4a_kernel(i); };
    gemm(0);
    layer.check("GEMM");
    dp4a(0);
    layer.check("dp4a");
    const double ops = 2.0 * kPrefillTokens * double(shape.k * shape.n);
    const double tops = ops / layer.seconds(gemm) / 1e12,
                 base = ops / layer.seconds(dp4a) / 1e12;
    std::printf("| %lldx%lld | %.1f | %.1f | %.2f |\n", (long long)shape.k,
                (long long)shape.n, tops, base, tops / base);
  }
  return 0;
}
