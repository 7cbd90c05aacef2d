// Elementwise ops and pooling compiled with AVX2/FMA flags (same results as
// the generic build: the arithmetic is spelled out, only its speed differs).
#define QCC_RT_ISA_NS avx2
#include "common/elementwise_impl.h"
#include "common/pooling_impl.h"
#include "common/normalization_impl.h"
