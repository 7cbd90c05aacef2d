// Recurrent kernels (dynamic linear, LSTM cells) for the avx512vnni variant.
// GCC 12 false positives on its own intrinsics (bug 105593), as in
// elementwise_avx512vnni.cpp.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif
#define QCC_RT_ISA_NS avx512vnni
#include "common/recurrent_impl.h"
