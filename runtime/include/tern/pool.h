/* A tiny persistent thread pool for kernels that split work over output
 * rows. Part of the runtime's C ABI; no dependency beyond pthreads.
 *
 * `tern_pool_run(pool, fn, ctx)` calls fn(ctx, t, n) once for every thread
 * t in [0, n) -- the caller is thread 0 -- and returns when all calls have
 * finished. Between jobs the workers spin briefly (a layer follows another
 * within microseconds during inference) and then sleep on a condition
 * variable, so an idle pool costs no CPU. */
#ifndef TERN_POOL_H
#define TERN_POOL_H

#include "tern/runtime.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tern_pool tern_pool;
typedef void (*tern_task_fn)(void *ctx, int thread, int threads);

/* Starts threads-1 workers (threads >= 1). */
tern_status tern_pool_create(int threads, tern_pool **out);
void tern_pool_destroy(tern_pool *pool);
int tern_pool_threads(const tern_pool *pool);
/* Runs fn on every thread of `pool`; with a NULL pool, fn(ctx, 0, 1). Not
 * reentrant: fn must not call tern_pool_run on the same pool. */
void tern_pool_run(tern_pool *pool, tern_task_fn fn, void *ctx);

/* The pool kernels of the running model use: tern_session_run sets it on
 * the calling thread for the duration of the run. NULL means one thread. */
tern_pool *tern_pool_current(void);
void tern_pool_set_current(tern_pool *pool);

/* Online CPUs, at least 1: the default thread count. */
int tern_cpu_count(void);

#ifdef __cplusplus
}
#endif

#endif /* TERN_POOL_H */
