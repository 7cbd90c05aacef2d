// ONNX Runtime formulas (onnxruntime_impl.h) compiled for generic.
#define QCC_RT_ISA_NS generic
#include "common/onnxruntime_impl.h"
