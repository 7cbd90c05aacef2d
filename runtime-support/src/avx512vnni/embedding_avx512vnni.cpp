// Embedding lookups compiled with AVX-512 flags (16-lane column blocks, masked
// tails). GCC 12 reports its own intrinsics' _mm512_undefined_*() operands as
// (maybe-)uninitialized once inlined (GCC bug 105593), as in the other
// AVX-512 units.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif
#define QCC_RT_ISA_NS avx512vnni
#include "common/embedding_impl.h"
