/* The CUDA device of models compiled with --target=cuda: tern/runtime.h's
 * tern_device over plain cudaMalloc memory and synchronous copies. The
 * entry point only queues kernels on one stream; each launch is checked as
 * it is queued, a run is recorded as a CUDA graph and replayed, and
 * `finish` waits, then reports the first failure with the name of the call
 * or kernel that failed. Header-only, compiled into the model's .cu. */
#ifndef TERN_CUDA_DEVICE_CUH
#define TERN_CUDA_DEVICE_CUH

#include "tern/llm.h"
#include "tern/runtime.h"

#include <cuda_runtime.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace tern {
namespace cuda {

/* The first failure since the last finish(), or "" (one per program). */
inline char *pending_error() {
  static char message[256];
  return message;
}

/* "call: reason" for a call that failed just now. */
inline const char *failure(const char *call, cudaError_t status) {
  static char message[256];
  std::snprintf(message, sizeof message, "%s: %s", call,
                cudaGetErrorString(status));
  return message;
}

/* Records `what` as the run's failure unless one is already pending; the
 * entry point cannot return an error, so finish() reports it. */
inline void report(const char *what, const char *detail) {
  if (!*pending_error())
    std::snprintf(pending_error(), 256, "%s: %s", what, detail);
}

/* After a launch: a bad configuration fails here, not at finish(). */
inline void check_launch(const char *kernel) {
  cudaError_t status = cudaGetLastError();
  if (status != cudaSuccess) {
    char what[128];
    std::snprintf(what, sizeof what, "launching %s", kernel);
    report(what, cudaGetErrorString(status));
  }
}

inline const char *device_alloc(size_t bytes, void **out) {
  cudaError_t status = cudaMalloc(out, bytes);
  return status == cudaSuccess ? nullptr : failure("cudaMalloc", status);
}

inline void device_release(void *pointer) { cudaFree(pointer); }

inline const char *device_upload(void *dst, const void *src, size_t bytes) {
  cudaError_t status = cudaMemcpy(dst, src, bytes, cudaMemcpyHostToDevice);
  return status == cudaSuccess ? nullptr
                               : failure("cudaMemcpy (to device)", status);
}

inline const char *device_download(void *dst, const void *src, size_t bytes) {
  cudaError_t status = cudaMemcpy(dst, src, bytes, cudaMemcpyDeviceToHost);
  return status == cudaSuccess ? nullptr
                               : failure("cudaMemcpy (from device)", status);
}

inline const char *device_finish() {
  cudaError_t status = cudaDeviceSynchronize();
  if (*pending_error()) {
    /* Reported once: the next run starts clean. */
    static char reported[256];
    std::snprintf(reported, sizeof reported, "%s", pending_error());
    *pending_error() = '\0';
    return reported;
  }
  return status == cudaSuccess ? nullptr
                               : failure("cudaDeviceSynchronize", status);
}

/* Whether the current device has int8 mma.sync (compute capability 8.0+),
 * asked once per program. */
inline bool tensor_cores_available() {
  static const int major = [] {
    int device = 0, value = 0;
    if (cudaGetDevice(&device) != cudaSuccess ||
        cudaDeviceGetAttribute(&value, cudaDevAttrComputeCapabilityMajor,
                               device) != cudaSuccess)
      return 0;
    return value;
  }();
  return major >= 8;
}

/* The stream every launch of generated code goes to. It is a blocking
 * stream, so it is ordered after the synchronous copies on the legacy
 * default stream; one thread at a time runs device models. */
inline cudaStream_t stream() {
  static const cudaStream_t created = [] {
    cudaStream_t s = nullptr;
    return cudaStreamCreate(&s) == cudaSuccess ? s : nullptr;
  }();
  return created;
}

/* A run recorded as a CUDA graph, replayed while the entry point's host
 * code would queue the very same launches: the session's buffers, arena
 * and weights never move, so that holds while the same KV cache is current
 * (LLMs; none for other models). A decode step is hundreds of small
 * kernels, and replaying them as one graph saves a launch each. */
struct RecordedRun {
  const void *cache;
  const float *keys, *values;
  int32_t context;
  cudaGraphExec_t exec;
};

inline void device_forget(void *replay) {
  RecordedRun *recorded = static_cast<RecordedRun *>(replay);
  if (!recorded)
    return;
  cudaGraphExecDestroy(recorded->exec);
  delete recorded;
}

/* TERN_CUDA_GRAPHS=0 in the environment launches each kernel directly. */
inline bool graphs_enabled() {
  static const bool enabled = [] {
    const char *value = std::getenv("TERN_CUDA_GRAPHS");
    return !(value && std::strcmp(value, "0") == 0);
  }();
  return enabled;
}

/* The entry point's launches recorded as an executable graph. Null when
 * CUDA refused the recording (`refused` then says why: a call a capture
 * does not allow invalidates it) or when the entry reported an error
 * (pending_error; nothing ran). */
inline cudaGraphExec_t record(tern_entry_fn entry, void *const *buffers,
                              uint8_t *arena, const uint8_t *weights,
                              const char **refused) {
  cudaError_t status =
      cudaStreamBeginCapture(stream(), cudaStreamCaptureModeThreadLocal);
  if (status == cudaSuccess) {
    entry(buffers, arena, weights);
    cudaGraph_t graph = nullptr;
    status = cudaStreamEndCapture(stream(), &graph);
    cudaGraphExec_t exec = nullptr;
    if (status == cudaSuccess && !*pending_error())
      status = cudaGraphInstantiate(&exec, graph, 0);
    if (graph)
      cudaGraphDestroy(graph);
    if (status == cudaSuccess)
      return *pending_error() ? nullptr : exec;
  }
  *refused = cudaGetErrorString(status);
  return nullptr;
}

inline const char *device_run(tern_entry_fn entry, void *const *buffers,
                              uint8_t *arena, const uint8_t *weights,
                              void **replay) {
  /* Set once CUDA refused a recording: kernels launch directly from then. */
  static bool unrecordable = false;
  if (!graphs_enabled() || unrecordable) {
    entry(buffers, arena, weights);
    return nullptr;
  }
  const tern_kv_cache *cache = tern_kv_cache_current();
  RecordedRun key{cache, cache ? cache->keys : nullptr,
                  cache ? cache->values : nullptr, cache ? cache->context : 0,
                  nullptr};
  RecordedRun *recorded = static_cast<RecordedRun *>(*replay);
  if (!recorded || recorded->cache != key.cache || recorded->keys != key.keys ||
      recorded->values != key.values || recorded->context != key.context) {
    device_forget(recorded);
    *replay = recorded = nullptr;
    const char *refused = nullptr;
    /* Device queries the entry makes once, asked before the capture. */
    (void)tensor_cores_available();
    key.exec = record(entry, buffers, arena, weights, &refused);
    if (refused) {
      /* Launch directly instead; errors the failed capture caused are
       * dropped, and a real one shows again for finish() to report. */
      std::fprintf(stderr,
                   "tern: cannot record a CUDA graph (%s); launching "
                   "kernels directly\n",
                   refused);
      unrecordable = true;
      *pending_error() = '\0';
      (void)cudaGetLastError();
      entry(buffers, arena, weights);
      return nullptr;
    }
    if (!key.exec)
      return nullptr; /* nothing ran; finish() reports why */
    *replay = recorded = new RecordedRun(key);
  }
  const cudaError_t status = cudaGraphLaunch(recorded->exec, stream());
  return status == cudaSuccess ? nullptr : failure("cudaGraphLaunch", status);
}

inline const tern_device device = {
    "cuda",          device_alloc,  device_release, device_upload,
    device_download, device_finish, device_run,     device_forget};

/* Threads per block of generated element-wise kernels. */
constexpr int kLoopBlock = 256;

inline unsigned blocks_for(long long threads, int block) {
  return unsigned((threads + block - 1) / block);
}

} // namespace cuda
} // namespace tern

#endif /* TERN_CUDA_DEVICE_CUH */
