// Table-lookup activations and broadcasting mul with AVX-512BW (64-byte
// masked shuffles).
//
// GCC 12 reports the _mm512_undefined_*() pass-through operands of its own
// intrinsics as (maybe-)uninitialized once inlined (GCC bug 105593): silence
// that false positive for this file, as the other AVX-512 units do.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif
#define QCC_RT_ISA_NS avx512vnni
#include "common/activation_impl.h"
