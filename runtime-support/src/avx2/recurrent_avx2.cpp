// Recurrent kernels (dynamic linear, LSTM cells) for the avx2 variant.
#define QCC_RT_ISA_NS avx2
#include "common/recurrent_impl.h"
