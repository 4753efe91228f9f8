/* Integer helpers of the CUDA kernels: warp sums and dp4a, the latter
 * callable on the host too, so that tests can run kernel arithmetic
 * without a GPU. */
#ifndef TERN_CUDA_ARITH_CUH
#define TERN_CUDA_ARITH_CUH

#include <cstdint>

namespace tern {
namespace cuda {

constexpr unsigned kFullWarp = 0xffffffffu;

__device__ __forceinline__ int warp_sum(int value) {
  for (int offset = 16; offset; offset >>= 1)
    value += __shfl_xor_sync(kFullWarp, value, offset);
  return value;
}

/* Sum of the 4 signed byte products of a and b, plus acc: the dp4a
 * instruction on the device; on the host (tests of the kernels' arithmetic
 * without a GPU) the same sum in plain C++. */
__host__ __device__ __forceinline__ int dp4a(int a, int b, int acc) {
#if defined(__CUDA_ARCH__)
  return __dp4a(a, b, acc);
#else
  for (int i = 0; i < 4; ++i)
    acc += int(int8_t(uint32_t(a) >> (8 * i))) *
           int(int8_t(uint32_t(b) >> (8 * i)));
  return acc;
#endif
}

} // namespace cuda
} // namespace tern

#endif /* TERN_CUDA_ARITH_CUH */
