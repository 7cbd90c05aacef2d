/* C ABI over the qcc runtime for foreign callers (the Python tests load it
 * with ctypes). Shapes are passed as int32 arrays in a fixed order:
 *   conv (16): batch, in_h, in_w, in_channels, out_channels, kernel_h,
 *              kernel_w, stride_h, stride_w, pad_top, pad_left, pad_bottom,
 *              pad_right, dilation_h, dilation_w, groups
 *   pool (16): batch, in_h, in_w, channels, out_h, out_w, kernel_h, kernel_w,
 *              stride_h, stride_w, pad_h, pad_w, dilation_h, dilation_w,
 *              count_include_pad, divisor_override
 * isa: 0 generic, 1 avx2, 2 avx512vnni. Functions returning int return 0 on
 * success. Buffers are the caller's. */
#ifndef QCC_RT_C_API_H
#define QCC_RT_C_API_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

int qcc_rt_best_isa(void);
int qcc_rt_cpu_supports(int isa);

size_t qcc_rt_conv2d_packed_size(const int32_t* shape);
/* saturating_pairs: ConvQuantization::saturating_pairs (FBGEMM's AVX2 int16 pairs). */
int qcc_rt_conv2d_pack(const int32_t* shape, float input_scale, int32_t input_zero_point,
                       float output_scale, int32_t output_zero_point, int relu,
                       const int8_t* weights, int per_channel, const float* weight_scales,
                       const int32_t* weight_zero_points, const float* bias, int saturating_pairs,
                       uint8_t* blob, size_t blob_size);
int64_t qcc_rt_conv2d_rows(const uint8_t* blob);
size_t qcc_rt_conv2d_scratch_size(const uint8_t* blob);
/* Runs the whole conv as `parts` consecutive row ranges (exercising the
 * work-range contract); scratch must hold qcc_rt_conv2d_scratch_size bytes. */
int qcc_rt_conv2d_run(int isa, const uint8_t* blob, const uint8_t* input, uint8_t* output,
                      void* scratch, int parts);
/* qcc_rt::avx2::conv2d_gemm_paths over all rows: counts[9] = pairs, clamped and
 * widened row tiles, outliers, k steps, k steps read, per-panel k steps of the
 * pairs and clamped tiles, of those run as marked pairs, output pixels run as
 * Winograd tiles (then the others are 0). Non-zero: not a GEMM blob of this
 * version, or no AVX2. */
int qcc_rt_conv2d_avx2_paths(const uint8_t* blob, const uint8_t* input, void* scratch,
                             int64_t* counts);

void qcc_rt_quantize_u8(int isa, const float* x, uint8_t* q, int64_t n, float scale, int32_t zp);
void qcc_rt_quantize_s8(int isa, const float* x, int8_t* q, int64_t n, float scale, int32_t zp);
void qcc_rt_dequantize_u8(int isa, const uint8_t* q, float* x, int64_t n, float scale, int32_t zp);
void qcc_rt_requantize_u8(int isa, const uint8_t* in, uint8_t* out, int64_t n, float in_scale,
                          int32_t in_zp, float out_scale, int32_t out_zp);
int64_t qcc_rt_torch_elementwise_chunk(int64_t numel, int torch_threads);
void qcc_rt_add_u8(int isa, const uint8_t* a, const uint8_t* b, uint8_t* out, int64_t n,
                   const float* scales, const int32_t* zps, int relu, int64_t torch_chunk);
void qcc_rt_mul_u8(int isa, const uint8_t* a, const uint8_t* b, uint8_t* out, int64_t n,
                   const float* scales, const int32_t* zps, int relu);
void qcc_rt_max_pool2d_u8(int isa, const uint8_t* in, uint8_t* out, const int32_t* shape);
void qcc_rt_avg_pool2d_u8(int isa, const uint8_t* in, uint8_t* out, const int32_t* shape,
                          float in_scale, int32_t in_zp, float out_scale, int32_t out_zp);
void qcc_rt_adaptive_avg_pool2d_u8(int isa, const uint8_t* in, uint8_t* out, const int32_t* shape,
                                   float in_scale, int32_t in_zp, float out_scale, int32_t out_zp);

#ifdef __cplusplus
}
#endif

#endif /* QCC_RT_C_API_H */
