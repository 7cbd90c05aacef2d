/* Memory for a compiled model's packed weights when they live in a file
 * (qcc --weights=file writes NAME.weights; NAME_run_with_weights reads it).
 * Plain C.
 *
 *   qcc_weights *w = qcc_weights_load("net.weights");   once, at start-up
 *   net_run_with_weights(qcc_weights_data(w), inputs, outputs, workspace, pool);
 *   qcc_weights_free(w);                                 at shutdown
 *
 * The bytes are placed 2 MiB aligned and, where the OS offers transparent
 * huge pages (Linux: madvise(MADV_HUGEPAGE)), on huge pages. A batch-1 linear
 * or LSTM step reads every weight once, in long runs; with 4 KiB pages each
 * 4 KiB of a run costs a TLB miss and restarts the hardware prefetcher. On the
 * Zen 1 machine of runtime-support/README.md a one-row product over 64 MiB
 * took 3.7-3.8 ms from huge pages against 4.4-5.1 ms from heap memory
 * (embedding lookups, which prefetch their rows, gained nothing measurable).
 * Where huge pages are not available the memory is ordinary pages, just as
 * correct.
 *
 * Loading allocates; running does not. Several threads may run models on the
 * same weights at once (they are only read). */
#ifndef QCC_RT_WEIGHTS_FILE_H
#define QCC_RT_WEIGHTS_FILE_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct qcc_weights qcc_weights;

/* The whole file at path, read into fresh memory. NULL when the file cannot
 * be opened or read, is not a regular file (EISDIR, EINVAL) or memory is
 * short; errno tells which. */
qcc_weights *qcc_weights_load(const char *path);
/* size zero-filled bytes in the same kind of memory, for a program that
 * fills them itself (from an archive, say). NULL when memory is short. */
qcc_weights *qcc_weights_alloc(size_t size);
/* The first byte (2 MiB aligned, so also the 64 bytes the generated code
 * needs); never NULL for a valid handle, even when size is 0. */
void *qcc_weights_data(qcc_weights *weights);
size_t qcc_weights_size(const qcc_weights *weights);
/* Frees the memory and the handle; NULL is a no-op. */
void qcc_weights_free(qcc_weights *weights);

#ifdef __cplusplus
}
#endif

#endif /* QCC_RT_WEIGHTS_FILE_H */
