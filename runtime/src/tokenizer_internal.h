/* The tokenizer's representation, shared by tokenizer.c (loading, SPM) and
 * tokenizer_bpe.c (byte-level BPE); not part of the public API. */
#ifndef TERN_RUNTIME_TOKENIZER_INTERNAL_H
#define TERN_RUNTIME_TOKENIZER_INTERNAL_H

#include "tern/tokenizer.h"

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
  int32_t *table; /* text -> id, open addressing, -1 empty */
  uint32_t slots;
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

/* FNV-1a, the hash of the token and merge tables. */
uint32_t tern_hash_bytes(const char *text, size_t length);

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
