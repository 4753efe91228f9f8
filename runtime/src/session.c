#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "tern/llm.h"
#include "tern/pool.h"

struct tern_session {
  const tern_model_desc *model;
  tern_weights *weights;
  uint8_t *arena;
  void **buffers;  /* inputs then outputs, as the entry point takes them */
  tern_pool *pool; /* kernels split their rows over it */
  /* A sibling (tern_session_open_sibling) borrows the weights and the
   * threads of `base` and owns neither. */
  tern_session *base;
  /* A device model (model->device) keeps its weights (the base session's
   * copy), arena and one staging buffer per input and output there;
   * `buffers` then holds the staging buffers. */
  void *device_weights;
  void *replay; /* the device's state between runs (tern_device.run) */
};

/* Arena views are 64-byte aligned relative to the arena's start. */
enum { ARENA_ALIGNMENT = 64 };

static tern_status device_failure(const tern_model_desc *model,
                                  const char *message) {
  return tern_fail(TERN_ERROR_DEVICE, "model %s on %s: %s", model->name,
                   model->device->name, message);
}

static size_t tensor_bytes(const tern_tensor_info *info) {
  return tern_tensor_info_elements(info) * tern_dtype_size(info->dtype);
}

/* A device model's arena and staging buffers, on the device. */
static tern_status open_on_device(const tern_model_desc *model,
                                  tern_session *session) {
  const tern_device *device = model->device;
  const char *error = NULL;
  if (model->arena_bytes)
    error = device->alloc((size_t)model->arena_bytes, (void **)&session->arena);
  int32_t count = model->num_inputs + model->num_outputs;
  for (int32_t i = 0; i < count && !error; ++i) {
    const tern_tensor_info *info = i < model->num_inputs
                                       ? &model->inputs[i]
                                       : &model->outputs[i - model->num_inputs];
    size_t bytes = tensor_bytes(info);
    error = device->alloc(bytes ? bytes : 1, &session->buffers[i]);
  }
  return error ? device_failure(model, error) : TERN_OK;
}

/* The session's arena, buffer table and CPU check; weights and threads
 * are the caller's. */
static tern_status open_common(const tern_model_desc *model,
                               tern_session *session) {
  size_t count = (size_t)(model->num_inputs + model->num_outputs);
  session->buffers = (void **)calloc(count ? count : 1, sizeof(void *));
  if (!session->buffers)
    return tern_fail(TERN_ERROR_MEMORY, "out of memory");
  if (model->device)
    return open_on_device(model, session);
  if (model->arena_bytes) {
    size_t bytes = (size_t)((model->arena_bytes + ARENA_ALIGNMENT - 1) /
                            ARENA_ALIGNMENT * ARENA_ALIGNMENT);
    session->arena = (uint8_t *)aligned_alloc(ARENA_ALIGNMENT, bytes);
  }
  if (model->arena_bytes && !session->arena)
    return tern_fail(TERN_ERROR_MEMORY,
                     "cannot allocate the %llu-byte arena of model %s",
                     (unsigned long long)model->arena_bytes, model->name);
  if (model->cpu_features && *model->cpu_features) {
    const char *missing = tern_missing_cpu_feature(model->cpu_features);
    if (missing)
      return tern_fail(TERN_ERROR_ARGUMENT,
                       "model %s was compiled for CPU feature '%s', which "
                       "this CPU lacks; recompile with --target=cpu:native",
                       model->name, missing);
  }
  return TERN_OK;
}

tern_status tern_session_open(const tern_model_desc *model,
                              const char *weights_path, tern_session **out) {
  *out = NULL;
  if (!model || !model->entry)
    return tern_fail(TERN_ERROR_ARGUMENT, "no model descriptor");
  tern_session *session = (tern_session *)calloc(1, sizeof *session);
  if (!session)
    return tern_fail(TERN_ERROR_MEMORY, "out of memory");
  session->model = model;
  tern_status status =
      tern_weights_open(weights_path, model->weights_bytes,
                        model->weights_checksum, &session->weights);
  if (status != TERN_OK) {
    free(session);
    return status;
  }
  status = open_common(model, session);
  if (status == TERN_OK && model->device && model->weights_bytes) {
    const char *error = model->device->alloc((size_t)model->weights_bytes,
                                             &session->device_weights);
    if (!error)
      error = model->device->upload(session->device_weights,
                                    tern_weights_payload(session->weights),
                                    (size_t)model->weights_bytes);
    if (error)
      status = device_failure(model, error);
  }
  if (status != TERN_OK) {
    tern_session_close(session);
    return status;
  }
  /* A device model's kernels run on the device: no CPU threads. */
  if (!model->device)
    status = tern_session_set_threads(session, tern_cpu_count());
  if (status != TERN_OK) {
    tern_session_close(session);
    return status;
  }
  *out = session;
  return TERN_OK;
}

tern_status tern_session_open_sibling(const tern_model_desc *model,
                                      tern_session *base, tern_session **out) {
  *out = NULL;
  if (!model || !model->entry || !base)
    return tern_fail(TERN_ERROR_ARGUMENT, "no model descriptor or base");
  while (base->base)
    base = base->base;
  if (model->weights_bytes != base->model->weights_bytes ||
      model->weights_checksum != base->model->weights_checksum ||
      model->device != base->model->device)
    return tern_fail(TERN_ERROR_ARGUMENT,
                     "model %s was not compiled from the same weights as "
                     "model %s",
                     model->name, base->model->name);
  tern_session *session = (tern_session *)calloc(1, sizeof *session);
  if (!session)
    return tern_fail(TERN_ERROR_MEMORY, "out of memory");
  session->model = model;
  session->base = base;
  session->weights = base->weights;
  session->device_weights = base->device_weights;
  tern_status status = open_common(model, session);
  if (status != TERN_OK) {
    tern_session_close(session);
    return status;
  }
  *out = session;
  return TERN_OK;
}

/* Inputs up, the entry point queued, outputs down. */
static tern_status run_on_device(tern_session *session,
                                 const void *const *inputs,
                                 void *const *outputs) {
  const tern_model_desc *model = session->model;
  const tern_device *device = model->device;
  const char *error = NULL;
  for (int32_t i = 0; i < model->num_inputs && !error; ++i)
    error = device->upload(session->buffers[i], inputs[i],
                           tensor_bytes(&model->inputs[i]));
  if (!error && device->run)
    error =
        device->run(model->entry, session->buffers, session->arena,
                    (const uint8_t *)session->device_weights, &session->replay);
  else if (!error)
    model->entry(session->buffers, session->arena,
                 (const uint8_t *)session->device_weights);
  if (!error)
    error = device->finish();
  for (int32_t i = 0; i < model->num_outputs && !error; ++i)
    error =
        device->download(outputs[i], session->buffers[model->num_inputs + i],
                         tensor_bytes(&model->outputs[i]));
  return error ? device_failure(model, error) : TERN_OK;
}

/* Index inputs stay in [0, bound): the kernels index tables and caches
 * with them unchecked. */
static tern_status check_bound(const tern_tensor_info *info, const void *data) {
  if (!info->bound ||
      (info->dtype != TERN_DTYPE_INT32 && info->dtype != TERN_DTYPE_INT64))
    return TERN_OK;
  int64_t bound = info->bound;
  if (bound == TERN_BOUND_KV_CONTEXT) {
    const tern_kv_cache *cache = tern_kv_cache_current();
    if (!cache)
      return tern_fail(TERN_ERROR_ARGUMENT,
                       "input '%s' indexes the KV cache, but none is current "
                       "(tern_kv_cache_set_current)",
                       info->name);
    bound = cache->context;
  }
  size_t count = tern_tensor_info_elements(info);
  for (size_t i = 0; i < count; ++i) {
    int64_t value = info->dtype == TERN_DTYPE_INT32
                        ? (int64_t)((const int32_t *)data)[i]
                        : ((const int64_t *)data)[i];
    if (value < 0 || value >= bound)
      return tern_fail(TERN_ERROR_ARGUMENT,
                       "input '%s'[%zu] is %lld, outside [0, %lld)", info->name,
                       i, (long long)value, (long long)bound);
  }
  return TERN_OK;
}

tern_status tern_session_run(tern_session *session, const void *const *inputs,
                             void *const *outputs) {
  const tern_model_desc *model = session->model;
  for (int32_t i = 0; i < model->num_inputs; ++i)
    if (!inputs[i])
      return tern_fail(TERN_ERROR_ARGUMENT, "input %d (%s) is NULL", i,
                       model->inputs[i].name);
  for (int32_t i = 0; i < model->num_outputs; ++i)
    if (!outputs[i])
      return tern_fail(TERN_ERROR_ARGUMENT, "output %d (%s) is NULL", i,
                       model->outputs[i].name);
  for (int32_t i = 0; i < model->num_inputs; ++i) {
    tern_status status = check_bound(&model->inputs[i], inputs[i]);
    if (status != TERN_OK)
      return status;
  }
  if (model->device)
    return run_on_device(session, inputs, outputs);
  for (int32_t i = 0; i < model->num_inputs; ++i)
    session->buffers[i] = (void *)inputs[i];
  for (int32_t i = 0; i < model->num_outputs; ++i)
    session->buffers[model->num_inputs + i] = outputs[i];
  tern_pool *outer = tern_pool_current();
  tern_pool_set_current(session->base ? session->base->pool : session->pool);
  model->entry(session->buffers, session->arena,
               tern_weights_payload(session->weights));
  tern_pool_set_current(outer);
  return TERN_OK;
}

void tern_session_close(tern_session *session) {
  if (!session)
    return;
  const tern_device *device = session->model->device;
  if (!session->base) {
    tern_weights_close(session->weights);
    tern_pool_destroy(session->pool);
    if (device && session->device_weights)
      device->release(session->device_weights);
  }
  if (device) {
    if (session->replay && device->forget)
      device->forget(session->replay);
    if (session->arena)
      device->release(session->arena);
    for (int32_t i = 0; session->buffers && i < session->model->num_inputs +
                                                    session->model->num_outputs;
         ++i)
      if (session->buffers[i])
        device->release(session->buffers[i]);
  } else {
    free(session->arena);
  }
  free(session->buffers);
  free(session);
}

tern_status tern_session_set_threads(tern_session *session, int threads) {
  if (session->base)
    return tern_session_set_threads(session->base, threads);
  if (session->model->device)
    return TERN_OK;
  if (session->pool && tern_pool_threads(session->pool) == threads)
    return TERN_OK;
  tern_pool *pool;
  tern_status status = tern_pool_create(threads, &pool);
  if (status != TERN_OK)
    return status;
  tern_pool_destroy(session->pool);
  session->pool = pool;
  return TERN_OK;
}

int tern_session_threads(const tern_session *session) {
  return tern_pool_threads(session->base ? session->base->pool : session->pool);
}
