#include "tern/layout.h"

int tern_value_min(tern_value_kind kind) {
  switch (kind) {
  case TERN_VALUE_TRIT:
    return -1;
  case TERN_VALUE_BIPOLAR:
    return -1;
  case TERN_VALUE_SI2:
    return -2;
  case TERN_VALUE_UI2:
    return 0;
  case TERN_VALUE_SI4:
    return -8;
  case TERN_VALUE_UI4:
    return 0;
  }
  return 0;
}

int tern_value_max(tern_value_kind kind) {
  switch (kind) {
  case TERN_VALUE_TRIT:
    return 1;
  case TERN_VALUE_BIPOLAR:
    return 1;
  case TERN_VALUE_SI2:
    return 1;
  case TERN_VALUE_UI2:
    return 3;
  case TERN_VALUE_SI4:
    return 7;
  case TERN_VALUE_UI4:
    return 15;
  }
  return 0;
}

/* Bits per code for the offset packings, 0 otherwise. */
static int offset_bits(tern_packing packing) {
  switch (packing) {
  case TERN_PACK_OFFSET1:
    return 1;
  case TERN_PACK_OFFSET2:
    return 2;
  case TERN_PACK_OFFSET4:
    return 4;
  default:
    return 0;
  }
}

/* Bits a code of `kind` needs in an offset packing. */
static int value_bits(tern_value_kind kind) {
  switch (kind) {
  case TERN_VALUE_BIPOLAR:
    return 1;
  case TERN_VALUE_TRIT:
  case TERN_VALUE_SI2:
  case TERN_VALUE_UI2:
    return 2;
  case TERN_VALUE_SI4:
  case TERN_VALUE_UI4:
    return 4;
  }
  return 0;
}

int tern_packing_supports(tern_packing packing, tern_value_kind kind) {
  switch (packing) {
  case TERN_PACK_OFFSET1:
  case TERN_PACK_OFFSET2:
  case TERN_PACK_OFFSET4:
    return offset_bits(packing) == value_bits(kind);
  case TERN_PACK_BASE3:
  case TERN_PACK_BITPLANES:
    return kind == TERN_VALUE_TRIT;
  }
  return 0;
}

int64_t tern_packed_row_bytes(tern_packing packing, int64_t k) {
  if (k < 0)
    return -1;
  switch (packing) {
  case TERN_PACK_OFFSET1:
    return (k + 7) / 8;
  case TERN_PACK_OFFSET2:
    return (k + 3) / 4;
  case TERN_PACK_OFFSET4:
    return (k + 1) / 2;
  case TERN_PACK_BASE3:
    return (k + 4) / 5;
  case TERN_PACK_BITPLANES:
    return 2 * ((k + 7) / 8);
  }
  return -1;
}

/* Code of a value: value - min, except bipolar, whose codes are 0 (-1), 1 (+1).
 */
static int to_code(tern_value_kind kind, int value) {
  if (kind == TERN_VALUE_BIPOLAR)
    return value > 0 ? 1 : 0;
  return value - tern_value_min(kind);
}

static int from_code(tern_value_kind kind, int code) {
  if (kind == TERN_VALUE_BIPOLAR)
    return code ? 1 : -1;
  return code + tern_value_min(kind);
}

static int in_range(tern_value_kind kind, int value) {
  if (kind == TERN_VALUE_BIPOLAR)
    return value == -1 || value == 1;
  return value >= tern_value_min(kind) && value <= tern_value_max(kind);
}

static const int kPow3[5] = {1, 3, 9, 27, 81};

/* Trits in 2-bit codes, the common case (every ternary weight of an LLM
 * passes through here at compile time), in loops that vectorize. */
static int pack_trits2(const int8_t *src, int64_t k, uint8_t *dst) {
  int bad = 0;
  for (int64_t i = 0; i < k; ++i)
    bad |= (uint8_t)(src[i] + 1) > 2;
  if (bad)
    return -1;
  int64_t whole = k / 4;
  for (int64_t b = 0; b < whole; ++b)
    dst[b] = (uint8_t)((src[4 * b] + 1) | (src[4 * b + 1] + 1) << 2 |
                       (src[4 * b + 2] + 1) << 4 | (src[4 * b + 3] + 1) << 6);
  if (whole * 4 < k) {
    uint8_t last = 0;
    for (int64_t i = whole * 4; i < k; ++i)
      last |= (uint8_t)((src[i] + 1) << (2 * (i % 4)));
    dst[whole] = last;
  }
  return 0;
}

static int unpack_trits2(const uint8_t *src, int64_t k, int8_t *dst) {
  int bad = 0;
  for (int64_t i = 0; i < k; ++i) {
    int code = (src[i / 4] >> (2 * (i % 4))) & 3;
    bad |= code == 3;
    dst[i] = (int8_t)(code - 1);
  }
  return bad ? -1 : 0;
}

int tern_pack_row(tern_packing packing, tern_value_kind kind, const int8_t *src,
                  int64_t k, uint8_t *dst) {
  if (!tern_packing_supports(packing, kind) || k < 0)
    return -1;
  if (packing == TERN_PACK_OFFSET2 && kind == TERN_VALUE_TRIT)
    return pack_trits2(src, k, dst);
  for (int64_t i = 0; i < k; ++i)
    if (!in_range(kind, src[i]))
      return -1;
  int64_t bytes = tern_packed_row_bytes(packing, k);
  for (int64_t b = 0; b < bytes; ++b)
    dst[b] = 0;

  int bits = offset_bits(packing);
  if (bits) {
    int per_byte = 8 / bits;
    for (int64_t i = 0; i < k; ++i)
      dst[i / per_byte] |=
          (uint8_t)(to_code(kind, src[i]) << (bits * (i % per_byte)));
    return 0;
  }
  if (packing == TERN_PACK_BASE3) {
    for (int64_t b = 0; b < bytes; ++b) {
      int q = 0;
      for (int j = 0; j < 5; ++j) {
        int64_t i = b * 5 + j;
        q = q * 3 + (i < k ? to_code(kind, src[i]) : 0);
      }
      dst[b] = (uint8_t)((q * 256 + 242) / 243);
    }
    return 0;
  }
  /* bitplanes */
  int64_t plane = bytes / 2;
  for (int64_t i = 0; i < k; ++i) {
    uint8_t bit = (uint8_t)(1u << (i % 8));
    if (src[i] != 0)
      dst[i / 8] |= bit;
    if (src[i] < 0)
      dst[plane + i / 8] |= bit;
  }
  return 0;
}

int tern_unpack_row(tern_packing packing, tern_value_kind kind,
                    const uint8_t *src, int64_t k, int8_t *dst) {
  if (!tern_packing_supports(packing, kind) || k < 0)
    return -1;
  if (packing == TERN_PACK_OFFSET2 && kind == TERN_VALUE_TRIT)
    return unpack_trits2(src, k, dst);
  int bits = offset_bits(packing);
  if (bits) {
    int per_byte = 8 / bits;
    int mask = (1 << bits) - 1;
    for (int64_t i = 0; i < k; ++i) {
      int code = (src[i / per_byte] >> (bits * (i % per_byte))) & mask;
      int value = from_code(kind, code);
      if (!in_range(kind, value))
        return -1;
      dst[i] = (int8_t)value;
    }
    return 0;
  }
  if (packing == TERN_PACK_BASE3) {
    for (int64_t i = 0; i < k; ++i) {
      uint8_t shifted = (uint8_t)(src[i / 5] * kPow3[i % 5]);
      int code = (shifted * 3) >> 8;
      dst[i] = (int8_t)from_code(kind, code);
    }
    return 0;
  }
  int64_t plane = tern_packed_row_bytes(packing, k) / 2;
  for (int64_t i = 0; i < k; ++i) {
    int nonzero = (src[i / 8] >> (i % 8)) & 1;
    int negative = (src[plane + i / 8] >> (i % 8)) & 1;
    if (negative && !nonzero)
      return -1;
    dst[i] = (int8_t)(nonzero ? (negative ? -1 : 1) : 0);
  }
  return 0;
}
