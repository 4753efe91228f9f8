//===- ternary_linear.cpp - tern's CPU kernels against bandwidth, baseline ===//
//
// One run measures, on this machine:
//   * read bandwidth (AVX-512 or AVX2 loads, 8 accumulators, tern's thread
//     pool, median of 7 passes) at 1 GiB (DRAM) and 64 MiB (L3-sized);
//   * batch-1 GEMV on BitNet-b1.58-2B-4T shapes for the baseline (a plain
//     I2_S-style AVX2 maddubs kernel, baseline_i2s.h) and each tern format
//     and ISA, cold (rotating over 768 MiB of weight copies, so every call
//     reads DRAM) and hot (one copy);
//   * batch-128 GEMM (prefill) in GOPS, against the int8 peak of the ISA's
//     multiply-add (register-only chains: AVX2 maddubs + add, AVX-512
//     vpdpbusd), measured on the same threads;
// and prints a table of each figure as a ratio to the bandwidth and to the
// baseline measured in the same run. Usage and the latest table:
// bench/README.md.
//
//===----------------------------------------------------------------------===//
#include "baseline_i2s.h"

#include "tern/cpu/linear.h"
#include "tern/pool.h"

#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <map>
#include <random>
#include <string>
#include <vector>

using namespace tern::cpu;

namespace {
struct Shape {
  int64_t k, n;
};
// K x N of the 2B-4T projections: attention q/o, k/v, FFN up/gate, down.
const Shape kShapes[] = {{2560, 2560}, {2560, 640}, {2560, 6912}, {6912, 2560}};
constexpr int64_t kColdBytes = int64_t(768) << 20;
constexpr int64_t kPrefillBatch = 128;

tern_pool *poolOf(int threads) {
  static std::map<int, tern_pool *> pools;
  tern_pool *&pool = pools[threads];
  if (!pool && tern_pool_create(threads, &pool) != TERN_OK) {
    std::fprintf(stderr, "error: %s\n", tern_last_error());
    std::exit(1);
  }
  return pool;
}

bool hasFeatures(const char *features) {
  return tern_missing_cpu_feature(features) == nullptr;
}

//===--- Read bandwidth ---------------------------------------------------===//

struct ReadJob {
  const uint8_t *data;
  int64_t bytes;
  uint64_t sink[64];
};

__attribute__((target("avx512f"))) void readSlice512(void *opaque, int thread,
                                                     int threads) {
  auto *job = static_cast<ReadJob *>(opaque);
  int64_t slice = job->bytes / threads / 512 * 512;
  const uint8_t *p = job->data + slice * thread;
  __m512i a[8];
  for (auto &v : a)
    v = _mm512_setzero_si512();
  for (int64_t i = 0; i < slice; i += 512)
    for (int j = 0; j < 8; ++j)
      a[j] = _mm512_add_epi64(a[j], _mm512_load_si512(p + i + 64 * j));
  for (int j = 1; j < 8; ++j)
    a[0] = _mm512_add_epi64(a[0], a[j]);
  alignas(64) uint64_t lanes[8];
  _mm512_store_si512(lanes, a[0]);
  job->sink[thread % 64] = lanes[0];
}

__attribute__((target("avx2"))) void readSlice256(void *opaque, int thread,
                                                  int threads) {
  auto *job = static_cast<ReadJob *>(opaque);
  int64_t slice = job->bytes / threads / 256 * 256;
  const uint8_t *p = job->data + slice * thread;
  __m256i a[8];
  for (auto &v : a)
    v = _mm256_setzero_si256();
  for (int64_t i = 0; i < slice; i += 256)
    for (int j = 0; j < 8; ++j)
      a[j] = _mm256_add_epi64(
          a[j], _mm256_load_si256((const __m256i *)(p + i + 32 * j)));
  for (int j = 1; j < 8; ++j)
    a[0] = _mm256_add_epi64(a[0], a[j]);
  job->sink[thread % 64] = uint64_t(_mm256_extract_epi64(a[0], 0));
}

void readBandwidth(benchmark::State &state, int64_t bytes, int threads) {
  Scratch<uint8_t> buffer{size_t(bytes)};
  std::memset(buffer.data, 1, size_t(bytes));
  ReadJob job{buffer.data, bytes, {}};
  tern_task_fn read = hasFeatures("avx512f") ? readSlice512 : readSlice256;
  for (auto _ : state)
    tern_pool_run(poolOf(threads), read, &job);
  benchmark::DoNotOptimize(job.sink);
  state.counters["GBps"] = benchmark::Counter(
      double(bytes), benchmark::Counter::kIsIterationInvariantRate);
}

//===--- Weights ----------------------------------------------------------===//

/// `count` 4 KiB-aligned copies of one packed weight matrix.
struct Copies {
  std::unique_ptr<Scratch<uint8_t>> storage;
  int64_t stride = 0, count = 0;
  const uint8_t *at(int64_t i) const {
    return storage->data + stride * (i % count);
  }
};

Copies makeCopies(const std::vector<uint8_t> &packed, bool cold);

/// The copies of the running benchmark: made on first use, freed when the
/// next benchmark wants others (benchmarks run in registration order).
const Copies &copiesOf(const std::vector<uint8_t> *packed, bool cold) {
  static const std::vector<uint8_t> *lastPacked = nullptr;
  static bool lastCold = false;
  static Copies copies;
  if (packed != lastPacked || cold != lastCold) {
    copies = Copies();
    copies = makeCopies(*packed, cold);
    lastPacked = packed;
    lastCold = cold;
  }
  return copies;
}

Copies makeCopies(const std::vector<uint8_t> &packed, bool cold) {
  Copies copies;
  copies.stride = (int64_t(packed.size()) + 4095) / 4096 * 4096;
  copies.count = cold ? std::max<int64_t>(1, kColdBytes / copies.stride) : 1;
  copies.storage =
      std::make_unique<Scratch<uint8_t>>(size_t(copies.stride * copies.count));
  for (int64_t i = 0; i < copies.count; ++i)
    std::memcpy(copies.storage->data + i * copies.stride, packed.data(),
                packed.size());
  return copies;
}

std::vector<int8_t> randomTrits(const Shape &s) {
  std::mt19937 rng(42);
  std::vector<int8_t> trits(size_t(s.n * s.k));
  for (auto &t : trits)
    t = int8_t(int(rng() % 3) - 1);
  return trits;
}

std::vector<int8_t> randomActivations(int64_t count) {
  std::mt19937 rng(7);
  std::vector<int8_t> x(static_cast<size_t>(count));
  for (auto &v : x)
    v = int8_t(int(rng() % 255) - 127);
  return x;
}

//===--- Kernels ----------------------------------------------------------===//

enum class Kernel { Baseline, I2Avx2, I2Avx512, T3Avx512 };
const char *kernelName(Kernel k) {
  switch (k) {
  case Kernel::Baseline:
    return "baseline-i2s-avx2";
  case Kernel::I2Avx2:
    return "tern-i2-avx2";
  case Kernel::I2Avx512:
    return "tern-i2-avx512";
  case Kernel::T3Avx512:
    return "tern-t3-avx512vbmi";
  }
  return "?";
}
bool kernelRuns(Kernel k) {
  switch (k) {
  case Kernel::Baseline:
  case Kernel::I2Avx2:
    return hasFeatures("avx2");
  case Kernel::I2Avx512:
    return hasFeatures("avx512f,avx512bw,avx512vl,avx512vnni");
  case Kernel::T3Avx512:
    return hasFeatures("avx512f,avx512bw,avx512vl,avx512vnni,avx512vbmi");
  }
  return false;
}
constexpr int kRows = 4;

std::vector<uint8_t> packFor(Kernel kernel, const Shape &s,
                             const std::vector<int8_t> &trits) {
  if (kernel == Kernel::Baseline)
    return baseline::pack(trits.data(), s.n, s.k);
  PackedLayout layout{kernel == Kernel::T3Avx512 ? Format::T3 : Format::I2,
                      kRows, s.n, s.k};
  std::vector<uint8_t> packed(size_t(layout.bytes()));
  pack_weights(layout, trits.data(), packed.data());
  return packed;
}

/// Calls the tern kernel with K's block count as a compile-time constant,
/// as generated code does.
template <Isa I, int64_t KB>
void ternCall(const PackedLayout &layout, int64_t m, const int8_t *x,
              const float *xs, const uint8_t *w, const float *ws, float *y,
              tern_pool *pool) {
  linear<I, kRows, KB>(layout, m, x, xs, w, ws, y, true, true, pool);
}
using TernFn = void (*)(const PackedLayout &, int64_t, const int8_t *,
                        const float *, const uint8_t *, const float *, float *,
                        tern_pool *);
template <Isa I> TernFn ternFor(const PackedLayout &layout) {
  switch (layout.k_blocks()) {
  case 8: // K = 2560 in T3
    return ternCall<I, 8>;
  case 10: // K = 2560 in I2
    return ternCall<I, 10>;
  case 22: // K = 6912 in T3
    return ternCall<I, 22>;
  case 27: // K = 6912 in I2
    return ternCall<I, 27>;
  }
  return ternCall<I, 0>;
}

struct BaselineJob {
  const uint8_t *w;
  int64_t k, n, m;
  const int8_t *x; // [m][rowBytes * 4]
  const int32_t *xSums;
  int32_t *out; // [m][n]
};
void baselineTask(void *opaque, int thread, int threads) {
  auto *job = static_cast<BaselineJob *>(opaque);
  int64_t begin = job->n * thread / threads,
          end = job->n * (thread + 1) / threads;
  int64_t kp = baseline::rowBytes(job->k) * 4;
  for (int64_t m = 0; m < job->m; ++m)
    baseline::gemv(job->w, job->k, job->x + m * kp, job->xSums[m], begin, end,
                   job->out + m * job->n);
}

/// Runs `kernel` on `m` tokens; `w` is the weight copy to read.
struct Runner {
  Kernel kernel;
  Shape shape;
  int64_t m;
  tern_pool *pool;
  std::vector<int8_t> x, xPadded;
  std::vector<int32_t> xSums, sums;
  std::vector<float> xs, ws, y;
  TernFn tern = nullptr;
  PackedLayout layout{Format::I2, kRows, 0, 0};

  Runner(Kernel kernel, Shape shape, int64_t m, int threads)
      : kernel(kernel), shape(shape), m(m), pool(poolOf(threads)),
        x(randomActivations(m * shape.k)), xs(size_t(m), 0.01f),
        ws(size_t(shape.n), 0.5f), y(size_t(m * shape.n)) {
    if (kernel == Kernel::Baseline) {
      int64_t kp = baseline::rowBytes(shape.k) * 4;
      xPadded.assign(size_t(m * kp), 0);
      xSums.assign(size_t(m), 0);
      sums.assign(size_t(m * shape.n), 0);
      for (int64_t i = 0; i < m; ++i)
        for (int64_t k = 0; k < shape.k; ++k) {
          xPadded[size_t(i * kp + k)] = x[size_t(i * shape.k + k)];
          xSums[size_t(i)] += x[size_t(i * shape.k + k)];
        }
      return;
    }
    layout = {kernel == Kernel::T3Avx512 ? Format::T3 : Format::I2, kRows,
              shape.n, shape.k};
    tern = kernel == Kernel::I2Avx2 ? ternFor<Isa::Avx2>(layout)
                                    : ternFor<Isa::Avx512>(layout);
  }
  void run(const uint8_t *w) {
    if (kernel == Kernel::Baseline) {
      BaselineJob job{
          w, shape.k, shape.n, m, xPadded.data(), xSums.data(), sums.data()};
      tern_pool_run(pool, baselineTask, &job);
      return;
    }
    tern(layout, m, x.data(), xs.data(), w, ws.data(), y.data(), pool);
  }
};

void gemv(benchmark::State &state, Kernel kernel, Shape shape, int threads,
          const std::vector<uint8_t> *packed, bool cold) {
  const Copies *copies = &copiesOf(packed, cold);
  double bytes = double(packed->size());
  Runner runner(kernel, shape, 1, threads);
  int64_t i = 0;
  for (auto _ : state)
    runner.run(copies->at(i++));
  state.counters["GBps"] =
      benchmark::Counter(bytes, benchmark::Counter::kIsIterationInvariantRate);
}

void gemm(benchmark::State &state, Kernel kernel, Shape shape, int threads,
          const std::vector<uint8_t> *packed, bool amx) {
  const Copies *copies = &copiesOf(packed, false);
  Runner runner(kernel, shape, kPrefillBatch, threads);
  bool wasAllowed = amx_allowed().exchange(amx);
  for (auto _ : state)
    runner.run(copies->at(0));
  amx_allowed() = wasAllowed;
  state.counters["GOPS"] =
      benchmark::Counter(2.0 * double(kPrefillBatch * shape.n * shape.k),
                         benchmark::Counter::kIsIterationInvariantRate);
}

//===--- int8 multiply-add peak -------------------------------------------===//

/* Independent register-only chains (12 accumulators hide the latency), so
 * the rate is the core's throughput for the instruction the GEMM's inner
 * loop is made of: AVX2 maddubs (32 multiply-adds into int16) plus the add
 * that accumulates it, or AVX-512 vpdpbusd (64 multiply-adds into int32). */
constexpr int kPeakChains = 12;
constexpr int64_t kPeakIterations = 1 << 22;

struct PeakJob {
  bool avx512;
  uint64_t sink[64];
};

__attribute__((target("avx2"))) uint64_t maddubsChains() {
  __m256i acc[kPeakChains], a = _mm256_set1_epi8(2), b = _mm256_set1_epi8(3);
  for (auto &v : acc)
    v = _mm256_setzero_si256();
  for (int64_t i = 0; i < kPeakIterations; ++i)
#pragma GCC unroll 12
    for (int c = 0; c < kPeakChains; ++c) {
      __m256i p;
      __asm__ volatile("vpmaddubsw %2, %1, %0" : "=v"(p) : "v"(a), "v"(b));
      __asm__ volatile("vpaddw %1, %0, %0" : "+v"(acc[c]) : "v"(p));
    }
  for (int c = 1; c < kPeakChains; ++c)
    acc[0] = _mm256_add_epi16(acc[0], acc[c]);
  return uint64_t(_mm256_extract_epi64(acc[0], 0));
}

__attribute__((target("avx512f,avx512vnni"))) uint64_t vpdpbusdChains() {
  __m512i acc[kPeakChains], a = _mm512_set1_epi8(2), b = _mm512_set1_epi8(3);
  for (auto &v : acc)
    v = _mm512_setzero_si512();
  for (int64_t i = 0; i < kPeakIterations; ++i)
#pragma GCC unroll 12
    for (int c = 0; c < kPeakChains; ++c)
      __asm__ volatile("vpdpbusd %2, %1, %0" : "+v"(acc[c]) : "v"(a), "v"(b));
  for (int c = 1; c < kPeakChains; ++c)
    acc[0] = _mm512_add_epi32(acc[0], acc[c]);
  alignas(64) uint64_t lanes[8];
  _mm512_store_si512(lanes, acc[0]);
  return lanes[0];
}

void peakTask(void *opaque, int thread, int) {
  auto *job = static_cast<PeakJob *>(opaque);
  job->sink[thread % 64] = job->avx512 ? vpdpbusdChains() : maddubsChains();
}

void int8Peak(benchmark::State &state, bool avx512, int threads) {
  PeakJob job{avx512, {}};
  for (auto _ : state)
    tern_pool_run(poolOf(threads), peakTask, &job);
  // 2 ops (multiply, add) per multiply-add.
  double macs = double(kPeakIterations) * kPeakChains * (avx512 ? 64 : 32);
  state.counters["GOPS"] = benchmark::Counter(
      2 * macs * threads, benchmark::Counter::kIsIterationInvariantRate);
}

std::string peakName(bool avx512, int threads) {
  return std::string("peak/") + (avx512 ? "vpdpbusd" : "maddubs") + "/t" +
         std::to_string(threads);
}

//===--- The summary table ------------------------------------------------===//

/// Collects every run's rate counter by name while printing as usual.
class Collector : public benchmark::ConsoleReporter {
public:
  std::map<std::string, double> rates;
  void ReportRuns(const std::vector<Run> &runs) override {
    for (const Run &run : runs) {
      if (run.run_type == Run::RT_Aggregate && run.aggregate_name != "median")
        continue;
      for (const char *counter : {"GBps", "GOPS"}) {
        auto it = run.counters.find(counter);
        if (it != run.counters.end())
          rates[run.run_name.function_name] = double(it->second) / 1e9;
      }
    }
    ConsoleReporter::ReportRuns(runs);
  }
};

std::string shapeName(const Shape &s) {
  return std::to_string(s.k) + "x" + std::to_string(s.n);
}
const Kernel kKernels[] = {Kernel::Baseline, Kernel::I2Avx2, Kernel::I2Avx512,
                           Kernel::T3Avx512};
const int kThreadCounts[] = {1, 2};

std::string gemvName(const Shape &s, Kernel k, int threads, bool cold) {
  return "gemv/" + shapeName(s) + "/" + kernelName(k) + "/t" +
         std::to_string(threads) + (cold ? "/cold" : "/hot");
}
/// Batched calls run on AMX where the CPU has it; `amx` false measures the
/// vpdpbusd path instead (as on AVX-512 CPUs without AMX).
std::string gemmKernelName(Kernel k, bool amx) {
  return std::string(kernelName(k)) +
         (k == Kernel::I2Avx512 ? (amx ? "-amx" : "-vnni") : "");
}
std::string gemmName(const Shape &s, Kernel k, int threads, bool amx) {
  return "gemm128/" + shapeName(s) + "/" + gemmKernelName(k, amx) + "/t" +
         std::to_string(threads);
}
std::string bandwidthName(int64_t mib, int threads) {
  return "read/" + std::to_string(mib) + "MiB/t" + std::to_string(threads);
}

void registerAll(std::vector<std::unique_ptr<std::vector<uint8_t>>> &keep) {
  for (int threads : kThreadCounts)
    for (int64_t mib : {int64_t(64), int64_t(1024)})
      benchmark::RegisterBenchmark(bandwidthName(mib, threads).c_str(),
                                   readBandwidth, mib << 20, threads)
          ->Iterations(1)
          ->Repetitions(7)
          ->ReportAggregatesOnly(true)
          ->UseRealTime()
          ->Unit(benchmark::kMillisecond);
  for (bool avx512 : {false, true}) {
    if (!hasFeatures(avx512 ? "avx512f,avx512vnni" : "avx2"))
      continue;
    benchmark::RegisterBenchmark(peakName(avx512, 2).c_str(), int8Peak, avx512,
                                 2)
        ->Iterations(1)
        ->Repetitions(5)
        ->ReportAggregatesOnly(true)
        ->UseRealTime()
        ->Unit(benchmark::kMillisecond);
  }
  for (const Shape &shape : kShapes) {
    std::vector<int8_t> trits = randomTrits(shape);
    for (Kernel kernel : kKernels) {
      if (!kernelRuns(kernel))
        continue;
      keep.push_back(std::make_unique<std::vector<uint8_t>>(
          packFor(kernel, shape, trits)));
      const std::vector<uint8_t> *packed = keep.back().get();
      for (int threads : kThreadCounts) {
        benchmark::RegisterBenchmark(
            gemvName(shape, kernel, threads, true).c_str(), gemv, kernel, shape,
            threads, packed, true)
            ->UseRealTime()
            ->MinTime(0.3)
            ->Unit(benchmark::kMicrosecond);
        benchmark::RegisterBenchmark(
            gemvName(shape, kernel, threads, false).c_str(), gemv, kernel,
            shape, threads, packed, false)
            ->UseRealTime()
            ->MinTime(0.3)
            ->Unit(benchmark::kMicrosecond);
      }
      for (bool amx : {false, true}) {
        if (amx && (kernel != Kernel::I2Avx512 || !amx_available()))
          continue;
        benchmark::RegisterBenchmark(gemmName(shape, kernel, 2, amx).c_str(),
                                     gemm, kernel, shape, 2, packed, amx)
            ->UseRealTime()
            ->MinTime(0.3)
            ->Unit(benchmark::kMillisecond);
      }
    }
  }
}

void printSummary(const std::map<std::string, double> &rates) {
  auto rate = [&](const std::string &name) {
    auto it = rates.find(name);
    return it == rates.end() ? 0.0 : it->second;
  };
  std::printf("\n## Read bandwidth (GB/s, median of 7)\n\n"
              "| threads | 64 MiB | 1 GiB |\n|---|---:|---:|\n");
  for (int threads : kThreadCounts)
    std::printf("| %d | %.1f | %.1f |\n", threads,
                rate(bandwidthName(64, threads)),
                rate(bandwidthName(1024, threads)));
  std::printf("\n## Batch-1 GEMV: weight GB/s, and ratio to read bandwidth "
              "with as many threads (cold: 1 GiB; hot: 64 MiB) and to the "
              "baseline\n\n| K x N | kernel | threads | cold GB/s | cold / "
              "DRAM | hot GB/s | hot / L3 | cold x baseline | hot x "
              "baseline |\n|---|---|---:|---:|---:|---:|---:|---:|---:|\n");
  for (const Shape &shape : kShapes)
    for (Kernel kernel : kKernels)
      for (int threads : kThreadCounts) {
        double cold = rate(gemvName(shape, kernel, threads, true));
        double hot = rate(gemvName(shape, kernel, threads, false));
        if (cold == 0)
          continue;
        // The baseline reads 2.0 bits per weight: compare times, via
        // weights per second, not bytes.
        auto weightsPerSecond = [&](Kernel k, bool isCold) {
          double bytesPerSecond = rate(gemvName(shape, k, threads, isCold));
          double bits = k == Kernel::T3Avx512 ? 1.6 : 2.0;
          return bytesPerSecond * 8 / bits;
        };
        double baseCold = weightsPerSecond(Kernel::Baseline, true);
        double baseHot = weightsPerSecond(Kernel::Baseline, false);
        std::printf("| %s | %s | %d | %.1f | %.0f%% | %.1f | %.0f%% | %.2f | "
                    "%.2f |\n",
                    shapeName(shape).c_str(), kernelName(kernel), threads, cold,
                    100 * cold / rate(bandwidthName(1024, threads)), hot,
                    100 * hot / rate(bandwidthName(64, threads)),
                    baseCold ? weightsPerSecond(kernel, true) / baseCold : 0,
                    baseHot ? weightsPerSecond(kernel, false) / baseHot : 0);
      }
  std::printf("\n## Batch-128 GEMM, 2 threads (GOPS = 2 M N K / s)\n\n"
              "int8 peak on 2 threads: maddubs %.0f GOPS, vpdpbusd %.0f GOPS "
              "(0: not on this CPU)\n\n"
              "| K x N | kernel | GOPS | x baseline | / ISA peak |\n"
              "|---|---|---:|---:|---:|\n",
              rate(peakName(false, 2)), rate(peakName(true, 2)));
  for (const Shape &shape : kShapes)
    for (Kernel kernel : kKernels)
      for (bool amx : {false, true}) {
        if (amx && kernel != Kernel::I2Avx512)
          continue;
        double gops = rate(gemmName(shape, kernel, 2, amx));
        if (gops == 0)
          continue;
        double base = rate(gemmName(shape, Kernel::Baseline, 2, false));
        // AMX has its own, far higher peak: no ratio for it.
        bool avx512 = kernel == Kernel::I2Avx512 || kernel == Kernel::T3Avx512;
        double peak = amx ? 0 : rate(peakName(avx512, 2));
        std::printf(
            "| %s | %s | %.0f | %.2f | %s |\n", shapeName(shape).c_str(),
            gemmKernelName(kernel, amx).c_str(), gops, base ? gops / base : 0,
            peak ? (std::to_string(int(100 * gops / peak + 0.5)) + "%").c_str()
                 : "-");
      }
  std::printf("\nAMX-INT8 %s on this machine.\n",
              amx_available() ? "is available" : "is not available");
}
} // namespace

int main(int argc, char **argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv))
    return 1;
  std::vector<std::unique_ptr<std::vector<uint8_t>>> keep;
  registerAll(keep);
  Collector collector;
  benchmark::RunSpecifiedBenchmarks(&collector);
  printSummary(collector.rates);
  benchmark::Shutdown();
  return 0;
}
