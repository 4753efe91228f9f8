/* The KV cache of generated LLM programs (tern/llm.h). */
#include <stdint.h>
#include <stdlib.h>

#include "internal.h"
#include "tern/llm.h"

static _Thread_local tern_kv_cache *current_cache;

tern_kv_cache *tern_kv_cache_current(void) { return current_cache; }
void tern_kv_cache_set_current(tern_kv_cache *cache) { current_cache = cache; }

/* cudaMalloc memory is not zeroed; a device has no memset in tern_device,
 * so zeros go up in chunks. */
static const char *zero_on_device(const tern_device *device, void *pointer,
                                  size_t bytes) {
  enum { kChunk = 1 << 20 };
  void *zeros = calloc(1, kChunk);
  if (!zeros)
    return "out of memory";
  const char *error = NULL;
  for (size_t done = 0; done < bytes && !error; done += kChunk) {
    size_t part = bytes - done < kChunk ? bytes - done : kChunk;
    error = device->upload((char *)pointer + done, zeros, part);
  }
  free(zeros);
  return error;
}

static void *allocate(const tern_device *device, size_t bytes,
                      const char **device_error) {
  if (!device)
    return calloc(1, bytes);
  void *pointer = NULL;
  *device_error = device->alloc(bytes, &pointer);
  if (!*device_error)
    *device_error = zero_on_device(device, pointer, bytes);
  if (*device_error && pointer) {
    device->release(pointer);
    pointer = NULL;
  }
  return pointer;
}

tern_status tern_kv_cache_create_on(const tern_device *device, int32_t layers,
                                    int32_t context, int32_t width,
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
  cache->device = device;
  const size_t bytes = elements * sizeof(float);
  const char *device_error = NULL;
  cache->keys = (float *)allocate(device, bytes, &device_error);
  if (cache->keys)
    cache->values = (float *)allocate(device, bytes, &device_error);
  if (!cache->keys || !cache->values) {
    tern_kv_cache_destroy(cache);
    if (device_error)
      return tern_fail(TERN_ERROR_DEVICE,
                       "cannot allocate a %zu-byte KV cache for %d tokens on "
                       "%s (lower -c): %s",
                       2 * bytes, context, device->name, device_error);
    return tern_fail(TERN_ERROR_MEMORY,
                     "cannot allocate a %zu-byte KV cache for %d tokens "
                     "(lower -c)",
                     2 * bytes, context);
  }
  *out = cache;
  return TERN_OK;
}

tern_status tern_kv_cache_create(int32_t layers, int32_t context, int32_t width,
                                 tern_kv_cache **out) {
  return tern_kv_cache_create_on(NULL, layers, context, width, out);
}

void tern_kv_cache_destroy(tern_kv_cache *cache) {
  if (!cache)
    return;
  if (cache->device) {
    if (cache->keys)
      cache->device->release(cache->keys);
    if (cache->values)
      cache->device->release(cache->values);
  } else {
    free(cache->keys);
    free(cache->values);
  }
  free(cache);
}
