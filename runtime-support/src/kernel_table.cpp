// One table of entry points per ISA (compiled without ISA flags: it only
// takes addresses).
#include "qcc_rt/qcc_rt.h"

namespace qcc_rt {
namespace {

#define QCC_RT_TABLE(ns)                                                                      \
  KernelTable{Isa::ns,          ns::conv2d,         ns::conv2d_gemm,   ns::conv2d_depthwise, \
              ns::conv2d_gemm_panels, ns::conv2d_gemm_residual,                                \
              ns::quantize_u8,  ns::quantize_s8,    ns::dequantize_u8, ns::dequantize_s8,    \
              ns::requantize_u8, ns::add_u8,        ns::mul_u8,        ns::max_pool2d_u8,    \
              ns::avg_pool2d_u8, ns::adaptive_avg_pool2d_u8}

const KernelTable kTables[] = {QCC_RT_TABLE(generic), QCC_RT_TABLE(avx2),
                               QCC_RT_TABLE(avx512vnni)};
#undef QCC_RT_TABLE

} // namespace

const KernelTable& kernel_table(Isa isa) {
  switch (isa) {
    case Isa::avx2: return kTables[1];
    case Isa::avx512vnni: return kTables[2];
    default: return kTables[0];
  }
}

} // namespace qcc_rt
