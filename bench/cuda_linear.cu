//===- cuda_linear.cu - the W2A8 CUDA kernel against copy bandwidth -------===//
//
// A standalone program (nvcc only, nothing else to copy to a GPU machine):
//   nvcc -O2 -std=c++17 -arch=native -Iruntime/include
//        bench/cuda_linear.cu -o cuda-linear && ./cuda-linear
// measures, in one run:
//   * device-to-device copy bandwidth (cudaMemcpy of 1 GiB, bytes read plus
//     bytes written per second, median of 9);
//   * batch-1 GEMV on the BitNet-b1.58-2B-4T shapes with tern's W2A8 kernel
//     (tern/cuda/linear.cuh, scaling included), rotating over 1 GiB of
//     weight copies so the 50-60 MiB L2 cannot hold them; effective weight
//     bytes per second and its ratio to the copy bandwidth;
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

/* One shape: checked, then timed over rotating weight copies. Returns the
 * effective weight bytes per second. */
double gemv(Shape shape, std::mt19937 &rng) {
  const W2Layout layout{shape.n, shape.k};
  std::uniform_int_distribution<int> trit(-1, 1), act(-127, 127);
  std::vector<int8_t> w(size_t(shape.n * shape.k)), x(size_t(shape.k));
  for (auto &v : w)
    v = int8_t(trit(rng));
  for (auto &v : x)
    v = int8_t(act(rng));
  std::vector<uint8_t> packed(size_t(layout.bytes()));
  pack_w2(layout, w.data(), packed.data());
  const float xs = 0.01f, ws = 0.5f;

  const int copies =
      int(std::max<int64_t>(1, int64_t(kRotateBytes) / layout.bytes()));
  uint8_t *dw;
  int8_t *dx;
  float *dxs, *dws, *dy;
  int32_t *dsums;
  CHECK(cudaMalloc(&dw, size_t(layout.bytes()) * size_t(copies)));
  CHECK(cudaMalloc(&dx, x.size()));
  CHECK(cudaMalloc(&dxs, sizeof xs));
  CHECK(cudaMalloc(&dws, sizeof ws));
  CHECK(cudaMalloc(&dy, size_t(shape.n) * sizeof(float)));
  CHECK(cudaMalloc(&dsums, size_t(shape.n) * sizeof(int32_t)));
  for (int c = 0; c < copies; ++c)
    CHECK(cudaMemcpy(dw + size_t(c) * size_t(layout.bytes()), packed.data(),
                     packed.size(), cudaMemcpyHostToDevice));
  CHECK(cudaMemcpy(dx, x.data(), x.size(), cudaMemcpyHostToDevice));
  CHECK(cudaMemcpy(dxs, &xs, sizeof xs, cudaMemcpyHostToDevice));
  CHECK(cudaMemcpy(dws, &ws, sizeof ws, cudaMemcpyHostToDevice));

  auto call = [&](int i) {
    linear_w2a8(layout, 1, dx, dxs,
                dw + size_t(i % copies) * size_t(layout.bytes()), dws, dy,
                dsums, false, false);
  };
  call(0);
  std::vector<float> y(size_t(shape.n));
  CHECK(cudaMemcpy(y.data(), dy, y.size() * sizeof(float),
                   cudaMemcpyDeviceToHost));
  for (int64_t row = 0; row < shape.n; ++row) {
    int32_t sum = 0;
    for (int64_t i = 0; i < shape.k; ++i)
      sum += int32_t(w[size_t(row * shape.k + i)]) * int32_t(x[size_t(i)]);
    const float expected = float(sum) * (xs * ws);
    if (y[size_t(row)] != expected) {
      std::fprintf(stderr, "error: %lldx%lld row %lld: %g, expected %g\n",
                   (long long)shape.k, (long long)shape.n, (long long)row,
                   double(y[size_t(row)]), double(expected));
      std::exit(1);
    }
  }
  std::vector<float> rates;
  for (int r = 0; r < 9; ++r)
    rates.push_back(float(double(layout.bytes()) /
                          secondsPerCall(std::max(copies, 200), call)));
  CHECK(cudaFree(dw));
  CHECK(cudaFree(dx));
  CHECK(cudaFree(dxs));
  CHECK(cudaFree(dws));
  CHECK(cudaFree(dy));
  CHECK(cudaFree(dsums));
  return median(rates);
}
} // namespace

int main() {
  cudaDeviceProp props;
  CHECK(cudaGetDeviceProperties(&props, 0));
  std::printf("device: %s (sm_%d%d, %.0f MiB L2)\n", props.name, props.major,
              props.minor, props.l2CacheSize / 1048576.0);
  const double copy = copyBandwidth();
  std::printf("device copy bandwidth: %.0f GB/s\n\n", copy / 1e9);
  std::printf("| K x N | weight bytes | GB/s | / copy bandwidth |\n"
              "|---|---:|---:|---:|\n");
  std::mt19937 rng(1);
  for (const Shape &shape : kShapes) {
    const double rate = gemv(shape, rng);
    std::printf("| %lldx%lld | %lld | %.0f | %.2f |\n", (long long)shape.k,
                (long long)shape.n,
                (long long)W2Layout{shape.n, shape.k}.bytes(), rate / 1e9,
                rate / copy);
  }
  return 0;
}
