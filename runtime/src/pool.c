/* Spin-then-sleep pool: a job is published by bumping `generation`; each
 * worker runs it once and decrements `pending`, which the caller spins on. */
#define _GNU_SOURCE /* sysconf, sched_yield under -std=c11 */
#include "tern/pool.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

#include "internal.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define TERN_CPU_RELAX() _mm_pause()
#elif defined(__aarch64__)
#define TERN_CPU_RELAX() __asm__ __volatile__("yield")
#else
#define TERN_CPU_RELAX() ((void)0)
#endif

/* About 50-100 us of pause instructions before a worker sleeps: longer than
 * the gap between two layers, far shorter than the gap between requests. */
enum { SPIN_ROUNDS = 1 << 11 };

struct tern_pool {
  int threads;
  pthread_t *workers;
  struct worker_arg *args;
  atomic_uint generation;
  atomic_int pending;
  atomic_int stopping;
  tern_task_fn fn;
  void *ctx;
  pthread_mutex_t mutex;
  pthread_cond_t wake;
};

struct worker_arg {
  tern_pool *pool;
  int index;
};

static void *worker_main(void *opaque) {
  struct worker_arg *arg = (struct worker_arg *)opaque;
  tern_pool *pool = arg->pool;
  unsigned seen = 0;
  for (;;) {
    unsigned now =
        atomic_load_explicit(&pool->generation, memory_order_acquire);
    for (int spin = 0; now == seen && spin < SPIN_ROUNDS; ++spin) {
      TERN_CPU_RELAX();
      now = atomic_load_explicit(&pool->generation, memory_order_acquire);
    }
    if (now == seen) {
      pthread_mutex_lock(&pool->mutex);
      while ((now = atomic_load_explicit(&pool->generation,
                                         memory_order_acquire)) == seen)
        pthread_cond_wait(&pool->wake, &pool->mutex);
      pthread_mutex_unlock(&pool->mutex);
    }
    seen = now;
    if (atomic_load_explicit(&pool->stopping, memory_order_acquire))
      return NULL;
    pool->fn(pool->ctx, arg->index, pool->threads);
    atomic_fetch_sub_explicit(&pool->pending, 1, memory_order_release);
  }
}

static void publish(tern_pool *pool) {
  atomic_fetch_add_explicit(&pool->generation, 1, memory_order_release);
  /* Taking the mutex orders the bump before any worker's re-check under it,
   * so a worker about to sleep cannot miss the job. */
  pthread_mutex_lock(&pool->mutex);
  pthread_cond_broadcast(&pool->wake);
  pthread_mutex_unlock(&pool->mutex);
}

tern_status tern_pool_create(int threads, tern_pool **out) {
  *out = NULL;
  if (threads < 1 || threads > 1024)
    return tern_fail(TERN_ERROR_ARGUMENT,
                     "thread count %d is outside [1, 1024]", threads);
  tern_pool *pool = (tern_pool *)calloc(1, sizeof *pool);
  if (!pool)
    return tern_fail(TERN_ERROR_MEMORY, "out of memory");
  pool->threads = threads;
  atomic_init(&pool->generation, 0);
  atomic_init(&pool->pending, 0);
  atomic_init(&pool->stopping, 0);
  pthread_mutex_init(&pool->mutex, NULL);
  pthread_cond_init(&pool->wake, NULL);
  if (threads == 1) {
    *out = pool;
    return TERN_OK;
  }
  pool->workers = (pthread_t *)calloc((size_t)threads, sizeof(pthread_t));
  pool->args = (struct worker_arg *)calloc((size_t)threads, sizeof *pool->args);
  if (!pool->workers || !pool->args) {
    pool->threads = 1;
    tern_pool_destroy(pool);
    return tern_fail(TERN_ERROR_MEMORY, "out of memory");
  }
  for (int i = 1; i < threads; ++i) {
    pool->args[i].pool = pool;
    pool->args[i].index = i;
    if (pthread_create(&pool->workers[i], NULL, worker_main, &pool->args[i])) {
      pool->threads = i; /* destroy joins the ones that started */
      tern_pool_destroy(pool);
      return tern_fail(TERN_ERROR_MEMORY, "cannot start worker thread %d", i);
    }
  }
  *out = pool;
  return TERN_OK;
}

void tern_pool_destroy(tern_pool *pool) {
  if (!pool)
    return;
  if (pool->threads > 1) {
    atomic_store_explicit(&pool->stopping, 1, memory_order_release);
    publish(pool);
    for (int i = 1; i < pool->threads; ++i)
      pthread_join(pool->workers[i], NULL);
  }
  pthread_mutex_destroy(&pool->mutex);
  pthread_cond_destroy(&pool->wake);
  free(pool->workers);
  free(pool->args);
  free(pool);
}

int tern_pool_threads(const tern_pool *pool) {
  return pool ? pool->threads : 1;
}

void tern_pool_run(tern_pool *pool, tern_task_fn fn, void *ctx) {
  if (!pool || pool->threads == 1) {
    fn(ctx, 0, 1);
    return;
  }
  pool->fn = fn;
  pool->ctx = ctx;
  atomic_store_explicit(&pool->pending, pool->threads - 1,
                        memory_order_relaxed);
  publish(pool);
  fn(ctx, 0, pool->threads);
  for (unsigned spin = 0;
       atomic_load_explicit(&pool->pending, memory_order_acquire) > 0; ++spin) {
    if (spin < SPIN_ROUNDS)
      TERN_CPU_RELAX();
    else
      sched_yield();
  }
}

static _Thread_local tern_pool *current_pool;

tern_pool *tern_pool_current(void) { return current_pool; }
void tern_pool_set_current(tern_pool *pool) { current_pool = pool; }

int tern_cpu_count(void) {
  long count = sysconf(_SC_NPROCESSORS_ONLN);
  return count < 1 ? 1 : (count > 1024 ? 1024 : (int)count);
}
