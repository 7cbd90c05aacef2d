// Elementwise ops and pooling compiled with AVX-512 flags.
//
// GCC 12 reports its own intrinsics' _mm512_undefined_*() pass-through
// operands (e.g. in _mm512_cvtepu8_epi32, _mm512_extracti64x4_epi64) as
// (maybe-)uninitialized once inlined (GCC bug 105593): silence that false
// positive for this file only, as conv_avx512vnni.cpp does.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif
#define QCC_RT_ISA_NS avx512vnni
#include "common/elementwise_impl.h"
#include "common/pooling_impl.h"
#include "common/normalization_impl.h"
