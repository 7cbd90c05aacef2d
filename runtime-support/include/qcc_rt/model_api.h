/* Types shared by every header qcc generates (C and C++). */
#ifndef QCC_RT_MODEL_API_H
#define QCC_RT_MODEL_API_H

#include <stddef.h>
#include <stdint.h>

#include <qcc_rt/thread_pool.h>
#include <qcc_rt/weights_file.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Element types at a compiled model's boundary. */
typedef enum qcc_dtype {
  QCC_FLOAT32 = 0,
  QCC_QUINT8 = 1, /* uint8 storage, real = scale * (q - zero_point) */
  QCC_QINT8 = 2,  /* int8 storage */
  QCC_QINT32 = 3,
  QCC_INT64 = 4,
  QCC_INT32 = 5,
  QCC_BOOL = 6 /* one byte per element, 0 or 1 */
} qcc_dtype;

/* One input or output of a compiled model: contiguous (row-major) in the
 * logical PyTorch shape. */
typedef struct qcc_tensor_desc {
  const char *name;
  qcc_dtype dtype;
  int rank;
  int64_t shape[8];
  double scale;       /* quantized dtypes only */
  int32_t zero_point; /* quantized dtypes only */
  size_t bytes;
} qcc_tensor_desc;

/* Return codes of NAME_run. */
enum {
  QCC_OK = 0,
  QCC_ERROR_NULL_ARGUMENT = 1,
  QCC_ERROR_MISALIGNED_WORKSPACE = 2,
  QCC_ERROR_BAD_THREAD_COUNT = 3,  /* no longer returned: the thread count is the pool's */
  QCC_ERROR_INDEX_OUT_OF_RANGE = 4, /* an embedding index outside its table */
  QCC_ERROR_BAD_OFFSETS = 5,        /* embedding_bag offsets not within the indices, or decreasing */
  QCC_ERROR_UNSUPPORTED_CPU = 6,    /* the CPU (or QCC_MAX_ISA) allows none of the library's
                                       instruction-set variants; nothing was computed */
  QCC_ERROR_BAD_BATCH = 7,          /* CUDA: batch outside 1 .. NAME_MAX_BATCH */
  QCC_ERROR_CUDA = 8,               /* CUDA: a kernel launch or copy failed (see cudaGetLastError) */
  QCC_ERROR_POOL_BUSY = 9           /* another call is running on the same thread pool */
};

#ifdef __cplusplus
}
#endif

#endif /* QCC_RT_MODEL_API_H */
