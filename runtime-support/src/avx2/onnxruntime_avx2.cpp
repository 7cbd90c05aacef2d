// ONNX Runtime formulas (onnxruntime_impl.h) compiled for avx2.
#define QCC_RT_ISA_NS avx2
#include "common/onnxruntime_impl.h"
