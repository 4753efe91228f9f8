/* Synthesized weights: deterministic stand-ins for a model's real weights,
 * for benchmarks on machines the real weights file is too large to copy to
 * (a GPU machine and a 2B-parameter model). `ternc --synthesize-weights=S`
 * fills the weights file with them and records how in a manifest,
 * <model>.synth; tern_synth_weights (tools/synth_weights.c in the output
 * folder) writes the identical file from the manifest where the program
 * runs. The compiled model checks the payload's checksum as usual.
 *
 * Each synthesized constant is a stream of splitmix64 outputs seeded with
 * seed ^ (offset * golden ratio), read as little-endian bytes, then shaped
 * by its kind so that values are finite and small:
 *   TERN_SYNTH_F32: floats uniform in [-0.5, 0.5) (24 random bits each);
 *   TERN_SYNTH_F16: the same as IEEE half bits, in [-0.5, 0.5);
 *   TERN_SYNTH_BYTES: the bytes as they come (int8 tables, packed codes).
 * Header-only C, so ternc and the tool share one definition. */
#ifndef TERN_SYNTH_H
#define TERN_SYNTH_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

enum tern_synth_kind {
  TERN_SYNTH_BYTES = 0,
  TERN_SYNTH_F32 = 1,
  TERN_SYNTH_F16 = 2,
};

static inline uint64_t tern_synth_next(uint64_t *state) {
  uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

/* A value in [-0.5, 0.5) from 24 random bits, exact in float and in half
 * once rounded to its 11 significant bits. */
static inline float tern_synth_unit(uint64_t bits) {
  return (float)(int32_t)(bits & 0xFFFFFF) / 16777216.0f - 0.5f;
}

/* IEEE half bits of |value| < 1, rounded toward zero: enough for
 * stand-in weights. */
static inline uint16_t tern_synth_half(float value) {
  uint32_t bits;
  memcpy(&bits, &value, 4);
  const uint16_t sign = (uint16_t)((bits >> 16) & 0x8000);
  const int32_t exponent = (int32_t)((bits >> 23) & 0xFF) - 127 + 15;
  if (exponent <= 0)
    return sign; /* below half's normal range: zero */
  return (uint16_t)(sign | (uint16_t)(exponent << 10) |
                    (uint16_t)((bits >> 13) & 0x3FF));
}

/* Fills out[0, bytes) with the constant at payload offset `offset`. */
static inline void tern_synth_fill(uint64_t seed, uint64_t offset, int kind,
                                   uint8_t *out, size_t bytes) {
  uint64_t state = seed ^ (offset * 0x9E3779B97F4A7C15ull);
  size_t at = 0;
  if (kind == TERN_SYNTH_F32) {
    for (; at + 4 <= bytes; at += 4) {
      const float value = tern_synth_unit(tern_synth_next(&state));
      memcpy(out + at, &value, 4);
    }
  } else if (kind == TERN_SYNTH_F16) {
    for (; at + 2 <= bytes; at += 2) {
      const uint16_t half =
          tern_synth_half(tern_synth_unit(tern_synth_next(&state)));
      out[at] = (uint8_t)half;
      out[at + 1] = (uint8_t)(half >> 8);
    }
  }
  while (at < bytes) { /* bytes, and any tail */
    uint64_t word = tern_synth_next(&state);
    for (int i = 0; i < 8 && at < bytes; ++i, word >>= 8)
      out[at++] = (uint8_t)word;
  }
}

#ifdef __cplusplus
}
#endif

#endif /* TERN_SYNTH_H */
