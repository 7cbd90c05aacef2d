// Softmax, matmul and attention pieces (portable scalar code, see attention_impl.h).
#define QCC_RT_ISA_NS generic
#include "common/attention_impl.h"
