/* The CUDA device of models compiled with --target=cuda: tern/runtime.h's
 * tern_device over plain cudaMalloc memory and synchronous copies. The
 * entry point only queues kernels; each launch is checked as it is queued
 * and `finish` waits, then reports the first failure with the name of the
 * call or kernel that failed. Header-only, compiled into the model's .cu. */
#ifndef TERN_CUDA_DEVICE_CUH
#define TERN_CUDA_DEVICE_CUH

#include "tern/runtime.h"

#include <cuda_runtime.h>

#include <cstdio>

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

inline const tern_device device = {"cuda",          device_alloc,
                                   device_release,  device_upload,
                                   device_download, device_finish};

/* Threads per block of generated element-wise kernels. */
constexpr int kLoopBlock = 256;

inline unsigned blocks_for(long long threads, int block) {
  return unsigned((threads + block - 1) / block);
}

} // namespace cuda
} // namespace tern

#endif /* TERN_CUDA_DEVICE_CUH */
