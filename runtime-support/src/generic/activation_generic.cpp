// Table-lookup activations and broadcasting mul for the portable variant.
#define QCC_RT_ISA_NS generic
#include "common/activation_impl.h"
