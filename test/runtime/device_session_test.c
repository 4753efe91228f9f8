/* Sessions of a device model (tern_model_desc.device), without a GPU: a
 * fake device whose memory is host memory it tracks, so the test sees that
 * the entry point gets device buffers only, that inputs go up and outputs
 * come down on each run, that weights go up once, that every allocation is
 * released, and that a failing device call is reported with its name;
 * and the same of an LLM's KV cache on the device. */
#include "tern/llm.h"
#include "tern/runtime.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { MAX_BLOCKS = 16 };
static void *blocks[MAX_BLOCKS];
static int live, uploads, downloads, fail_alloc_at = -1, allocs;
static const char *finish_error;

static int is_device(const void *pointer) {
  for (int i = 0; i < MAX_BLOCKS; ++i)
    if (blocks[i] && (const char *)pointer >= (const char *)blocks[i] &&
        (const char *)pointer < (const char *)blocks[i] + 4096)
      return 1;
  return 0;
}

static const char *fake_alloc(size_t bytes, void **out) {
  if (allocs++ == fail_alloc_at || bytes > 4096)
    return "fakeMalloc: out of memory";
  for (int i = 0; i < MAX_BLOCKS; ++i)
    if (!blocks[i]) {
      blocks[i] = malloc(4096);
      memset(blocks[i], 0xAB, 4096); /* device memory is not zeroed */
      *out = blocks[i];
      ++live;
      return NULL;
    }
  return "fakeMalloc: too many blocks";
}

static void fake_release(void *pointer) {
  for (int i = 0; i < MAX_BLOCKS; ++i)
    if (blocks[i] == pointer) {
      free(blocks[i]);
      blocks[i] = NULL;
      --live;
    }
}

static const char *fake_upload(void *dst, const void *src, size_t bytes) {
  if (!is_device(dst) || is_device(src))
    return "fakeUpload: not host to device";
  memcpy(dst, src, bytes);
  ++uploads;
  return NULL;
}

static const char *fake_download(void *dst, const void *src, size_t bytes) {
  if (is_device(dst) || !is_device(src))
    return "fakeDownload: not device to host";
  memcpy(dst, src, bytes);
  ++downloads;
  return NULL;
}

static const char *fake_finish(void) { return finish_error; }

static const tern_device fake = {"fake",      fake_alloc,    fake_release,
                                 fake_upload, fake_download, fake_finish,
                                 NULL,        NULL};

/* A device that runs the entry itself and keeps state between runs (as
 * CUDA graphs do): the session must hand it the same slot each run and
 * give the state back once when it closes. */
static int device_runs, forgotten;
static const char *fake_run(tern_entry_fn entry, void *const *buffers,
                            uint8_t *arena, const uint8_t *weights,
                            void **replay) {
  if (!*replay)
    *replay = malloc(1);
  else
    ++device_runs; /* a replay */
  entry(buffers, arena, weights);
  return NULL;
}
static void fake_forget(void *replay) {
  free(replay);
  ++forgotten;
}
static const tern_device replaying = {"fake",      fake_alloc,    fake_release,
                                      fake_upload, fake_download, fake_finish,
                                      fake_run,    fake_forget};

static int entry_saw_host_pointer;

/* y[i] = x[i] + weights[0] + i, with the arena as scratch. */
static void entry(void *const *buffers, uint8_t *arena,
                  const uint8_t *weights) {
  if (!is_device(buffers[0]) || !is_device(buffers[1]) || !is_device(arena) ||
      !is_device(weights)) {
    entry_saw_host_pointer = 1;
    return;
  }
  const float *x = (const float *)buffers[0];
  float *scratch = (float *)arena, *y = (float *)buffers[1];
  float bias;
  memcpy(&bias, weights, sizeof bias);
  for (int i = 0; i < 4; ++i)
    scratch[i] = x[i] + bias;
  for (int i = 0; i < 4; ++i)
    y[i] = scratch[i] + (float)i;
}

static const tern_tensor_info inputs[] = {{"x", TERN_DTYPE_FLOAT32, 1, {4}, 0}};
static const tern_tensor_info outputs[] = {
    {"y", TERN_DTYPE_FLOAT32, 1, {4}, 0}};

static int failures;
#define EXPECT(condition)                                                      \
  do {                                                                         \
    if (!(condition)) {                                                        \
      fprintf(stderr, "%s:%d: expected %s\n", __FILE__, __LINE__, #condition); \
      ++failures;                                                              \
    }                                                                          \
  } while (0)

static void write_weights(const char *path, float bias) {
  unsigned char header[64] = {0}, payload[64] = {0};
  memcpy(payload, &bias, sizeof bias);
  uint32_t version = TERN_WEIGHTS_VERSION, alignment = 64;
  uint64_t size = sizeof payload,
           checksum = tern_weights_checksum(payload, sizeof payload);
  memcpy(header, TERN_WEIGHTS_MAGIC, 8);
  memcpy(header + 8, &version, 4);
  memcpy(header + 12, &alignment, 4);
  memcpy(header + 16, &size, 8);
  memcpy(header + 24, &checksum, 8);
  FILE *file = fopen(path, "wb");
  fwrite(header, 1, sizeof header, file);
  fwrite(payload, 1, sizeof payload, file);
  fclose(file);
}

int main(int argc, char **argv) {
  char path[512];
  snprintf(path, sizeof path, "%s/device_session_test.weights",
           argc > 1 ? argv[1] : ".");
  write_weights(path, 0.5f);
  unsigned char payload[64] = {0};
  float bias = 0.5f;
  memcpy(payload, &bias, sizeof bias);
  tern_model_desc model = {
      "m",     1,  1,    inputs,
      outputs, 16, 64,   tern_weights_checksum(payload, 64),
      entry,   "", &fake};

  /* Runs: device buffers only, inputs up and outputs down each time. */
  tern_session *session;
  EXPECT(tern_session_open(&model, path, &session) == TERN_OK);
  EXPECT(uploads == 1); /* the weights, once */
  /* The kernels run on the device: no CPU threads. */
  EXPECT(tern_session_set_threads(session, 4) == TERN_OK);
  EXPECT(tern_session_threads(session) == 1);
  for (int run = 0; run < 2; ++run) {
    float x[4] = {1, 2, 3, (float)run}, y[4] = {0};
    const void *in[] = {x};
    void *out[] = {y};
    EXPECT(tern_session_run(session, in, out) == TERN_OK);
    EXPECT(!entry_saw_host_pointer);
    EXPECT(y[0] == 1.5f && y[1] == 3.5f && y[2] == 5.5f &&
           y[3] == (float)run + 3.5f);
  }
  EXPECT(uploads == 3 && downloads == 2);

  /* A failure reported when the queued work finishes. */
  finish_error = "fakeLaunch kernel_0: invalid configuration";
  float x[4] = {0}, y[4] = {0};
  const void *in[] = {x};
  void *out[] = {y};
  EXPECT(tern_session_run(session, in, out) == TERN_ERROR_DEVICE);
  EXPECT(strcmp(tern_last_error(),
                "model m on fake: fakeLaunch kernel_0: invalid "
                "configuration") == 0);
  finish_error = NULL;
  tern_session_close(session);
  EXPECT(live == 0);

  /* An allocation failing at each step of opening: a named error, and
   * nothing left allocated. */
  for (int at = 0; at < 4; ++at) {
    allocs = 0;
    fail_alloc_at = at;
    EXPECT(tern_session_open(&model, path, &session) == TERN_ERROR_DEVICE);
    EXPECT(session == NULL);
    EXPECT(strstr(tern_last_error(), "model m on fake: fakeMalloc: out of "
                                     "memory") != NULL);
    EXPECT(live == 0);
  }

  /* A device with its own run hook: replays from the second run on, and
   * its state is given back once at close. */
  model.device = &replaying;
  fail_alloc_at = -1;
  EXPECT(tern_session_open(&model, path, &session) == TERN_OK);
  for (int run = 0; run < 3; ++run) {
    float x3[4] = {1, 2, 3, 4}, y3[4] = {0};
    const void *in3[] = {x3};
    void *out3[] = {y3};
    EXPECT(tern_session_run(session, in3, out3) == TERN_OK);
    EXPECT(y3[3] == 7.5f);
  }
  EXPECT(device_runs == 2 && forgotten == 0);
  tern_session_close(session);
  EXPECT(forgotten == 1 && live == 0);
  model.device = &fake;

  /* A KV cache on the device: zeroed through uploads, released by
   * destroy; a failing allocation is a named error, nothing left. */
  tern_kv_cache *cache;
  fail_alloc_at = -1;
  uploads = 0;
  EXPECT(tern_kv_cache_create_on(&fake, 2, 5, 8, &cache) == TERN_OK);
  EXPECT(cache->device == &fake && cache->context == 16);
  EXPECT(is_device(cache->keys) && is_device(cache->values));
  EXPECT(uploads == 2);
  int nonzero = 0;
  for (int i = 0; i < 2 * 16 * 8; ++i)
    nonzero += cache->keys[i] != 0.0f || cache->values[i] != 0.0f;
  EXPECT(nonzero == 0);
  tern_kv_cache_destroy(cache);
  EXPECT(live == 0);
  for (int at = 0; at < 2; ++at) {
    allocs = 0;
    fail_alloc_at = at;
    EXPECT(tern_kv_cache_create_on(&fake, 2, 5, 8, &cache) ==
           TERN_ERROR_DEVICE);
    EXPECT(cache == NULL);
    EXPECT(strstr(tern_last_error(), "KV cache for 16 tokens on fake") &&
           strstr(tern_last_error(), "fakeMalloc: out of memory"));
    EXPECT(live == 0);
  }

  remove(path);
  if (failures)
    fprintf(stderr, "%d failures\n", failures);
  else
    printf("device sessions: all checks passed\n");
  return failures ? 1 : 0;
}
