/* Packed weight layouts: the byte formats tern stores low-bit weights in.
 *
 * This header is the single definition of those formats. The compiler (the
 * tern dialect's #tern.packed attribute and its reference lowering) and the
 * code it generates both use it, so they cannot drift apart.
 *
 * A packed weight is a 2-D matrix of N rows (output channels) by K columns
 * (the reduction dimension), stored row-major. Every row starts on a byte
 * boundary; a partial last byte is zero-padded.
 */
#ifndef TERN_LAYOUT_H
#define TERN_LAYOUT_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The logical value set of a weight element. */
typedef enum tern_value_kind {
  TERN_VALUE_TRIT = 0,    /* {-1, 0, +1} */
  TERN_VALUE_BIPOLAR = 1, /* {-1, +1} */
  TERN_VALUE_SI2 = 2,     /* [-2, 1] */
  TERN_VALUE_UI2 = 3,     /* [0, 3] */
  TERN_VALUE_SI4 = 4,     /* [-8, 7] */
  TERN_VALUE_UI4 = 5,     /* [0, 15] */
} tern_value_kind;

/* How a row of values becomes bytes. */
typedef enum tern_packing {
  /* offsetB: code = value - min(kind), B bits per code, 8/B codes per byte,
   * first element in the least significant bits. For trits (offset2) the
   * codes are w+1 in {0,1,2}, so sum(x*w) = sum(x*code) - sum(x). Bipolar
   * uses offset1 with code 1 for +1. */
  TERN_PACK_OFFSET1 = 0,
  TERN_PACK_OFFSET2 = 1,
  TERN_PACK_OFFSET4 = 2,
  /* base3: 5 trits per byte (1.6 bits). The codes c0..c4 (c = w+1) form
   * q = c0*81 + c1*27 + c2*9 + c3*3 + c4 in [0, 242], stored as
   * ceil(q * 256 / 243). Code i is then ((uint8_t)(byte * 3^i) * 3) >> 8:
   * a multiply and a shift, no division, which is what SIMD decoders want. */
  TERN_PACK_BASE3 = 3,
  /* bitplanes: per row, ceil(K/8) bytes of nonzero mask (bit set where
   * w != 0) followed by ceil(K/8) bytes of sign (bit set where w < 0),
   * element j in bit j%8 of byte j/8. */
  TERN_PACK_BITPLANES = 4,
} tern_packing;

/* Smallest and largest value of a value kind. */
int tern_value_min(tern_value_kind kind);
int tern_value_max(tern_value_kind kind);

/* Whether `packing` can store values of `kind`. */
int tern_packing_supports(tern_packing packing, tern_value_kind kind);

/* Bytes one packed row of k elements occupies; -1 if k < 0 or the packing is
 * unknown. */
int64_t tern_packed_row_bytes(tern_packing packing, int64_t k);

/* Packs one row of k values (each in range for `kind`) into
 * tern_packed_row_bytes(packing, k) bytes at dst. Returns 0 on success, -1 if
 * the packing does not support the kind or a value is out of range. */
int tern_pack_row(tern_packing packing, tern_value_kind kind,
                  const int8_t *src, int64_t k, uint8_t *dst);

/* Unpacks one row of k values. Returns 0 on success, -1 if the packing does
 * not support the kind or a byte holds an invalid code. */
int tern_unpack_row(tern_packing packing, tern_value_kind kind,
                    const uint8_t *src, int64_t k, int8_t *dst);

#ifdef __cplusplus
}
#endif

#endif /* TERN_LAYOUT_H */
