// Table-lookup activations and broadcasting mul with AVX2 (32-byte shuffles).
#define QCC_RT_ISA_NS avx2
#include "common/activation_impl.h"
