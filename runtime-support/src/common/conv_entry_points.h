// Internal: the public conv entry points of one ISA (qcc_rt/conv.h), the
// same thin wrappers for every ISA. Each ISA's conv translation unit
// defines, in its namespace, gemm() (rows [m_begin, m_end), panels
// [p_begin, p_end), the residual add fused when `add` is not null) and
// conv2d_depthwise(), then sets QCC_RT_ISA_NS and includes this header
// after closing its namespaces.
#ifndef QCC_RT_ISA_NS
#error "define QCC_RT_ISA_NS before including conv_entry_points.h"
#endif

#include "common/blob.h"
#include "qcc_rt/conv.h"

namespace qcc_rt {
namespace QCC_RT_ISA_NS {

void conv2d_gemm(const uint8_t* blob, const uint8_t* input, uint8_t* output, void* scratch,
                 int64_t m_begin, int64_t m_end) {
  gemm(blob, input, output, scratch, m_begin, m_end, 0, conv2d_panels(blob), nullptr);
}

void conv2d_gemm_panels(const uint8_t* blob, const uint8_t* input, uint8_t* output, void* scratch,
                        int64_t m_begin, int64_t m_end, int64_t p_begin, int64_t p_end) {
  gemm(blob, input, output, scratch, m_begin, m_end, p_begin, p_end, nullptr);
}

void conv2d_gemm_residual(const uint8_t* blob, const uint8_t* input, uint8_t* output, void* scratch,
                          int64_t m_begin, int64_t m_end, int64_t p_begin, int64_t p_end,
                          const ResidualAdd& add) {
  gemm(blob, input, output, scratch, m_begin, m_end, p_begin, p_end, &add);
}

void conv2d(const uint8_t* blob, const uint8_t* input, uint8_t* output, void* scratch,
            int64_t m_begin, int64_t m_end) {
  if (detail::view_blob(blob).h.kind == static_cast<uint16_t>(ConvKind::depthwise))
    conv2d_depthwise(blob, input, output, scratch, m_begin, m_end);
  else
    conv2d_gemm(blob, input, output, scratch, m_begin, m_end);
}

} // namespace QCC_RT_ISA_NS
} // namespace qcc_rt
