// ONNX Runtime formulas (onnxruntime_impl.h) compiled for avx512vnni.
#define QCC_RT_ISA_NS avx512vnni
#include "common/onnxruntime_impl.h"
