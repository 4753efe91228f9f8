/* Tokenizers of generated LLM programs.
 *
 * ternc writes a model's vocabulary (from GGUF metadata or tokenizer files)
 * into `<model>.tokenizer`, which these functions load and validate:
 *
 *   offset  field
 *   0       "TERNTOK\0"
 *   8       u32 version (TERN_TOKENIZER_VERSION)
 *   12      u32 kind (tern_tokenizer_kind)
 *   16      u32 tokens
 *   20      i32 bos id, -1 for none
 *   24      i32 eos id, -1 for none
 *   28      u32 flags (TERN_TOKENIZER_ADD_BOS, ..._ADD_SPACE_PREFIX)
 *   32      u32 merges
 *   36      u32 pre-tokenizer (tern_pretokenizer)
 *   40      per token: f32 score, i32 type (llama.cpp's token types),
 *           u32 length, that many bytes
 *           per merge: u32 length, bytes ("left right")
 *
 * All integers little-endian. */
#ifndef TERN_TOKENIZER_H
#define TERN_TOKENIZER_H

#include "tern/runtime.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TERN_TOKENIZER_MAGIC "TERNTOK"
#define TERN_TOKENIZER_VERSION 1u

typedef enum tern_tokenizer_kind {
  /* SentencePiece-style: highest-score merges of UTF-8 characters, '▁' for
   * spaces, <0xXX> byte fallback (llama.cpp's LLAMA_VOCAB_TYPE_SPM). */
  TERN_TOKENIZER_SPM = 1,
  /* Byte-level BPE (GPT-2, LLaMA-3): ranked merges over bytes mapped to
   * printable code points, after a pre-tokenizer split. */
  TERN_TOKENIZER_BPE = 2,
} tern_tokenizer_kind;

typedef enum tern_pretokenizer {
  TERN_PRETOKENIZER_DEFAULT = 0,
  TERN_PRETOKENIZER_GPT2 = 1,
  TERN_PRETOKENIZER_LLAMA3 = 2,
} tern_pretokenizer;

enum {
  TERN_TOKENIZER_ADD_BOS = 1u,
  TERN_TOKENIZER_ADD_SPACE_PREFIX = 2u,
};

/* llama.cpp's token types. */
enum {
  TERN_TOKEN_NORMAL = 1,
  TERN_TOKEN_UNKNOWN = 2,
  TERN_TOKEN_CONTROL = 3,
  TERN_TOKEN_USER_DEFINED = 4,
  TERN_TOKEN_UNUSED = 5,
  TERN_TOKEN_BYTE = 6,
};

typedef struct tern_tokenizer tern_tokenizer;

tern_status tern_tokenizer_open(const char *path, tern_tokenizer **out);
/* Parses a tokenizer file held in memory (`name` names it in errors). */
tern_status tern_tokenizer_parse(const uint8_t *data, size_t size,
                                 const char *name, tern_tokenizer **out);
void tern_tokenizer_close(tern_tokenizer *tokenizer);

int32_t tern_tokenizer_size(const tern_tokenizer *tokenizer);
int32_t tern_tokenizer_bos(const tern_tokenizer *tokenizer);
int32_t tern_tokenizer_eos(const tern_tokenizer *tokenizer);
int tern_tokenizer_adds_bos(const tern_tokenizer *tokenizer);
/* Whether generation ends at `id` (end of sequence or end of turn). */
int tern_tokenizer_is_end(const tern_tokenizer *tokenizer, int32_t id);

/* Tokenizes `length` bytes of `text` (BOS first when `add_bos`). *ids is
 * malloc'd; the caller frees it. */
tern_status tern_tokenizer_encode(const tern_tokenizer *tokenizer,
                                  const char *text, size_t length, int add_bos,
                                  int32_t **ids, size_t *count);

/* The code point byte-level BPE vocabularies spell `byte` with (GPT-2's
 * bytes_to_unicode); ternc spells vocabularies with it too. */
uint32_t tern_byte_level_code_point(uint8_t byte);

/* The bytes token `id` stands for in generated text (control tokens stand
 * for none); NULL for an id out of range. */
const char *tern_tokenizer_piece(const tern_tokenizer *tokenizer, int32_t id,
                                 size_t *length);

#ifdef __cplusplus
}
#endif

#endif /* TERN_TOKENIZER_H */
