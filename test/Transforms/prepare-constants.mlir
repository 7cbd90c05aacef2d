// RUN: qcc-opt %s -qcc-prepare-constants --split-input-file -verify-diagnostics | FileCheck %s

// Float arithmetic below is IEEE single precision, as FBGEMM does it.

!qi = !quant.uniform<u8:f32, 0.5:10>
!qw = !quant.uniform<i8:f32, 0.25>
!qo = !quant.uniform<u8:f32, 0.5:3>

// Per-tensor conv with relu:
//   act_times_w_scale = 0.5 * 0.25 = 0.125; multiplier = 0.125 / 0.5 = 0.25
//   bias = b * (float)(1.0 / 0.125) = [1 * 8, -0.5 * 8] = [8, -4]
//   weight_sum = [1 + -2, 3 + 4] = [-1, 7]
//   relu: output_min = output zero point 3, output_max = 255
// CHECK-LABEL: func.func @conv_per_tensor_relu
// CHECK: qcc.conv
// CHECK-SAME: qcc.requant = {act_times_w_scale = array<f32: 1.250000e-01, 1.250000e-01>,
// CHECK-SAME: bias = array<f32: 8.000000e+00, -4.000000e+00>,
// CHECK-SAME: input_zero_point = 10 : i64,
// CHECK-SAME: multiplier = array<f32: 2.500000e-01, 2.500000e-01>,
// CHECK-SAME: output_max = 255 : i64, output_min = 3 : i64, output_zero_point = 3 : i64,
// CHECK-SAME: weight_sum = array<i32: -1, 7>, weight_zero_point = array<i32: 0, 0>}
func.func @conv_per_tensor_relu(%x: tensor<1x2x3x3x!qi>) -> tensor<1x2x3x3x!qo> {
  %w = qcc.constant dense<[[[[1]], [[-2]]], [[[3]], [[4]]]]> : tensor<2x2x1x1xi8> -> tensor<2x2x1x1x!qw>
  %b = qcc.constant dense<[1.0, -0.5]> : tensor<2xf32> -> tensor<2xf32>
  %y = qcc.conv %x, %w, %b {stride = array<i64: 1, 1>, padding = array<i64: 0, 0>, dilation = array<i64: 1, 1>, activation = "relu"} : (tensor<1x2x3x3x!qi>, tensor<2x2x1x1x!qw>, tensor<2xf32>) -> tensor<1x2x3x3x!qo>
  return %y : tensor<1x2x3x3x!qo>
}

// -----

!qi = !quant.uniform<u8:f32, 0.1>
!qw = !quant.uniform<i8:f32:0, {0.1, 0.3:1}>
!qo = !quant.uniform<u8:f32, 0.3:128>

// Per-channel linear with a clamp, in float (f(x) = nearest float to x):
//   act_times_w_scale = [f(0.1) * f(0.1), f(0.1) * f(0.3)] = [0.0100000007, 0.0300000012]
//   multiplier = act_times_w_scale / f(0.3)                  = [0.0333333351, 0.100000001]
//   bias (divided, per channel) = [1 / 0.0100000007, -2.5 / 0.0300000012] = [99.99999237, -83.3333282]
//   (MLIR prints 99.99999237 as 99.9999923 and f(0.1) as 1.000000e-01)
//   weight_sum = [1 + 2 + 3, -4 + 5 - 128] = [6, -127]; zero points [0, 1]
//   clamp: 1 / f(0.3) = 3.33333325; min: 128 + nearbyint(-1 * 3.33333325) = 125;
//          max: 128 + nearbyint(100 * 3.33333325) = 461, clamped to 255
// CHECK-LABEL: func.func @linear_per_channel_clamp
// CHECK: qcc.linear
// CHECK-SAME: qcc.requant = {act_times_w_scale = array<f32: 0.0100000007, 0.0300000012>,
// CHECK-SAME: bias = array<f32: 99.9999923, -83.3333282>,
// CHECK-SAME: input_zero_point = 0 : i64,
// CHECK-SAME: multiplier = array<f32: 0.0333333351, 1.000000e-01>,
// CHECK-SAME: output_max = 255 : i64, output_min = 125 : i64, output_zero_point = 128 : i64,
// CHECK-SAME: weight_sum = array<i32: 6, -127>, weight_zero_point = array<i32: 0, 1>}
func.func @linear_per_channel_clamp(%x: tensor<1x3x!qi>) -> tensor<1x2x!qo> {
  %w = qcc.constant dense<[[1, 2, 3], [-4, 5, -128]]> : tensor<2x3xi8> -> tensor<2x3x!qw>
  %b = qcc.constant dense<[1.0, -2.5]> : tensor<2xf32> -> tensor<2xf32>
  %y = qcc.linear %x, %w, %b {activation = "clamp", clamp_min = -1.0 : f64, clamp_max = 100.0 : f64} : (tensor<1x3x!qi>, tensor<2x3x!qw>, tensor<2xf32>) -> tensor<1x2x!qo>
  return %y : tensor<1x2x!qo>
}

// -----

!qi = !quant.uniform<u8:f32, 0.1>
!qw = !quant.uniform<i8:f32, 0.3>
!qo = !quant.uniform<u8:f32, 0.2:5>

// Per-tensor bias uses FBGEMM's AVX2 reciprocal, which differs from a
// division here: act_times_w_scale = f(0.1) * f(0.3) = 0.0300000012,
// (float)(1.0 / 0.0300000012) = 33.3333321, 0.49 * 33.3333321 = 16.333334
// (0.49 / 0.0300000012 would give 16.333332).
// CHECK-LABEL: func.func @per_tensor_bias_reciprocal
// CHECK: bias = array<f32: 16.333334, 0.000000e+00>
// CHECK-SAME: multiplier = array<f32: 1.500000e-01, 1.500000e-01>
// CHECK-SAME: weight_sum = array<i32: 3, 1>
func.func @per_tensor_bias_reciprocal(%x: tensor<1x2x!qi>) -> tensor<1x2x!qo> {
  %w = qcc.constant dense<[[1, 2], [-3, 4]]> : tensor<2x2xi8> -> tensor<2x2x!qw>
  %b = qcc.constant dense<[0.49, 0.0]> : tensor<2xf32> -> tensor<2xf32>
  %y = qcc.linear %x, %w, %b : (tensor<1x2x!qi>, tensor<2x2x!qw>, tensor<2xf32>) -> tensor<1x2x!qo>
  return %y : tensor<1x2x!qo>
}

// -----

!qi = !quant.uniform<u8:f32, 0.5>
!qw = !quant.uniform<i8:f32, 0.5>
!qo = !quant.uniform<i8:f32, 0.25:-1>

// conv_transpose, groups = 2: weight [C=2, O/groups=2, 1, 2]; output channel
// j = group * 2 + oc sums weight[group][oc][..]:
//   [1 + 2, 3 + 4, 5 + 6, -7 - 8] = [3, 7, 11, -15]
// No bias: zeros. No activation on a qint8 output: [-128, 127].
// CHECK-LABEL: func.func @conv_transpose_groups
// CHECK: qcc.conv_transpose
// CHECK-SAME: qcc.requant = {act_times_w_scale = array<f32: 2.500000e-01, 2.500000e-01, 2.500000e-01, 2.500000e-01>,
// CHECK-SAME: bias = array<f32: 0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00>,
// CHECK-SAME: multiplier = array<f32: 1.000000e+00, 1.000000e+00, 1.000000e+00, 1.000000e+00>,
// CHECK-SAME: output_max = 127 : i64, output_min = -128 : i64, output_zero_point = -1 : i64,
// CHECK-SAME: weight_sum = array<i32: 3, 7, 11, -15>, weight_zero_point = array<i32: 0, 0, 0, 0>}
func.func @conv_transpose_groups(%x: tensor<1x2x3x3x!qi>) -> tensor<1x4x3x4x!qo> {
  %w = qcc.constant dense<[[[[1, 2]], [[3, 4]]], [[[5, 6]], [[-7, -8]]]]> : tensor<2x2x1x2xi8> -> tensor<2x2x1x2x!qw>
  %y = qcc.conv_transpose %x, %w {stride = array<i64: 1, 1>, padding = array<i64: 0, 0>, output_padding = array<i64: 0, 0>, dilation = array<i64: 1, 1>, groups = 2 : i64} : (tensor<1x2x3x3x!qi>, tensor<2x2x1x2x!qw>) -> tensor<1x4x3x4x!qo>
  return %y : tensor<1x4x3x4x!qo>
}

// -----

!qi = !quant.uniform<u8:f32, 1.0>
!qw = !quant.uniform<i8:f32, 1.0>
!qo = !quant.uniform<u8:f32, 0.5>

// Clamp bounds round half to even: 1.25 * 2 = 2.5 -> 2, 3.75 * 2 = 7.5 -> 8.
// CHECK-LABEL: func.func @clamp_bounds_round_half_even
// CHECK: output_max = 8 : i64, output_min = 2 : i64
func.func @clamp_bounds_round_half_even(%x: tensor<1x1x!qi>) -> tensor<1x1x!qo> {
  %w = qcc.constant dense<1> : tensor<1x1xi8> -> tensor<1x1x!qw>
  %y = qcc.linear %x, %w {activation = "clamp", clamp_min = 1.25 : f64, clamp_max = 3.75 : f64} : (tensor<1x1x!qi>, tensor<1x1x!qw>) -> tensor<1x1x!qo>
  return %y : tensor<1x1x!qo>
}

// -----

// Must not fire: float ops need no requantization constants.
// CHECK-LABEL: func.func @float_linear
// CHECK-NOT: qcc.requant
func.func @float_linear(%x: tensor<1x2xf32>, %w: tensor<2x2xf32>) -> tensor<1x2xf32> {
  %y = qcc.linear %x, %w : (tensor<1x2xf32>, tensor<2x2xf32>) -> tensor<1x2xf32>
  return %y : tensor<1x2xf32>
}

// -----

!qi = !quant.uniform<u8:f32, 0.1>
!qw = !quant.uniform<i8:f32, 0.3>

func.func @weight_not_constant(%x: tensor<1x2x!qi>, %w: tensor<2x2x!qw>) -> tensor<1x2x!qi> {
  // expected-error @+1 {{weight must be a constant to prepare requantization constants}}
  %y = qcc.linear %x, %w : (tensor<1x2x!qi>, tensor<2x2x!qw>) -> tensor<1x2x!qi>
  return %y : tensor<1x2x!qi>
}

// -----

!qi = !quant.uniform<u8:f32, 0.1>
!qw = !quant.uniform<i8:f32, 0.3>

func.func @bias_not_constant(%x: tensor<1x2x!qi>, %b: tensor<2xf32>) -> tensor<1x2x!qi> {
  %w = qcc.constant dense<1> : tensor<2x2xi8> -> tensor<2x2x!qw>
  // expected-error @+1 {{bias must be a constant, f32 under the fbgemm and pt2e numerics and qint32 under onnxruntime (profile fbgemm)}}
  %y = qcc.linear %x, %w, %b : (tensor<1x2x!qi>, tensor<2x2x!qw>, tensor<2xf32>) -> tensor<1x2x!qi>
  return %y : tensor<1x2x!qi>
}

// -----

!qi = !quant.uniform<u8:f32, 0.5>
!qw = !quant.uniform<i8:f32:0, {0.5, 0.25}>

// FBGEMM rejects per-channel transposed-conv weights.
func.func @conv_transpose_per_channel(%x: tensor<1x2x3x3x!qi>) -> tensor<1x2x3x3x!qi> {
  %w = qcc.constant dense<1> : tensor<2x2x1x1xi8> -> tensor<2x2x1x1x!qw>
  // expected-error @+1 {{per-channel weights must be quantized along the output channels (axis 0)}}
  %y = qcc.conv_transpose %x, %w {stride = array<i64: 1, 1>, padding = array<i64: 0, 0>, output_padding = array<i64: 0, 0>, dilation = array<i64: 1, 1>} : (tensor<1x2x3x3x!qi>, tensor<2x2x1x1x!qw>) -> tensor<1x2x3x3x!qi>
  return %y : tensor<1x2x3x3x!qi>
}

// -----

// onnxruntime profile: ONNX Runtime's one multiplier (0.5 * 0.25) / 0.5 =
// 0.25, no float bias (bias' = 0), the qint32 bias as integer_bias.
!qi = !quant.uniform<u8:f32, 0.5:10>
!qw = !quant.uniform<i8:f32, 0.25>
!qo = !quant.uniform<u8:f32, 0.5:3>
!qb = !quant.uniform<i32:f32, 0.125>

module attributes {qcc.numerics = "onnxruntime"} {
  // CHECK-LABEL: func.func @onnxruntime_integer_bias
  // CHECK: qcc.linear
  // CHECK-SAME: bias = array<f32: 0.000000e+00, 0.000000e+00>
  // CHECK-SAME: integer_bias = array<i32: 5, -7>
  // CHECK-SAME: multiplier = array<f32: 2.500000e-01, 2.500000e-01>
  func.func @onnxruntime_integer_bias(%x: tensor<1x2x!qi>) -> tensor<1x2x!qo> {
    %w = qcc.constant dense<[[1, -2], [3, 4]]> : tensor<2x2xi8> -> tensor<2x2x!qw>
    %b = qcc.constant dense<[5, -7]> : tensor<2xi32> -> tensor<2x!qb>
    %y = qcc.linear %x, %w, %b : (tensor<1x2x!qi>, tensor<2x2x!qw>, tensor<2x!qb>) -> tensor<1x2x!qo>
    return %y : tensor<1x2x!qo>
  }
}

// -----

// Must not fire: a float bias in an onnxruntime model (ONNX Runtime's fused
// kernels take only int32 biases).
!qi = !quant.uniform<u8:f32, 0.5:10>
!qw = !quant.uniform<i8:f32, 0.25>

module attributes {qcc.numerics = "onnxruntime"} {
  func.func @onnxruntime_float_bias(%x: tensor<1x2x!qi>) -> tensor<1x2x!qi> {
    %w = qcc.constant dense<1> : tensor<2x2xi8> -> tensor<2x2x!qw>
    %b = qcc.constant dense<1.0> : tensor<2xf32> -> tensor<2xf32>
    // expected-error @+1 {{bias must be a constant, f32 under the fbgemm and pt2e numerics and qint32 under onnxruntime (profile onnxruntime)}}
    %y = qcc.linear %x, %w, %b : (tensor<1x2x!qi>, tensor<2x2x!qw>, tensor<2xf32>) -> tensor<1x2x!qi>
    return %y : tensor<1x2x!qi>
  }
}

// -----

// Must not fire: an integer bias in an fbgemm (PyTorch) model.
!qi = !quant.uniform<u8:f32, 0.5:10>
!qw = !quant.uniform<i8:f32, 0.25>
!qb = !quant.uniform<i32:f32, 0.125>

func.func @fbgemm_integer_bias(%x: tensor<1x2x!qi>) -> tensor<1x2x!qi> {
  %w = qcc.constant dense<1> : tensor<2x2xi8> -> tensor<2x2x!qw>
  %b = qcc.constant dense<[5, -7]> : tensor<2xi32> -> tensor<2x!qb>
  // expected-error @+1 {{bias must be a constant, f32 under the fbgemm and pt2e numerics and qint32 under onnxruntime (profile fbgemm)}}
  %y = qcc.linear %x, %w, %b : (tensor<1x2x!qi>, tensor<2x2x!qw>, tensor<2x!qb>) -> tensor<1x2x!qi>
  return %y : tensor<1x2x!qi>
}

// -----

// pt2e profile: each constant rounded once from doubles (PT2E's float
// dequantize -> linear -> quantize with exact arithmetic), x 0.1, w {0.1, 0.7},
// y 0.3 (inverse f(1 / 0.3) = 3.33333325):
//   multiplier = f(0.1 * w_s * 3.33333325) = [0.0333333351, 0.233333334]
//     (fbgemm: f(0.1) * f(0.7) / f(0.3) = 0.233333319)
//   bias' = f(bias / (0.1 * w_s))          = [100, -35.7142868]
//     (fbgemm: 1 / 0.0100000007 = 99.9999923)
// A float32 result of the same operands: multiplier = act_times_w_scale,
// bias = the float bias (the float epilogue); relu is not an integer bound.
!qi = !quant.uniform<u8:f32, 0.1>
!qw = !quant.uniform<i8:f32:0, {0.1, 0.7:1}>
!qo = !quant.uniform<u8:f32, 0.3:128>

module attributes {qcc.numerics = "pt2e"} {
  // CHECK-LABEL: func.func @pt2e_linear
  // CHECK: qcc.linear
  // CHECK-SAME: qcc.requant = {act_times_w_scale = array<f32: 0.0100000007, 7.000000e-02>,
  // CHECK-SAME: bias = array<f32: 1.000000e+02, -35.7142868>,
  // CHECK-SAME: multiplier = array<f32: 0.0333333351, 0.233333334>,
  // CHECK-SAME: output_max = 255 : i64, output_min = 128 : i64, output_zero_point = 128 : i64,
  func.func @pt2e_linear(%x: tensor<1x3x!qi>) -> tensor<1x2x!qo> {
    %w = qcc.constant dense<[[1, 2, 3], [-4, 5, -128]]> : tensor<2x3xi8> -> tensor<2x3x!qw>
    %b = qcc.constant dense<[1.0, -2.5]> : tensor<2xf32> -> tensor<2xf32>
    %y = qcc.linear %x, %w, %b {activation = "relu"} : (tensor<1x3x!qi>, tensor<2x3x!qw>, tensor<2xf32>) -> tensor<1x2x!qo>
    return %y : tensor<1x2x!qo>
  }

  // CHECK-LABEL: func.func @pt2e_float_result
  // CHECK: qcc.conv
  // CHECK-SAME: qcc.requant = {act_times_w_scale = array<f32: 0.0100000007, 7.000000e-02>,
  // CHECK-SAME: bias = array<f32: 1.000000e+00, -2.500000e+00>,
  // CHECK-SAME: multiplier = array<f32: 0.0100000007, 7.000000e-02>,
  // CHECK-SAME: output_max = 255 : i64, output_min = 0 : i64, output_zero_point = 0 : i64,
  // CHECK-SAME: -> tensor<1x2x1x1xf32>
  func.func @pt2e_float_result(%x: tensor<1x3x1x1x!qi>) -> tensor<1x2x1x1xf32> {
    %w = qcc.constant dense<[[[[1]], [[2]], [[3]]], [[[-4]], [[5]], [[-128]]]]> : tensor<2x3x1x1xi8> -> tensor<2x3x1x1x!qw>
    %b = qcc.constant dense<[1.0, -2.5]> : tensor<2xf32> -> tensor<2xf32>
    %y = qcc.conv %x, %w, %b {stride = array<i64: 1, 1>, padding = array<i64: 0, 0>, dilation = array<i64: 1, 1>, activation = "relu"} : (tensor<1x3x1x1x!qi>, tensor<2x3x1x1x!qw>, tensor<2xf32>) -> tensor<1x2x1x1xf32>
    return %y : tensor<1x2x1x1xf32>
  }

  // Must not fire: a float conv (float input) needs no constants.
  // CHECK-LABEL: func.func @pt2e_float_conv
  // CHECK-NOT: qcc.requant
  func.func @pt2e_float_conv(%x: tensor<1x3x1x1xf32>, %w: tensor<2x3x1x1xf32>) -> tensor<1x2x1x1xf32> {
    %y = qcc.conv %x, %w {stride = array<i64: 1, 1>, padding = array<i64: 0, 0>, dilation = array<i64: 1, 1>} : (tensor<1x3x1x1xf32>, tensor<2x3x1x1xf32>) -> tensor<1x2x1x1xf32>
    return %y : tensor<1x2x1x1xf32>
  }
}
