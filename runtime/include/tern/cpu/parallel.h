/* parallel_for: a loop's iterations split into one contiguous range per
 * thread of the current pool (tern/pool.h). Used by kernels with
 * independent rows and by the loops ternc outlines from generated code
 * (codegen/cpu/ParallelLoops.cpp). */
#ifndef TERN_CPU_PARALLEL_H
#define TERN_CPU_PARALLEL_H

#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "tern/pool.h"

namespace tern {
namespace cpu {

/* Calls body(begin, end) on disjoint subranges of [lower, upper) that
 * together cover it, each starting on the loop's step grid; at most one
 * range per thread, in parallel. The body must not use the pool. */
template <class Body>
void parallel_for(int64_t lower, int64_t upper, int64_t step,
                  const Body &body) {
  tern_pool *pool = tern_pool_current();
  const int64_t iterations =
      upper > lower ? (upper - lower + step - 1) / step : 0;
  if (iterations < 2 || tern_pool_threads(pool) == 1)
    return body(lower, upper);
  struct Range {
    const Body *body;
    int64_t lower, upper, step, iterations;
  } range{&body, lower, upper, step, iterations};
  tern_pool_run(
      pool,
      [](void *context, int thread, int threads) {
        const Range &r = *static_cast<const Range *>(context);
        const int64_t first = r.iterations * thread / threads;
        const int64_t last = r.iterations * (thread + 1) / threads;
        if (first < last)
          (*r.body)(r.lower + first * r.step,
                    std::min(r.upper, r.lower + last * r.step));
      },
      &range);
}

} // namespace cpu
} // namespace tern

#endif /* TERN_CPU_PARALLEL_H */
