/* The ternary weight layout of the CUDA kernels (tern/cuda/linear.cuh),
 * plain C++ so that ternc packs weights with the same definition.
 *
 * A weight w in {-1, 0, 1} is stored as the 2-bit code w + 1. Each row
 * holds k_padded / 16 little-endian 32-bit words; the code of
 * k = 16 g + 4 j + b sits in bits [8 b + 2 j, 8 b + 2 j + 2) of word g.
 * So (word >> 2 j) & 0x03030303 is the 4 codes of k = 16 g + 4 j .. + 3 in
 * byte order: one dp4a operand against 4 consecutive int8 activations,
 * decoded by a shift and an AND (one LOP3). Padding codes are 0; the
 * padded activations are 0, so they add nothing. */
#ifndef TERN_CUDA_W2_H
#define TERN_CUDA_W2_H

#include <cstdint>
#include <cstring>

namespace tern {
namespace cuda {

struct W2Layout {
  int64_t n, k;
  /* One 16-byte load per lane step covers 64 k. */
  constexpr int64_t k_padded() const { return (k + 63) / 64 * 64; }
  constexpr int64_t words_per_row() const { return k_padded() / 16; }
  constexpr int64_t bytes() const { return n * words_per_row() * 4; }
};

/* values: n x k row-major, each in {-1, 0, 1}; out: layout.bytes(). */
inline void pack_w2(const W2Layout &layout, const int8_t *values,
                    uint8_t *out) {
  std::memset(out, 0, size_t(layout.bytes()));
  const int64_t words = layout.words_per_row();
  for (int64_t row = 0; row < layout.n; ++row)
    for (int64_t k = 0; k < layout.k; ++k) {
      const int64_t g = k / 16, j = (k % 16) / 4, b = k % 4;
      const int code = values[row * layout.k + k] + 1;
      out[(row * words + g) * 4 + b] |= uint8_t(code << (2 * j));
    }
}

} // namespace cuda
} // namespace tern

#endif /* TERN_CUDA_W2_H */
