// Umbrella header of the qcc runtime, plus a table of every run-time entry
// point per ISA for callers (tests, benchmarks, JIT-like hosts) that pick the
// variant with a value instead of a namespace.
#pragma once

#include "qcc_rt/activation.h"
#include "qcc_rt/attention.h"
#include "qcc_rt/conv.h"
#include "qcc_rt/elementwise.h"
#include "qcc_rt/embedding.h"
#include "qcc_rt/float_elementwise.h"
#include "qcc_rt/normalization.h"
#include "qcc_rt/recurrent.h"
#include "qcc_rt/resize.h"
#include "qcc_rt/types.h"

namespace qcc_rt {

using ConvFn = void (*)(const uint8_t* blob, const uint8_t* input, uint8_t* output,
                        void* scratch, int64_t m_begin, int64_t m_end);

using ConvPanelsFn = void (*)(const uint8_t* blob, const uint8_t* input, uint8_t* output,
                              void* scratch, int64_t m_begin, int64_t m_end, int64_t p_begin,
                              int64_t p_end);

using ConvResidualFn = void (*)(const uint8_t* blob, const uint8_t* input, uint8_t* output,
                                void* scratch, int64_t m_begin, int64_t m_end, int64_t p_begin,
                                int64_t p_end, const ResidualAdd& add);

struct KernelTable {
  Isa isa;
  ConvFn conv2d;
  ConvFn conv2d_gemm;
  ConvFn conv2d_depthwise;
  ConvPanelsFn conv2d_gemm_panels;
  ConvResidualFn conv2d_gemm_residual;
  void (*quantize_u8)(const float*, uint8_t*, int64_t, int64_t, QParams);
  void (*quantize_s8)(const float*, int8_t*, int64_t, int64_t, QParams);
  void (*dequantize_u8)(const uint8_t*, float*, int64_t, int64_t, QParams);
  void (*dequantize_s8)(const int8_t*, float*, int64_t, int64_t, QParams);
  void (*requantize_u8)(const uint8_t*, uint8_t*, int64_t, int64_t, QParams, QParams);
  void (*add_u8)(const uint8_t*, const uint8_t*, uint8_t*, int64_t, int64_t, int64_t,
                 const AddParams&);
  void (*mul_u8)(const uint8_t*, const uint8_t*, uint8_t*, int64_t, int64_t, const MulParams&);
  void (*max_pool2d_u8)(const uint8_t*, uint8_t*, const Pool2dShape&, int64_t, int64_t);
  void (*avg_pool2d_u8)(const uint8_t*, uint8_t*, const Pool2dShape&, QParams, QParams, int64_t,
                        int64_t);
  void (*adaptive_avg_pool2d_u8)(const uint8_t*, uint8_t*, const Pool2dShape&, QParams, QParams,
                                 int64_t, int64_t);
};

// The table for `isa` (never null). Calling its functions on a CPU without
// that ISA is undefined; check cpu_supports(isa) first.
const KernelTable& kernel_table(Isa isa);

} // namespace qcc_rt
