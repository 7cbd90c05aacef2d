// RUN: qcc-opt %s -split-input-file -verify-diagnostics
//
// Invalid IR for every qcc op: each case names the check it exercises.
// Where the quant dialect's type parser already rejects a parameter (zero,
// negative or infinite scales, negative per-axis dimension), the case checks
// the parser's message; everything the parser accepts (NaN scales, zero
// points outside the storage range, per-axis dimensions that do not fit the
// tensor) is caught by the qcc verifiers.

//===----------------------------------------------------------------------===//
// Quantization parameters
//===----------------------------------------------------------------------===//

// A NaN scale passes the quant parser's range check (NaN compares false).
!qn = !quant.uniform<i8:f32, 0x7FF8000000000000>
func.func @nan_scale(%x: tensor<4xf32>) -> tensor<4x!qn> {
  // expected-error @+1 {{'qcc.quantize' op invalid quantization: scale nan is not finite and positive}}
  %q = qcc.quantize %x : tensor<4xf32> -> tensor<4x!qn>
  return %q : tensor<4x!qn>
}

// -----

// 0x7FC00000 is NaN as an f32 bit pattern, but scales are f64: the parser
// reads it as the denormal 1.06e-314 and rejects it as out of range.
func.func @f32_nan_bits_scale(%x: tensor<4xf32>) {
  // expected-error @+1 {{scale 1.058926e-314 out of expressed type range}}
  %q = qcc.quantize %x : tensor<4xf32> -> tensor<4x!quant.uniform<i8:f32, 0x7FC00000>>
  return
}

// -----

func.func @infinite_scale(%x: tensor<4xf32>) {
  // expected-error @+1 {{out of expressed type range}}
  %q = qcc.quantize %x : tensor<4xf32> -> tensor<4x!quant.uniform<i8:f32, 0x7FF0000000000000>>
  return
}

// -----

func.func @negative_scale(%x: tensor<4xf32>) {
  // expected-error @+1 {{scale -1.000000e+00 out of expressed type range}}
  %q = qcc.quantize %x : tensor<4xf32> -> tensor<4x!quant.uniform<i8:f32, -1.0>>
  return
}

// -----

func.func @zero_scale(%x: tensor<4xf32>) {
  // expected-error @+1 {{scale 0.000000e+00 out of expressed type range}}
  %q = qcc.quantize %x : tensor<4xf32> -> tensor<4x!quant.uniform<i8:f32, 0.0>>
  return
}

// -----

func.func @zero_point_above_range(%x: tensor<4xf32>) {
  // expected-error @+1 {{'qcc.quantize' op invalid quantization: zero point 300 is outside the storage range [0, 255]}}
  %q = qcc.quantize %x : tensor<4xf32> -> tensor<4x!quant.uniform<u8:f32, 0.1:300>>
  return
}

// -----

func.func @zero_point_below_range(%x: tensor<4xf32>) {
  // expected-error @+1 {{invalid quantization: zero point -129 is outside the storage range [-128, 127]}}
  %q = qcc.quantize %x : tensor<4xf32> -> tensor<4x!quant.uniform<i8:f32, 0.1:-129>>
  return
}

// -----

// Narrow storage ranges bound the zero point too.
func.func @zero_point_narrow_range(%x: tensor<4xf32>) {
  // expected-error @+1 {{invalid quantization: zero point -128 is outside the storage range [-127, 127]}}
  %q = qcc.quantize %x : tensor<4xf32> -> tensor<4x!quant.uniform<i8<-127:127>:f32, 0.1:-128>>
  return
}

// -----

!qn = !quant.uniform<i8:f32:0, {0.5, 0x7FF8000000000000}>
func.func @per_axis_nan_scale(%x: tensor<2x3xf32>) -> tensor<2x3x!qn> {
  // expected-error @+1 {{invalid quantization: scale nan is not finite and positive}}
  %q = qcc.quantize %x : tensor<2x3xf32> -> tensor<2x3x!qn>
  return %q : tensor<2x3x!qn>
}

// -----

func.func @per_axis_zero_point(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{invalid quantization: zero point 256 is outside the storage range [0, 255]}}
  %q = qcc.quantize %x : tensor<2x3xf32> -> tensor<2x3x!quant.uniform<u8:f32:0, {0.5:0, 0.25:256}>>
  return
}

// -----

func.func @per_axis_negative_axis(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{illegal quantized dimension: -1}}
  %q = qcc.quantize %x : tensor<2x3xf32> -> tensor<2x3x!quant.uniform<i8:f32:-1, {0.5, 0.25}>>
  return
}

// -----

func.func @per_axis_axis_out_of_rank(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{invalid quantization: quantized dimension 2 is out of range for rank 2}}
  %q = qcc.quantize %x : tensor<2x3xf32> -> tensor<2x3x!quant.uniform<i8:f32:2, {0.5, 0.25}>>
  return
}

// -----

func.func @per_axis_scale_count(%x: tensor<3x2xf32>) {
  // expected-error @+1 {{invalid quantization: 2 scales for dimension 0 of size 3}}
  %q = qcc.quantize %x : tensor<3x2xf32> -> tensor<3x2x!quant.uniform<i8:f32:0, {0.5, 0.25}>>
  return
}

// -----

func.func @expressed_not_f32(%x: tensor<4xf32>) {
  // expected-error @+1 {{invalid quantization: expressed type must be f32, got f16}}
  %q = qcc.quantize %x : tensor<4xf32> -> tensor<4x!quant.uniform<i8:f16, 0.1>>
  return
}

// -----

// Block arguments are checked by the ops that use them, also the ops that
// keep their input's element type (reshape, permute, pad, split, max_pool).
!qn = !quant.uniform<u8:f32, 0x7FF8000000000000:128>
func.func @nan_scale_argument(%x: tensor<2x3x!qn>) {
  // expected-error @+1 {{'qcc.reshape' op invalid quantization: scale nan is not finite and positive}}
  %r = qcc.reshape %x : tensor<2x3x!qn> -> tensor<6x!qn>
  return
}

// -----

!qn = !quant.uniform<u8:f32, 0.1:300>
func.func @zero_point_argument(%x: tensor<2x3x!qn>) {
  // expected-error @+1 {{'qcc.permute' op invalid quantization: zero point 300}}
  %r = qcc.permute %x {dims = array<i64: 1, 0>} : tensor<2x3x!qn> -> tensor<3x2x!qn>
  return
}

// -----

!qn = !quant.uniform<u8:f32, 0.1:300>
func.func @zero_point_max_pool(%x: tensor<1x1x4x!qn>) {
  // expected-error @+1 {{'qcc.max_pool' op invalid quantization: zero point 300}}
  %r = qcc.max_pool %x {kernel_size = array<i64: 2>, stride = array<i64: 2>, padding = array<i64: 0>, dilation = array<i64: 1>} : tensor<1x1x4x!qn> -> tensor<1x1x2x!qn>
  return
}

// -----

// Unsupported quantized element types are rejected by ODS.
func.func @any_quantized(%x: tensor<4x!quant.any<i8:f32>>) {
  // expected-error @+1 {{'qcc.relu' op operand #0 must be ranked tensor of 32-bit float or uniform quantized type values}}
  %r = qcc.relu %x : tensor<4x!quant.any<i8:f32>> -> tensor<4x!quant.any<i8:f32>>
  return
}

// -----

// Operands that ODS leaves open (lstm, multihead_attention) are checked by
// the verifier.
func.func @any_quantized_lstm(%x: tensor<5x1x3x!quant.any<i8:f32>>, %w: tensor<8x3xf32>, %wh: tensor<8x2xf32>, %b: tensor<8xf32>) {
  // expected-error @+1 {{'qcc.lstm' op invalid quantization: unsupported quantized type}}
  %y:3 = qcc.lstm %x, %w, %b, %wh, %b {hidden_size = 2 : i64, num_layers = 1 : i64, cells = [{}]} : (tensor<5x1x3x!quant.any<i8:f32>>, tensor<8x3xf32>, tensor<8xf32>, tensor<8x2xf32>, tensor<8xf32>) -> (tensor<5x1x2xf32>, tensor<1x1x2xf32>, tensor<1x1x2xf32>)
  return
}

// -----

//===----------------------------------------------------------------------===//
// Quantization boundary
//===----------------------------------------------------------------------===//

func.func @constant_shape() {
  // expected-error @+1 {{'qcc.constant' op value shape [2] does not match the result shape [3]}}
  %c = qcc.constant dense<[1.0, 2.0]> : tensor<2xf32> -> tensor<3xf32>
  return
}

// -----

func.func @constant_storage_type() {
  // expected-error @+1 {{'qcc.constant' op value element type 'f32' does not match the storage type 'i8'}}
  %c = qcc.constant dense<[1.0, 2.0]> : tensor<2xf32> -> tensor<2x!quant.uniform<i8:f32, 0.1>>
  return
}

// -----

// u8 storage is a signless i8 in the quant dialect.
func.func @constant_unsigned_storage() {
  // expected-error @+1 {{'qcc.constant' op value element type 'ui8' does not match the storage type 'i8'}}
  %c = qcc.constant dense<[1, 200]> : tensor<2xui8> -> tensor<2x!quant.uniform<u8:f32, 0.1>>
  return
}

// -----

func.func @constant_vector_value() {
  // expected-error @+1 {{'qcc.constant' op value must be a tensor attribute, got one of type 'vector<2xf32>'}}
  %c = qcc.constant dense<[1.0, 2.0]> : vector<2xf32> -> tensor<2xf32>
  return
}

// -----

func.func @constant_bad_quantization() {
  // expected-error @+1 {{'qcc.constant' op invalid quantization: 1 scales for dimension 0 of size 2}}
  %c = qcc.constant dense<[1, 2]> : tensor<2xi8> -> tensor<2x!quant.uniform<i8:f32:0, {0.1}>>
  return
}

// -----

func.func @quantize_shape(%x: tensor<4xf32>) {
  // expected-error @+1 {{'qcc.quantize' op result shape [2, 2] does not match the expected [4]}}
  %q = qcc.quantize %x : tensor<4xf32> -> tensor<2x2x!quant.uniform<u8:f32, 0.1>>
  return
}

// -----

func.func @quantize_quantized_input(%x: tensor<4x!quant.uniform<u8:f32, 0.1>>) {
  // expected-error @+1 {{'qcc.quantize' op operand #0 must be ranked tensor of 32-bit float values}}
  %q = qcc.quantize %x : tensor<4x!quant.uniform<u8:f32, 0.1>> -> tensor<4x!quant.uniform<u8:f32, 0.1>>
  return
}

// -----

func.func @dequantize_shape(%x: tensor<4x!quant.uniform<u8:f32, 0.1>>) {
  // expected-error @+1 {{'qcc.dequantize' op result shape [5] does not match the expected [4]}}
  %d = qcc.dequantize %x : tensor<4x!quant.uniform<u8:f32, 0.1>> -> tensor<5xf32>
  return
}

// -----

func.func @dequantize_float_input(%x: tensor<4xf32>) {
  // expected-error @+1 {{'qcc.dequantize' op operand #0 must be ranked tensor of uniform quantized type values}}
  %d = qcc.dequantize %x : tensor<4xf32> -> tensor<4xf32>
  return
}

// -----

func.func @requantize_shape(%x: tensor<4x!quant.uniform<u8:f32, 0.1>>) {
  // expected-error @+1 {{'qcc.requantize' op result shape [1, 4] does not match the expected [4]}}
  %r = qcc.requantize %x : tensor<4x!quant.uniform<u8:f32, 0.1>> -> tensor<1x4x!quant.uniform<u8:f32, 0.2>>
  return
}

// -----

func.func @requantize_to_float(%x: tensor<4x!quant.uniform<u8:f32, 0.1>>) {
  // expected-error @+1 {{'qcc.requantize' op result #0 must be ranked tensor of uniform quantized type values}}
  %r = qcc.requantize %x : tensor<4x!quant.uniform<u8:f32, 0.1>> -> tensor<4xf32>
  return
}

// -----

//===----------------------------------------------------------------------===//
// conv
//===----------------------------------------------------------------------===//

func.func @conv_input_rank(%x: tensor<2x3xf32>, %w: tensor<4x3xf32>) {
  // expected-error @+1 {{'qcc.conv' op input must have rank 3, 4 or 5 (N, C, 1-3 spatial), got 2}}
  %y = qcc.conv %x, %w {stride = array<i64>, padding = array<i64>, dilation = array<i64>} : (tensor<2x3xf32>, tensor<4x3xf32>) -> tensor<2x4xf32>
  return
}

// -----

// Rank 0 and rank 1 inputs must not be indexed.
func.func @conv_scalar_input(%x: tensor<f32>, %w: tensor<f32>) {
  // expected-error @+1 {{'qcc.conv' op input must have rank 3, 4 or 5 (N, C, 1-3 spatial), got 0}}
  %y = qcc.conv %x, %w {stride = array<i64>, padding = array<i64>, dilation = array<i64>} : (tensor<f32>, tensor<f32>) -> tensor<f32>
  return
}

// -----

func.func @conv_weight_rank(%x: tensor<1x2x4x4xf32>, %w: tensor<2x2x3xf32>) {
  // expected-error @+1 {{'qcc.conv' op weight rank 3 does not match input rank 4}}
  %y = qcc.conv %x, %w {stride = array<i64: 1, 1>, padding = array<i64: 0, 0>, dilation = array<i64: 1, 1>} : (tensor<1x2x4x4xf32>, tensor<2x2x3xf32>) -> tensor<1x2x2x2xf32>
  return
}

// -----

func.func @conv_output_shape(%x: tensor<1x2x5x5xf32>, %w: tensor<4x2x3x3xf32>) {
  // expected-error @+1 {{'qcc.conv' op result shape [1, 4, 5, 5] does not match the expected [1, 4, 3, 3]}}
  %y = qcc.conv %x, %w {stride = array<i64: 1, 1>, padding = array<i64: 0, 0>, dilation = array<i64: 1, 1>} : (tensor<1x2x5x5xf32>, tensor<4x2x3x3xf32>) -> tensor<1x4x5x5xf32>
  return
}

// -----

func.func @conv_groups_not_dividing(%x: tensor<1x4x5xf32>, %w: tensor<6x2x1xf32>) {
  // expected-error @+1 {{'qcc.conv' op input channels 4 and output channels 6 must be divisible by groups 4}}
  %y = qcc.conv %x, %w {stride = array<i64: 1>, padding = array<i64: 0>, dilation = array<i64: 1>, groups = 4 : i64} : (tensor<1x4x5xf32>, tensor<6x2x1xf32>) -> tensor<1x6x5xf32>
  return
}

// -----

func.func @conv_groups_zero(%x: tensor<1x4x5xf32>, %w: tensor<4x4x1xf32>) {
  // expected-error @+1 {{'qcc.conv' op groups must be positive}}
  %y = qcc.conv %x, %w {stride = array<i64: 1>, padding = array<i64: 0>, dilation = array<i64: 1>, groups = 0 : i64} : (tensor<1x4x5xf32>, tensor<4x4x1xf32>) -> tensor<1x4x5xf32>
  return
}

// -----

func.func @conv_weight_channels(%x: tensor<1x4x5xf32>, %w: tensor<4x4x1xf32>) {
  // expected-error @+1 {{'qcc.conv' op weight has 4 input channels per group, expected 2}}
  %y = qcc.conv %x, %w {stride = array<i64: 1>, padding = array<i64: 0>, dilation = array<i64: 1>, groups = 2 : i64} : (tensor<1x4x5xf32>, tensor<4x4x1xf32>) -> tensor<1x4x5xf32>
  return
}

// -----

func.func @conv_bias_shape(%x: tensor<1x2x5xf32>, %w: tensor<4x2x1xf32>, %b: tensor<2xf32>) {
  // expected-error @+1 {{'qcc.conv' op bias shape [2] must be [4]}}
  %y = qcc.conv %x, %w, %b {stride = array<i64: 1>, padding = array<i64: 0>, dilation = array<i64: 1>} : (tensor<1x2x5xf32>, tensor<4x2x1xf32>, tensor<2xf32>) -> tensor<1x4x5xf32>
  return
}

// -----

func.func @conv_mixed_kinds(%x: tensor<1x2x5x!quant.uniform<u8:f32, 0.1>>, %w: tensor<4x2x1xf32>) {
  // expected-error @+1 {{'qcc.conv' op operands and results must be all quantized or all float}}
  %y = qcc.conv %x, %w {stride = array<i64: 1>, padding = array<i64: 0>, dilation = array<i64: 1>} : (tensor<1x2x5x!quant.uniform<u8:f32, 0.1>>, tensor<4x2x1xf32>) -> tensor<1x4x5x!quant.uniform<u8:f32, 0.1>>
  return
}

// -----

// A float32 result of a quantized input and weight is the pt2e profile's.
func.func @conv_float_result_fbgemm(%x: tensor<1x2x5x!quant.uniform<u8:f32, 0.1>>, %w: tensor<4x2x1x!quant.uniform<i8:f32, 0.1>>) {
  // expected-error @+1 {{'qcc.conv' op a float32 result of a quantized input and weight is defined only under the pt2e numerics profile (this module's is fbgemm)}}
  %y = qcc.conv %x, %w {stride = array<i64: 1>, padding = array<i64: 0>, dilation = array<i64: 1>} : (tensor<1x2x5x!quant.uniform<u8:f32, 0.1>>, tensor<4x2x1x!quant.uniform<i8:f32, 0.1>>) -> tensor<1x4x5xf32>
  return
}

// -----

module attributes {qcc.numerics = "onnxruntime"} {
  func.func @linear_float_result_onnxruntime(%x: tensor<2x3x!quant.uniform<u8:f32, 0.1>>, %w: tensor<4x3x!quant.uniform<i8:f32, 0.1>>) {
    // expected-error @+1 {{'qcc.linear' op a float32 result of a quantized input and weight is defined only under the pt2e numerics profile (this module's is onnxruntime)}}
    %y = qcc.linear %x, %w : (tensor<2x3x!quant.uniform<u8:f32, 0.1>>, tensor<4x3x!quant.uniform<i8:f32, 0.1>>) -> tensor<2x4xf32>
    return
  }
}

// -----

module attributes {qcc.numerics = "pt2e"} {
  func.func @linear_float_result_clamp(%x: tensor<2x3x!quant.uniform<u8:f32, 0.1>>, %w: tensor<4x3x!quant.uniform<i8:f32, 0.1>>) {
    // expected-error @+1 {{'qcc.linear' op a float32 result of a quantized input and weight takes activation none or relu, got 'clamp'}}
    %y = qcc.linear %x, %w {activation = "clamp", clamp_max = 6.0 : f64} : (tensor<2x3x!quant.uniform<u8:f32, 0.1>>, tensor<4x3x!quant.uniform<i8:f32, 0.1>>) -> tensor<2x4xf32>
    return
  }
}

// -----

// Only conv and linear have a float-result form.
module attributes {qcc.numerics = "pt2e"} {
  func.func @conv_transpose_float_result(%x: tensor<1x2x5x!quant.uniform<u8:f32, 0.1>>, %w: tensor<2x4x1x!quant.uniform<i8:f32, 0.1>>) {
    // expected-error @+1 {{'qcc.conv_transpose' op operands and results must be all quantized or all float}}
    %y = qcc.conv_transpose %x, %w {stride = array<i64: 1>, padding = array<i64: 0>, output_padding = array<i64: 0>, dilation = array<i64: 1>} : (tensor<1x2x5x!quant.uniform<u8:f32, 0.1>>, tensor<2x4x1x!quant.uniform<i8:f32, 0.1>>) -> tensor<1x4x5xf32>
    return
  }
}

// -----

func.func @conv_quantized_bias(%x: tensor<1x2x5x!quant.uniform<u8:f32, 0.1>>, %w: tensor<4x2x1x!quant.uniform<i8:f32, 0.1>>, %b: tensor<4x!quant.uniform<i8:f32, 0.1>>) {
  // expected-error @+1 {{'qcc.conv' op bias must be float32, or qint32 when the op is quantized}}
  %y = qcc.conv %x, %w, %b {stride = array<i64: 1>, padding = array<i64: 0>, dilation = array<i64: 1>} : (tensor<1x2x5x!quant.uniform<u8:f32, 0.1>>, tensor<4x2x1x!quant.uniform<i8:f32, 0.1>>, tensor<4x!quant.uniform<i8:f32, 0.1>>) -> tensor<1x4x5x!quant.uniform<u8:f32, 0.1>>
  return
}

// -----

func.func @conv_stride_count(%x: tensor<1x2x5x5xf32>, %w: tensor<4x2x3x3xf32>) {
  // expected-error @+1 {{'qcc.conv' op stride has 1 entries, expected 2}}
  %y = qcc.conv %x, %w {stride = array<i64: 1>, padding = array<i64: 0, 0>, dilation = array<i64: 1, 1>} : (tensor<1x2x5x5xf32>, tensor<4x2x3x3xf32>) -> tensor<1x4x3x3xf32>
  return
}

// -----

func.func @conv_stride_zero(%x: tensor<1x2x5xf32>, %w: tensor<4x2x3xf32>) {
  // expected-error @+1 {{'qcc.conv' op stride entries must be at least 1}}
  %y = qcc.conv %x, %w {stride = array<i64: 0>, padding = array<i64: 0>, dilation = array<i64: 1>} : (tensor<1x2x5xf32>, tensor<4x2x3xf32>) -> tensor<1x4x3xf32>
  return
}

// -----

func.func @conv_negative_padding(%x: tensor<1x2x5xf32>, %w: tensor<4x2x3xf32>) {
  // expected-error @+1 {{'qcc.conv' op padding entries must be at least 0}}
  %y = qcc.conv %x, %w {stride = array<i64: 1>, padding = array<i64: -1>, dilation = array<i64: 1>} : (tensor<1x2x5xf32>, tensor<4x2x3xf32>) -> tensor<1x4x1xf32>
  return
}

// -----

func.func @conv_missing_attribute(%x: tensor<1x2x5xf32>, %w: tensor<4x2x3xf32>) {
  // expected-error @+1 {{'qcc.conv' op requires attribute 'dilation'}}
  %y = qcc.conv %x, %w {stride = array<i64: 1>, padding = array<i64: 0>} : (tensor<1x2x5xf32>, tensor<4x2x3xf32>) -> tensor<1x4x3xf32>
  return
}

// -----

func.func @conv_kernel_too_large(%x: tensor<1x2x2xf32>, %w: tensor<4x2x3xf32>) {
  // expected-error @+1 {{'qcc.conv' op the dilated kernel does not fit the padded input in spatial dim 0}}
  %y = qcc.conv %x, %w {stride = array<i64: 1>, padding = array<i64: 0>, dilation = array<i64: 1>} : (tensor<1x2x2xf32>, tensor<4x2x3xf32>) -> tensor<1x4x0xf32>
  return
}

// -----

func.func @conv_dilation_overflow(%x: tensor<1x2x5xf32>, %w: tensor<4x2x3xf32>) {
  // expected-error @+1 {{'qcc.conv' op output size of spatial dim 0 overflows int64}}
  %y = qcc.conv %x, %w {stride = array<i64: 1>, padding = array<i64: 0>, dilation = array<i64: 4611686018427387904>} : (tensor<1x2x5xf32>, tensor<4x2x3xf32>) -> tensor<1x4x1xf32>
  return
}

// -----

func.func @conv_unknown_activation(%x: tensor<1x2x5xf32>, %w: tensor<4x2x1xf32>) {
  // expected-error @+1 {{'qcc.conv' op unknown activation 'relu6' (expected none, relu or clamp)}}
  %y = qcc.conv %x, %w {stride = array<i64: 1>, padding = array<i64: 0>, dilation = array<i64: 1>, activation = "relu6"} : (tensor<1x2x5xf32>, tensor<4x2x1xf32>) -> tensor<1x4x5xf32>
  return
}

// -----

func.func @conv_bounds_without_clamp(%x: tensor<1x2x5xf32>, %w: tensor<4x2x1xf32>) {
  // expected-error @+1 {{'qcc.conv' op clamp bounds given without activation = "clamp"}}
  %y = qcc.conv %x, %w {stride = array<i64: 1>, padding = array<i64: 0>, dilation = array<i64: 1>, activation = "relu", clamp_max = 6.0 : f64} : (tensor<1x2x5xf32>, tensor<4x2x1xf32>) -> tensor<1x4x5xf32>
  return
}

// -----

func.func @conv_clamp_bounds_order(%x: tensor<1x2x5xf32>, %w: tensor<4x2x1xf32>) {
  // expected-error @+1 {{'qcc.conv' op clamp_min must not exceed clamp_max}}
  %y = qcc.conv %x, %w {stride = array<i64: 1>, padding = array<i64: 0>, dilation = array<i64: 1>, activation = "clamp", clamp_min = 6.0 : f64, clamp_max = 0.0 : f64} : (tensor<1x2x5xf32>, tensor<4x2x1xf32>) -> tensor<1x4x5xf32>
  return
}

// -----

func.func @conv_clamp_bound_nan(%x: tensor<1x2x5xf32>, %w: tensor<4x2x1xf32>) {
  // expected-error @+1 {{'qcc.conv' op clamp_min and clamp_max must not be nan}}
  %y = qcc.conv %x, %w {stride = array<i64: 1>, padding = array<i64: 0>, dilation = array<i64: 1>, activation = "clamp", clamp_min = 0x7FF8000000000000 : f64} : (tensor<1x2x5xf32>, tensor<4x2x1xf32>) -> tensor<1x4x5xf32>
  return
}

// -----

func.func @conv_clamp_bound_type(%x: tensor<1x2x5xf32>, %w: tensor<4x2x1xf32>) {
  // expected-error @+1 {{'qcc.conv' op attribute 'clamp_min' failed to satisfy constraint: 64-bit float attribute}}
  %y = qcc.conv %x, %w {stride = array<i64: 1>, padding = array<i64: 0>, dilation = array<i64: 1>, activation = "clamp", clamp_min = 0 : i64} : (tensor<1x2x5xf32>, tensor<4x2x1xf32>) -> tensor<1x4x5xf32>
  return
}

// -----

func.func @conv_dynamic_shape(%x: tensor<?x2x5xf32>, %w: tensor<4x2x1xf32>) {
  // expected-error @+1 {{'qcc.conv' op operands and results must have static shapes, got 'tensor<?x2x5xf32>'}}
  %y = qcc.conv %x, %w {stride = array<i64: 1>, padding = array<i64: 0>, dilation = array<i64: 1>} : (tensor<?x2x5xf32>, tensor<4x2x1xf32>) -> tensor<?x4x5xf32>
  return
}

// -----

//===----------------------------------------------------------------------===//
// conv_transpose
//===----------------------------------------------------------------------===//

func.func @conv_transpose_input_rank(%x: tensor<4xf32>, %w: tensor<4xf32>) {
  // expected-error @+1 {{'qcc.conv_transpose' op input must have rank 3, 4 or 5 (N, C, 1-3 spatial), got 1}}
  %y = qcc.conv_transpose %x, %w {stride = array<i64>, padding = array<i64>, output_padding = array<i64>, dilation = array<i64>} : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return
}

// -----

func.func @conv_transpose_weight_channels(%x: tensor<1x2x3xf32>, %w: tensor<4x2x3xf32>) {
  // expected-error @+1 {{'qcc.conv_transpose' op weight dim 0 (4) must equal the input channels (2)}}
  %y = qcc.conv_transpose %x, %w {stride = array<i64: 1>, padding = array<i64: 0>, output_padding = array<i64: 0>, dilation = array<i64: 1>} : (tensor<1x2x3xf32>, tensor<4x2x3xf32>) -> tensor<1x2x5xf32>
  return
}

// -----

func.func @conv_transpose_output_shape(%x: tensor<1x2x3xf32>, %w: tensor<2x4x3xf32>) {
  // expected-error @+1 {{'qcc.conv_transpose' op result shape [1, 4, 6] does not match the expected [1, 4, 7]}}
  %y = qcc.conv_transpose %x, %w {stride = array<i64: 2>, padding = array<i64: 0>, output_padding = array<i64: 0>, dilation = array<i64: 1>} : (tensor<1x2x3xf32>, tensor<2x4x3xf32>) -> tensor<1x4x6xf32>
  return
}

// -----

func.func @conv_transpose_output_padding(%x: tensor<1x2x3xf32>, %w: tensor<2x4x3xf32>) {
  // expected-error @+1 {{'qcc.conv_transpose' op output_padding must be smaller than stride or dilation}}
  %y = qcc.conv_transpose %x, %w {stride = array<i64: 2>, padding = array<i64: 0>, output_padding = array<i64: 2>, dilation = array<i64: 1>} : (tensor<1x2x3xf32>, tensor<2x4x3xf32>) -> tensor<1x4x9xf32>
  return
}

// -----

func.func @conv_transpose_groups(%x: tensor<1x3x3xf32>, %w: tensor<3x2x3xf32>) {
  // expected-error @+1 {{'qcc.conv_transpose' op input channels 3 and output channels 4 must be divisible by groups 2}}
  %y = qcc.conv_transpose %x, %w {stride = array<i64: 1>, padding = array<i64: 0>, output_padding = array<i64: 0>, dilation = array<i64: 1>, groups = 2 : i64} : (tensor<1x3x3xf32>, tensor<3x2x3xf32>) -> tensor<1x4x5xf32>
  return
}

// -----

// groups is an I64Attr: its getter returns uint64_t, so -1 must be caught
// as a signed value.
func.func @conv_transpose_negative_groups(%x: tensor<1x2x3xf32>, %w: tensor<2x2x3xf32>) {
  // expected-error @+1 {{'qcc.conv_transpose' op groups must be positive}}
  %y = qcc.conv_transpose %x, %w {stride = array<i64: 1>, padding = array<i64: 0>, output_padding = array<i64: 0>, dilation = array<i64: 1>, groups = -1 : i64} : (tensor<1x2x3xf32>, tensor<2x2x3xf32>) -> tensor<1x2x5xf32>
  return
}

// -----

func.func @conv_transpose_bias(%x: tensor<1x2x3xf32>, %w: tensor<2x4x3xf32>, %b: tensor<2xf32>) {
  // expected-error @+1 {{'qcc.conv_transpose' op bias shape [2] must be [4]}}
  %y = qcc.conv_transpose %x, %w, %b {stride = array<i64: 1>, padding = array<i64: 0>, output_padding = array<i64: 0>, dilation = array<i64: 1>} : (tensor<1x2x3xf32>, tensor<2x4x3xf32>, tensor<2xf32>) -> tensor<1x4x5xf32>
  return
}

// -----

func.func @conv_transpose_mixed(%x: tensor<1x2x3xf32>, %w: tensor<2x4x3x!quant.uniform<i8:f32, 0.1>>) {
  // expected-error @+1 {{'qcc.conv_transpose' op operands and results must be all quantized or all float}}
  %y = qcc.conv_transpose %x, %w {stride = array<i64: 1>, padding = array<i64: 0>, output_padding = array<i64: 0>, dilation = array<i64: 1>} : (tensor<1x2x3xf32>, tensor<2x4x3x!quant.uniform<i8:f32, 0.1>>) -> tensor<1x4x5xf32>
  return
}

// -----

func.func @conv_transpose_non_positive_output(%x: tensor<1x2x1xf32>, %w: tensor<2x4x1xf32>) {
  // expected-error @+1 {{'qcc.conv_transpose' op output size of spatial dim 0 is -1, not positive}}
  %y = qcc.conv_transpose %x, %w {stride = array<i64: 1>, padding = array<i64: 1>, output_padding = array<i64: 0>, dilation = array<i64: 1>} : (tensor<1x2x1xf32>, tensor<2x4x1xf32>) -> tensor<1x4x1xf32>
  return
}

// -----

func.func @conv_transpose_stride_overflow(%x: tensor<1x2x3xf32>, %w: tensor<2x4x1xf32>) {
  // expected-error @+1 {{'qcc.conv_transpose' op output size of spatial dim 0 overflows int64}}
  %y = qcc.conv_transpose %x, %w {stride = array<i64: 9223372036854775807>, padding = array<i64: 0>, output_padding = array<i64: 0>, dilation = array<i64: 1>} : (tensor<1x2x3xf32>, tensor<2x4x1xf32>) -> tensor<1x4x1xf32>
  return
}

// -----

func.func @conv_transpose_groups_overflow(%x: tensor<1x2x3xf32>, %w: tensor<2x4x1xf32>) {
  // expected-error @+1 {{'qcc.conv_transpose' op output channels (weight dim 1 times groups) overflow int64}}
  %y = qcc.conv_transpose %x, %w {stride = array<i64: 1>, padding = array<i64: 0>, output_padding = array<i64: 0>, dilation = array<i64: 1>, groups = 4611686018427387904 : i64} : (tensor<1x2x3xf32>, tensor<2x4x1xf32>) -> tensor<1x4x3xf32>
  return
}

// -----

//===----------------------------------------------------------------------===//
// linear, dynamic_linear
//===----------------------------------------------------------------------===//

func.func @linear_features(%x: tensor<3x4xf32>, %w: tensor<2x5xf32>) {
  // expected-error @+1 {{'qcc.linear' op input features 4 do not match weight features 5}}
  %y = qcc.linear %x, %w : (tensor<3x4xf32>, tensor<2x5xf32>) -> tensor<3x2xf32>
  return
}

// -----

func.func @linear_weight_rank(%x: tensor<3x4xf32>, %w: tensor<4xf32>) {
  // expected-error @+1 {{'qcc.linear' op expected input of rank >= 1 and a 2-D weight}}
  %y = qcc.linear %x, %w : (tensor<3x4xf32>, tensor<4xf32>) -> tensor<3xf32>
  return
}

// -----

func.func @linear_scalar_input(%x: tensor<f32>, %w: tensor<2x1xf32>) {
  // expected-error @+1 {{'qcc.linear' op expected input of rank >= 1 and a 2-D weight}}
  %y = qcc.linear %x, %w : (tensor<f32>, tensor<2x1xf32>) -> tensor<2xf32>
  return
}

// -----

func.func @linear_bias(%x: tensor<3x4xf32>, %w: tensor<2x4xf32>, %b: tensor<4xf32>) {
  // expected-error @+1 {{'qcc.linear' op bias shape [4] must be [2]}}
  %y = qcc.linear %x, %w, %b : (tensor<3x4xf32>, tensor<2x4xf32>, tensor<4xf32>) -> tensor<3x2xf32>
  return
}

// -----

func.func @linear_result(%x: tensor<3x4xf32>, %w: tensor<2x4xf32>) {
  // expected-error @+1 {{'qcc.linear' op result shape [2, 3] does not match the expected [3, 2]}}
  %y = qcc.linear %x, %w : (tensor<3x4xf32>, tensor<2x4xf32>) -> tensor<2x3xf32>
  return
}

// -----

func.func @linear_mixed(%x: tensor<3x4x!quant.uniform<u8:f32, 0.1>>, %w: tensor<2x4x!quant.uniform<i8:f32, 0.1>>) {
  // expected-error @+1 {{'qcc.linear' op a float32 result of a quantized input and weight is defined only under the pt2e numerics profile (this module's is fbgemm)}}
  %y = qcc.linear %x, %w : (tensor<3x4x!quant.uniform<u8:f32, 0.1>>, tensor<2x4x!quant.uniform<i8:f32, 0.1>>) -> tensor<3x2xf32>
  return
}

// -----

func.func @linear_mixed_weight(%x: tensor<3x4x!quant.uniform<u8:f32, 0.1>>, %w: tensor<2x4xf32>) {
  // expected-error @+1 {{'qcc.linear' op operands and results must be all quantized or all float}}
  %y = qcc.linear %x, %w : (tensor<3x4x!quant.uniform<u8:f32, 0.1>>, tensor<2x4xf32>) -> tensor<3x2xf32>
  return
}

// -----

func.func @linear_unknown_activation(%x: tensor<3x4xf32>, %w: tensor<2x4xf32>) {
  // expected-error @+1 {{'qcc.linear' op unknown activation 'sigmoid' (expected none, relu or clamp)}}
  %y = qcc.linear %x, %w {activation = "sigmoid"} : (tensor<3x4xf32>, tensor<2x4xf32>) -> tensor<3x2xf32>
  return
}

// -----

func.func @linear_bounds_without_clamp(%x: tensor<3x4xf32>, %w: tensor<2x4xf32>) {
  // expected-error @+1 {{'qcc.linear' op clamp bounds given without activation = "clamp"}}
  %y = qcc.linear %x, %w {clamp_min = 0.0 : f64} : (tensor<3x4xf32>, tensor<2x4xf32>) -> tensor<3x2xf32>
  return
}

// -----

func.func @linear_bad_per_axis_weight(%x: tensor<3x4x!quant.uniform<u8:f32, 0.1>>, %w: tensor<2x4x!quant.uniform<i8:f32:0, {0.1, 0.2, 0.3}>>) {
  // expected-error @+1 {{'qcc.linear' op invalid quantization: 3 scales for dimension 0 of size 2}}
  %y = qcc.linear %x, %w : (tensor<3x4x!quant.uniform<u8:f32, 0.1>>, tensor<2x4x!quant.uniform<i8:f32:0, {0.1, 0.2, 0.3}>>) -> tensor<3x2x!quant.uniform<u8:f32, 0.1>>
  return
}

// -----

func.func @dynamic_linear_features(%x: tensor<3x4xf32>, %w: tensor<2x3x!quant.uniform<i8:f32, 0.1>>) {
  // expected-error @+1 {{'qcc.dynamic_linear' op input features 4 do not match weight features 3}}
  %y = qcc.dynamic_linear %x, %w : (tensor<3x4xf32>, tensor<2x3x!quant.uniform<i8:f32, 0.1>>) -> tensor<3x2xf32>
  return
}

// -----

func.func @dynamic_linear_float_weight(%x: tensor<3x4xf32>, %w: tensor<2x4xf32>) {
  // expected-error @+1 {{'qcc.dynamic_linear' op operand #1 must be ranked tensor of uniform quantized type values}}
  %y = qcc.dynamic_linear %x, %w : (tensor<3x4xf32>, tensor<2x4xf32>) -> tensor<3x2xf32>
  return
}

// -----

func.func @dynamic_linear_bias(%x: tensor<3x4xf32>, %w: tensor<2x4x!quant.uniform<i8:f32, 0.1>>, %b: tensor<3xf32>) {
  // expected-error @+1 {{'qcc.dynamic_linear' op bias shape [3] must be [2]}}
  %y = qcc.dynamic_linear %x, %w, %b : (tensor<3x4xf32>, tensor<2x4x!quant.uniform<i8:f32, 0.1>>, tensor<3xf32>) -> tensor<3x2xf32>
  return
}

// -----

//===----------------------------------------------------------------------===//
// Normalization
//===----------------------------------------------------------------------===//

func.func @batch_norm_params(%x: tensor<1x2x4xf32>, %p: tensor<2xf32>, %q: tensor<3xf32>) {
  // expected-error @+1 {{'qcc.batch_norm' op parameter shape [3] must be [2] (one per channel)}}
  %y = qcc.batch_norm %x, %p, %p, %p, %q {eps = 1.0e-5 : f64} : (tensor<1x2x4xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<3xf32>) -> tensor<1x2x4xf32>
  return
}

// -----

func.func @batch_norm_rank(%x: tensor<4xf32>, %p: tensor<4xf32>) {
  // expected-error @+1 {{'qcc.batch_norm' op input must have a channel dimension (rank >= 2)}}
  %y = qcc.batch_norm %x, %p, %p, %p, %p {eps = 1.0e-5 : f64} : (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return
}

// -----

func.func @batch_norm_negative_eps(%x: tensor<1x2x4xf32>, %p: tensor<2xf32>) {
  // expected-error @+1 {{'qcc.batch_norm' op eps must be non-negative}}
  %y = qcc.batch_norm %x, %p, %p, %p, %p {eps = -1.0e-5 : f64} : (tensor<1x2x4xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x4xf32>
  return
}

// -----

func.func @batch_norm_nan_eps(%x: tensor<1x2x4xf32>, %p: tensor<2xf32>) {
  // expected-error @+1 {{'qcc.batch_norm' op eps must be non-negative}}
  %y = qcc.batch_norm %x, %p, %p, %p, %p {eps = 0x7FF8000000000000 : f64} : (tensor<1x2x4xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x4xf32>
  return
}

// -----

// batch_norm has no clamp_min / clamp_max: only none and relu fuse into it.
func.func @batch_norm_clamp_activation(%x: tensor<1x2x4xf32>, %p: tensor<2xf32>) {
  // expected-error @+1 {{'qcc.batch_norm' op unknown activation 'clamp' (expected none or relu; this op has no clamp bounds)}}
  %y = qcc.batch_norm %x, %p, %p, %p, %p {eps = 1.0e-5 : f64, activation = "clamp"} : (tensor<1x2x4xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x4xf32>
  return
}

// -----

func.func @batch_norm_result(%x: tensor<1x2x4x!quant.uniform<u8:f32, 0.1>>, %p: tensor<2xf32>) {
  // expected-error @+1 {{'qcc.batch_norm' op operands and results must be all quantized or all float}}
  %y = qcc.batch_norm %x, %p, %p, %p, %p {eps = 1.0e-5 : f64} : (tensor<1x2x4x!quant.uniform<u8:f32, 0.1>>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x4xf32>
  return
}

// -----

func.func @batch_norm_missing_eps(%x: tensor<1x2x4xf32>, %p: tensor<2xf32>) {
  // expected-error @+1 {{'qcc.batch_norm' op requires attribute 'eps'}}
  %y = qcc.batch_norm %x, %p, %p, %p, %p : (tensor<1x2x4xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x4xf32>
  return
}

// -----

func.func @layer_norm_not_suffix(%x: tensor<2x3x4xf32>, %w: tensor<3xf32>) {
  // expected-error @+1 {{'qcc.layer_norm' op normalized_shape [3] must be a suffix of the input shape [2, 3, 4]}}
  %y = qcc.layer_norm %x, %w, %w {normalized_shape = array<i64: 3>, eps = 1.0e-5 : f64} : (tensor<2x3x4xf32>, tensor<3xf32>, tensor<3xf32>) -> tensor<2x3x4xf32>
  return
}

// -----

func.func @layer_norm_longer_than_input(%x: tensor<4xf32>, %w: tensor<4xf32>) {
  // expected-error @+1 {{'qcc.layer_norm' op normalized_shape [1, 4] must be a suffix of the input shape [4]}}
  %y = qcc.layer_norm %x, %w, %w {normalized_shape = array<i64: 1, 4>, eps = 1.0e-5 : f64} : (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return
}

// -----

func.func @layer_norm_empty(%x: tensor<f32>, %w: tensor<f32>) {
  // expected-error @+1 {{'qcc.layer_norm' op normalized_shape [] must be a suffix of the input shape []}}
  %y = qcc.layer_norm %x, %w, %w {normalized_shape = array<i64>, eps = 1.0e-5 : f64} : (tensor<f32>, tensor<f32>, tensor<f32>) -> tensor<f32>
  return
}

// -----

func.func @layer_norm_weight(%x: tensor<2x3x4xf32>, %w: tensor<4xf32>, %b: tensor<1x4xf32>) {
  // expected-error @+1 {{'qcc.layer_norm' op weight and bias must have shape [4]}}
  %y = qcc.layer_norm %x, %w, %b {normalized_shape = array<i64: 4>, eps = 1.0e-5 : f64} : (tensor<2x3x4xf32>, tensor<4xf32>, tensor<1x4xf32>) -> tensor<2x3x4xf32>
  return
}

// -----

func.func @layer_norm_eps(%x: tensor<2x4xf32>, %w: tensor<4xf32>) {
  // expected-error @+1 {{'qcc.layer_norm' op eps must be non-negative}}
  %y = qcc.layer_norm %x, %w, %w {normalized_shape = array<i64: 4>, eps = -1.0 : f64} : (tensor<2x4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<2x4xf32>
  return
}

// -----

func.func @group_norm_groups(%x: tensor<1x6x4xf32>, %w: tensor<6xf32>) {
  // expected-error @+1 {{'qcc.group_norm' op channels 6 are not divisible into 4 groups}}
  %y = qcc.group_norm %x, %w, %w {num_groups = 4 : i64, eps = 1.0e-5 : f64} : (tensor<1x6x4xf32>, tensor<6xf32>, tensor<6xf32>) -> tensor<1x6x4xf32>
  return
}

// -----

// num_groups = -1 read through the uint64_t getter would divide 0 channels.
func.func @group_norm_negative_groups(%x: tensor<1x0x4xf32>, %w: tensor<0xf32>) {
  // expected-error @+1 {{'qcc.group_norm' op channels 0 are not divisible into -1 groups}}
  %y = qcc.group_norm %x, %w, %w {num_groups = -1 : i64, eps = 1.0e-5 : f64} : (tensor<1x0x4xf32>, tensor<0xf32>, tensor<0xf32>) -> tensor<1x0x4xf32>
  return
}

// -----

func.func @group_norm_rank(%x: tensor<6xf32>, %w: tensor<6xf32>) {
  // expected-error @+1 {{'qcc.group_norm' op input must have a channel dimension (rank >= 2)}}
  %y = qcc.group_norm %x, %w, %w {num_groups = 2 : i64, eps = 1.0e-5 : f64} : (tensor<6xf32>, tensor<6xf32>, tensor<6xf32>) -> tensor<6xf32>
  return
}

// -----

func.func @group_norm_params(%x: tensor<1x6x4xf32>, %w: tensor<6xf32>, %b: tensor<3xf32>) {
  // expected-error @+1 {{'qcc.group_norm' op parameter shape [3] must be [6] (one per channel)}}
  %y = qcc.group_norm %x, %w, %b {num_groups = 2 : i64, eps = 1.0e-5 : f64} : (tensor<1x6x4xf32>, tensor<6xf32>, tensor<3xf32>) -> tensor<1x6x4xf32>
  return
}

// -----

func.func @instance_norm_params(%x: tensor<1x3x4xf32>, %w: tensor<4xf32>) {
  // expected-error @+1 {{'qcc.instance_norm' op parameter shape [4] must be [3] (one per channel)}}
  %y = qcc.instance_norm %x, %w, %w {eps = 1.0e-5 : f64} : (tensor<1x3x4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<1x3x4xf32>
  return
}

// -----

func.func @instance_norm_eps(%x: tensor<1x3x4xf32>, %w: tensor<3xf32>) {
  // expected-error @+1 {{'qcc.instance_norm' op eps must be non-negative}}
  %y = qcc.instance_norm %x, %w, %w {eps = -0.5 : f64} : (tensor<1x3x4xf32>, tensor<3xf32>, tensor<3xf32>) -> tensor<1x3x4xf32>
  return
}

// -----

func.func @instance_norm_result(%x: tensor<1x3x4xf32>, %w: tensor<3xf32>) {
  // expected-error @+1 {{'qcc.instance_norm' op result shape [1, 3, 5] does not match the expected [1, 3, 4]}}
  %y = qcc.instance_norm %x, %w, %w {eps = 1.0e-5 : f64} : (tensor<1x3x4xf32>, tensor<3xf32>, tensor<3xf32>) -> tensor<1x3x5xf32>
  return
}

// -----

func.func @instance_norm_float_params(%x: tensor<1x3x4xf32>, %w: tensor<3x!quant.uniform<i8:f32, 0.1>>) {
  // expected-error @+1 {{'qcc.instance_norm' op operand #1 must be ranked tensor of 32-bit float values}}
  %y = qcc.instance_norm %x, %w, %w {eps = 1.0e-5 : f64} : (tensor<1x3x4xf32>, tensor<3x!quant.uniform<i8:f32, 0.1>>, tensor<3x!quant.uniform<i8:f32, 0.1>>) -> tensor<1x3x4xf32>
  return
}

// -----

//===----------------------------------------------------------------------===//
// Elementwise
//===----------------------------------------------------------------------===//

func.func @relu_changes_qparams(%x: tensor<4x!quant.uniform<u8:f32, 0.1:128>>) {
  // expected-error @+1 {{'qcc.relu' op result must keep the input's quantization parameters}}
  %y = qcc.relu %x : tensor<4x!quant.uniform<u8:f32, 0.1:128>> -> tensor<4x!quant.uniform<u8:f32, 0.1:0>>
  return
}

// -----

func.func @relu_mixed(%x: tensor<4xf32>) {
  // expected-error @+1 {{'qcc.relu' op operands and results must be all quantized or all float}}
  %y = qcc.relu %x : tensor<4xf32> -> tensor<4x!quant.uniform<u8:f32, 0.1>>
  return
}

// -----

func.func @relu_shape(%x: tensor<4xf32>) {
  // expected-error @+1 {{'qcc.relu' op result shape [2, 2] does not match the expected [4]}}
  %y = qcc.relu %x : tensor<4xf32> -> tensor<2x2xf32>
  return
}

// -----

func.func @relu_integer(%x: tensor<4xi8>) {
  // expected-error @+1 {{'qcc.relu' op operand #0 must be ranked tensor of 32-bit float or uniform quantized type values}}
  %y = qcc.relu %x : tensor<4xi8> -> tensor<4xi8>
  return
}

// -----

func.func @clamp_changes_qparams(%x: tensor<4x!quant.uniform<u8:f32, 0.1>>) {
  // expected-error @+1 {{'qcc.clamp' op result must keep the input's quantization parameters}}
  %y = qcc.clamp %x {min = 0.0 : f64, max = 6.0 : f64} : tensor<4x!quant.uniform<u8:f32, 0.1>> -> tensor<4x!quant.uniform<u8:f32, 0.05>>
  return
}

// -----

func.func @clamp_bounds(%x: tensor<4xf32>) {
  // expected-error @+1 {{'qcc.clamp' op min must not exceed max}}
  %y = qcc.clamp %x {min = 6.0 : f64, max = 0.0 : f64} : tensor<4xf32> -> tensor<4xf32>
  return
}

// -----

func.func @clamp_nan_bound(%x: tensor<4xf32>) {
  // expected-error @+1 {{'qcc.clamp' op min and max must not be nan}}
  %y = qcc.clamp %x {max = 0x7FF8000000000000 : f64} : tensor<4xf32> -> tensor<4xf32>
  return
}

// -----

func.func @elu_shape(%x: tensor<4xf32>) {
  // expected-error @+1 {{'qcc.elu' op result shape [5] does not match the expected [4]}}
  %y = qcc.elu %x : tensor<4xf32> -> tensor<5xf32>
  return
}

// -----

func.func @leaky_relu_mixed(%x: tensor<4x!quant.uniform<u8:f32, 0.1>>) {
  // expected-error @+1 {{'qcc.leaky_relu' op operands and results must be all quantized or all float}}
  %y = qcc.leaky_relu %x {negative_slope = 0.01 : f64} : tensor<4x!quant.uniform<u8:f32, 0.1>> -> tensor<4xf32>
  return
}

// -----

func.func @leaky_relu_slope(%x: tensor<4xf32>) {
  // expected-error @+1 {{'qcc.leaky_relu' op requires attribute 'negative_slope'}}
  %y = qcc.leaky_relu %x : tensor<4xf32> -> tensor<4xf32>
  return
}

// -----

func.func @hardswish_shape(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{'qcc.hardswish' op result shape [3, 2] does not match the expected [2, 3]}}
  %y = qcc.hardswish %x : tensor<2x3xf32> -> tensor<3x2xf32>
  return
}

// -----

func.func @hardsigmoid_mixed(%x: tensor<4xf32>) {
  // expected-error @+1 {{'qcc.hardsigmoid' op operands and results must be all quantized or all float}}
  %y = qcc.hardsigmoid %x : tensor<4xf32> -> tensor<4x!quant.uniform<u8:f32, 0.00390625>>
  return
}

// -----

func.func @sigmoid_shape(%x: tensor<4x!quant.uniform<u8:f32, 0.1>>) {
  // expected-error @+1 {{'qcc.sigmoid' op result shape [1, 4] does not match the expected [4]}}
  %y = qcc.sigmoid %x : tensor<4x!quant.uniform<u8:f32, 0.1>> -> tensor<1x4x!quant.uniform<u8:f32, 0.00390625>>
  return
}

// -----

func.func @tanh_mixed(%x: tensor<4x!quant.uniform<u8:f32, 0.1>>) {
  // expected-error @+1 {{'qcc.tanh' op operands and results must be all quantized or all float}}
  %y = qcc.tanh %x : tensor<4x!quant.uniform<u8:f32, 0.1>> -> tensor<4xf32>
  return
}

// -----

func.func @gelu_shape(%x: tensor<4xf32>) {
  // expected-error @+1 {{'qcc.gelu' op result shape [] does not match the expected [4]}}
  %y = qcc.gelu %x : tensor<4xf32> -> tensor<f32>
  return
}

// -----

func.func @softmax_dim(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{'qcc.softmax' op dim 2 is out of range for rank 2}}
  %y = qcc.softmax %x {dim = 2 : i64} : tensor<2x3xf32> -> tensor<2x3xf32>
  return
}

// -----

func.func @softmax_negative_dim(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{'qcc.softmax' op dim -3 is out of range for rank 2}}
  %y = qcc.softmax %x {dim = -3 : i64} : tensor<2x3xf32> -> tensor<2x3xf32>
  return
}

// -----

func.func @softmax_scalar(%x: tensor<f32>) {
  // expected-error @+1 {{'qcc.softmax' op dim 0 is out of range for rank 0}}
  %y = qcc.softmax %x {dim = 0 : i64} : tensor<f32> -> tensor<f32>
  return
}

// -----

func.func @dropout_p_above_one(%x: tensor<4xf32>) {
  // expected-error @+1 {{'qcc.dropout' op p must be in [0, 1]}}
  %y = qcc.dropout %x {p = 1.5 : f64} : tensor<4xf32> -> tensor<4xf32>
  return
}

// -----

func.func @dropout_p_negative(%x: tensor<4xf32>) {
  // expected-error @+1 {{'qcc.dropout' op p must be in [0, 1]}}
  %y = qcc.dropout %x {p = -0.1 : f64} : tensor<4xf32> -> tensor<4xf32>
  return
}

// -----

func.func @dropout_p_nan(%x: tensor<4xf32>) {
  // expected-error @+1 {{'qcc.dropout' op p must be in [0, 1]}}
  %y = qcc.dropout %x {p = 0x7FF8000000000000 : f64} : tensor<4xf32> -> tensor<4xf32>
  return
}

// -----

func.func @dropout_changes_qparams(%x: tensor<4x!quant.uniform<u8:f32, 0.1>>) {
  // expected-error @+1 {{'qcc.dropout' op result must keep the input's quantization parameters}}
  %y = qcc.dropout %x : tensor<4x!quant.uniform<u8:f32, 0.1>> -> tensor<4x!quant.uniform<u8:f32, 0.2>>
  return
}

// -----

func.func @prelu_slopes(%x: tensor<1x3x4xf32>, %w: tensor<2xf32>) {
  // expected-error @+1 {{'qcc.prelu' op weight shape [2] must hold 1 or 3 slopes}}
  %y = qcc.prelu %x, %w : (tensor<1x3x4xf32>, tensor<2xf32>) -> tensor<1x3x4xf32>
  return
}

// -----

func.func @prelu_mixed(%x: tensor<1x3x4x!quant.uniform<u8:f32, 0.1>>, %w: tensor<3xf32>) {
  // expected-error @+1 {{'qcc.prelu' op operands and results must be all quantized or all float}}
  %y = qcc.prelu %x, %w : (tensor<1x3x4x!quant.uniform<u8:f32, 0.1>>, tensor<3xf32>) -> tensor<1x3x4x!quant.uniform<u8:f32, 0.1>>
  return
}

// -----

func.func @prelu_result(%x: tensor<1x3x4xf32>, %w: tensor<1xf32>) {
  // expected-error @+1 {{'qcc.prelu' op result shape [1, 3] does not match the expected [1, 3, 4]}}
  %y = qcc.prelu %x, %w : (tensor<1x3x4xf32>, tensor<1xf32>) -> tensor<1x3xf32>
  return
}

// -----

// The slope count is an element count: it must not overflow or read a
// dynamic shape.
func.func @prelu_dynamic_weight(%x: tensor<1x3x4xf32>, %w: tensor<?xf32>) {
  // expected-error @+1 {{'qcc.prelu' op operands and results must have static shapes, got 'tensor<?xf32>'}}
  %y = qcc.prelu %x, %w : (tensor<1x3x4xf32>, tensor<?xf32>) -> tensor<1x3x4xf32>
  return
}

// -----

func.func @add_broadcast(%a: tensor<2x3xf32>, %b: tensor<2xf32>) {
  // expected-error @+1 {{'qcc.add' op operand shapes [2, 3] and [2] do not broadcast}}
  %y = qcc.add %a, %b : (tensor<2x3xf32>, tensor<2xf32>) -> tensor<2x3xf32>
  return
}

// -----

func.func @add_mixed(%a: tensor<3xf32>, %b: tensor<3x!quant.uniform<u8:f32, 0.1>>) {
  // expected-error @+1 {{'qcc.add' op operands and results must be all quantized or all float}}
  %y = qcc.add %a, %b : (tensor<3xf32>, tensor<3x!quant.uniform<u8:f32, 0.1>>) -> tensor<3xf32>
  return
}

// -----

func.func @add_result(%a: tensor<2x1xf32>, %b: tensor<3xf32>) {
  // expected-error @+1 {{'qcc.add' op result shape [2, 1] does not match the expected [2, 3]}}
  %y = qcc.add %a, %b : (tensor<2x1xf32>, tensor<3xf32>) -> tensor<2x1xf32>
  return
}

// -----

// add and mul have no clamp_min / clamp_max attributes: clamp bounds given as
// discardable attributes would be silently ignored.
func.func @add_clamp_activation(%a: tensor<3xf32>) {
  // expected-error @+1 {{'qcc.add' op unknown activation 'clamp' (expected none or relu; this op has no clamp bounds)}}
  %y = qcc.add %a, %a {activation = "clamp", clamp_min = 0.0 : f64} : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  return
}

// -----

func.func @mul_unknown_activation(%a: tensor<3xf32>) {
  // expected-error @+1 {{'qcc.mul' op unknown activation 'tanh' (expected none or relu; this op has no clamp bounds)}}
  %y = qcc.mul %a, %a {activation = "tanh"} : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  return
}

// -----

func.func @mul_broadcast(%a: tensor<4x3xf32>, %b: tensor<2x1xf32>) {
  // expected-error @+1 {{'qcc.mul' op operand shapes [4, 3] and [2, 1] do not broadcast}}
  %y = qcc.mul %a, %b : (tensor<4x3xf32>, tensor<2x1xf32>) -> tensor<4x3xf32>
  return
}

// -----

func.func @add_scalar_shape(%x: tensor<4xf32>) {
  // expected-error @+1 {{'qcc.add_scalar' op result shape [2] does not match the expected [4]}}
  %y = qcc.add_scalar %x {value = 1.0 : f64} : tensor<4xf32> -> tensor<2xf32>
  return
}

// -----

func.func @add_scalar_value(%x: tensor<4xf32>) {
  // expected-error @+1 {{'qcc.add_scalar' op attribute 'value' failed to satisfy constraint: 64-bit float attribute}}
  %y = qcc.add_scalar %x {value = 1 : i64} : tensor<4xf32> -> tensor<4xf32>
  return
}

// -----

func.func @mul_scalar_mixed(%x: tensor<4x!quant.uniform<u8:f32, 0.1>>) {
  // expected-error @+1 {{'qcc.mul_scalar' op operands and results must be all quantized or all float}}
  %y = qcc.mul_scalar %x {value = 2.0 : f64} : tensor<4x!quant.uniform<u8:f32, 0.1>> -> tensor<4xf32>
  return
}

// -----

func.func @matmul_rank(%a: tensor<4xf32>, %b: tensor<4x2xf32>) {
  // expected-error @+1 {{'qcc.matmul' op operands must have rank >= 2}}
  %y = qcc.matmul %a, %b : (tensor<4xf32>, tensor<4x2xf32>) -> tensor<2xf32>
  return
}

// -----

func.func @matmul_contracting(%a: tensor<3x4xf32>, %b: tensor<5x2xf32>) {
  // expected-error @+1 {{'qcc.matmul' op contracting dimensions differ: 4 vs 5}}
  %y = qcc.matmul %a, %b : (tensor<3x4xf32>, tensor<5x2xf32>) -> tensor<3x2xf32>
  return
}

// -----

func.func @matmul_batch(%a: tensor<2x3x4xf32>, %b: tensor<3x4x2xf32>) {
  // expected-error @+1 {{'qcc.matmul' op batch dimensions do not broadcast}}
  %y = qcc.matmul %a, %b : (tensor<2x3x4xf32>, tensor<3x4x2xf32>) -> tensor<2x3x2xf32>
  return
}

// -----

func.func @matmul_result(%a: tensor<3x4xf32>, %b: tensor<4x2xf32>) {
  // expected-error @+1 {{'qcc.matmul' op result shape [3, 4] does not match the expected [3, 2]}}
  %y = qcc.matmul %a, %b : (tensor<3x4xf32>, tensor<4x2xf32>) -> tensor<3x4xf32>
  return
}

// -----

func.func @matmul_mixed(%a: tensor<3x4x!quant.uniform<u8:f32, 0.1>>, %b: tensor<4x2xf32>) {
  // expected-error @+1 {{'qcc.matmul' op operands and results must be all quantized or all float}}
  %y = qcc.matmul %a, %b : (tensor<3x4x!quant.uniform<u8:f32, 0.1>>, tensor<4x2xf32>) -> tensor<3x2xf32>
  return
}

// -----

//===----------------------------------------------------------------------===//
// Data movement
//===----------------------------------------------------------------------===//

func.func @cat_no_inputs() {
  // expected-error @+1 {{'qcc.cat' op needs at least one input}}
  %y = qcc.cat {dim = 0 : i64} : () -> tensor<0xf32>
  return
}

// -----

func.func @cat_other_dims(%a: tensor<2x3xf32>, %b: tensor<2x4xf32>) {
  // expected-error @+1 {{'qcc.cat' op input shape [2, 4] differs outside dim 0}}
  %y = qcc.cat %a, %b {dim = 0 : i64} : (tensor<2x3xf32>, tensor<2x4xf32>) -> tensor<4x3xf32>
  return
}

// -----

func.func @cat_rank(%a: tensor<2x3xf32>, %b: tensor<3xf32>) {
  // expected-error @+1 {{'qcc.cat' op inputs must have the same rank}}
  %y = qcc.cat %a, %b {dim = 0 : i64} : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<3x3xf32>
  return
}

// -----

func.func @cat_dim(%a: tensor<2x3xf32>) {
  // expected-error @+1 {{'qcc.cat' op dim 2 is out of range for rank 2}}
  %y = qcc.cat %a, %a {dim = 2 : i64} : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x6xf32>
  return
}

// -----

func.func @cat_scalars(%a: tensor<f32>) {
  // expected-error @+1 {{'qcc.cat' op dim 0 is out of range for rank 0}}
  %y = qcc.cat %a, %a {dim = 0 : i64} : (tensor<f32>, tensor<f32>) -> tensor<2xf32>
  return
}

// -----

func.func @cat_result(%a: tensor<2x3xf32>) {
  // expected-error @+1 {{'qcc.cat' op result shape [2, 5] does not match the expected [2, 6]}}
  %y = qcc.cat %a, %a {dim = -1 : i64} : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x5xf32>
  return
}

// -----

func.func @cat_mixed(%a: tensor<2x3xf32>, %b: tensor<2x3x!quant.uniform<u8:f32, 0.1>>) {
  // expected-error @+1 {{'qcc.cat' op operands and results must be all quantized or all float}}
  %y = qcc.cat %a, %b {dim = 0 : i64} : (tensor<2x3xf32>, tensor<2x3x!quant.uniform<u8:f32, 0.1>>) -> tensor<4x3xf32>
  return
}

// -----

func.func @cat_overflow(%a: tensor<4611686018427387904xf32>) {
  // expected-error @+1 {{'qcc.cat' op concatenated size along dim 0 overflows int64}}
  %y = qcc.cat %a, %a {dim = 0 : i64} : (tensor<4611686018427387904xf32>, tensor<4611686018427387904xf32>) -> tensor<1xf32>
  return
}

// -----

func.func @split_sizes_sum(%x: tensor<2x5xf32>) {
  // expected-error @+1 {{'qcc.split' op split sizes do not sum to 5, the size of dim 1}}
  %y:2 = qcc.split %x {split_sizes = array<i64: 2, 2>, dim = 1 : i64} : (tensor<2x5xf32>) -> (tensor<2x2xf32>, tensor<2x2xf32>)
  return
}

// -----

func.func @split_result_count(%x: tensor<2x5xf32>) {
  // expected-error @+1 {{'qcc.split' op has 2 results for 3 split sizes}}
  %y:2 = qcc.split %x {split_sizes = array<i64: 2, 2, 1>, dim = 1 : i64} : (tensor<2x5xf32>) -> (tensor<2x2xf32>, tensor<2x2xf32>)
  return
}

// -----

func.func @split_negative_size(%x: tensor<2x5xf32>) {
  // expected-error @+1 {{'qcc.split' op split sizes must be non-negative}}
  %y:2 = qcc.split %x {split_sizes = array<i64: 6, -1>, dim = 1 : i64} : (tensor<2x5xf32>) -> (tensor<2x6xf32>, tensor<2x1xf32>)
  return
}

// -----

func.func @split_result_shape(%x: tensor<2x5xf32>) {
  // expected-error @+1 {{'qcc.split' op result shape [2, 3] does not match the expected [2, 2]}}
  %y:2 = qcc.split %x {split_sizes = array<i64: 2, 3>, dim = 1 : i64} : (tensor<2x5xf32>) -> (tensor<2x3xf32>, tensor<2x2xf32>)
  return
}

// -----

func.func @split_changes_qparams(%x: tensor<4x!quant.uniform<u8:f32, 0.1>>) {
  // expected-error @+1 {{'qcc.split' op results must keep the input's element type}}
  %y:2 = qcc.split %x {split_sizes = array<i64: 2, 2>, dim = 0 : i64} : (tensor<4x!quant.uniform<u8:f32, 0.1>>) -> (tensor<2x!quant.uniform<u8:f32, 0.1>>, tensor<2x!quant.uniform<u8:f32, 0.2>>)
  return
}

// -----

func.func @split_dim(%x: tensor<4xf32>) {
  // expected-error @+1 {{'qcc.split' op dim 1 is out of range for rank 1}}
  %y = qcc.split %x {split_sizes = array<i64: 4>, dim = 1 : i64} : (tensor<4xf32>) -> tensor<4xf32>
  return
}

// -----

// Splitting along the per-axis dimension leaves each piece with too many scales.
!qc = !quant.uniform<i8:f32:0, {0.1, 0.2, 0.3, 0.4}>
func.func @split_per_axis_dim(%x: tensor<4x2x!qc>) {
  // expected-error @+1 {{'qcc.split' op invalid quantization: 4 scales for dimension 0 of size 2}}
  %y:2 = qcc.split %x {split_sizes = array<i64: 2, 2>, dim = 0 : i64} : (tensor<4x2x!qc>) -> (tensor<2x2x!qc>, tensor<2x2x!qc>)
  return
}

// -----

func.func @reshape_count(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{'qcc.reshape' op cannot reshape [2, 3] (6 elements) to [7] (7 elements)}}
  %y = qcc.reshape %x : tensor<2x3xf32> -> tensor<7xf32>
  return
}

// -----

func.func @reshape_per_axis(%x: tensor<2x3x!quant.uniform<i8:f32:0, {0.1, 0.2}>>) {
  // expected-error @+1 {{'qcc.reshape' op cannot reshape a per-axis quantized tensor}}
  %y = qcc.reshape %x : tensor<2x3x!quant.uniform<i8:f32:0, {0.1, 0.2}>> -> tensor<2x3x1x!quant.uniform<i8:f32:0, {0.1, 0.2}>>
  return
}

// -----

func.func @reshape_element_type(%x: tensor<6x!quant.uniform<u8:f32, 0.1>>) {
  // expected-error @+1 {{'qcc.reshape' op result must keep the input's element type}}
  %y = qcc.reshape %x : tensor<6x!quant.uniform<u8:f32, 0.1>> -> tensor<2x3x!quant.uniform<u8:f32, 0.2>>
  return
}

// -----

func.func @reshape_dynamic(%x: tensor<?x3xf32>) {
  // expected-error @+1 {{'qcc.reshape' op operands and results must have static shapes, got 'tensor<?x3xf32>'}}
  %y = qcc.reshape %x : tensor<?x3xf32> -> tensor<6xf32>
  return
}

// -----

func.func @reshape_overflow(%x: tensor<4294967296x4294967296xf32>) {
  // expected-error @+1 {{'qcc.reshape' op element count overflows int64}}
  %y = qcc.reshape %x : tensor<4294967296x4294967296xf32> -> tensor<1xf32>
  return
}

// -----

func.func @permute_duplicate(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{'qcc.permute' op dims must be a permutation of 0..rank-1}}
  %y = qcc.permute %x {dims = array<i64: 0, 0>} : tensor<2x3xf32> -> tensor<2x2xf32>
  return
}

// -----

func.func @permute_out_of_range(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{'qcc.permute' op dims must be a permutation of 0..rank-1}}
  %y = qcc.permute %x {dims = array<i64: 2, -1>} : tensor<2x3xf32> -> tensor<3x2xf32>
  return
}

// -----

func.func @permute_length(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{'qcc.permute' op dims has 3 entries for rank 2}}
  %y = qcc.permute %x {dims = array<i64: 1, 0, 2>} : tensor<2x3xf32> -> tensor<3x2xf32>
  return
}

// -----

func.func @permute_result(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{'qcc.permute' op result shape [2, 3] does not match the expected [3, 2]}}
  %y = qcc.permute %x {dims = array<i64: 1, 0>} : tensor<2x3xf32> -> tensor<2x3xf32>
  return
}

// -----

func.func @permute_element_type(%x: tensor<2x3x!quant.uniform<u8:f32, 0.1>>) {
  // expected-error @+1 {{'qcc.permute' op result element type must be '!quant.uniform<u8:f32, 1.000000e-01>' (the input's, with a per-axis dimension permuted)}}
  %y = qcc.permute %x {dims = array<i64: 1, 0>} : tensor<2x3x!quant.uniform<u8:f32, 0.1>> -> tensor<3x2xf32>
  return
}

// -----

// A per-axis tensor's quantized dimension moves: keeping axis 0 after a
// transpose would apply the scales to the wrong dimension.
func.func @permute_per_axis_not_moved(%x: tensor<2x2x!quant.uniform<i8:f32:0, {0.1, 0.2}>>) {
  // expected-error @+1 {{'qcc.permute' op result element type must be '!quant.uniform<i8:f32:1, {1.000000e-01,2.000000e-01}>'}}
  %y = qcc.permute %x {dims = array<i64: 1, 0>} : tensor<2x2x!quant.uniform<i8:f32:0, {0.1, 0.2}>> -> tensor<2x2x!quant.uniform<i8:f32:0, {0.1, 0.2}>>
  return
}

// -----

func.func @pad_odd(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{'qcc.pad' op pads must hold a (before, after) pair per padded dimension}}
  %y = qcc.pad %x {pads = array<i64: 1, 1, 1>} : tensor<2x3xf32> -> tensor<2x5xf32>
  return
}

// -----

func.func @pad_too_many(%x: tensor<3xf32>) {
  // expected-error @+1 {{'qcc.pad' op pads must hold a (before, after) pair per padded dimension}}
  %y = qcc.pad %x {pads = array<i64: 1, 1, 1, 1>} : tensor<3xf32> -> tensor<5xf32>
  return
}

// -----

func.func @pad_mode(%x: tensor<3xf32>) {
  // expected-error @+1 {{'qcc.pad' op unknown mode 'symmetric'}}
  %y = qcc.pad %x {pads = array<i64: 1, 1>, mode = "symmetric"} : tensor<3xf32> -> tensor<5xf32>
  return
}

// -----

func.func @pad_reflect_too_wide(%x: tensor<1x3xf32>) {
  // expected-error @+1 {{'qcc.pad' op reflect padding must be smaller than the padded dimension}}
  %y = qcc.pad %x {pads = array<i64: 3, 0>, mode = "reflect"} : tensor<1x3xf32> -> tensor<1x6xf32>
  return
}

// -----

func.func @pad_circular_too_wide(%x: tensor<1x3xf32>) {
  // expected-error @+1 {{'qcc.pad' op circular padding must not exceed the padded dimension}}
  %y = qcc.pad %x {pads = array<i64: 0, 4>, mode = "circular"} : tensor<1x3xf32> -> tensor<1x7xf32>
  return
}

// -----

func.func @pad_replicate_empty(%x: tensor<1x0xf32>) {
  // expected-error @+1 {{'qcc.pad' op replicate padding needs a non-empty padded dimension}}
  %y = qcc.pad %x {pads = array<i64: 1, 1>, mode = "replicate"} : tensor<1x0xf32> -> tensor<1x2xf32>
  return
}

// -----

func.func @pad_crop_below_zero(%x: tensor<1x3xf32>) {
  // expected-error @+1 {{'qcc.pad' op padding dimension 1 of size 3 by (-2, -2) gives no valid size}}
  %y = qcc.pad %x {pads = array<i64: -2, -2>} : tensor<1x3xf32> -> tensor<1x0xf32>
  return
}

// -----

func.func @pad_overflow(%x: tensor<1x3xf32>) {
  // expected-error @+1 {{'qcc.pad' op padding dimension 1 of size 3 by (9223372036854775807, 0) gives no valid size}}
  %y = qcc.pad %x {pads = array<i64: 9223372036854775807, 0>} : tensor<1x3xf32> -> tensor<1x3xf32>
  return
}

// -----

func.func @pad_result(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{'qcc.pad' op result shape [4, 3] does not match the expected [2, 5]}}
  %y = qcc.pad %x {pads = array<i64: 1, 1>} : tensor<2x3xf32> -> tensor<4x3xf32>
  return
}

// -----

func.func @pad_changes_qparams(%x: tensor<3x!quant.uniform<u8:f32, 0.1>>) {
  // expected-error @+1 {{'qcc.pad' op result must keep the input's element type}}
  %y = qcc.pad %x {pads = array<i64: 1, 1>} : tensor<3x!quant.uniform<u8:f32, 0.1>> -> tensor<5x!quant.uniform<u8:f32, 0.1:1>>
  return
}

// -----

func.func @interpolate_rank(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{'qcc.interpolate' op input and result must have rank 3 to 5 (N, C, spatial)}}
  %y = qcc.interpolate %x : tensor<2x3xf32> -> tensor<2x6xf32>
  return
}

// -----

func.func @interpolate_channels(%x: tensor<1x2x3xf32>) {
  // expected-error @+1 {{'qcc.interpolate' op batch and channel dimensions must not change}}
  %y = qcc.interpolate %x : tensor<1x2x3xf32> -> tensor<1x4x6xf32>
  return
}

// -----

func.func @interpolate_mode(%x: tensor<1x2x3x3xf32>) {
  // expected-error @+1 {{'qcc.interpolate' op unknown mode 'bicubic'}}
  %y = qcc.interpolate %x {mode = "bicubic"} : tensor<1x2x3x3xf32> -> tensor<1x2x6x6xf32>
  return
}

// -----

func.func @interpolate_bilinear_rank(%x: tensor<1x2x3xf32>) {
  // expected-error @+1 {{'qcc.interpolate' op bilinear mode needs a 4-D input}}
  %y = qcc.interpolate %x {mode = "bilinear"} : tensor<1x2x3xf32> -> tensor<1x2x6xf32>
  return
}

// -----

func.func @interpolate_align_corners_nearest(%x: tensor<1x2x3x3xf32>) {
  // expected-error @+1 {{'qcc.interpolate' op align_corners needs mode "bilinear"}}
  %y = qcc.interpolate %x {align_corners = true} : tensor<1x2x3x3xf32> -> tensor<1x2x6x6xf32>
  return
}

// -----

func.func @interpolate_mixed(%x: tensor<1x2x3x3x!quant.uniform<u8:f32, 0.1>>) {
  // expected-error @+1 {{'qcc.interpolate' op operands and results must be all quantized or all float}}
  %y = qcc.interpolate %x : tensor<1x2x3x3x!quant.uniform<u8:f32, 0.1>> -> tensor<1x2x6x6xf32>
  return
}

// -----

//===----------------------------------------------------------------------===//
// Pooling
//===----------------------------------------------------------------------===//

func.func @max_pool_changes_qparams(%x: tensor<1x1x4x!quant.uniform<u8:f32, 0.1>>) {
  // expected-error @+1 {{'qcc.max_pool' op result must keep the input's element type}}
  %y = qcc.max_pool %x {kernel_size = array<i64: 2>, stride = array<i64: 2>, padding = array<i64: 0>, dilation = array<i64: 1>} : tensor<1x1x4x!quant.uniform<u8:f32, 0.1>> -> tensor<1x1x2x!quant.uniform<u8:f32, 0.2>>
  return
}

// -----

func.func @max_pool_output_shape(%x: tensor<1x2x6x6xf32>) {
  // expected-error @+1 {{'qcc.max_pool' op result shape [1, 2, 2, 2] does not match the expected [1, 2, 3, 3]}}
  %y = qcc.max_pool %x {kernel_size = array<i64: 2, 2>, stride = array<i64: 2, 2>, padding = array<i64: 0, 0>, dilation = array<i64: 1, 1>} : tensor<1x2x6x6xf32> -> tensor<1x2x2x2xf32>
  return
}

// -----

func.func @max_pool_ceil_mode_shape(%x: tensor<1x2x5xf32>) {
  // expected-error @+1 {{'qcc.max_pool' op result shape [1, 2, 2] does not match the expected [1, 2, 3]}}
  %y = qcc.max_pool %x {kernel_size = array<i64: 2>, stride = array<i64: 2>, padding = array<i64: 0>, dilation = array<i64: 1>, ceil_mode = true} : tensor<1x2x5xf32> -> tensor<1x2x2xf32>
  return
}

// -----

func.func @max_pool_kernel_rank(%x: tensor<1x2x3x4x5x6xf32>) {
  // expected-error @+1 {{'qcc.max_pool' op kernel_size must have 1 to 3 entries}}
  %y = qcc.max_pool %x {kernel_size = array<i64: 1, 1, 1, 1>, stride = array<i64: 1, 1, 1, 1>, padding = array<i64: 0, 0, 0, 0>, dilation = array<i64: 1, 1, 1, 1>} : tensor<1x2x3x4x5x6xf32> -> tensor<1x2x3x4x5x6xf32>
  return
}

// -----

func.func @max_pool_kernel_longer_than_spatial(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{'qcc.max_pool' op kernel_size must have 1 to 3 entries}}
  %y = qcc.max_pool %x {kernel_size = array<i64: 1, 1>, stride = array<i64: 1, 1>, padding = array<i64: 0, 0>, dilation = array<i64: 1, 1>} : tensor<2x3xf32> -> tensor<2x3xf32>
  return
}

// -----

func.func @max_pool_rank(%x: tensor<4xf32>) {
  // expected-error @+1 {{'qcc.max_pool' op input must have rank >= 2}}
  %y = qcc.max_pool %x {kernel_size = array<i64: 2>, stride = array<i64: 2>, padding = array<i64: 0>, dilation = array<i64: 1>} : tensor<4xf32> -> tensor<2xf32>
  return
}

// -----

func.func @max_pool_stride_count(%x: tensor<1x2x4x4xf32>) {
  // expected-error @+1 {{'qcc.max_pool' op stride has 1 entries, expected 2}}
  %y = qcc.max_pool %x {kernel_size = array<i64: 2, 2>, stride = array<i64: 2>, padding = array<i64: 0, 0>, dilation = array<i64: 1, 1>} : tensor<1x2x4x4xf32> -> tensor<1x2x2x2xf32>
  return
}

// -----

func.func @max_pool_padding(%x: tensor<1x2x4xf32>) {
  // expected-error @+1 {{'qcc.max_pool' op padding must be at most half the kernel size}}
  %y = qcc.max_pool %x {kernel_size = array<i64: 3>, stride = array<i64: 1>, padding = array<i64: 2>, dilation = array<i64: 1>} : tensor<1x2x4xf32> -> tensor<1x2x6xf32>
  return
}

// -----

func.func @max_pool_window_too_large(%x: tensor<1x2x2xf32>) {
  // expected-error @+1 {{'qcc.max_pool' op the window does not fit the padded input in spatial dim 0}}
  %y = qcc.max_pool %x {kernel_size = array<i64: 3>, stride = array<i64: 1>, padding = array<i64: 0>, dilation = array<i64: 1>} : tensor<1x2x2xf32> -> tensor<1x2x0xf32>
  return
}

// -----

func.func @max_pool_mixed(%x: tensor<1x2x4xf32>) {
  // expected-error @+1 {{'qcc.max_pool' op result must keep the input's element type}}
  %y = qcc.max_pool %x {kernel_size = array<i64: 2>, stride = array<i64: 2>, padding = array<i64: 0>, dilation = array<i64: 1>} : tensor<1x2x4xf32> -> tensor<1x2x2x!quant.uniform<u8:f32, 0.1>>
  return
}

// -----

func.func @max_pool_dilation_overflow(%x: tensor<1x2x4xf32>) {
  // expected-error @+1 {{'qcc.max_pool' op output size of spatial dim 0 overflows int64}}
  %y = qcc.max_pool %x {kernel_size = array<i64: 3>, stride = array<i64: 1>, padding = array<i64: 0>, dilation = array<i64: 9223372036854775807>} : tensor<1x2x4xf32> -> tensor<1x2x1xf32>
  return
}

// -----

func.func @avg_pool_divisor(%x: tensor<1x2x4xf32>) {
  // expected-error @+1 {{'qcc.avg_pool' op divisor_override must be positive}}
  %y = qcc.avg_pool %x {kernel_size = array<i64: 2>, stride = array<i64: 2>, padding = array<i64: 0>, divisor_override = 0 : i64} : tensor<1x2x4xf32> -> tensor<1x2x2xf32>
  return
}

// -----

// divisor_override is an I64Attr read through a uint64_t getter.
func.func @avg_pool_negative_divisor(%x: tensor<1x2x4xf32>) {
  // expected-error @+1 {{'qcc.avg_pool' op divisor_override must be positive}}
  %y = qcc.avg_pool %x {kernel_size = array<i64: 2>, stride = array<i64: 2>, padding = array<i64: 0>, divisor_override = -2 : i64} : tensor<1x2x4xf32> -> tensor<1x2x2xf32>
  return
}

// -----

func.func @avg_pool_output_shape(%x: tensor<1x2x4x4x!quant.uniform<u8:f32, 0.1>>) {
  // expected-error @+1 {{'qcc.avg_pool' op result shape [1, 2, 4, 4] does not match the expected [1, 2, 2, 2]}}
  %y = qcc.avg_pool %x {kernel_size = array<i64: 2, 2>, stride = array<i64: 2, 2>, padding = array<i64: 0, 0>} : tensor<1x2x4x4x!quant.uniform<u8:f32, 0.1>> -> tensor<1x2x4x4x!quant.uniform<u8:f32, 0.1>>
  return
}

// -----

func.func @avg_pool_empty_kernel(%x: tensor<1x2x4xf32>) {
  // expected-error @+1 {{'qcc.avg_pool' op kernel_size must have 1 to 3 entries}}
  %y = qcc.avg_pool %x {kernel_size = array<i64>, stride = array<i64>, padding = array<i64>} : tensor<1x2x4xf32> -> tensor<1x2x4xf32>
  return
}

// -----

func.func @avg_pool_kernel_zero(%x: tensor<1x2x4xf32>) {
  // expected-error @+1 {{'qcc.avg_pool' op kernel_size entries must be at least 1}}
  %y = qcc.avg_pool %x {kernel_size = array<i64: 0>, stride = array<i64: 1>, padding = array<i64: 0>} : tensor<1x2x4xf32> -> tensor<1x2x5xf32>
  return
}

// -----

func.func @avg_pool_mixed(%x: tensor<1x2x4x!quant.uniform<u8:f32, 0.1>>) {
  // expected-error @+1 {{'qcc.avg_pool' op operands and results must be all quantized or all float}}
  %y = qcc.avg_pool %x {kernel_size = array<i64: 2>, stride = array<i64: 2>, padding = array<i64: 0>} : tensor<1x2x4x!quant.uniform<u8:f32, 0.1>> -> tensor<1x2x2xf32>
  return
}

// -----

func.func @adaptive_avg_pool_rank(%x: tensor<1x2x4xf32>) {
  // expected-error @+1 {{'qcc.adaptive_avg_pool' op input and result must have the same rank (>= 2)}}
  %y = qcc.adaptive_avg_pool %x : tensor<1x2x4xf32> -> tensor<1x2x1x1xf32>
  return
}

// -----

func.func @adaptive_avg_pool_scalar(%x: tensor<f32>) {
  // expected-error @+1 {{'qcc.adaptive_avg_pool' op input and result must have the same rank (>= 2)}}
  %y = qcc.adaptive_avg_pool %x : tensor<f32> -> tensor<f32>
  return
}

// -----

func.func @adaptive_avg_pool_channels(%x: tensor<1x2x4xf32>) {
  // expected-error @+1 {{'qcc.adaptive_avg_pool' op leading dimensions must not change}}
  %y = qcc.adaptive_avg_pool %x : tensor<1x2x4xf32> -> tensor<1x3x1xf32>
  return
}

// -----

func.func @adaptive_avg_pool_mixed(%x: tensor<1x2x4xf32>) {
  // expected-error @+1 {{'qcc.adaptive_avg_pool' op operands and results must be all quantized or all float}}
  %y = qcc.adaptive_avg_pool %x : tensor<1x2x4xf32> -> tensor<1x2x1x!quant.uniform<u8:f32, 0.1>>
  return
}

// -----

func.func @mean_dim_twice(%x: tensor<1x2x4x4xf32>) {
  // expected-error @+1 {{'qcc.mean' op dim -1 is listed twice}}
  %y = qcc.mean %x {dims = array<i64: 3, -1>} : tensor<1x2x4x4xf32> -> tensor<1x2x4xf32>
  return
}

// -----

func.func @mean_dim_range(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{'qcc.mean' op dim 2 is out of range for rank 2}}
  %y = qcc.mean %x {dims = array<i64: 2>} : tensor<2x3xf32> -> tensor<2xf32>
  return
}

// -----

func.func @mean_result(%x: tensor<1x2x4x4xf32>) {
  // expected-error @+1 {{'qcc.mean' op result shape [1, 2] does not match the expected [1, 2, 1, 1]}}
  %y = qcc.mean %x {dims = array<i64: 2, 3>, keepdim = true} : tensor<1x2x4x4xf32> -> tensor<1x2xf32>
  return
}

// -----

func.func @mean_changes_qparams(%x: tensor<1x2x4x!quant.uniform<u8:f32, 0.1>>) {
  // expected-error @+1 {{'qcc.mean' op result must keep the input's element type}}
  %y = qcc.mean %x {dims = array<i64: 2>} : tensor<1x2x4x!quant.uniform<u8:f32, 0.1>> -> tensor<1x2x!quant.uniform<u8:f32, 0.2>>
  return
}

// -----

// Reducing the per-axis dimension leaves one scale per removed index.
!qc = !quant.uniform<i8:f32:1, {0.1, 0.2}>
func.func @mean_per_axis_dim(%x: tensor<1x2x4x!qc>) {
  // expected-error @+1 {{'qcc.mean' op invalid quantization: 2 scales for dimension 1 of size 1}}
  %y = qcc.mean %x {dims = array<i64: 1>, keepdim = true} : tensor<1x2x4x!qc> -> tensor<1x1x4x!qc>
  return
}
// -----

//===----------------------------------------------------------------------===//
// Embeddings
//===----------------------------------------------------------------------===//

func.func @embedding_bits(%t: tensor<10x4xui8>, %s: tensor<10xf32>, %i: tensor<3xi64>) {
  // expected-error @+1 {{'qcc.embedding' op bits must be 8 or 4, got 2}}
  %y = qcc.embedding %t, %s, %s, %i {bits = 2 : i64} : (tensor<10x4xui8>, tensor<10xf32>, tensor<10xf32>, tensor<3xi64>) -> tensor<3x16xf32>
  return
}

// -----

func.func @embedding_table_type(%t: tensor<10x4xi8>, %s: tensor<10xf32>, %i: tensor<3xi64>) {
  // expected-error @+1 {{'qcc.embedding' op weight must be a 2-D ui8 tensor of packed rows}}
  %y = qcc.embedding %t, %s, %s, %i {bits = 8 : i64} : (tensor<10x4xi8>, tensor<10xf32>, tensor<10xf32>, tensor<3xi64>) -> tensor<3x4xf32>
  return
}

// -----

func.func @embedding_table_rank(%t: tensor<40xui8>, %s: tensor<10xf32>, %i: tensor<3xi64>) {
  // expected-error @+1 {{'qcc.embedding' op weight must be a 2-D ui8 tensor of packed rows}}
  %y = qcc.embedding %t, %s, %s, %i {bits = 8 : i64} : (tensor<40xui8>, tensor<10xf32>, tensor<10xf32>, tensor<3xi64>) -> tensor<3x4xf32>
  return
}

// -----

func.func @embedding_scales(%t: tensor<10x4xui8>, %s: tensor<10xf32>, %z: tensor<9xf32>, %i: tensor<3xi64>) {
  // expected-error @+1 {{'qcc.embedding' op scales and zero_points must have shape [10]}}
  %y = qcc.embedding %t, %s, %z, %i {bits = 8 : i64} : (tensor<10x4xui8>, tensor<10xf32>, tensor<9xf32>, tensor<3xi64>) -> tensor<3x4xf32>
  return
}

// -----

func.func @embedding_packed_width(%t: tensor<10x4xui8>, %s: tensor<10xf32>, %i: tensor<3xi64>) {
  // expected-error @+1 {{'qcc.embedding' op table rows hold 4 bytes, an embedding of 4 4-bit values needs 2}}
  %y = qcc.embedding %t, %s, %s, %i {bits = 4 : i64} : (tensor<10x4xui8>, tensor<10xf32>, tensor<10xf32>, tensor<3xi64>) -> tensor<3x4xf32>
  return
}

// -----

func.func @embedding_padding_idx(%t: tensor<10x4xui8>, %s: tensor<10xf32>, %i: tensor<3xi64>) {
  // expected-error @+1 {{'qcc.embedding' op padding_idx 10 is outside the table of 10 rows}}
  %y = qcc.embedding %t, %s, %s, %i {bits = 8 : i64, padding_idx = 10 : i64} : (tensor<10x4xui8>, tensor<10xf32>, tensor<10xf32>, tensor<3xi64>) -> tensor<3x4xf32>
  return
}

// -----

func.func @embedding_result_rank(%t: tensor<10x4xui8>, %s: tensor<10xf32>, %i: tensor<i64>) {
  // expected-error @+1 {{'qcc.embedding' op result must have rank >= 1}}
  %y = qcc.embedding %t, %s, %s, %i {bits = 8 : i64} : (tensor<10x4xui8>, tensor<10xf32>, tensor<10xf32>, tensor<i64>) -> tensor<f32>
  return
}

// -----

func.func @embedding_result(%t: tensor<10x4xui8>, %s: tensor<10xf32>, %i: tensor<2x3xi64>) {
  // expected-error @+1 {{'qcc.embedding' op result shape [6, 4] does not match the expected [2, 3, 4]}}
  %y = qcc.embedding %t, %s, %s, %i {bits = 8 : i64} : (tensor<10x4xui8>, tensor<10xf32>, tensor<10xf32>, tensor<2x3xi64>) -> tensor<6x4xf32>
  return
}

// -----

func.func @embedding_float_indices(%t: tensor<10x4xui8>, %s: tensor<10xf32>, %i: tensor<3xf32>) {
  // expected-error @+1 {{'qcc.embedding' op operand #3 must be ranked tensor of 64-bit signless integer or 32-bit signless integer values}}
  %y = qcc.embedding %t, %s, %s, %i {bits = 8 : i64} : (tensor<10x4xui8>, tensor<10xf32>, tensor<10xf32>, tensor<3xf32>) -> tensor<3x4xf32>
  return
}

// -----

func.func @embedding_bag_bits(%t: tensor<10x4xui8>, %s: tensor<10xf32>, %i: tensor<6xi64>, %o: tensor<3xi64>) {
  // expected-error @+1 {{'qcc.embedding_bag' op bits must be 8 or 4, got 16}}
  %y = qcc.embedding_bag %t, %s, %s, %i, %o {bits = 16 : i64} : (tensor<10x4xui8>, tensor<10xf32>, tensor<10xf32>, tensor<6xi64>, tensor<3xi64>) -> tensor<3x2xf32>
  return
}

// -----

func.func @embedding_bag_mode(%t: tensor<10x4xui8>, %s: tensor<10xf32>, %i: tensor<6xi64>, %o: tensor<3xi64>) {
  // expected-error @+1 {{'qcc.embedding_bag' op unknown mode 'min' (expected sum, mean or max)}}
  %y = qcc.embedding_bag %t, %s, %s, %i, %o {bits = 8 : i64, mode = "min"} : (tensor<10x4xui8>, tensor<10xf32>, tensor<10xf32>, tensor<6xi64>, tensor<3xi64>) -> tensor<3x4xf32>
  return
}

// -----

func.func @embedding_bag_indices_rank(%t: tensor<10x4xui8>, %s: tensor<10xf32>, %i: tensor<2x3xi64>, %o: tensor<3xi64>) {
  // expected-error @+1 {{'qcc.embedding_bag' op indices and offsets must be 1-D}}
  %y = qcc.embedding_bag %t, %s, %s, %i, %o {bits = 8 : i64} : (tensor<10x4xui8>, tensor<10xf32>, tensor<10xf32>, tensor<2x3xi64>, tensor<3xi64>) -> tensor<3x4xf32>
  return
}

// -----

func.func @embedding_bag_offsets_scalar(%t: tensor<10x4xui8>, %s: tensor<10xf32>, %i: tensor<6xi64>, %o: tensor<i64>) {
  // expected-error @+1 {{'qcc.embedding_bag' op indices and offsets must be 1-D}}
  %y = qcc.embedding_bag %t, %s, %s, %i, %o {bits = 8 : i64} : (tensor<10x4xui8>, tensor<10xf32>, tensor<10xf32>, tensor<6xi64>, tensor<i64>) -> tensor<1x4xf32>
  return
}

// -----

func.func @embedding_bag_weights_shape(%t: tensor<10x4xui8>, %s: tensor<10xf32>, %i: tensor<6xi64>, %o: tensor<3xi64>, %w: tensor<5xf32>) {
  // expected-error @+1 {{'qcc.embedding_bag' op per_sample_weights must match indices}}
  %y = qcc.embedding_bag %t, %s, %s, %i, %o, %w {bits = 8 : i64} : (tensor<10x4xui8>, tensor<10xf32>, tensor<10xf32>, tensor<6xi64>, tensor<3xi64>, tensor<5xf32>) -> tensor<3x4xf32>
  return
}

// -----

func.func @embedding_bag_weights_mode(%t: tensor<10x4xui8>, %s: tensor<10xf32>, %i: tensor<6xi64>, %o: tensor<3xi64>, %w: tensor<6xf32>) {
  // expected-error @+1 {{'qcc.embedding_bag' op per_sample_weights need mode "sum"}}
  %y = qcc.embedding_bag %t, %s, %s, %i, %o, %w {bits = 8 : i64, mode = "mean"} : (tensor<10x4xui8>, tensor<10xf32>, tensor<10xf32>, tensor<6xi64>, tensor<3xi64>, tensor<6xf32>) -> tensor<3x4xf32>
  return
}

// -----

func.func @embedding_bag_no_last_offset(%t: tensor<10x4xui8>, %s: tensor<10xf32>, %i: tensor<6xi64>, %o: tensor<0xi64>) {
  // expected-error @+1 {{'qcc.embedding_bag' op include_last_offset needs at least one offset}}
  %y = qcc.embedding_bag %t, %s, %s, %i, %o {bits = 8 : i64, include_last_offset = true} : (tensor<10x4xui8>, tensor<10xf32>, tensor<10xf32>, tensor<6xi64>, tensor<0xi64>) -> tensor<0x4xf32>
  return
}

// -----

func.func @embedding_bag_result(%t: tensor<10x4xui8>, %s: tensor<10xf32>, %i: tensor<6xi64>, %o: tensor<3xi64>) {
  // expected-error @+1 {{'qcc.embedding_bag' op result shape [3, 4] does not match the expected [2, 4]}}
  %y = qcc.embedding_bag %t, %s, %s, %i, %o {bits = 8 : i64, include_last_offset = true} : (tensor<10x4xui8>, tensor<10xf32>, tensor<10xf32>, tensor<6xi64>, tensor<3xi64>) -> tensor<3x4xf32>
  return
}

// -----

func.func @embedding_bag_result_rank(%t: tensor<10x4xui8>, %s: tensor<10xf32>, %i: tensor<6xi64>, %o: tensor<3xi64>) {
  // expected-error @+1 {{'qcc.embedding_bag' op result must be 2-D [bags, dim]}}
  %y = qcc.embedding_bag %t, %s, %s, %i, %o {bits = 8 : i64} : (tensor<10x4xui8>, tensor<10xf32>, tensor<10xf32>, tensor<6xi64>, tensor<3xi64>) -> tensor<12xf32>
  return
}

// -----

func.func @embedding_bag_padding_idx(%t: tensor<10x4xui8>, %s: tensor<10xf32>, %i: tensor<6xi64>, %o: tensor<3xi64>) {
  // expected-error @+1 {{'qcc.embedding_bag' op padding_idx -11 is outside the table of 10 rows}}
  %y = qcc.embedding_bag %t, %s, %s, %i, %o {bits = 8 : i64, padding_idx = -11 : i64} : (tensor<10x4xui8>, tensor<10xf32>, tensor<10xf32>, tensor<6xi64>, tensor<3xi64>) -> tensor<3x4xf32>
  return
}

// -----

//===----------------------------------------------------------------------===//
// lstm, dynamic_lstm
//===----------------------------------------------------------------------===//

func.func @lstm_operand_count(%x: tensor<5x1x3xf32>, %w: tensor<8x3xf32>, %b: tensor<8xf32>) {
  // expected-error @+1 {{'qcc.lstm' op expected 5 operands (input, 4 per layer and direction), got 3}}
  %y:3 = qcc.lstm %x, %w, %b {hidden_size = 2 : i64, num_layers = 1 : i64, cells = [{}]} : (tensor<5x1x3xf32>, tensor<8x3xf32>, tensor<8xf32>) -> (tensor<5x1x2xf32>, tensor<1x1x2xf32>, tensor<1x1x2xf32>)
  return
}

// -----

func.func @lstm_state_operands(%x: tensor<5x1x3xf32>, %w: tensor<8x3xf32>, %wh: tensor<8x2xf32>, %b: tensor<8xf32>) {
  // expected-error @+1 {{'qcc.lstm' op expected 7 operands (input, 4 per layer and direction, h0, c0), got 5}}
  %y:3 = qcc.lstm %x, %w, %b, %wh, %b {hidden_size = 2 : i64, num_layers = 1 : i64, has_initial_state = true, cells = [{}]} : (tensor<5x1x3xf32>, tensor<8x3xf32>, tensor<8xf32>, tensor<8x2xf32>, tensor<8xf32>) -> (tensor<5x1x2xf32>, tensor<1x1x2xf32>, tensor<1x1x2xf32>)
  return
}

// -----

func.func @lstm_result_count(%x: tensor<5x1x3xf32>, %w: tensor<8x3xf32>, %wh: tensor<8x2xf32>, %b: tensor<8xf32>) {
  // expected-error @+1 {{'qcc.lstm' op expected 3 results (output, h_n, c_n)}}
  %y = qcc.lstm %x, %w, %b, %wh, %b {hidden_size = 2 : i64, num_layers = 1 : i64, cells = [{}]} : (tensor<5x1x3xf32>, tensor<8x3xf32>, tensor<8xf32>, tensor<8x2xf32>, tensor<8xf32>) -> tensor<5x1x2xf32>
  return
}

// -----

func.func @lstm_cells(%x: tensor<5x1x3xf32>, %w: tensor<8x3xf32>, %wh: tensor<8x2xf32>, %b: tensor<8xf32>) {
  // expected-error @+1 {{'qcc.lstm' op cells has 2 entries, expected 1}}
  %y:3 = qcc.lstm %x, %w, %b, %wh, %b {hidden_size = 2 : i64, num_layers = 1 : i64, cells = [{}, {}]} : (tensor<5x1x3xf32>, tensor<8x3xf32>, tensor<8xf32>, tensor<8x2xf32>, tensor<8xf32>) -> (tensor<5x1x2xf32>, tensor<1x1x2xf32>, tensor<1x1x2xf32>)
  return
}

// -----

func.func @lstm_cells_not_dictionaries(%x: tensor<5x1x3xf32>, %w: tensor<8x3xf32>, %wh: tensor<8x2xf32>, %b: tensor<8xf32>) {
  // expected-error @+1 {{'qcc.lstm' op cells entries must be dictionaries}}
  %y:3 = qcc.lstm %x, %w, %b, %wh, %b {hidden_size = 2 : i64, num_layers = 1 : i64, cells = [1.0]} : (tensor<5x1x3xf32>, tensor<8x3xf32>, tensor<8xf32>, tensor<8x2xf32>, tensor<8xf32>) -> (tensor<5x1x2xf32>, tensor<1x1x2xf32>, tensor<1x1x2xf32>)
  return
}

// -----

func.func @lstm_zero_layers(%x: tensor<5x1x3xf32>) {
  // expected-error @+1 {{'qcc.lstm' op num_layers and hidden_size must be positive}}
  %y:3 = qcc.lstm %x {hidden_size = 2 : i64, num_layers = 0 : i64, cells = []} : (tensor<5x1x3xf32>) -> (tensor<5x1x2xf32>, tensor<1x1x2xf32>, tensor<1x1x2xf32>)
  return
}

// -----

// A huge num_layers must not overflow the operand count.
func.func @lstm_huge_layers(%x: tensor<5x1x3xf32>) {
  // expected-error @+1 {{'qcc.lstm' op num_layers 4611686018427387904 needs more than the 1 operands given}}
  %y:3 = qcc.lstm %x {hidden_size = 2 : i64, num_layers = 4611686018427387904 : i64, cells = []} : (tensor<5x1x3xf32>) -> (tensor<5x1x2xf32>, tensor<1x1x2xf32>, tensor<1x1x2xf32>)
  return
}

// -----

func.func @lstm_weight_shape(%x: tensor<5x1x3xf32>, %w: tensor<8x4xf32>, %wh: tensor<8x2xf32>, %b: tensor<8xf32>) {
  // expected-error @+1 {{'qcc.lstm' op layer 0 direction 0 w_ih shape [8, 4] does not match the expected [8, 3]}}
  %y:3 = qcc.lstm %x, %w, %b, %wh, %b {hidden_size = 2 : i64, num_layers = 1 : i64, cells = [{}]} : (tensor<5x1x3xf32>, tensor<8x4xf32>, tensor<8xf32>, tensor<8x2xf32>, tensor<8xf32>) -> (tensor<5x1x2xf32>, tensor<1x1x2xf32>, tensor<1x1x2xf32>)
  return
}

// -----

func.func @lstm_hidden_size(%x: tensor<5x1x3xf32>, %w: tensor<8x3xf32>, %wh: tensor<8x2xf32>, %b: tensor<8xf32>) {
  // expected-error @+1 {{'qcc.lstm' op layer 0 direction 0 w_ih shape [8, 3] does not match the expected [12, 3]}}
  %y:3 = qcc.lstm %x, %w, %b, %wh, %b {hidden_size = 3 : i64, num_layers = 1 : i64, cells = [{}]} : (tensor<5x1x3xf32>, tensor<8x3xf32>, tensor<8xf32>, tensor<8x2xf32>, tensor<8xf32>) -> (tensor<5x1x3xf32>, tensor<1x1x3xf32>, tensor<1x1x3xf32>)
  return
}

// -----

func.func @lstm_input_rank(%x: tensor<5x1x1x3xf32>, %w: tensor<8x3xf32>, %wh: tensor<8x2xf32>, %b: tensor<8xf32>) {
  // expected-error @+1 {{'qcc.lstm' op input must be 2-D (unbatched) or 3-D}}
  %y:3 = qcc.lstm %x, %w, %b, %wh, %b {hidden_size = 2 : i64, num_layers = 1 : i64, cells = [{}]} : (tensor<5x1x1x3xf32>, tensor<8x3xf32>, tensor<8xf32>, tensor<8x2xf32>, tensor<8xf32>) -> (tensor<5x1x2xf32>, tensor<1x1x2xf32>, tensor<1x1x2xf32>)
  return
}

// -----

func.func @lstm_output_shape(%x: tensor<5x1x3xf32>, %w: tensor<8x3xf32>, %wh: tensor<8x2xf32>, %b: tensor<8xf32>) {
  // expected-error @+1 {{'qcc.lstm' op output shape [1, 5, 2] does not match the expected [5, 1, 2]}}
  %y:3 = qcc.lstm %x, %w, %b, %wh, %b {hidden_size = 2 : i64, num_layers = 1 : i64, cells = [{}]} : (tensor<5x1x3xf32>, tensor<8x3xf32>, tensor<8xf32>, tensor<8x2xf32>, tensor<8xf32>) -> (tensor<1x5x2xf32>, tensor<1x1x2xf32>, tensor<1x1x2xf32>)
  return
}

// -----

func.func @lstm_state_shape(%x: tensor<5x1x3xf32>, %w: tensor<8x3xf32>, %wh: tensor<8x2xf32>, %b: tensor<8xf32>, %h: tensor<1x2xf32>) {
  // expected-error @+1 {{'qcc.lstm' op h0 shape [1, 2] does not match the expected [1, 1, 2]}}
  %y:3 = qcc.lstm %x, %w, %b, %wh, %b, %h, %h {hidden_size = 2 : i64, num_layers = 1 : i64, has_initial_state = true, cells = [{}]} : (tensor<5x1x3xf32>, tensor<8x3xf32>, tensor<8xf32>, tensor<8x2xf32>, tensor<8xf32>, tensor<1x2xf32>, tensor<1x2xf32>) -> (tensor<5x1x2xf32>, tensor<1x1x2xf32>, tensor<1x1x2xf32>)
  return
}

// -----

func.func @dynamic_lstm_operand_count(%x: tensor<5x1x3xf32>, %w: tensor<8x3x!quant.uniform<i8:f32, 0.1>>, %wh: tensor<8x2x!quant.uniform<i8:f32, 0.1>>, %b: tensor<8xf32>) {
  // expected-error @+1 {{'qcc.dynamic_lstm' op expected 9 operands (input, 4 per layer and direction), got 5}}
  %y:3 = qcc.dynamic_lstm %x, %w, %b, %wh, %b {hidden_size = 2 : i64, num_layers = 1 : i64, bidirectional = true} : (tensor<5x1x3xf32>, tensor<8x3x!quant.uniform<i8:f32, 0.1>>, tensor<8xf32>, tensor<8x2x!quant.uniform<i8:f32, 0.1>>, tensor<8xf32>) -> (tensor<5x1x4xf32>, tensor<2x1x2xf32>, tensor<2x1x2xf32>)
  return
}

// -----

func.func @dynamic_lstm_float_weight(%x: tensor<5x1x3xf32>, %w: tensor<8x3xf32>, %wh: tensor<8x2x!quant.uniform<i8:f32, 0.1>>, %b: tensor<8xf32>) {
  // expected-error @+1 {{'qcc.dynamic_lstm' op operand 1 must be a quantized weight}}
  %y:3 = qcc.dynamic_lstm %x, %w, %b, %wh, %b {hidden_size = 2 : i64, num_layers = 1 : i64} : (tensor<5x1x3xf32>, tensor<8x3xf32>, tensor<8xf32>, tensor<8x2x!quant.uniform<i8:f32, 0.1>>, tensor<8xf32>) -> (tensor<5x1x2xf32>, tensor<1x1x2xf32>, tensor<1x1x2xf32>)
  return
}

// -----

func.func @dynamic_lstm_quantized_input(%x: tensor<5x1x3x!quant.uniform<u8:f32, 0.1>>, %w: tensor<8x3x!quant.uniform<i8:f32, 0.1>>, %wh: tensor<8x2x!quant.uniform<i8:f32, 0.1>>, %b: tensor<8xf32>) {
  // expected-error @+1 {{'qcc.dynamic_lstm' op operand 0 must be an f32 tensor}}
  %y:3 = qcc.dynamic_lstm %x, %w, %b, %wh, %b {hidden_size = 2 : i64, num_layers = 1 : i64} : (tensor<5x1x3x!quant.uniform<u8:f32, 0.1>>, tensor<8x3x!quant.uniform<i8:f32, 0.1>>, tensor<8xf32>, tensor<8x2x!quant.uniform<i8:f32, 0.1>>, tensor<8xf32>) -> (tensor<5x1x2xf32>, tensor<1x1x2xf32>, tensor<1x1x2xf32>)
  return
}

// -----

// Layer 1 of a bidirectional LSTM takes 2 * hidden_size input features.
func.func @dynamic_lstm_second_layer(%x: tensor<5x1x3xf32>, %w: tensor<8x3x!quant.uniform<i8:f32, 0.1>>, %wh: tensor<8x2x!quant.uniform<i8:f32, 0.1>>, %b: tensor<8xf32>) {
  // expected-error @+1 {{'qcc.dynamic_lstm' op layer 1 direction 0 w_ih shape [8, 3] does not match the expected [8, 4]}}
  %y:3 = qcc.dynamic_lstm %x, %w, %b, %wh, %b, %w, %b, %wh, %b, %w, %b, %wh, %b, %w, %b, %wh, %b {hidden_size = 2 : i64, num_layers = 2 : i64, bidirectional = true} : (tensor<5x1x3xf32>, tensor<8x3x!quant.uniform<i8:f32, 0.1>>, tensor<8xf32>, tensor<8x2x!quant.uniform<i8:f32, 0.1>>, tensor<8xf32>, tensor<8x3x!quant.uniform<i8:f32, 0.1>>, tensor<8xf32>, tensor<8x2x!quant.uniform<i8:f32, 0.1>>, tensor<8xf32>, tensor<8x3x!quant.uniform<i8:f32, 0.1>>, tensor<8xf32>, tensor<8x2x!quant.uniform<i8:f32, 0.1>>, tensor<8xf32>, tensor<8x3x!quant.uniform<i8:f32, 0.1>>, tensor<8xf32>, tensor<8x2x!quant.uniform<i8:f32, 0.1>>, tensor<8xf32>) -> (tensor<5x1x4xf32>, tensor<4x1x2xf32>, tensor<4x1x2xf32>)
  return
}

// -----

func.func @dynamic_lstm_hidden_overflow(%x: tensor<5x1x3xf32>, %w: tensor<8x3x!quant.uniform<i8:f32, 0.1>>, %wh: tensor<8x2x!quant.uniform<i8:f32, 0.1>>, %b: tensor<8xf32>) {
  // expected-error @+1 {{'qcc.dynamic_lstm' op hidden_size is too large}}
  %y:3 = qcc.dynamic_lstm %x, %w, %b, %wh, %b {hidden_size = 4611686018427387904 : i64, num_layers = 1 : i64} : (tensor<5x1x3xf32>, tensor<8x3x!quant.uniform<i8:f32, 0.1>>, tensor<8xf32>, tensor<8x2x!quant.uniform<i8:f32, 0.1>>, tensor<8xf32>) -> (tensor<5x1x2xf32>, tensor<1x1x2xf32>, tensor<1x1x2xf32>)
  return
}

// -----

//===----------------------------------------------------------------------===//
// multihead_attention
//===----------------------------------------------------------------------===//

func.func @mha_operand_count(%q: tensor<3x1x4xf32>, %w: tensor<4x4xf32>, %b: tensor<4xf32>) {
  // expected-error @+1 {{'qcc.multihead_attention' op expected 11 operands, got 10}}
  %y:2 = qcc.multihead_attention %q, %q, %q, %w, %w, %w, %b, %b, %b, %w {num_heads = 2 : i64, qparams = {}} : (tensor<3x1x4xf32>, tensor<3x1x4xf32>, tensor<3x1x4xf32>, tensor<4x4xf32>, tensor<4x4xf32>, tensor<4x4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4x4xf32>) -> (tensor<3x1x4xf32>, tensor<1x3x3xf32>)
  return
}

// -----

func.func @mha_mask_operand_count(%q: tensor<3x1x4xf32>, %w: tensor<4x4xf32>, %b: tensor<4xf32>) {
  // expected-error @+1 {{'qcc.multihead_attention' op expected 12 operands, got 11}}
  %y:2 = qcc.multihead_attention %q, %q, %q, %w, %b, %w, %b, %w, %b, %w, %b {num_heads = 2 : i64, has_attn_mask = true, qparams = {}} : (tensor<3x1x4xf32>, tensor<3x1x4xf32>, tensor<3x1x4xf32>, tensor<4x4xf32>, tensor<4xf32>, tensor<4x4xf32>, tensor<4xf32>, tensor<4x4xf32>, tensor<4xf32>, tensor<4x4xf32>, tensor<4xf32>) -> (tensor<3x1x4xf32>, tensor<1x3x3xf32>)
  return
}

// -----

func.func @mha_result_count(%q: tensor<3x1x4xf32>, %w: tensor<4x4xf32>, %b: tensor<4xf32>) {
  // expected-error @+1 {{'qcc.multihead_attention' op expected 2 results, got 1}}
  %y = qcc.multihead_attention %q, %q, %q, %w, %b, %w, %b, %w, %b, %w, %b {num_heads = 2 : i64, qparams = {}} : (tensor<3x1x4xf32>, tensor<3x1x4xf32>, tensor<3x1x4xf32>, tensor<4x4xf32>, tensor<4xf32>, tensor<4x4xf32>, tensor<4xf32>, tensor<4x4xf32>, tensor<4xf32>, tensor<4x4xf32>, tensor<4xf32>) -> tensor<3x1x4xf32>
  return
}

// -----

func.func @mha_query_rank(%q: tensor<3x4xf32>, %w: tensor<4x4xf32>, %b: tensor<4xf32>) {
  // expected-error @+1 {{'qcc.multihead_attention' op query, key and value must be 3-D}}
  %y = qcc.multihead_attention %q, %q, %q, %w, %b, %w, %b, %w, %b, %w, %b {num_heads = 2 : i64, need_weights = false, qparams = {}} : (tensor<3x4xf32>, tensor<3x4xf32>, tensor<3x4xf32>, tensor<4x4xf32>, tensor<4xf32>, tensor<4x4xf32>, tensor<4xf32>, tensor<4x4xf32>, tensor<4xf32>, tensor<4x4xf32>, tensor<4xf32>) -> tensor<3x4xf32>
  return
}

// -----

func.func @mha_heads(%q: tensor<3x1x4xf32>, %w: tensor<4x4xf32>, %b: tensor<4xf32>) {
  // expected-error @+1 {{'qcc.multihead_attention' op embedding dim 4 is not divisible by num_heads 3}}
  %y = qcc.multihead_attention %q, %q, %q, %w, %b, %w, %b, %w, %b, %w, %b {num_heads = 3 : i64, need_weights = false, qparams = {}} : (tensor<3x1x4xf32>, tensor<3x1x4xf32>, tensor<3x1x4xf32>, tensor<4x4xf32>, tensor<4xf32>, tensor<4x4xf32>, tensor<4xf32>, tensor<4x4xf32>, tensor<4xf32>, tensor<4x4xf32>, tensor<4xf32>) -> tensor<3x1x4xf32>
  return
}

// -----

func.func @mha_zero_heads(%q: tensor<3x1x4xf32>, %w: tensor<4x4xf32>, %b: tensor<4xf32>) {
  // expected-error @+1 {{'qcc.multihead_attention' op embedding dim 4 is not divisible by num_heads 0}}
  %y = qcc.multihead_attention %q, %q, %q, %w, %b, %w, %b, %w, %b, %w, %b {num_heads = 0 : i64, need_weights = false, qparams = {}} : (tensor<3x1x4xf32>, tensor<3x1x4xf32>, tensor<3x1x4xf32>, tensor<4x4xf32>, tensor<4xf32>, tensor<4x4xf32>, tensor<4xf32>, tensor<4x4xf32>, tensor<4xf32>, tensor<4x4xf32>, tensor<4xf32>) -> tensor<3x1x4xf32>
  return
}

// -----

func.func @mha_batch(%q: tensor<3x1x4xf32>, %k: tensor<5x2x4xf32>, %w: tensor<4x4xf32>, %b: tensor<4xf32>) {
  // expected-error @+1 {{'qcc.multihead_attention' op query, key and value must have the same batch size}}
  %y = qcc.multihead_attention %q, %k, %k, %w, %b, %w, %b, %w, %b, %w, %b {num_heads = 2 : i64, need_weights = false, qparams = {}} : (tensor<3x1x4xf32>, tensor<5x2x4xf32>, tensor<5x2x4xf32>, tensor<4x4xf32>, tensor<4xf32>, tensor<4x4xf32>, tensor<4xf32>, tensor<4x4xf32>, tensor<4xf32>, tensor<4x4xf32>, tensor<4xf32>) -> tensor<3x1x4xf32>
  return
}

// -----

func.func @mha_key_value_length(%q: tensor<3x1x4xf32>, %k: tensor<5x1x4xf32>, %v: tensor<6x1x4xf32>, %w: tensor<4x4xf32>, %b: tensor<4xf32>) {
  // expected-error @+1 {{'qcc.multihead_attention' op key and value must have the same sequence length}}
  %y = qcc.multihead_attention %q, %k, %v, %w, %b, %w, %b, %w, %b, %w, %b {num_heads = 2 : i64, need_weights = false, qparams = {}} : (tensor<3x1x4xf32>, tensor<5x1x4xf32>, tensor<6x1x4xf32>, tensor<4x4xf32>, tensor<4xf32>, tensor<4x4xf32>, tensor<4xf32>, tensor<4x4xf32>, tensor<4xf32>, tensor<4x4xf32>, tensor<4xf32>) -> tensor<3x1x4xf32>
  return
}

// -----

// Operands after query, key, value: weight and bias of the q, k, v and out
// projections, interleaved.
func.func @mha_projection_shape(%q: tensor<3x1x4xf32>, %k: tensor<5x1x6xf32>, %w: tensor<4x4xf32>, %b: tensor<4xf32>) {
  // expected-error @+1 {{'qcc.multihead_attention' op k projection weight and bias must have shapes [4, 6] and [4], got [4, 4] and [4]}}
  %y = qcc.multihead_attention %q, %k, %k, %w, %b, %w, %b, %w, %b, %w, %b {num_heads = 2 : i64, need_weights = false, qparams = {}} : (tensor<3x1x4xf32>, tensor<5x1x6xf32>, tensor<5x1x6xf32>, tensor<4x4xf32>, tensor<4xf32>, tensor<4x4xf32>, tensor<4xf32>, tensor<4x4xf32>, tensor<4xf32>, tensor<4x4xf32>, tensor<4xf32>) -> tensor<3x1x4xf32>
  return
}

// -----

func.func @mha_output(%q: tensor<3x1x4xf32>, %w: tensor<4x4xf32>, %b: tensor<4xf32>) {
  // expected-error @+1 {{'qcc.multihead_attention' op result shape [1, 3, 4] does not match the expected [3, 1, 4]}}
  %y = qcc.multihead_attention %q, %q, %q, %w, %b, %w, %b, %w, %b, %w, %b {num_heads = 2 : i64, need_weights = false, qparams = {}} : (tensor<3x1x4xf32>, tensor<3x1x4xf32>, tensor<3x1x4xf32>, tensor<4x4xf32>, tensor<4xf32>, tensor<4x4xf32>, tensor<4xf32>, tensor<4x4xf32>, tensor<4xf32>, tensor<4x4xf32>, tensor<4xf32>) -> tensor<1x3x4xf32>
  return
}

// -----

func.func @mha_weights_shape(%q: tensor<3x1x4xf32>, %k: tensor<5x1x4xf32>, %w: tensor<4x4xf32>, %b: tensor<4xf32>) {
  // expected-error @+1 {{'qcc.multihead_attention' op attention weights shape [1, 5, 3] must be [1, 3, 5] or [1, 2, 3, 5]}}
  %y:2 = qcc.multihead_attention %q, %k, %k, %w, %b, %w, %b, %w, %b, %w, %b {num_heads = 2 : i64, qparams = {}} : (tensor<3x1x4xf32>, tensor<5x1x4xf32>, tensor<5x1x4xf32>, tensor<4x4xf32>, tensor<4xf32>, tensor<4x4xf32>, tensor<4xf32>, tensor<4x4xf32>, tensor<4xf32>, tensor<4x4xf32>, tensor<4xf32>) -> (tensor<3x1x4xf32>, tensor<1x5x3xf32>)
  return
}

// -----

func.func @mha_key_padding_mask(%q: tensor<3x1x4xf32>, %w: tensor<4x4xf32>, %b: tensor<4xf32>, %m: tensor<3x1xi1>) {
  // expected-error @+1 {{'qcc.multihead_attention' op key_padding_mask must have shape [1, 3]}}
  %y = qcc.multihead_attention %q, %q, %q, %w, %b, %w, %b, %w, %b, %w, %b, %m {num_heads = 2 : i64, need_weights = false, has_key_padding_mask = true, qparams = {}} : (tensor<3x1x4xf32>, tensor<3x1x4xf32>, tensor<3x1x4xf32>, tensor<4x4xf32>, tensor<4xf32>, tensor<4x4xf32>, tensor<4xf32>, tensor<4x4xf32>, tensor<4xf32>, tensor<4x4xf32>, tensor<4xf32>, tensor<3x1xi1>) -> tensor<3x1x4xf32>
  return
}

// -----

func.func @mha_key_padding_mask_type(%q: tensor<3x1x4xf32>, %w: tensor<4x4xf32>, %b: tensor<4xf32>, %m: tensor<1x3xf32>) {
  // expected-error @+1 {{'qcc.multihead_attention' op key_padding_mask must be a bool (i1) tensor}}
  %y = qcc.multihead_attention %q, %q, %q, %w, %b, %w, %b, %w, %b, %w, %b, %m {num_heads = 2 : i64, need_weights = false, has_key_padding_mask = true, qparams = {}} : (tensor<3x1x4xf32>, tensor<3x1x4xf32>, tensor<3x1x4xf32>, tensor<4x4xf32>, tensor<4xf32>, tensor<4x4xf32>, tensor<4xf32>, tensor<4x4xf32>, tensor<4xf32>, tensor<4x4xf32>, tensor<4xf32>, tensor<1x3xf32>) -> tensor<3x1x4xf32>
  return
}

// -----

func.func @mha_attn_mask(%q: tensor<3x1x4xf32>, %w: tensor<4x4xf32>, %b: tensor<4xf32>, %m: tensor<1x3x3xf32>) {
  // expected-error @+1 {{'qcc.multihead_attention' op attn_mask must have shape [3, 3] or [batch * num_heads, 3, 3]}}
  %y = qcc.multihead_attention %q, %q, %q, %w, %b, %w, %b, %w, %b, %w, %b, %m {num_heads = 2 : i64, need_weights = false, has_attn_mask = true, qparams = {}} : (tensor<3x1x4xf32>, tensor<3x1x4xf32>, tensor<3x1x4xf32>, tensor<4x4xf32>, tensor<4xf32>, tensor<4x4xf32>, tensor<4xf32>, tensor<4x4xf32>, tensor<4xf32>, tensor<4x4xf32>, tensor<4xf32>, tensor<1x3x3xf32>) -> tensor<3x1x4xf32>
  return
}

// -----

func.func @mha_qparams(%q: tensor<3x1x4xf32>, %w: tensor<4x4xf32>, %b: tensor<4xf32>) {
  // expected-error @+1 {{'qcc.multihead_attention' op requires attribute 'qparams'}}
  %y = qcc.multihead_attention %q, %q, %q, %w, %b, %w, %b, %w, %b, %w, %b {num_heads = 2 : i64, need_weights = false} : (tensor<3x1x4xf32>, tensor<3x1x4xf32>, tensor<3x1x4xf32>, tensor<4x4xf32>, tensor<4xf32>, tensor<4x4xf32>, tensor<4xf32>, tensor<4x4xf32>, tensor<4xf32>, tensor<4x4xf32>, tensor<4xf32>) -> tensor<3x1x4xf32>
  return
}

// -----

//===----------------------------------------------------------------------===//
// relayout
//===----------------------------------------------------------------------===//

func.func @relayout_unknown(%x: tensor<1x2x3x3xf32>) {
  // expected-error @+1 {{'qcc.relayout' op unknown layout 'nhwc' (expected contiguous or channels_last)}}
  %y = qcc.relayout %x {layout = "nhwc"} : tensor<1x2x3x3xf32> -> tensor<1x2x3x3xf32>
  return
}

// -----

func.func @relayout_type(%x: tensor<1x2x3x3xf32>) {
  // expected-error @+1 {{'qcc.relayout' op result type must equal the input type}}
  %y = qcc.relayout %x {layout = "channels_last"} : tensor<1x2x3x3xf32> -> tensor<1x2x9xf32>
  return
}

// -----

//===----------------------------------------------------------------------===//
// conv_add
//===----------------------------------------------------------------------===//

!qa = !quant.uniform<u8:f32, 0.1:128>
!qw = !quant.uniform<i8:f32, 0.02>
func.func @conv_add_residual_shape(%x: tensor<1x2x3x3x!qa>, %r: tensor<1x2x2x2x!qa>, %w: tensor<2x2x1x1x!qw>) {
  // expected-error @+1 {{'qcc.conv_add' op residual shape [1, 2, 2, 2] must equal the result shape [1, 2, 3, 3]}}
  %y = qcc.conv_add %x, %r, %w {stride = array<i64: 1, 1>, padding = array<i64: 0, 0>, dilation = array<i64: 1, 1>, conv_type = tensor<1x2x3x3x!qa>} : (tensor<1x2x3x3x!qa>, tensor<1x2x2x2x!qa>, tensor<2x2x1x1x!qw>) -> tensor<1x2x3x3x!qa>
  return
}

// -----

!qa = !quant.uniform<u8:f32, 0.1:128>
!qw = !quant.uniform<i8:f32, 0.02>
func.func @conv_add_conv_type(%x: tensor<1x2x3x3x!qa>, %r: tensor<1x2x3x3x!qa>, %w: tensor<2x2x1x1x!qw>) {
  // expected-error @+1 {{'qcc.conv_add' op conv_type must be a per-tensor quint8 tensor of the result's shape}}
  %y = qcc.conv_add %x, %r, %w {stride = array<i64: 1, 1>, padding = array<i64: 0, 0>, dilation = array<i64: 1, 1>, conv_type = tensor<1x2x3x3xf32>} : (tensor<1x2x3x3x!qa>, tensor<1x2x3x3x!qa>, tensor<2x2x1x1x!qw>) -> tensor<1x2x3x3x!qa>
  return
}

// -----

!qa = !quant.uniform<u8:f32, 0.1:128>
!qw = !quant.uniform<i8:f32, 0.02>
func.func @conv_add_activation(%x: tensor<1x2x3x3x!qa>, %r: tensor<1x2x3x3x!qa>, %w: tensor<2x2x1x1x!qw>) {
  // expected-error @+1 {{'qcc.conv_add' op add_activation must be none or relu, got 'clamp'}}
  %y = qcc.conv_add %x, %r, %w {stride = array<i64: 1, 1>, padding = array<i64: 0, 0>, dilation = array<i64: 1, 1>, conv_type = tensor<1x2x3x3x!qa>, add_activation = "clamp"} : (tensor<1x2x3x3x!qa>, tensor<1x2x3x3x!qa>, tensor<2x2x1x1x!qw>) -> tensor<1x2x3x3x!qa>
  return
}

// -----

// expected-error @+1 {{'qcc.numerics' must be "fbgemm", "onnxruntime" or "pt2e" on the module}}
module attributes {qcc.numerics = "tflite"} {
}

// -----

func.func @lookup_table_shape(%x: tensor<4x!quant.uniform<u8:f32, 0.1>>, %t: tensor<128xui8>) {
  // expected-error @+1 {{'qcc.lookup' op table must be a ui8 tensor of shape [256]}}
  %y = qcc.lookup %x, %t : (tensor<4x!quant.uniform<u8:f32, 0.1>>, tensor<128xui8>) -> tensor<4x!quant.uniform<u8:f32, 0.2>>
  return
}

// -----

func.func @lookup_signed(%x: tensor<4x!quant.uniform<i8:f32, 0.1>>, %t: tensor<256xui8>) {
  // expected-error @+1 {{'qcc.lookup' op input and result must be quint8, quantized per tensor}}
  %y = qcc.lookup %x, %t : (tensor<4x!quant.uniform<i8:f32, 0.1>>, tensor<256xui8>) -> tensor<4x!quant.uniform<u8:f32, 0.2>>
  return
}
