/* Byte-level BPE (GPT-2, LLaMA-3), as Hugging Face's tokenizers and
 * llama.cpp's llm_tokenizer_bpe define it:
 *   1. a pre-tokenizer splits the text into words with a fixed regex,
 *      matched here by hand over Unicode classes (unicode.h);
 *   2. each word's bytes become printable code points (GPT-2's
 *      bytes_to_unicode), one symbol per byte;
 *   3. adjacent symbols merge, lowest merge rank first, leftmost on ties;
 *   4. the final symbols are vocabulary tokens. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "tokenizer_internal.h"
#include "unicode.h"

typedef struct bpe_tables {
  char byte_text[256][2]; /* byte -> its code point, UTF-8 */
  uint8_t byte_length[256];
  const char **merge_texts; /* "left right", pointing into the blob */
  uint32_t *merge_lengths;
  tern_text_index merges; /* merge text -> rank; a repeat keeps the first */
  int ignore_merges;      /* LLaMA-3: a word that is a token stays whole */
} bpe_tables;

/* Printable Latin-1 bytes stand for themselves; the other 68 (0x00-0x20,
 * 0x7F-0xA0, 0xAD) take code points 256-323 in byte order. */
uint32_t tern_byte_level_code_point(uint8_t byte) {
  if (byte <= 0x20)
    return 256u + byte;
  if (byte >= 0x7F && byte <= 0xA0)
    return 256u + 33 + (byte - 0x7Fu);
  return byte == 0xAD ? 256u + 67 : byte;
}

/* The inverse; -1 for a code point no byte maps to. */
static int code_point_byte(uint32_t cp) {
  if (cp >= 324)
    return -1;
  if (cp >= 256) {
    uint32_t k = cp - 256;
    return k < 33 ? (int)k : k < 67 ? (int)(0x7F + k - 33) : 0xAD;
  }
  return tern_byte_level_code_point((uint8_t)cp) == cp ? (int)cp : -1;
}

int tern_bpe_piece(const tern_tokenizer *t, int32_t id, char *out,
                   size_t *length) {
  const uint8_t *text = (const uint8_t *)t->texts[id];
  size_t n = t->lengths[id], o = 0;
  switch (t->types[id]) {
  case TERN_TOKEN_CONTROL:
  case TERN_TOKEN_UNUSED:
    *length = 0;
    return 1;
  case TERN_TOKEN_USER_DEFINED: /* added tokens are spelled as themselves */
    memcpy(out, text, n);
    *length = n;
    return 1;
  default:
    break;
  }
  for (size_t i = 0; i < n;) {
    uint32_t cp;
    i += tern_utf8_decode(text + i, n - i, &cp);
    int byte = code_point_byte(cp);
    if (byte < 0)
      return 0;
    out[o++] = (char)byte;
  }
  *length = o;
  return 1;
}

static int32_t find_merge(const tern_tokenizer *t, const char *key,
                          size_t length) {
  return tern_text_index_find(&((const bpe_tables *)t->bpe)->merges, key,
                              length);
}

tern_status tern_bpe_prepare(tern_tokenizer *t, const char *name) {
  bpe_tables *b = (bpe_tables *)calloc(1, sizeof *b);
  if (!b)
    return tern_fail(TERN_ERROR_MEMORY, "out of memory");
  t->bpe = b;
  for (int byte = 0; byte < 256; ++byte)
    b->byte_length[byte] = (uint8_t)tern_utf8_encode(
        tern_byte_level_code_point((uint8_t)byte), b->byte_text[byte]);
  b->ignore_merges = t->pre == TERN_PRETOKENIZER_LLAMA3;
  uint32_t count = t->merge_count;
  b->merge_texts = (const char **)malloc((count + 1) * sizeof(char *));
  b->merge_lengths = (uint32_t *)malloc((count + 1) * sizeof(uint32_t));
  if (!b->merge_texts || !b->merge_lengths)
    return tern_fail(TERN_ERROR_MEMORY, "out of memory");
  size_t at = t->merges_at; /* lengths were validated by the parser */
  for (uint32_t m = 0; m < count; ++m) {
    uint32_t length = tern_read_u32((const uint8_t *)t->blob + at);
    const char *text = t->blob + at + 4;
    at += 4 + length;
    const char *space = (const char *)memchr(text, ' ', length);
    if (!space || space == text || space == text + length - 1)
      return tern_fail(TERN_ERROR_FORMAT,
                       "%s: merge %u is not of the form 'left right'", name,
                       (unsigned)m);
    b->merge_texts[m] = text;
    b->merge_lengths[m] = length;
  }
  if (!tern_text_index_build(&b->merges, b->merge_texts, b->merge_lengths,
                             count))
    return tern_fail(TERN_ERROR_MEMORY, "out of memory");
  return TERN_OK;
}

void tern_bpe_release(tern_tokenizer *t) {
  bpe_tables *b = (bpe_tables *)t->bpe;
  if (!b)
    return;
  free(b->merge_texts);
  free(b->merge_lengths);
  tern_text_index_free(&b->merges);
  free(b);
  t->bpe = NULL;
}

/* --- Pre-tokenizers ------------------------------------------------------ */

/* The text decoded once: code points, their byte offsets, their classes. */
typedef struct decoded_text {
  uint32_t *cps;
  size_t *starts; /* starts[count] is the text's length */
  uint8_t *classes;
  size_t count;
} decoded_text;

static int is_newline(uint32_t cp) { return cp == '\r' || cp == '\n'; }

static unsigned class_at(const decoded_text *d, size_t i) {
  return i < d->count ? d->classes[i] : 0;
}

static int is_other(const decoded_text *d, size_t i) {
  return i < d->count && d->classes[i] == 0;
}

/* 's 't 're 've 'm 'll 'd at i: the match's length in code points, or 0. */
static size_t contraction(const decoded_text *d, size_t i, int any_case) {
  if (d->cps[i] != '\'' || i + 1 >= d->count)
    return 0;
  uint32_t a = d->cps[i + 1], b = i + 2 < d->count ? d->cps[i + 2] : 0;
  if (any_case) {
    a = a < 0x80 && a >= 'A' && a <= 'Z' ? a + 32 : a;
    b = b < 0x80 && b >= 'A' && b <= 'Z' ? b + 32 : b;
  }
  if (a == 's' || a == 't' || a == 'm' || a == 'd')
    return 2;
  if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') ||
      (a == 'l' && b == 'l'))
    return 3;
  return 0;
}

static size_t run_of(const decoded_text *d, size_t i, unsigned cls) {
  size_t j = i;
  while (j < d->count && (d->classes[j] & cls))
    ++j;
  return j - i;
}

static size_t run_of_other(const decoded_text *d, size_t i) {
  size_t j = i;
  while (is_other(d, j))
    ++j;
  return j - i;
}

/* \s+(?!\S)|\s+ at i, given the whitespace run's length. */
static size_t trailing_space(const decoded_text *d, size_t i, size_t spaces) {
  /* Followed by a non-space, the longest match leaves it one space. */
  return spaces > 1 && i + spaces < d->count ? spaces - 1 : spaces;
}

/* 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+ */
static size_t match_gpt2(const decoded_text *d, size_t i) {
  size_t n = contraction(d, i, 0);
  if (n)
    return n;
  size_t space = d->cps[i] == ' ' && i + 1 < d->count;
  unsigned next = class_at(d, i + space);
  if (next == TERN_UNICODE_LETTER || next == TERN_UNICODE_NUMBER)
    return space + run_of(d, i + space, next);
  if (is_other(d, i + space))
    return space + run_of_other(d, i + space);
  size_t spaces = run_of(d, i, TERN_UNICODE_SPACE);
  return spaces ? trailing_space(d, i, spaces) : 1;
}

/* (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}|
 *  ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+ */
static size_t match_llama3(const decoded_text *d, size_t i) {
  size_t n = contraction(d, i, 1);
  if (n)
    return n;
  unsigned cls = d->classes[i];
  if (cls == TERN_UNICODE_LETTER)
    return run_of(d, i, TERN_UNICODE_LETTER);
  if (!is_newline(d->cps[i]) && cls != TERN_UNICODE_NUMBER &&
      class_at(d, i + 1) == TERN_UNICODE_LETTER)
    return 1 + run_of(d, i + 1, TERN_UNICODE_LETTER);
  if (cls == TERN_UNICODE_NUMBER) {
    n = run_of(d, i, TERN_UNICODE_NUMBER);
    return n < 3 ? n : 3;
  }
  size_t space = d->cps[i] == ' ';
  if (is_other(d, i + space)) {
    n = space + run_of_other(d, i + space);
    while (i + n < d->count && is_newline(d->cps[i + n]))
      ++n;
    return n;
  }
  size_t spaces = run_of(d, i, TERN_UNICODE_SPACE);
  for (size_t k = spaces; k > 0; --k) /* \s*[\r\n]+ ends at the last one */
    if (is_newline(d->cps[i + k - 1]))
      return k;
  return spaces ? trailing_space(d, i, spaces) : 1;
}

/* --- Merges -------------------------------------------------------------- */

typedef struct bpe_symbol {
  int32_t prev, next;
  size_t start, length; /* in the byte-mapped word */
} bpe_symbol;

typedef struct bpe_scratch {
  char *mapped, *key; /* the word's code points; a merge key */
  bpe_symbol *symbols;
  tern_bigram_heap heap;
} bpe_scratch;

static int try_add_merge(const tern_tokenizer *t, bpe_scratch *s, int32_t left,
                         int32_t right) {
  if (left < 0 || right < 0)
    return 1;
  const bpe_symbol *l = &s->symbols[left], *r = &s->symbols[right];
  memcpy(s->key, s->mapped + l->start, l->length);
  s->key[l->length] = ' ';
  memcpy(s->key + l->length + 1, s->mapped + r->start, r->length);
  int32_t rank = find_merge(t, s->key, l->length + 1 + r->length);
  if (rank < 0)
    return 1;
  tern_bigram bigram = {left, right, -(float)rank, l->length + r->length};
  return tern_bigram_push(&s->heap, bigram);
}

static tern_status encode_word(const tern_tokenizer *t, bpe_scratch *s,
                               const uint8_t *word, size_t length,
                               id_list *out) {
  const bpe_tables *b = (const bpe_tables *)t->bpe;
  size_t mapped_length = 0;
  for (size_t i = 0; i < length; ++i) {
    bpe_symbol *symbol = &s->symbols[i];
    symbol->start = mapped_length;
    symbol->length = b->byte_length[word[i]];
    symbol->prev = (int32_t)i - 1;
    symbol->next = i + 1 < length ? (int32_t)i + 1 : -1;
    memcpy(s->mapped + mapped_length, b->byte_text[word[i]], symbol->length);
    mapped_length += symbol->length;
  }
  if (b->ignore_merges) {
    int32_t id = tern_tokenizer_find(t, s->mapped, mapped_length);
    if (id >= 0)
      return tern_id_list_push(out, id)
                 ? TERN_OK
                 : tern_fail(TERN_ERROR_MEMORY, "out of memory");
  }
  s->heap.count = 0;
  for (size_t i = 1; i < length; ++i)
    if (!try_add_merge(t, s, (int32_t)i - 1, (int32_t)i))
      return tern_fail(TERN_ERROR_MEMORY, "out of memory");
  while (s->heap.count) {
    tern_bigram bigram = tern_bigram_pop(&s->heap);
    bpe_symbol *left = &s->symbols[bigram.left];
    bpe_symbol *right = &s->symbols[bigram.right];
    /* Stale: one side was merged into something else since. */
    if (left->length == 0 || right->length == 0 || left->next != bigram.right ||
        left->length + right->length != bigram.length)
      continue;
    left->length += right->length;
    right->length = 0;
    left->next = right->next;
    if (right->next >= 0)
      s->symbols[right->next].prev = bigram.left;
    if (!try_add_merge(t, s, left->prev, bigram.left) ||
        !try_add_merge(t, s, bigram.left, left->next))
      return tern_fail(TERN_ERROR_MEMORY, "out of memory");
  }
  for (int32_t i = 0; i != -1; i = s->symbols[i].next) {
    const bpe_symbol *symbol = &s->symbols[i];
    int32_t id =
        tern_tokenizer_find(t, s->mapped + symbol->start, symbol->length);
    if (id < 0) {
      /* Merges only build vocabulary tokens; a vocabulary without one of
       * the 256 byte tokens cannot spell everything. */
      return tern_fail(TERN_ERROR_ARGUMENT,
                       "the vocabulary has no token for '%.*s'",
                       (int)symbol->length, s->mapped + symbol->start);
    }
    if (!tern_id_list_push(out, id))
      return tern_fail(TERN_ERROR_MEMORY, "out of memory");
  }
  return TERN_OK;
}

tern_status tern_bpe_encode(const tern_tokenizer *t, const char *text,
                            size_t length, id_list *out) {
  if (length == 0)
    return TERN_OK;
  const uint8_t *bytes = (const uint8_t *)text;
  decoded_text d = {0};
  bpe_scratch s = {0};
  tern_status status = TERN_OK;
  d.cps = (uint32_t *)malloc(length * sizeof *d.cps);
  d.starts = (size_t *)malloc((length + 1) * sizeof *d.starts);
  d.classes = (uint8_t *)malloc(length);
  /* A word's bytes each map to at most 2 bytes of code points. */
  s.mapped = (char *)malloc(2 * length);
  s.key = (char *)malloc(2 * length + 1);
  s.symbols = (bpe_symbol *)malloc(length * sizeof *s.symbols);
  if (!d.cps || !d.starts || !d.classes || !s.mapped || !s.key || !s.symbols) {
    status = tern_fail(TERN_ERROR_MEMORY, "out of memory");
    goto done;
  }
  for (size_t at = 0; at < length; ++d.count) {
    d.starts[d.count] = at;
    at += tern_utf8_decode(bytes + at, length - at, &d.cps[d.count]);
    d.classes[d.count] = (uint8_t)tern_unicode_class(d.cps[d.count]);
  }
  d.starts[d.count] = length;
  for (size_t i = 0; i < d.count && status == TERN_OK;) {
    size_t n = t->pre == TERN_PRETOKENIZER_LLAMA3 ? match_llama3(&d, i)
                                                  : match_gpt2(&d, i);
    status = encode_word(t, &s, bytes + d.starts[i],
                         d.starts[i + n] - d.starts[i], out);
    i += n;
  }
done:
  free(d.cps);
  free(d.starts);
  free(d.classes);
  free(s.mapped);
  free(s.key);
  free(s.symbols);
  free(s.heap.items);
  return status;
}
