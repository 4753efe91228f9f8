#include <stdlib.h>
#include <string.h>

#include "internal.h"

struct tern_session {
  const tern_model_desc *model;
  tern_weights *weights;
  uint8_t *arena;
  void **buffers; /* inputs then outputs, as the entry point takes them */
};

/* Arena views are 64-byte aligned relative to the arena's start. */
enum { ARENA_ALIGNMENT = 64 };

tern_status tern_session_open(const tern_model_desc *model,
                              const char *weights_path, tern_session **out) {
  *out = NULL;
  if (!model || !model->entry)
    return tern_fail(TERN_ERROR_ARGUMENT, "no model descriptor");
  tern_session *session = (tern_session *)calloc(1, sizeof *session);
  if (!session)
    return tern_fail(TERN_ERROR_MEMORY, "out of memory");
  session->model = model;
  tern_status status = tern_weights_open(
      weights_path, model->weights_bytes, model->weights_checksum,
      &session->weights);
  if (status != TERN_OK) {
    free(session);
    return status;
  }
  size_t count = (size_t)(model->num_inputs + model->num_outputs);
  session->buffers = (void **)calloc(count ? count : 1, sizeof(void *));
  if (model->arena_bytes) {
    size_t bytes = (size_t)((model->arena_bytes + ARENA_ALIGNMENT - 1) /
                            ARENA_ALIGNMENT * ARENA_ALIGNMENT);
    session->arena = (uint8_t *)aligned_alloc(ARENA_ALIGNMENT, bytes);
  }
  if (!session->buffers || (model->arena_bytes && !session->arena)) {
    tern_session_close(session);
    return tern_fail(TERN_ERROR_MEMORY,
                     "cannot allocate the %llu-byte arena of model %s",
                     (unsigned long long)model->arena_bytes, model->name);
  }
  *out = session;
  return TERN_OK;
}

tern_status tern_session_run(tern_session *session, const void *const *inputs,
                             void *const *outputs) {
  const tern_model_desc *model = session->model;
  for (int32_t i = 0; i < model->num_inputs; ++i) {
    if (!inputs[i])
      return tern_fail(TERN_ERROR_ARGUMENT, "input %d (%s) is NULL", i,
                       model->inputs[i].name);
    session->buffers[i] = (void *)inputs[i];
  }
  for (int32_t i = 0; i < model->num_outputs; ++i) {
    if (!outputs[i])
      return tern_fail(TERN_ERROR_ARGUMENT, "output %d (%s) is NULL", i,
                       model->outputs[i].name);
    session->buffers[model->num_inputs + i] = outputs[i];
  }
  model->entry(session->buffers, session->arena,
               tern_weights_payload(session->weights));
  return TERN_OK;
}

void tern_session_close(tern_session *session) {
  if (!session)
    return;
  tern_weights_close(session->weights);
  free(session->arena);
  free(session->buffers);
  free(session);
}
