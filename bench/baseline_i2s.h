//===- baseline_i2s.h - a plain I2_S-style AVX2 ternary GEMV -------------===//
//
// The baseline tern's kernels are compared with: the structure of
// bitnet.cpp's I2_S dot product, written here from its description. Each row
// is its own stream of 32-byte blocks of 128 two-bit codes (c = w + 1); one
// row at a time, maddubs against x, widened with madd, summed horizontally,
// and sum(x) subtracted. No row interleaving, no prefetch, no K-blocking.
//
//===----------------------------------------------------------------------===//
#ifndef TERN_BENCH_BASELINE_I2S_H
#define TERN_BENCH_BASELINE_I2S_H

#include <immintrin.h>

#include <cstdint>
#include <vector>

namespace baseline {

/// Bytes of one row: K rounded up to 128 codes per 32 bytes.
inline int64_t rowBytes(int64_t k) { return (k + 127) / 128 * 32; }

/// Byte j of block b holds in bits 2q..2q+1 the code of k = 128 b + 32 q + j.
inline std::vector<uint8_t> pack(const int8_t *trits, int64_t n, int64_t k) {
  std::vector<uint8_t> out(size_t(n * rowBytes(k)), 0);
  for (int64_t row = 0; row < n; ++row)
    for (int64_t b = 0; b < rowBytes(k) / 32; ++b)
      for (int j = 0; j < 32; ++j) {
        unsigned byte = 0;
        for (int q = 0; q < 4; ++q) {
          int64_t kk = b * 128 + 32 * q + j;
          unsigned code = kk < k ? unsigned(trits[row * k + kk] + 1) : 1;
          byte |= code << (2 * q);
        }
        out[size_t(row * rowBytes(k) + b * 32 + j)] = uint8_t(byte);
      }
  return out;
}

/// sum_k x[k] * w[row, k] for rows [begin, end); x is zero-padded to
/// rowBytes(k) * 4 elements and xSum = sum(x).
__attribute__((target("avx2"))) inline void gemv(const uint8_t *w, int64_t k,
                                                 const int8_t *x, int32_t xSum,
                                                 int64_t begin, int64_t end,
                                                 int32_t *out) {
  const int64_t blocks = rowBytes(k) / 32;
  const __m256i mask = _mm256_set1_epi8(3), ones = _mm256_set1_epi16(1);
  for (int64_t row = begin; row < end; ++row) {
    const uint8_t *wr = w + row * rowBytes(k);
    __m256i acc = _mm256_setzero_si256();
    for (int64_t b = 0; b < blocks; ++b) {
      __m256i v = _mm256_loadu_si256((const __m256i *)(wr + b * 32));
      const int8_t *xb = x + b * 128;
      __m256i p = _mm256_maddubs_epi16(_mm256_and_si256(v, mask),
                                       _mm256_loadu_si256((const __m256i *)xb));
      for (int q = 1; q < 4; ++q)
        p = _mm256_add_epi16(
            p, _mm256_maddubs_epi16(
                   _mm256_and_si256(_mm256_srli_epi16(v, 2 * q), mask),
                   _mm256_loadu_si256((const __m256i *)(xb + 32 * q))));
      acc = _mm256_add_epi32(acc, _mm256_madd_epi16(p, ones));
    }
    __m128i s = _mm_add_epi32(_mm256_castsi256_si128(acc),
                              _mm256_extracti128_si256(acc, 1));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4e));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xb1));
    out[row] = _mm_cvtsi128_si32(s) - xSum;
  }
}

} // namespace baseline

#endif
