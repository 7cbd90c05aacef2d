// Embedding lookups compiled with AVX2/FMA flags (8-lane column blocks).
#define QCC_RT_ISA_NS avx2
#include "common/embedding_impl.h"
