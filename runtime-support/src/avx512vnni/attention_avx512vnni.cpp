// Softmax, matmul and attention pieces compiled with AVX-512 flags (see
// attention_impl.h).
//
// GCC 12 reports its own intrinsics' _mm512_undefined_*() pass-through
// operands as (maybe-)uninitialized once inlined (GCC bug 105593): silence
// that false positive for this file only, as elementwise_avx512vnni.cpp does.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif
#define QCC_RT_ISA_NS avx512vnni
#include "common/attention_impl.h"
