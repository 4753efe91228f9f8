/* Byte-level BPE (GPT-2, LLaMA-3). Not implemented yet: loading such a
 * tokenizer fails with a clear message rather than tokenizing wrongly. */
#include "internal.h"
#include "tokenizer_internal.h"

int tern_bpe_piece(const tern_tokenizer *t, int32_t id, char *out,
                   size_t *length) {
  (void)t;
  (void)id;
  (void)out;
  *length = 0;
  return 1;
}

tern_status tern_bpe_prepare(tern_tokenizer *t, const char *name) {
  (void)t;
  return tern_fail(TERN_ERROR_FORMAT,
                   "%s: byte-level BPE tokenizers are not supported by this "
                   "runtime version",
                   name);
}

void tern_bpe_release(tern_tokenizer *t) { (void)t; }

tern_status tern_bpe_encode(const tern_tokenizer *t, const char *text,
                            size_t length, id_list *out) {
  (void)t;
  (void)text;
  (void)length;
  (void)out;
  return tern_fail(TERN_ERROR_ARGUMENT, "byte-level BPE is not supported");
}
