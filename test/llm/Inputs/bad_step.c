/* Runs one step of the LLM `tiny` (built with `ternc --emit=lib`) through
 * the C API with the token id and position given on the command line:
 *   bad_step WEIGHTS TOKEN POSITION [no-cache]
 * tern_session_run must refuse ids outside the vocabulary and positions
 * outside the KV cache, where the kernels would index out of bounds. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tiny.h"

int main(int argc, char **argv) {
  if (argc < 4)
    return 2;
  const tern_model_desc *model = tiny_model();
  const tern_llm_desc *llm = tiny_llm();
  tern_session *session;
  if (tern_session_open(model, argv[1], &session) != TERN_OK) {
    fprintf(stderr, "error: %s\n", tern_last_error());
    return 1;
  }
  tern_kv_cache *cache = NULL;
  if (argc < 5 &&
      tern_kv_cache_create(llm->layers, 16, llm->kv_heads * llm->head_dim,
                           &cache) != TERN_OK)
    return 1;
  tern_kv_cache_set_current(cache);
  int32_t token = atoi(argv[2]), position = atoi(argv[3]);
  float *logits = malloc(sizeof(float) * (size_t)llm->vocab);
  const void *inputs[] = {&token, &position};
  void *outputs[] = {logits};
  int status = tern_session_run(session, inputs, outputs);
  if (status != TERN_OK)
    fprintf(stderr, "error: %s\n", tern_last_error());
  else
    printf("ran token %d at position %d\n", token, position);
  free(logits);
  tern_kv_cache_destroy(cache);
  tern_session_close(session);
  return status == TERN_OK ? 0 : 1;
}
