//===- read_bandwidth.cpp - this machine's memory read bandwidth ----------===//
//
// STREAM-style read bandwidth: threads sum disjoint slices of one buffer.
// Kernel benchmarks report their weight bytes per second as a ratio of
// these figures, measured in the same run, because absolute speeds on
// shared machines drift. Working sets: 64 MiB (the L3 this machine really
// gives is about 100 MiB) and 1 GiB (DRAM).
//
//===----------------------------------------------------------------------===//
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>

namespace {
/// One buffer per size, touched once so pages are mapped before timing.
const uint64_t *buffer(size_t bytes) {
  static size_t allocatedBytes = 0;
  static uint64_t *data = nullptr;
  if (allocatedBytes != bytes) {
    std::free(data);
    data = static_cast<uint64_t *>(std::aligned_alloc(4096, bytes));
    if (!data)
      return nullptr;
    std::memset(data, 1, bytes);
    allocatedBytes = bytes;
  }
  return data;
}

/// Sums 8-byte words with 8 independent accumulators, so the loop is bound
/// by loads, not by one addition chain (and vectorizes).
uint64_t sumWords(const uint64_t *words, size_t count) {
  uint64_t acc[8] = {};
  for (size_t i = 0; i + 8 <= count; i += 8)
    for (int j = 0; j < 8; ++j)
      acc[j] += words[i + j];
  uint64_t total = 0;
  for (uint64_t a : acc)
    total += a;
  return total;
}

void readBandwidth(benchmark::State &state) {
  size_t bytes = static_cast<size_t>(state.range(0)) << 20;
  static const uint64_t *data = nullptr;
  if (state.thread_index() == 0)
    data = buffer(bytes);
  // Google Benchmark starts all threads' timing loops together.
  size_t words = bytes / 8 / state.threads();
  const uint64_t *slice = nullptr;
  for (auto _ : state) {
    if (!slice)
      slice = data + words * state.thread_index();
    benchmark::DoNotOptimize(sumWords(slice, words));
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * words * 8);
}
} // namespace

BENCHMARK(readBandwidth)
    ->ArgName("MiB")
    ->Arg(64)
    ->Arg(1024)
    ->Threads(1)
    ->Threads(2)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);
