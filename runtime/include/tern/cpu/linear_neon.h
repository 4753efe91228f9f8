/* AArch64 NEON kernel for tern/cpu/linear.h: I2 codes (u8 0..2, which are
 * valid s8) times x with sdot where the dotprod extension is compiled in,
 * else widening multiplies with pairwise accumulation. */
#ifndef TERN_CPU_LINEAR_NEON_H
#define TERN_CPU_LINEAR_NEON_H

#include <arm_neon.h>

namespace tern {
namespace cpu {

inline int32x4_t dot_codes(int32x4_t acc, uint8x16_t codes, int8x16_t x) {
  int8x16_t c = vreinterpretq_s8_u8(codes);
#if defined(__ARM_FEATURE_DOTPROD)
  return vdotq_s32(acc, c, x);
#else
  /* |c * x| <= 256, so a pair fits 16 bits. */
  int16x8_t p = vmull_s8(vget_low_s8(c), vget_low_s8(x));
  p = vmlal_s8(p, vget_high_s8(c), vget_high_s8(x));
  return vpadalq_s16(acc, p);
#endif
}

template <int R, int64_t KB>
inline void gemv_i2_neon(const uint8_t *w, const PackedLayout &L,
                         const int8_t *x, int64_t t0, int64_t t1,
                         int32_t *sums) {
  const int64_t kblocks = KB ? KB : L.k_blocks();
  const uint8x16_t mask = vdupq_n_u8(3);
  for (int64_t t = t0; t < t1; ++t) {
    const uint8_t *wt = w + t * kblocks * R * kBlockBytes;
    int32x4_t acc[R];
    for (int r = 0; r < R; ++r)
      acc[r] = vdupq_n_s32(0);
    for (int64_t b = 0; b < kblocks; ++b) {
      const int8_t *xb = x + b * 256;
      const uint8_t *wb = wt + b * R * kBlockBytes;
      for (int h = 0; h < 4; ++h) {
        const int8x16_t x0 = vld1q_s8(xb + h * 16);
        const int8x16_t x1 = vld1q_s8(xb + 64 + h * 16);
        const int8x16_t x2 = vld1q_s8(xb + 128 + h * 16);
        const int8x16_t x3 = vld1q_s8(xb + 192 + h * 16);
        for (int r = 0; r < R; ++r) {
          const uint8x16_t v = vld1q_u8(wb + r * kBlockBytes + h * 16);
          acc[r] = dot_codes(acc[r], vandq_u8(v, mask), x0);
          acc[r] = dot_codes(acc[r], vandq_u8(vshrq_n_u8(v, 2), mask), x1);
          acc[r] = dot_codes(acc[r], vandq_u8(vshrq_n_u8(v, 4), mask), x2);
          acc[r] = dot_codes(acc[r], vshrq_n_u8(v, 6), x3);
        }
      }
    }
    for (int r = 0; r < R; ++r)
      sums[(t - t0) * R + r] = vaddvq_s32(acc[r]);
  }
}

} // namespace cpu
} // namespace tern

#endif /* TERN_CPU_LINEAR_NEON_H */
