/* Ternary linear layers for CPUs: y[m, n] = scale(sum_k x[m, k] * w[n, k])
 * with int8 activations x and weights w in {-1, 0, +1}.
 *
 * Header-only C++17, no dependency beyond the runtime's C API. ternc emits
 * one call per layer with the shape, weight format and ISA as template
 * arguments, so loops over K have compile-time trip counts; tests and
 * benchmarks call the same templates with runtime shapes (K_BLOCKS = 0).
 *
 * Weight formats (`PackedLayout`): rows are grouped in tiles of R rows and
 * K is cut into blocks of 64 bytes per row, stored [tile][k block][row], so
 * a kernel reads one contiguous stream and one x load feeds R rows.
 *   I2  2 bits per weight, the code c = w + 1 in {0, 1, 2}. Byte j of a
 *       block holds in bits 2q..2q+1 the code of k = 256 b + 64 q + j:
 *       shifting the whole block by 2q and masking gives 64 codes in k
 *       order. Kernels compute sum x * c with a u8 x s8 dot product
 *       (vpdpbusd, maddubs, sdot) and subtract sum(x) once per token.
 *   T3  base 3, 1.6 bits per weight: byte j holds sum_q 3^q c_q for
 *       k = 320 b + 64 q + j, q < 5. Decoded into I2 codes by splitting
 *       off the fifth code (b / 81) and one 128-entry table lookup
 *       (vpermi2b on AVX-512 VBMI) for the other four.
 * Batch-1 kernels mask the 2-bit planes in place rather than shifting them
 * (a plane weighing 4^q is shifted back once per row). Batched calls decode
 * weights once and reuse them across tokens (gemm_x86.h).
 * Padding (k >= K, rows >= N) holds code 1 (a zero weight); x is copied into
 * a zero-padded buffer, so padding never reaches a result. */
#ifndef TERN_CPU_LINEAR_H
#define TERN_CPU_LINEAR_H

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <new>

#include "tern/pool.h"

namespace tern {
namespace cpu {

enum class Format { I2, T3 };
/* Avx512 means AVX-512 F/BW/VL with VNNI; it uses AMX-INT8 for batches of 16
 * or more when the CPU and OS allow it at run time. */
enum class Isa { Scalar, Avx2, Avx512, Neon };

constexpr int kBlockBytes = 64;
constexpr int codesPerBlock(Format format) {
  return format == Format::I2 ? 256 : 320;
}

struct PackedLayout {
  Format format;
  int rows_per_tile;
  int64_t n, k;

  constexpr int64_t k_blocks() const {
    return (k + codesPerBlock(format) - 1) / codesPerBlock(format);
  }
  constexpr int64_t k_padded() const {
    return k_blocks() * codesPerBlock(format);
  }
  constexpr int64_t tiles() const {
    return (n + rows_per_tile - 1) / rows_per_tile;
  }
  constexpr int64_t bytes() const {
    return tiles() * k_blocks() * rows_per_tile * kBlockBytes;
  }
  constexpr int64_t tile_bytes() const {
    return k_blocks() * rows_per_tile * kBlockBytes;
  }
  /* Byte offset of row r's block kb in tile t. */
  constexpr int64_t block_offset(int64_t t, int64_t kb, int r) const {
    return ((t * k_blocks() + kb) * rows_per_tile + r) * kBlockBytes;
  }
};

/* The code (w + 1) of weight (n, k), or 1 outside [0, N) x [0, K). */
inline int code_at(const int8_t *trits, const PackedLayout &layout, int64_t n,
                   int64_t k) {
  if (n >= layout.n || k >= layout.k)
    return 1;
  return trits[n * layout.k + k] + 1;
}

/* Packs row-major trits[N][K] (values -1, 0, 1) into layout.bytes() bytes. */
inline void pack_weights(const PackedLayout &layout, const int8_t *trits,
                         uint8_t *out) {
  const int R = layout.rows_per_tile;
  const int planes = layout.format == Format::I2 ? 4 : 5;
  for (int64_t t = 0; t < layout.tiles(); ++t)
    for (int64_t kb = 0; kb < layout.k_blocks(); ++kb)
      for (int r = 0; r < R; ++r) {
        uint8_t *block = out + layout.block_offset(t, kb, r);
        int64_t n = t * R + r, k0 = kb * codesPerBlock(layout.format);
        for (int j = 0; j < kBlockBytes; ++j) {
          unsigned byte = 0, weight = 1;
          for (int q = 0; q < planes; ++q) {
            unsigned code =
                (unsigned)code_at(trits, layout, n, k0 + 64 * q + j);
            if (layout.format == Format::I2)
              byte |= code << (2 * q);
            else
              byte += code * weight;
            weight *= 3;
          }
          block[j] = (uint8_t)byte;
        }
      }
}

/* T3 decode: a byte b = sum_q 3^q c_q splits into its fifth code
 * c4 = b / 81 and rest = b % 81, whose four codes low4[rest] packs as I2
 * does. 128 entries, so one vpermi2b covers the table. Bytes >= 243 never
 * occur in packed weights; every kernel reads them as 242 (all codes 2). */
struct Base3Tables {
  alignas(64) uint8_t low4[128];
  constexpr Base3Tables() : low4() {
    for (int rest = 0; rest < 128; ++rest) {
      int value = rest < 81 ? rest : 80, packed = 0;
      for (int q = 0; q < 4; ++q, value /= 3)
        packed |= (value % 3) << (2 * q);
      low4[rest] = (uint8_t)packed;
    }
  }
};
inline const Base3Tables &base3_tables() {
  static constexpr Base3Tables tables;
  return tables;
}

/* The dequantization every kernel ends with; the same operation order as
 * tern.linear's reference lowering, so results match it bit for bit. */
inline float scale_output(int32_t sum, const float *xs, const float *ws,
                          int64_t m, int64_t n, bool per_token,
                          bool per_channel) {
  float x_scale = xs[per_token ? m : 0];
  if (!per_channel)
    return (float)sum * (x_scale * ws[0]);
  if (!per_token)
    return (float)sum * (x_scale * ws[n]);
  return ((float)sum * ws[n]) * x_scale;
}

/* Each thread's scratch memory: one block used as a stack. Kernels run once
 * per layer and token batch, and buffers of a few hundred KiB each freshly
 * allocated come from mmap and are zeroed page by page by the kernel at
 * every call; reusing one block keeps them mapped and in cache. */
class ScratchStack {
public:
  ~ScratchStack() { ::operator delete(base_, std::align_val_t(64)); }

  /* `bytes` (a multiple of 64) from the stack, or nullptr when it is full;
   * then the block grows to the high-water mark once the stack is empty. */
  void *push(size_t bytes) {
    wanted_ = std::max(wanted_, used_ + bytes);
    if (used_ == 0 && wanted_ > capacity_) {
      ::operator delete(base_, std::align_val_t(64));
      base_ =
          static_cast<uint8_t *>(::operator new(wanted_, std::align_val_t(64)));
      capacity_ = wanted_;
    }
    if (used_ + bytes > capacity_)
      return nullptr;
    used_ += bytes;
    return base_ + used_ - bytes;
  }
  void pop(size_t bytes) { used_ -= bytes; }

  static ScratchStack &current() {
    static thread_local ScratchStack stack;
    return stack;
  }

private:
  uint8_t *base_ = nullptr;
  size_t capacity_ = 0, used_ = 0, wanted_ = 0;
};

/* A 64-byte-aligned scratch buffer for the current scope: from the thread's
 * scratch stack, or the heap when that is full. */
template <typename T> struct Scratch {
  T *data = nullptr;
  explicit Scratch(size_t count)
      : bytes_((std::max<size_t>(count, 1) * sizeof(T) + 63) / 64 * 64) {
    void *block = ScratchStack::current().push(bytes_);
    on_stack_ = block != nullptr;
    if (!on_stack_)
      block = ::operator new(bytes_, std::align_val_t(64));
    data = static_cast<T *>(block);
  }
  ~Scratch() {
    if (on_stack_)
      ScratchStack::current().pop(bytes_);
    else
      ::operator delete(data, std::align_val_t(64));
  }
  Scratch(const Scratch &) = delete;
  Scratch &operator=(const Scratch &) = delete;

private:
  size_t bytes_;
  bool on_stack_ = false;
};

/* Everything one layer call needs; kernels read, threads split tiles. */
struct LinearCall {
  PackedLayout layout;
  int64_t m;
  const int8_t *x_padded; /* [m][k_padded], zero past K */
  const int32_t *x_sums;  /* [m] */
  const uint8_t *w;
  const float *xs, *ws;
  float *y; /* [m][n] */
  bool per_token, per_channel;
};

/* Scalar kernel over the packed format: the portable fallback. Writes the
 * code-weighted sums sum_k x[k] * c[n, k] of tiles [t0, t1) into sums. */
inline void gemv_scalar(const LinearCall &call, const int8_t *x, int64_t t0,
                        int64_t t1, int32_t *sums) {
  const PackedLayout &L = call.layout;
  const Base3Tables &tables = base3_tables();
  for (int64_t t = t0; t < t1; ++t)
    for (int r = 0; r < L.rows_per_tile; ++r) {
      int32_t sum = 0;
      for (int64_t kb = 0; kb < L.k_blocks(); ++kb) {
        const uint8_t *block = call.w + L.block_offset(t, kb, r);
        const int8_t *xb = x + kb * codesPerBlock(L.format);
        for (int j = 0; j < kBlockBytes; ++j) {
          unsigned byte = block[j];
          if (L.format == Format::T3) {
            byte = std::min(byte, 242u);
            sum += xb[256 + j] * int(byte / 81);
            byte = tables.low4[byte % 81];
          }
          for (int q = 0; q < 4; ++q)
            sum += xb[64 * q + j] * (int)((byte >> (2 * q)) & 3);
        }
      }
      sums[(t - t0) * L.rows_per_tile + r] = sum;
    }
}

} // namespace cpu
} // namespace tern

#if defined(__x86_64__)
#include "tern/cpu/gemm_avx512.h"
#include "tern/cpu/gemm_x86.h"
#include "tern/cpu/linear_x86.h"
#endif
#if defined(__aarch64__)
#include "tern/cpu/linear_neon.h"
#endif

namespace tern {
namespace cpu {

/* sum_k x[k] over a zero-padded row (kp a multiple of 64). */
template <Isa I> inline int32_t sum_row(const int8_t *x, int64_t kp) {
#if defined(__x86_64__)
  if constexpr (I == Isa::Avx512)
    return sum_row_avx512(x, kp);
#endif
  int32_t sum = 0;
  for (int64_t k = 0; k < kp; ++k)
    sum += x[k];
  return sum;
}

/* Row tiles a thread handles per kernel call: bounds the sums buffer. */
constexpr int64_t kTilesPerChunk = 16;

template <Isa I, int R, int64_t KB>
inline void gemv_tiles(const LinearCall &call, const int8_t *x, int64_t t0,
                       int64_t t1, int32_t *sums) {
#if defined(__x86_64__)
  if constexpr (I == Isa::Avx512) {
    if (call.layout.format == Format::T3)
      return gemv_t3_avx512<R, KB>(call.w, call.layout, x, t0, t1, sums);
    return gemv_i2_avx512<R, KB>(call.w, call.layout, x, t0, t1, sums);
  }
  if constexpr (I == Isa::Avx2)
    if (call.layout.format == Format::I2)
      return gemv_i2_avx2<R, KB>(call.w, call.layout, x, t0, t1, sums);
#endif
#if defined(__aarch64__)
  if constexpr (I == Isa::Neon)
    return gemv_i2_neon<R, KB>(call.w, call.layout, x, t0, t1, sums);
#endif
  gemv_scalar(call, x, t0, t1, sums);
}

/* One thread's share: a contiguous range of row tiles, a chunk at a time,
 * every token over each chunk while it is still in cache. */
template <Isa I, int R, int64_t KB>
void gemv_task(void *opaque, int thread, int threads) {
  const LinearCall &call = *static_cast<const LinearCall *>(opaque);
  const PackedLayout &L = call.layout;
  const int64_t tiles = L.tiles();
  const int64_t begin = tiles * thread / threads;
  const int64_t end = tiles * (thread + 1) / threads;
  int32_t sums[kTilesPerChunk * R];
  for (int64_t t0 = begin; t0 < end; t0 += kTilesPerChunk) {
    int64_t t1 = std::min(end, t0 + kTilesPerChunk);
    for (int64_t m = 0; m < call.m; ++m) {
      const int8_t *x = call.x_padded + m * L.k_padded();
      gemv_tiles<I, R, KB>(call, x, t0, t1, sums);
      for (int64_t n = t0 * R; n < std::min(L.n, t1 * R); ++n)
        call.y[m * L.n + n] =
            scale_output(sums[n - t0 * R] - call.x_sums[m], call.xs, call.ws, m,
                         n, call.per_token, call.per_channel);
    }
  }
}

/* From this batch on, x86 kernels decode weights once per chunk of row
 * tiles and reuse them across tokens (gemm_x86.h); below it, each token
 * runs the batch-1 kernels. */
constexpr int64_t kGemmMinBatch = 4;

/* Layers below this many weights run on the calling thread: waking the
 * pool costs more than it saves. */
constexpr int64_t kMinParallelWeights = int64_t(1) << 16;

/* y[M][N] = scale(x[M][K] . w^T) for weights packed as `layout`.
 * K_BLOCKS is layout.k_blocks() when known at compile time, else 0. */
/* Rows [m * thread / threads, ...) of x copied into the zero-padded
 * buffer, with their sums. */
struct PadRowsTask {
  const int8_t *x;
  int64_t m, k, kp;
  int8_t *x_padded;
  int32_t *x_sums;
};

template <Isa I> void pad_rows(void *opaque, int thread, int threads) {
  const PadRowsTask &t = *static_cast<const PadRowsTask *>(opaque);
  for (int64_t i = t.m * thread / threads; i < t.m * (thread + 1) / threads;
       ++i) {
    int8_t *row = t.x_padded + i * t.kp;
    std::memcpy(row, t.x + i * t.k, size_t(t.k));
    std::memset(row + t.k, 0, size_t(t.kp - t.k));
    t.x_sums[i] = sum_row<I>(row, t.kp);
  }
}

/* y[M][N] = scale(x[M][K] . w^T) for weights packed as `layout`.
 * K_BLOCKS is layout.k_blocks() when known at compile time, else 0. */
template <Isa I, int R, int64_t K_BLOCKS = 0>
void linear(const PackedLayout &layout, int64_t m, const int8_t *x,
            const float *xs, const uint8_t *w, const float *ws, float *y,
            bool per_token, bool per_channel,
            tern_pool *pool = tern_pool_current()) {
  const int64_t kp = layout.k_padded();
  Scratch<int8_t> x_padded{size_t(m * kp)};
  Scratch<int32_t> x_sums{size_t(m)};
  if (layout.n * layout.k < kMinParallelWeights)
    pool = nullptr;
  PadRowsTask pad{x, m, layout.k, kp, x_padded.data, x_sums.data};
  tern_pool_run(m * layout.k >= kMinParallelWeights ? pool : nullptr,
                pad_rows<I>, &pad);
  LinearCall call{layout, m, x_padded.data, x_sums.data, w, xs,
                  ws,     y, per_token,     per_channel};
#if defined(__x86_64__)
  if constexpr (I == Isa::Avx512)
    if (layout.format == Format::I2 && m >= kAmxMinBatch && amx_available() &&
        16 % R == 0)
      return linear_amx(call, pool);
  if constexpr (I == Isa::Avx512)
    if (m >= kBroadcastMinBatch)
      return linear_broadcast<R, K_BLOCKS>(call, pool);
  /* T3 decodes with VBMI, which Isa::Avx512 models check at load only when
   * they use T3 (tern_model_desc.cpu_features). */
  if constexpr (I == Isa::Avx512 || I == Isa::Avx2)
    if (m >= kGemmMinBatch && (I == Isa::Avx512 || layout.format == Format::I2))
      return tern_pool_run(pool, gemm_task<I, R, K_BLOCKS>, &call);
#endif
  tern_pool_run(pool, gemv_task<I, R, K_BLOCKS>, &call);
}

} // namespace cpu
} // namespace tern

#endif /* TERN_CPU_LINEAR_H */
