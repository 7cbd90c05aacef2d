// RUN: qcc-opt %s -qcc-fuse --split-input-file | FileCheck %s

!qa = !quant.uniform<u8:f32, 0.1:128>
!qw = !quant.uniform<i8:f32, 0.02>
!qo = !quant.uniform<u8:f32, 0.2:100>

// Quantized conv + relu: relu is max(q, zp) on the conv's own parameters,
// which is what the fused kernel's [zp, qmax] clamp gives.
// CHECK-LABEL: func.func @conv_relu
// CHECK: %[[C:.*]] = qcc.conv %arg0, %[[W:.*]] {activation = "relu", {{.*}}} : {{.*}} -> tensor<1x2x4x4x!quant.uniform<u8:f32, 2.000000e-01:100>>
// CHECK-NOT: qcc.relu
// CHECK: return %[[C]]
func.func @conv_relu(%x: tensor<1x2x4x4x!qa>) -> tensor<1x2x4x4x!qo> {
  %w = qcc.constant dense<1> : tensor<2x2x1x1xi8> -> tensor<2x2x1x1x!qw>
  %c = qcc.conv %x, %w {stride = array<i64: 1, 1>, padding = array<i64: 0, 0>, dilation = array<i64: 1, 1>} : (tensor<1x2x4x4x!qa>, tensor<2x2x1x1x!qw>) -> tensor<1x2x4x4x!qo>
  %r = qcc.relu %c : tensor<1x2x4x4x!qo> -> tensor<1x2x4x4x!qo>
  return %r : tensor<1x2x4x4x!qo>
}

// -----

// Float linear + clamp (relu6): the bounds move to clamp_min / clamp_max.
// CHECK-LABEL: func.func @linear_clamp
// CHECK: %[[L:.*]] = qcc.linear %arg0, %arg1 {activation = "clamp", clamp_max = 6.000000e+00 : f64, clamp_min = 0.000000e+00 : f64} : (tensor<1x4xf32>, tensor<2x4xf32>) -> tensor<1x2xf32>
// CHECK-NOT: qcc.clamp
// CHECK: return %[[L]]
func.func @linear_clamp(%x: tensor<1x4xf32>, %w: tensor<2x4xf32>) -> tensor<1x2xf32> {
  %l = qcc.linear %x, %w : (tensor<1x4xf32>, tensor<2x4xf32>) -> tensor<1x2xf32>
  %c = qcc.clamp %l {min = 0.0 : f64, max = 6.0 : f64} : tensor<1x2xf32> -> tensor<1x2xf32>
  return %c : tensor<1x2xf32>
}

// -----

!qa = !quant.uniform<u8:f32, 0.1:128>

// add, mul and batch_norm take a fused relu (add_relu, mul_relu, BNReLU).
// CHECK-LABEL: func.func @binary_and_bn_relu
// CHECK: %[[A:.*]] = qcc.add %arg0, %arg1 {activation = "relu"}
// CHECK: %[[M:.*]] = qcc.mul %arg0, %arg1 {activation = "relu"}
// CHECK: %[[B:.*]] = qcc.batch_norm {{.*}} {activation = "relu", eps = 1.000000e-05 : f64}
// CHECK-NOT: qcc.relu
// CHECK: return %[[A]], %[[M]], %[[B]]
func.func @binary_and_bn_relu(%x: tensor<1x2x4x!qa>, %y: tensor<1x2x4x!qa>, %p: tensor<2xf32>)
    -> (tensor<1x2x4x!qa>, tensor<1x2x4x!qa>, tensor<1x2x4x!qa>) {
  %a = qcc.add %x, %y : (tensor<1x2x4x!qa>, tensor<1x2x4x!qa>) -> tensor<1x2x4x!qa>
  %ra = qcc.relu %a : tensor<1x2x4x!qa> -> tensor<1x2x4x!qa>
  %m = qcc.mul %x, %y : (tensor<1x2x4x!qa>, tensor<1x2x4x!qa>) -> tensor<1x2x4x!qa>
  %rm = qcc.relu %m : tensor<1x2x4x!qa> -> tensor<1x2x4x!qa>
  %b = qcc.batch_norm %x, %p, %p, %p, %p {eps = 1.0e-5 : f64} : (tensor<1x2x4x!qa>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x4x!qa>
  %rb = qcc.relu %b : tensor<1x2x4x!qa> -> tensor<1x2x4x!qa>
  return %ra, %rm, %rb : tensor<1x2x4x!qa>, tensor<1x2x4x!qa>, tensor<1x2x4x!qa>
}

// -----

// Must not fire: the conv result has another user that needs the value
// before the relu.
// CHECK-LABEL: func.func @producer_multi_use
// CHECK: %[[L:.*]] = qcc.linear %arg0, %arg1 : (tensor<1x4xf32>, tensor<2x4xf32>) -> tensor<1x2xf32>
// CHECK: %[[R:.*]] = qcc.relu %[[L]]
// CHECK: return %[[R]], %[[L]]
func.func @producer_multi_use(%x: tensor<1x4xf32>, %w: tensor<2x4xf32>) -> (tensor<1x2xf32>, tensor<1x2xf32>) {
  %l = qcc.linear %x, %w : (tensor<1x4xf32>, tensor<2x4xf32>) -> tensor<1x2xf32>
  %r = qcc.relu %l : tensor<1x2xf32> -> tensor<1x2xf32>
  return %r, %l : tensor<1x2xf32>, tensor<1x2xf32>
}

// -----

// Must not fire: the producer already has an activation (one slot only), and
// add has no clamp bounds to hold a clamp.
// CHECK-LABEL: func.func @no_slot
// CHECK: qcc.linear %arg0, %arg1 {activation = "relu"}
// CHECK: qcc.clamp
// CHECK: qcc.add %arg2, %arg2 :
// CHECK: qcc.clamp
func.func @no_slot(%x: tensor<1x4xf32>, %w: tensor<2x4xf32>, %y: tensor<4xf32>) -> (tensor<1x2xf32>, tensor<4xf32>) {
  %l = qcc.linear %x, %w {activation = "relu"} : (tensor<1x4xf32>, tensor<2x4xf32>) -> tensor<1x2xf32>
  %c = qcc.clamp %l {max = 6.0 : f64} : tensor<1x2xf32> -> tensor<1x2xf32>
  %a = qcc.add %y, %y : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %ca = qcc.clamp %a {min = -1.0 : f64, max = 1.0 : f64} : tensor<4xf32> -> tensor<4xf32>
  return %c, %ca : tensor<1x2xf32>, tensor<4xf32>
}

// -----

// Float conv + batch_norm folds into the conv. With eps = 1:
//   g  = gamma / sqrt(var + eps) = [2 / sqrt(3 + 1), 0.5 / sqrt(0 + 1)] = [1, 0.5]
//   w' = w * g                   = [1 * 1, 2 * 0.5]                      = [1, 1]
//   b' = (b - mean) * g + beta   = [(0.5 - 0.5) * 1 + 0.1, (-1 - 1) * 0.5 + 0.2] = [0.1, -0.8]
// CHECK-LABEL: func.func @conv_bn
// CHECK-DAG: %[[W:.*]] = qcc.constant dense<1.000000e+00> : tensor<2x1x1x1xf32> -> tensor<2x1x1x1xf32>
// CHECK-DAG: %[[B:.*]] = qcc.constant dense<[1.000000e-01, -8.000000e-01]> : tensor<2xf32> -> tensor<2xf32>
// CHECK: %[[C:.*]] = qcc.conv %arg0, %[[W]], %[[B]] {{{.*}}groups = 2 : i64{{.*}}} : (tensor<1x2x3x3xf32>, tensor<2x1x1x1xf32>, tensor<2xf32>) -> tensor<1x2x3x3xf32>
// CHECK-NOT: qcc.batch_norm
// CHECK: return %[[C]]
func.func @conv_bn(%x: tensor<1x2x3x3xf32>) -> tensor<1x2x3x3xf32> {
  %w = qcc.constant dense<[[[[1.0]]], [[[2.0]]]]> : tensor<2x1x1x1xf32> -> tensor<2x1x1x1xf32>
  %b = qcc.constant dense<[0.5, -1.0]> : tensor<2xf32> -> tensor<2xf32>
  %gamma = qcc.constant dense<[2.0, 0.5]> : tensor<2xf32> -> tensor<2xf32>
  %beta = qcc.constant dense<[0.1, 0.2]> : tensor<2xf32> -> tensor<2xf32>
  %mean = qcc.constant dense<[0.5, 1.0]> : tensor<2xf32> -> tensor<2xf32>
  %var = qcc.constant dense<[3.0, 0.0]> : tensor<2xf32> -> tensor<2xf32>
  %c = qcc.conv %x, %w, %b {stride = array<i64: 1, 1>, padding = array<i64: 0, 0>, dilation = array<i64: 1, 1>, groups = 2 : i64} : (tensor<1x2x3x3xf32>, tensor<2x1x1x1xf32>, tensor<2xf32>) -> tensor<1x2x3x3xf32>
  %n = qcc.batch_norm %c, %gamma, %beta, %mean, %var {eps = 1.0 : f64} : (tensor<1x2x3x3xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x3x3xf32>
  return %n : tensor<1x2x3x3xf32>
}

// -----

// Conv without bias + batch_norm + relu: the fold creates the bias
// b' = (0 - mean) * g + beta = [-1 * 0.5 + 1, -2 * 0.25 + 0] = [0.5, -0.5]
// (g = [1 / sqrt(3 + 1), 1 / sqrt(15 + 1)] = [0.5, 0.25]), then relu fuses.
// CHECK-LABEL: func.func @conv_bn_relu_no_bias
// CHECK-DAG: %[[W:.*]] = qcc.constant dense<[{{\[\[}}[5.000000e-01, 1.000000e+00]]], {{\[\[}}[2.500000e-01, -2.500000e-01]]]]> : tensor<2x1x1x2xf32>
// CHECK-DAG: %[[B:.*]] = qcc.constant dense<[5.000000e-01, -5.000000e-01]> : tensor<2xf32>
// CHECK: %[[C:.*]] = qcc.conv %arg0, %[[W]], %[[B]] {activation = "relu"
// CHECK-NOT: qcc.relu
// CHECK-NOT: qcc.batch_norm
// CHECK: return %[[C]]
func.func @conv_bn_relu_no_bias(%x: tensor<1x1x3x3xf32>) -> tensor<1x2x3x2xf32> {
  %w = qcc.constant dense<[[[[1.0, 2.0]]], [[[1.0, -1.0]]]]> : tensor<2x1x1x2xf32> -> tensor<2x1x1x2xf32>
  %one = qcc.constant dense<1.0> : tensor<2xf32> -> tensor<2xf32>
  %beta = qcc.constant dense<[1.0, 0.0]> : tensor<2xf32> -> tensor<2xf32>
  %mean = qcc.constant dense<[1.0, 2.0]> : tensor<2xf32> -> tensor<2xf32>
  %var = qcc.constant dense<[3.0, 15.0]> : tensor<2xf32> -> tensor<2xf32>
  %c = qcc.conv %x, %w {stride = array<i64: 1, 1>, padding = array<i64: 0, 0>, dilation = array<i64: 1, 1>} : (tensor<1x1x3x3xf32>, tensor<2x1x1x2xf32>) -> tensor<1x2x3x2xf32>
  %n = qcc.batch_norm %c, %one, %beta, %mean, %var {eps = 1.0 : f64} : (tensor<1x2x3x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x3x2xf32>
  %r = qcc.relu %n : tensor<1x2x3x2xf32> -> tensor<1x2x3x2xf32>
  return %r : tensor<1x2x3x2xf32>
}

// -----

!qa = !quant.uniform<u8:f32, 0.1:128>
!qw = !quant.uniform<i8:f32, 0.02>

// Must not fire: quantized conv + batch_norm. Folding would scale the int8
// weights, which must then be requantized: not the same integers.
// CHECK-LABEL: func.func @quantized_conv_bn
// CHECK: qcc.conv
// CHECK: qcc.batch_norm
func.func @quantized_conv_bn(%x: tensor<1x2x4x4x!qa>, %p: tensor<2xf32>) -> tensor<1x2x4x4x!qa> {
  %w = qcc.constant dense<1> : tensor<2x2x1x1xi8> -> tensor<2x2x1x1x!qw>
  %c = qcc.conv %x, %w {stride = array<i64: 1, 1>, padding = array<i64: 0, 0>, dilation = array<i64: 1, 1>} : (tensor<1x2x4x4x!qa>, tensor<2x2x1x1x!qw>) -> tensor<1x2x4x4x!qa>
  %n = qcc.batch_norm %c, %p, %p, %p, %p {eps = 1.0e-5 : f64} : (tensor<1x2x4x4x!qa>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x4x4x!qa>
  return %n : tensor<1x2x4x4x!qa>
}

// -----

// Must not fire: the float conv's weight is not a constant (nothing to fold
// into), and a conv with a second user would lose its un-normalized value.
// CHECK-LABEL: func.func @float_conv_bn_no_fold
// CHECK: %[[C:.*]] = qcc.conv %arg0, %arg1
// CHECK: qcc.batch_norm %[[C]]
// CHECK: %[[D:.*]] = qcc.conv %arg0, %[[W:.*]] {{.*}}
// CHECK: qcc.batch_norm %[[D]]
func.func @float_conv_bn_no_fold(%x: tensor<1x2x4x4xf32>, %w: tensor<2x2x1x1xf32>, %p: tensor<2xf32>)
    -> (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) {
  %c = qcc.conv %x, %w {stride = array<i64: 1, 1>, padding = array<i64: 0, 0>, dilation = array<i64: 1, 1>} : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x4x4xf32>
  %n = qcc.batch_norm %c, %p, %p, %p, %p {eps = 1.0e-5 : f64} : (tensor<1x2x4x4xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  %k = qcc.constant dense<1.0> : tensor<2x2x1x1xf32> -> tensor<2x2x1x1xf32>
  %one = qcc.constant dense<1.0> : tensor<2xf32> -> tensor<2xf32>
  %d = qcc.conv %x, %k {stride = array<i64: 1, 1>, padding = array<i64: 0, 0>, dilation = array<i64: 1, 1>} : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x4x4xf32>
  %m = qcc.batch_norm %d, %one, %one, %one, %one {eps = 1.0e-5 : f64} : (tensor<1x2x4x4xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  return %n, %m, %d : tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>
}

// -----

// pt2e: a float relu after a float-result conv of quantized operands fuses
// (the float epilogue applies it); a clamp does not (no float clamp there).
!qa = !quant.uniform<u8:f32, 0.1:128>
!qw = !quant.uniform<i8:f32, 0.02>

module attributes {qcc.numerics = "pt2e"} {
  // CHECK-LABEL: func.func @pt2e_float_result_relu
  // CHECK: qcc.conv {{.*}}activation = "relu"{{.*}} -> tensor<1x4x3x3xf32>
  // CHECK-NOT: qcc.relu
  func.func @pt2e_float_result_relu(%x: tensor<1x2x3x3x!qa>) -> tensor<1x4x3x3xf32> {
    %w = qcc.constant dense<1> : tensor<4x2x1x1xi8> -> tensor<4x2x1x1x!qw>
    %c = qcc.conv %x, %w {stride = array<i64: 1, 1>, padding = array<i64: 0, 0>, dilation = array<i64: 1, 1>} : (tensor<1x2x3x3x!qa>, tensor<4x2x1x1x!qw>) -> tensor<1x4x3x3xf32>
    %r = qcc.relu %c : tensor<1x4x3x3xf32> -> tensor<1x4x3x3xf32>
    return %r : tensor<1x4x3x3xf32>
  }

  // CHECK-LABEL: func.func @pt2e_float_result_clamp
  // CHECK: qcc.conv
  // CHECK-NOT: activation = "clamp"
  // CHECK: qcc.clamp
  func.func @pt2e_float_result_clamp(%x: tensor<1x2x3x3x!qa>) -> tensor<1x4x3x3xf32> {
    %w = qcc.constant dense<1> : tensor<4x2x1x1xi8> -> tensor<4x2x1x1x!qw>
    %c = qcc.conv %x, %w {stride = array<i64: 1, 1>, padding = array<i64: 0, 0>, dilation = array<i64: 1, 1>} : (tensor<1x2x3x3x!qa>, tensor<4x2x1x1x!qw>) -> tensor<1x4x3x3xf32>
    %r = qcc.clamp %c {min = 0.0 : f64, max = 6.0 : f64} : tensor<1x4x3x3xf32> -> tensor<1x4x3x3xf32>
    return %r : tensor<1x4x3x3xf32>
  }
}
