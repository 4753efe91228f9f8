/* The KV cache of generated LLM programs (tern/llm.h). */
#include <stdint.h>
#include <stdlib.h>

#include "internal.h"
#include "tern/llm.h"

static _Thread_local tern_kv_cache *current_cache;

tern_kv_cache *tern_kv_cache_current(void) { return current_cache; }
void tern_kv_cache_set_current(tern_kv_cache *cache) { current_cache = cache; }

tern_status tern_kv_cache_create(int32_t layers, int32_t context, int32_t width,
                                 tern_kv_cache **out) {
  *out = NULL;
  if (layers <= 0 || context <= 0 || width <= 0)
    return tern_fail(TERN_ERROR_ARGUMENT, "invalid KV cache shape %d x %d x %d",
                     layers, context, width);
  if (context > INT32_MAX - 15)
    return tern_fail(TERN_ERROR_ARGUMENT, "KV cache of %d tokens overflows",
                     context);
  context = (context + 15) / 16 * 16; /* whole key panels */
  size_t elements = (size_t)layers * (size_t)context * (size_t)width;
  if (elements / (size_t)layers / (size_t)context != (size_t)width ||
      elements > SIZE_MAX / 2 / sizeof(float))
    return tern_fail(TERN_ERROR_ARGUMENT, "KV cache of %d x %d x %d overflows",
                     layers, context, width);
  tern_kv_cache *cache = (tern_kv_cache *)calloc(1, sizeof *cache);
  if (!cache)
    return tern_fail(TERN_ERROR_MEMORY, "out of memory");
  cache->layers = layers;
  cache->context = context;
  cache->width = width;
  cache->keys = (float *)calloc(elements, sizeof(float));
  cache->values = (float *)calloc(elements, sizeof(float));
  if (!cache->keys || !cache->values) {
    tern_kv_cache_destroy(cache);
    return tern_fail(TERN_ERROR_MEMORY,
                     "cannot allocate a %zu-byte KV cache for %d tokens "
                     "(lower -c)",
                     2 * elements * sizeof(float), context);
  }
  *out = cache;
  return TERN_OK;
}

void tern_kv_cache_destroy(tern_kv_cache *cache) {
  if (!cache)
    return;
  free(cache->keys);
  free(cache->values);
  free(cache);
}
