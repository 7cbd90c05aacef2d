// Recurrent kernels (dynamic linear, LSTM cells) for the generic variant.
#define QCC_RT_ISA_NS generic
#include "common/recurrent_impl.h"
