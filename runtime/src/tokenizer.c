/* Loading tokenizer files (tern/tokenizer.h) and SentencePiece-style
 * tokenization, following llama.cpp's llm_tokenizer_spm. Byte-level BPE is
 * in tokenizer_bpe.c. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "tokenizer_internal.h"

/* --- Piece lookup: open addressing over FNV-1a hashes ------------------- */

static uint32_t hash_bytes(const char *text, size_t length) {
  uint32_t hash = 2166136261u;
  for (size_t i = 0; i < length; ++i)
    hash = (hash ^ (uint8_t)text[i]) * 16777619u;
  return hash;
}

/* The slot holding `text`, or the empty slot where it would go. */
static uint32_t index_slot(const tern_text_index *index, const char *text,
                           size_t length) {
  uint32_t slot = hash_bytes(text, length) & index->mask;
  for (;; slot = (slot + 1) & index->mask) {
    int32_t at = index->slots[slot];
    if (at < 0 || (index->lengths[at] == length &&
                   memcmp(index->texts[at], text, length) == 0))
      return slot;
  }
}

int tern_text_index_build(tern_text_index *index, const char *const *texts,
                          const uint32_t *lengths, uint32_t count) {
  uint32_t slots = 2;
  while (slots < 2 * count)
    slots <<= 1;
  index->slots = (int32_t *)malloc(slots * sizeof *index->slots);
  index->mask = slots - 1;
  index->texts = texts;
  index->lengths = lengths;
  if (!index->slots)
    return 0;
  memset(index->slots, 0xff, slots * sizeof *index->slots);
  for (uint32_t i = 0; i < count; ++i) {
    uint32_t slot = index_slot(index, texts[i], lengths[i]);
    if (index->slots[slot] < 0)
      index->slots[slot] = (int32_t)i;
  }
  return 1;
}

int32_t tern_text_index_find(const tern_text_index *index, const char *text,
                             size_t length) {
  return index->slots[index_slot(index, text, length)];
}

void tern_text_index_free(tern_text_index *index) {
  free(index->slots);
  index->slots = NULL;
}

int32_t tern_tokenizer_find(const tern_tokenizer *t, const char *text,
                            size_t length) {
  return tern_text_index_find(&t->index, text, length);
}

/* --- Loading ------------------------------------------------------------- */

enum { HEADER_BYTES = 40 };

/* SPM pieces spell spaces as U+2581; byte tokens are "<0xXX>". */
static int spm_piece(const tern_tokenizer *t, int32_t id, char *out,
                     size_t *length) {
  const char *text = t->texts[id];
  size_t n = t->lengths[id], o = 0;
  switch (t->types[id]) {
  case TERN_TOKEN_CONTROL:
  case TERN_TOKEN_UNUSED:
    *length = 0;
    return 1;
  case TERN_TOKEN_BYTE:
    if (n == 6 && text[0] == '<' && text[5] == '>') {
      out[0] = (char)strtol(text + 3, NULL, 16);
      *length = 1;
      return 1;
    }
    return 0;
  case TERN_TOKEN_UNKNOWN:
    memcpy(out, "\xe2\x96\x85", 3);
    *length = 3;
    return 1;
  default:
    break;
  }
  for (size_t i = 0; i < n;) {
    if (i + 3 <= n && memcmp(text + i, "\xe2\x96\x81", 3) == 0) {
      out[o++] = ' ';
      i += 3;
    } else {
      out[o++] = text[i++];
    }
  }
  *length = o;
  return 1;
}

static tern_status fail_format(const char *name, const char *what) {
  return tern_fail(TERN_ERROR_FORMAT, "%s: malformed tokenizer file: %s", name,
                   what);
}

tern_status tern_tokenizer_parse(const uint8_t *data, size_t size,
                                 const char *name, tern_tokenizer **out) {
  *out = NULL;
  if (size < HEADER_BYTES || memcmp(data, TERN_TOKENIZER_MAGIC, 8) != 0)
    return fail_format(name, "bad magic or truncated header");
  if (tern_read_u32(data + 8) != TERN_TOKENIZER_VERSION)
    return tern_fail(TERN_ERROR_FORMAT,
                     "%s: tokenizer file version %u, this runtime reads %u",
                     name, tern_read_u32(data + 8), TERN_TOKENIZER_VERSION);
  uint32_t kind = tern_read_u32(data + 12), n = tern_read_u32(data + 16);
  uint32_t merges = tern_read_u32(data + 32), pre = tern_read_u32(data + 36);
  if (kind != TERN_TOKENIZER_SPM && kind != TERN_TOKENIZER_BPE)
    return fail_format(name, "unknown tokenizer kind");
  if (pre > TERN_PRETOKENIZER_LLAMA3)
    return fail_format(name, "unknown pre-tokenizer");
  /* Each token needs at least 12 bytes, each merge 4: bounds the counts
   * before anything is allocated. */
  if (n == 0 || n > (size - HEADER_BYTES) / 12 || n > (1u << 24) ||
      merges > (size - HEADER_BYTES) / 4)
    return fail_format(name, "token or merge count exceeds the file");
  tern_tokenizer *t = (tern_tokenizer *)calloc(1, sizeof *t);
  if (!t)
    return tern_fail(TERN_ERROR_MEMORY, "out of memory");
  t->kind = (int)kind;
  t->pre = (int)pre;
  t->n = (int32_t)n;
  t->bos = (int32_t)tern_read_u32(data + 20);
  t->eos = (int32_t)tern_read_u32(data + 24);
  t->flags = tern_read_u32(data + 28);
  t->blob = (char *)malloc(size);
  t->texts = (const char **)calloc(n, sizeof *t->texts);
  t->lengths = (uint32_t *)calloc(n, sizeof *t->lengths);
  t->scores = (float *)calloc(n, sizeof *t->scores);
  t->types = (int32_t *)calloc(n, sizeof *t->types);
  t->pieces = (const char **)calloc(n, sizeof *t->pieces);
  t->piece_lengths = (uint32_t *)calloc(n, sizeof *t->piece_lengths);
  /* Pieces are never longer than their token text (SPM) or 2 bytes per
   * byte-level code point (BPE), so `size` bytes hold them all. */
  t->piece_blob = (char *)malloc(size);
  if (!t->blob || !t->texts || !t->lengths || !t->scores || !t->types ||
      !t->pieces || !t->piece_lengths || !t->piece_blob) {
    tern_tokenizer_close(t);
    return tern_fail(TERN_ERROR_MEMORY, "out of memory");
  }
  memcpy(t->blob, data, size);
  size_t at = HEADER_BYTES;
  for (uint32_t id = 0; id < n; ++id) {
    if (size - at < 12) {
      tern_tokenizer_close(t);
      return fail_format(name, "truncated token table");
    }
    memcpy(&t->scores[id], data + at, 4);
    t->types[id] = (int32_t)tern_read_u32(data + at + 4);
    uint32_t length = tern_read_u32(data + at + 8);
    at += 12;
    if (length > size - at) {
      tern_tokenizer_close(t);
      return fail_format(name, "token text runs past the end");
    }
    t->texts[id] = t->blob + at;
    t->lengths[id] = length;
    at += length;
  }
  t->merge_count = merges;
  t->merges_at = at;
  for (uint32_t m = 0; m < merges; ++m) {
    if (size - at < 4 || tern_read_u32(data + at) > size - at - 4) {
      tern_tokenizer_close(t);
      return fail_format(name, "truncated merge list");
    }
    at += 4 + tern_read_u32(data + at);
  }
  if (at != size) {
    tern_tokenizer_close(t);
    return fail_format(name, "trailing bytes after the merge list");
  }
  if (t->bos >= t->n || t->eos >= t->n || t->bos < -1 || t->eos < -1) {
    tern_tokenizer_close(t);
    return fail_format(name, "BOS or EOS id out of range");
  }
  if (!tern_text_index_build(&t->index, t->texts, t->lengths, n)) {
    tern_tokenizer_close(t);
    return tern_fail(TERN_ERROR_MEMORY, "out of memory");
  }
  size_t piece_at = 0;
  for (int32_t id = 0; id < t->n; ++id) {
    size_t length = 0;
    int ok = t->kind == TERN_TOKENIZER_SPM
                 ? spm_piece(t, id, t->piece_blob + piece_at, &length)
                 : tern_bpe_piece(t, id, t->piece_blob + piece_at, &length);
    if (!ok) {
      tern_tokenizer_close(t);
      return tern_fail(TERN_ERROR_FORMAT,
                       "%s: token %d is not a valid piece of its kind", name,
                       (int)id);
    }
    t->pieces[id] = t->piece_blob + piece_at;
    t->piece_lengths[id] = (uint32_t)length;
    piece_at += length;
  }
  if (t->kind == TERN_TOKENIZER_SPM) {
    for (int b = 0; b < 256; ++b) {
      char text[7];
      static const char hex[] = "0123456789ABCDEF";
      memcpy(text, "<0x", 3);
      text[3] = hex[b >> 4];
      text[4] = hex[b & 15];
      text[5] = '>';
      t->byte_tokens[b] = tern_tokenizer_find(t, text, 6);
    }
  } else {
    tern_status status = tern_bpe_prepare(t, name);
    if (status != TERN_OK) {
      tern_tokenizer_close(t);
      return status;
    }
  }
  *out = t;
  return TERN_OK;
}

tern_status tern_tokenizer_open(const char *path, tern_tokenizer **out) {
  uint8_t *data;
  size_t size;
  *out = NULL;
  tern_status status = tern_read_file(path, &data, &size);
  if (status != TERN_OK)
    return status;
  status = tern_tokenizer_parse(data, size, path, out);
  free(data);
  return status;
}

void tern_tokenizer_close(tern_tokenizer *t) {
  if (!t)
    return;
  tern_bpe_release(t);
  free(t->blob);
  free(t->texts);
  free(t->lengths);
  free(t->scores);
  free(t->types);
  free(t->pieces);
  free(t->piece_lengths);
  tern_text_index_free(&t->index);
  free(t->piece_blob);
  free(t);
}

int32_t tern_tokenizer_size(const tern_tokenizer *t) { return t->n; }
int32_t tern_tokenizer_bos(const tern_tokenizer *t) { return t->bos; }
int32_t tern_tokenizer_eos(const tern_tokenizer *t) { return t->eos; }
int tern_tokenizer_adds_bos(const tern_tokenizer *t) {
  return (t->flags & TERN_TOKENIZER_ADD_BOS) != 0;
}

int tern_tokenizer_is_end(const tern_tokenizer *t, int32_t id) {
  if (id == t->eos)
    return 1;
  /* End-of-turn markers of chat vocabularies are control tokens too. */
  if (id < 0 || id >= t->n || t->types[id] != TERN_TOKEN_CONTROL)
    return 0;
  static const char *const ends[] = {"<|eot_id|>", "<|end_of_text|>",
                                     "<|im_end|>", "<|endoftext|>"};
  for (size_t i = 0; i < sizeof ends / sizeof *ends; ++i)
    if (t->lengths[id] == strlen(ends[i]) &&
        memcmp(t->texts[id], ends[i], t->lengths[id]) == 0)
      return 1;
  return 0;
}

const char *tern_tokenizer_piece(const tern_tokenizer *t, int32_t id,
                                 size_t *length) {
  if (id < 0 || id >= t->n)
    return NULL;
  *length = t->piece_lengths[id];
  return t->pieces[id];
}

/* --- SentencePiece-style encoding ---------------------------------------- */

typedef struct spm_symbol {
  int32_t prev, next;
  size_t start, length; /* in the escaped text */
} spm_symbol;

/* Max-heap order of llama.cpp's comparator: higher score first, then the
 * leftmost pair. */
static int bigram_before(const tern_bigram *a, const tern_bigram *b) {
  return a->score > b->score || (a->score == b->score && a->left < b->left);
}

int tern_bigram_push(tern_bigram_heap *h, tern_bigram item) {
  if (h->count == h->capacity) {
    size_t capacity = h->capacity ? 2 * h->capacity : 64;
    tern_bigram *items =
        (tern_bigram *)realloc(h->items, capacity * sizeof *items);
    if (!items)
      return 0;
    h->items = items;
    h->capacity = capacity;
  }
  size_t i = h->count++;
  while (i > 0 && bigram_before(&item, &h->items[(i - 1) / 2])) {
    h->items[i] = h->items[(i - 1) / 2];
    i = (i - 1) / 2;
  }
  h->items[i] = item;
  return 1;
}

tern_bigram tern_bigram_pop(tern_bigram_heap *h) {
  tern_bigram top = h->items[0], last = h->items[--h->count];
  size_t i = 0;
  for (;;) {
    size_t child = 2 * i + 1;
    if (child >= h->count)
      break;
    if (child + 1 < h->count &&
        bigram_before(&h->items[child + 1], &h->items[child]))
      ++child;
    if (!bigram_before(&h->items[child], &last))
      break;
    h->items[i] = h->items[child];
    i = child;
  }
  if (h->count)
    h->items[i] = last;
  return top;
}

int tern_id_list_push(id_list *list, int32_t id) {
  if (list->count == list->capacity) {
    size_t capacity = list->capacity ? 2 * list->capacity : 64;
    int32_t *ids = (int32_t *)realloc(list->ids, capacity * sizeof *ids);
    if (!ids)
      return 0;
    list->ids = ids;
    list->capacity = capacity;
  }
  list->ids[list->count++] = id;
  return 1;
}

static int utf8_length(uint8_t lead) {
  static const int lengths[16] = {1, 1, 1, 1, 1, 1, 1, 1,
                                  1, 1, 1, 1, 2, 2, 3, 4};
  return lengths[lead >> 4];
}

static int try_add_bigram(const tern_tokenizer *t, const char *text,
                          const spm_symbol *symbols, int32_t left,
                          int32_t right, tern_bigram_heap *heap) {
  if (left < 0 || right < 0)
    return 1;
  size_t length = symbols[left].length + symbols[right].length;
  int32_t id = tern_tokenizer_find(t, text + symbols[left].start, length);
  if (id < 0)
    return 1;
  tern_bigram bigram = {left, right, t->scores[id], length};
  return tern_bigram_push(heap, bigram);
}

static tern_status spm_encode(const tern_tokenizer *t, const char *raw,
                              size_t raw_length, id_list *out) {
  if (raw_length == 0)
    return TERN_OK;
  /* Escape: an optional leading space, and every ' ' as U+2581. */
  int prefix = (t->flags & TERN_TOKENIZER_ADD_SPACE_PREFIX) != 0;
  size_t spaces = 0;
  for (size_t i = 0; i < raw_length; ++i)
    spaces += raw[i] == ' ';
  size_t length = (prefix ? 3 : 0) + raw_length + 2 * spaces;
  char *text = (char *)malloc(length + 1);
  spm_symbol *symbols = (spm_symbol *)malloc(length * sizeof *symbols);
  tern_bigram_heap heap = {0};
  tern_status status = TERN_OK;
  if (!text || !symbols) {
    status = tern_fail(TERN_ERROR_MEMORY, "out of memory");
    goto done;
  }
  size_t at = 0;
  if (prefix) {
    memcpy(text, "\xe2\x96\x81", 3);
    at = 3;
  }
  for (size_t i = 0; i < raw_length; ++i) {
    if (raw[i] == ' ') {
      memcpy(text + at, "\xe2\x96\x81", 3);
      at += 3;
    } else {
      text[at++] = raw[i];
    }
  }
  int32_t count = 0;
  for (size_t offset = 0; offset < length; ++count) {
    size_t n = (size_t)utf8_length((uint8_t)text[offset]);
    if (n > length - offset)
      n = length - offset;
    symbols[count].start = offset;
    symbols[count].length = n;
    symbols[count].prev = count - 1;
    offset += n;
    symbols[count].next = offset == length ? -1 : count + 1;
  }
  for (int32_t i = 1; i < count; ++i)
    if (!try_add_bigram(t, text, symbols, i - 1, i, &heap))
      goto out_of_memory;
  while (heap.count) {
    tern_bigram bigram = tern_bigram_pop(&heap);
    spm_symbol *left = &symbols[bigram.left], *right = &symbols[bigram.right];
    /* Stale: one side was merged into something else since. */
    if (left->length == 0 || right->length == 0 ||
        left->length + right->length != bigram.length)
      continue;
    left->length += right->length;
    right->length = 0;
    left->next = right->next;
    if (right->next >= 0)
      symbols[right->next].prev = bigram.left;
    if (!try_add_bigram(t, text, symbols, left->prev, bigram.left, &heap) ||
        !try_add_bigram(t, text, symbols, bigram.left, left->next, &heap))
      goto out_of_memory;
  }
  /* Merged symbols are vocabulary pieces by construction; a single
   * character outside the vocabulary falls back to its bytes. */
  for (int32_t i = 0; i != -1; i = symbols[i].next) {
    const spm_symbol *s = &symbols[i];
    int32_t id = tern_tokenizer_find(t, text + s->start, s->length);
    if (id >= 0) {
      if (!tern_id_list_push(out, id))
        goto out_of_memory;
      continue;
    }
    for (size_t b = 0; b < s->length; ++b) {
      int32_t byte_id = t->byte_tokens[(uint8_t)text[s->start + b]];
      if (byte_id < 0) {
        status = tern_fail(TERN_ERROR_ARGUMENT,
                           "the vocabulary has no byte token for 0x%02X",
                           (uint8_t)text[s->start + b]);
        goto done;
      }
      if (!tern_id_list_push(out, byte_id))
        goto out_of_memory;
    }
  }
  goto done;
out_of_memory:
  status = tern_fail(TERN_ERROR_MEMORY, "out of memory");
done:
  free(text);
  free(symbols);
  free(heap.items);
  return status;
}

tern_status tern_tokenizer_encode(const tern_tokenizer *t, const char *text,
                                  size_t length, int add_bos, int32_t **ids,
                                  size_t *count) {
  id_list list = {0};
  *ids = NULL;
  *count = 0;
  if (add_bos && t->bos >= 0 && !tern_id_list_push(&list, t->bos))
    return tern_fail(TERN_ERROR_MEMORY, "out of memory");
  tern_status status = t->kind == TERN_TOKENIZER_SPM
                           ? spm_encode(t, text, length, &list)
                           : tern_bpe_encode(t, text, length, &list);
  if (status != TERN_OK) {
    free(list.ids);
    return status;
  }
  if (!list.ids) /* empty text: a valid, empty allocation */
    list.ids = (int32_t *)malloc(sizeof(int32_t));
  *ids = list.ids;
  *count = list.count;
  return TERN_OK;
}
