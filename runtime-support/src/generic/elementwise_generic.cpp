// Elementwise ops and pooling compiled for the portable variant.
#define QCC_RT_ISA_NS generic
#include "common/elementwise_impl.h"
#include "common/pooling_impl.h"
#include "common/normalization_impl.h"
