/* Unicode classes and UTF-8 coding for tokenizers (unicode.h). */
#include "unicode.h"

static int in_ranges(const tern_unicode_range *ranges, unsigned count,
                     uint32_t cp) {
  unsigned low = 0, high = count;
  while (low < high) {
    unsigned mid = low + (high - low) / 2;
    if (cp < ranges[mid].first)
      high = mid;
    else if (cp > ranges[mid].last)
      low = mid + 1;
    else
      return 1;
  }
  return 0;
}

static int is_white_space(uint32_t cp) {
  /* Unicode's PropList.txt, White_Space (unchanged since Unicode 6.3). */
  return (cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0x85 || cp == 0xA0 ||
         cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 ||
         cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000;
}

unsigned tern_unicode_class(uint32_t cp) {
  if (cp < 0x80) { /* ASCII, the common case, without a search */
    if ((cp | 0x20) >= 'a' && (cp | 0x20) <= 'z')
      return TERN_UNICODE_LETTER;
    if (cp >= '0' && cp <= '9')
      return TERN_UNICODE_NUMBER;
    return is_white_space(cp) ? TERN_UNICODE_SPACE : 0;
  }
  if (is_white_space(cp))
    return TERN_UNICODE_SPACE;
  if (in_ranges(tern_unicode_letters, tern_unicode_letters_count, cp))
    return TERN_UNICODE_LETTER;
  if (in_ranges(tern_unicode_numbers, tern_unicode_numbers_count, cp))
    return TERN_UNICODE_NUMBER;
  return 0;
}

size_t tern_utf8_decode(const uint8_t *text, size_t length, uint32_t *cp) {
  uint8_t lead = text[0];
  size_t n;
  uint32_t value, min;
  if (lead < 0x80) {
    *cp = lead;
    return 1;
  }
  if ((lead & 0xE0) == 0xC0) {
    n = 2, value = lead & 0x1Fu, min = 0x80;
  } else if ((lead & 0xF0) == 0xE0) {
    n = 3, value = lead & 0x0Fu, min = 0x800;
  } else if ((lead & 0xF8) == 0xF0) {
    n = 4, value = lead & 0x07u, min = 0x10000;
  } else {
    *cp = 0xFFFD;
    return 1;
  }
  if (n > length) {
    *cp = 0xFFFD;
    return 1;
  }
  for (size_t i = 1; i < n; ++i) {
    if ((text[i] & 0xC0) != 0x80) {
      *cp = 0xFFFD;
      return 1;
    }
    value = value << 6 | (text[i] & 0x3Fu);
  }
  /* Overlong forms, surrogates and values past U+10FFFF are malformed. */
  if (value < min || value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF)) {
    *cp = 0xFFFD;
    return 1;
  }
  *cp = value;
  return n;
}

size_t tern_utf8_encode(uint32_t cp, char *out) {
  if (cp < 0x80) {
    out[0] = (char)cp;
    return 1;
  }
  if (cp < 0x800) {
    out[0] = (char)(0xC0 | cp >> 6);
    out[1] = (char)(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    out[0] = (char)(0xE0 | cp >> 12);
    out[1] = (char)(0x80 | (cp >> 6 & 0x3F));
    out[2] = (char)(0x80 | (cp & 0x3F));
    return 3;
  }
  out[0] = (char)(0xF0 | cp >> 18);
  out[1] = (char)(0x80 | (cp >> 12 & 0x3F));
  out[2] = (char)(0x80 | (cp >> 6 & 0x3F));
  out[3] = (char)(0x80 | (cp & 0x3F));
  return 4;
}
