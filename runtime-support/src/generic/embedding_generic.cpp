// Embedding lookups, portable variant (scalar formula).
#define QCC_RT_ISA_NS generic
#include "common/embedding_impl.h"
