/* The tokenizer's representation, shared by tokenizer.c (loading, SPM) and
 * tokenizer_bpe.c (byte-level BPE); not part of the public API. */
#ifndef TERN_RUNTIME_TOKENIZER_INTERNAL_H
#define TERN_RUNTIME_TOKENIZER_INTERNAL_H

#include "tern/tokenizer.h"

/* An open-addressing index (FNV-1a) over texts[0..count), which the owner
 * keeps alive; of equal texts, the first wins. */
typedef struct tern_text_index {
  int32_t *slots; /* -1 empty */
  uint32_t mask;
  const char *const *texts;
  const uint32_t *lengths;
} tern_text_index;

/* 0 when out of memory. */
int tern_text_index_build(tern_text_index *index, const char *const *texts,
                          const uint32_t *lengths, uint32_t count);
/* The position of `text`, or -1. */
int32_t tern_text_index_find(const tern_text_index *index, const char *text,
                             size_t length);
void tern_text_index_free(tern_text_index *index);

struct tern_tokenizer {
  int kind, pre;
  int32_t n, bos, eos;
  uint32_t flags;
  char *blob;         /* the file's bytes; texts point into it */
  const char **texts; /* token text as the vocabulary spells it */
  uint32_t *lengths;
  float *scores;
  int32_t *types;
  const char **pieces; /* the bytes each token stands for in output text */
  uint32_t *piece_lengths;
  char *piece_blob;
  tern_text_index index;    /* text -> id */
  int32_t byte_tokens[256]; /* SPM: <0xXX> ids, -1 when absent */
  uint32_t merge_count;
  size_t merges_at; /* offset of the merge list in blob */
  void *bpe;        /* tokenizer_bpe.c's tables */
};

typedef struct id_list {
  int32_t *ids;
  size_t count, capacity;
} id_list;
int tern_id_list_push(id_list *list, int32_t id);

/* A candidate merge of adjacent symbols `left` and `right`, whose merged
 * text is `length` bytes. The heap pops the highest score first, then the
 * leftmost pair: SPM scores are token scores, BPE's are -rank. */
typedef struct tern_bigram {
  int32_t left, right;
  float score;
  size_t length;
} tern_bigram;

typedef struct tern_bigram_heap {
  tern_bigram *items;
  size_t count, capacity;
} tern_bigram_heap;

int tern_bigram_push(tern_bigram_heap *heap, tern_bigram item); /* 0: OOM */
tern_bigram tern_bigram_pop(tern_bigram_heap *heap);

/* Id of the token spelled `text`, or -1. */
int32_t tern_tokenizer_find(const tern_tokenizer *t, const char *text,
                            size_t length);

/* Byte-level BPE (tokenizer_bpe.c). */
int tern_bpe_piece(const tern_tokenizer *t, int32_t id, char *out,
                   size_t *length);
tern_status tern_bpe_prepare(tern_tokenizer *t, const char *name);
void tern_bpe_release(tern_tokenizer *t);
tern_status tern_bpe_encode(const tern_tokenizer *t, const char *text,
                            size_t length, id_list *out);

#endif
