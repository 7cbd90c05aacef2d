// Elementwise ops and pooling compiled with AVX-512 flags.
#define QCC_RT_ISA_NS avx512vnni
#include "common/elementwise_impl.h"
#include "common/pooling_impl.h"
