/* A thread pool the caller owns, for running one compiled-model call on
 * several cores. Plain C, usable from any language that can call C.
 *
 *   qcc_thread_pool *pool = qcc_thread_pool_create(4);   once, at start-up
 *   net_run(inputs, outputs, workspace, pool);          as often as needed
 *   qcc_thread_pool_destroy(pool);                       at shutdown
 *
 * A pool of N threads is the calling thread plus N - 1 workers it starts
 * once. Every parallel op of a run splits its rows into a few chunks per
 * thread; the caller and the workers take chunks until none are left, so a
 * worker that the OS has descheduled delays a run by at most the chunk it
 * holds, never by the work it did not start. Between ops the workers spin
 * briefly, then sleep until the next op (no CPU burnt while the caller is
 * doing something else).
 *
 * One call at a time per pool: a run that finds the pool in use returns
 * QCC_ERROR_POOL_BUSY and computes nothing. Threads that run models
 * concurrently each use their own pool (and workspace). No global state. */
#ifndef QCC_RT_THREAD_POOL_H
#define QCC_RT_THREAD_POOL_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct qcc_thread_pool qcc_thread_pool;

/* A pool of num_threads threads (the caller counts as one, so 1 starts no
 * worker). NULL when num_threads < 1, memory is short or the OS refuses a
 * thread; the threads already started are then stopped again. */
qcc_thread_pool *qcc_thread_pool_create(int num_threads);
/* Stops and joins the workers and frees the pool; NULL is a no-op. Not while
 * a run uses the pool. */
void qcc_thread_pool_destroy(qcc_thread_pool *pool);
/* The pool's thread count (1 for NULL: a run without a pool uses the calling
 * thread only). NAME_WORKSPACE_BYTES takes this count. */
int qcc_thread_pool_size(const qcc_thread_pool *pool);

#ifdef __cplusplus
}
#endif

#endif /* QCC_RT_THREAD_POOL_H */
