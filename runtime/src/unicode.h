/* Unicode classes the byte-level BPE pre-tokenizers match (\p{L}, \p{N},
 * \s) and UTF-8 decoding; not part of the public API. */
#ifndef TERN_RUNTIME_UNICODE_H
#define TERN_RUNTIME_UNICODE_H

#include <stddef.h>
#include <stdint.h>

typedef struct tern_unicode_range {
  uint32_t first, last;
} tern_unicode_range;

/* Sorted, disjoint ranges (unicode_tables.c, generated). */
extern const tern_unicode_range tern_unicode_letters[];
extern const unsigned tern_unicode_letters_count;
extern const tern_unicode_range tern_unicode_numbers[];
extern const unsigned tern_unicode_numbers_count;

enum {
  TERN_UNICODE_LETTER = 1,
  TERN_UNICODE_NUMBER = 2,
  TERN_UNICODE_SPACE = 4, /* the White_Space property */
};

/* TERN_UNICODE_* bits of code point `cp`; 0 for anything else. */
unsigned tern_unicode_class(uint32_t cp);

/* Decodes the UTF-8 sequence at text[0..length) into *cp and returns its
 * byte count (>= 1). A malformed or truncated sequence decodes as its
 * first byte alone, as code point 0xFFFD, so every input splits somehow. */
size_t tern_utf8_decode(const uint8_t *text, size_t length, uint32_t *cp);

/* Writes `cp` as UTF-8 and returns the byte count (1-4). */
size_t tern_utf8_encode(uint32_t cp, char *out);

#endif
