// Round trip of every qcc op, in the custom and in the generic form, with
// per-tensor and per-axis quantized types and float variants.
//
// The printed forms of the type aliases below, for the CHECK lines:
// DEFINE: %{types} = -DQA='!quant.uniform<u8:f32, 1.000000e-01:128>' \
// DEFINE:   -DQB='!quant.uniform<u8:f32, 2.000000e-01:64>' \
// DEFINE:   -DQW='!quant.uniform<i8:f32, 5.000000e-02>' \
// DEFINE:   -DQC='!quant.uniform<i8:f32:0, {5.000000e-02,2.500000e-02}>'
// RUN: qcc-opt %s | qcc-opt | FileCheck %s %{types}
// RUN: qcc-opt %s --mlir-print-op-generic | qcc-opt | FileCheck %s %{types}

!qa = !quant.uniform<u8:f32, 0.1:128>
!qb = !quant.uniform<u8:f32, 0.2:64>
!qw = !quant.uniform<i8:f32, 0.05>
!qc = !quant.uniform<i8:f32:0, {0.05, 0.025}>

//===----------------------------------------------------------------------===//
// Quantization boundary
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func @constants
// CHECK: qcc.constant dense<[1.000000e+00, -2.500000e+00]> : tensor<2xf32> -> tensor<2xf32>
// CHECK: qcc.constant dense<{{\[\[}}1, -2], [3, 4]]> : tensor<2x2xi8> -> tensor<2x2x[[QW]]>
// CHECK: qcc.constant dense<{{\[\[}}1, -2], [3, 4]]> : tensor<2x2xi8> -> tensor<2x2x[[QC]]>
// CHECK: qcc.constant dense<[0, 3]> : tensor<2xi64> -> tensor<2xi64>
func.func @constants() -> (tensor<2xf32>, tensor<2x2x!qw>, tensor<2x2x!qc>, tensor<2xi64>) {
  %f = qcc.constant dense<[1.0, -2.5]> : tensor<2xf32> -> tensor<2xf32>
  %w = qcc.constant dense<[[1, -2], [3, 4]]> : tensor<2x2xi8> -> tensor<2x2x!qw>
  %c = qcc.constant dense<[[1, -2], [3, 4]]> : tensor<2x2xi8> -> tensor<2x2x!qc>
  %i = qcc.constant dense<[0, 3]> : tensor<2xi64> -> tensor<2xi64>
  return %f, %w, %c, %i : tensor<2xf32>, tensor<2x2x!qw>, tensor<2x2x!qc>, tensor<2xi64>
}

// CHECK-LABEL: func.func @boundary
// CHECK: %[[Q:.*]] = qcc.quantize %{{.*}} : tensor<1x4xf32> -> tensor<1x4x[[QA]]>
// CHECK: %[[R:.*]] = qcc.requantize %[[Q]] : tensor<1x4x[[QA]]> -> tensor<1x4x[[QB]]>
// CHECK: qcc.dequantize %[[R]] : tensor<1x4x[[QB]]> -> tensor<1x4xf32>
func.func @boundary(%x: tensor<1x4xf32>) -> tensor<1x4xf32> {
  %q = qcc.quantize %x : tensor<1x4xf32> -> tensor<1x4x!qa>
  %r = qcc.requantize %q : tensor<1x4x!qa> -> tensor<1x4x!qb>
  %d = qcc.dequantize %r : tensor<1x4x!qb> -> tensor<1x4xf32>
  return %d : tensor<1x4xf32>
}

// Per-axis quantize / dequantize (quantize_per_channel).
// CHECK-LABEL: func.func @boundary_per_axis
// CHECK: qcc.quantize %{{.*}} : tensor<2x3xf32> -> tensor<2x3x[[QC]]>
// CHECK: qcc.dequantize %{{.*}} : tensor<2x3x[[QC]]> -> tensor<2x3xf32>
func.func @boundary_per_axis(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %q = qcc.quantize %x : tensor<2x3xf32> -> tensor<2x3x!qc>
  %d = qcc.dequantize %q : tensor<2x3x!qc> -> tensor<2x3xf32>
  return %d : tensor<2x3xf32>
}

//===----------------------------------------------------------------------===//
// Convolution and linear
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func @conv2d_per_tensor
// CHECK: qcc.conv %{{.*}}, %{{.*}}, %{{.*}} {activation = "relu", dilation = array<i64: 1, 1>, padding = array<i64: 1, 1>, stride = array<i64: 2, 2>}
// CHECK-SAME: : (tensor<1x2x5x5x[[QA]]>, tensor<2x2x3x3x[[QW]]>, tensor<2xf32>) -> tensor<1x2x3x3x[[QB]]>
func.func @conv2d_per_tensor(%x: tensor<1x2x5x5x!qa>, %w: tensor<2x2x3x3x!qw>, %b: tensor<2xf32>) -> tensor<1x2x3x3x!qb> {
  %y = qcc.conv %x, %w, %b {stride = array<i64: 2, 2>, padding = array<i64: 1, 1>, dilation = array<i64: 1, 1>, activation = "relu"} : (tensor<1x2x5x5x!qa>, tensor<2x2x3x3x!qw>, tensor<2xf32>) -> tensor<1x2x3x3x!qb>
  return %y : tensor<1x2x3x3x!qb>
}

// Per-axis weights, depthwise (groups = channels), clamp bounds, no bias.
// CHECK-LABEL: func.func @conv1d_per_axis_depthwise
// CHECK: qcc.conv %{{.*}}, %{{[^,]*}} {activation = "clamp", clamp_max = 6.000000e+00 : f64, clamp_min = 0.000000e+00 : f64, dilation = array<i64: 2>, groups = 2 : i64, padding = array<i64: 0>, stride = array<i64: 1>}
// CHECK-SAME: : (tensor<1x2x8x[[QA]]>, tensor<2x1x3x[[QC]]>) -> tensor<1x2x4x[[QA]]>
func.func @conv1d_per_axis_depthwise(%x: tensor<1x2x8x!qa>, %w: tensor<2x1x3x!qc>) -> tensor<1x2x4x!qa> {
  %y = qcc.conv %x, %w {stride = array<i64: 1>, padding = array<i64: 0>, dilation = array<i64: 2>, groups = 2 : i64, activation = "clamp", clamp_min = 0.0 : f64, clamp_max = 6.0 : f64} : (tensor<1x2x8x!qa>, tensor<2x1x3x!qc>) -> tensor<1x2x4x!qa>
  return %y : tensor<1x2x4x!qa>
}

// CHECK-LABEL: func.func @conv3d_float
// CHECK: qcc.conv %{{.*}}, %{{[^,]*}} {dilation = array<i64: 1, 1, 1>, padding = array<i64: 0, 1, 1>, stride = array<i64: 1, 1, 1>}
// CHECK-SAME: : (tensor<1x3x2x4x4xf32>, tensor<4x3x1x3x3xf32>) -> tensor<1x4x2x4x4xf32>
func.func @conv3d_float(%x: tensor<1x3x2x4x4xf32>, %w: tensor<4x3x1x3x3xf32>) -> tensor<1x4x2x4x4xf32> {
  %y = qcc.conv %x, %w {stride = array<i64: 1, 1, 1>, padding = array<i64: 0, 1, 1>, dilation = array<i64: 1, 1, 1>} : (tensor<1x3x2x4x4xf32>, tensor<4x3x1x3x3xf32>) -> tensor<1x4x2x4x4xf32>
  return %y : tensor<1x4x2x4x4xf32>
}

// (3 - 1) * 2 - 2 * 1 + 1 * (3 - 1) + 1 + 1 = 6
// CHECK-LABEL: func.func @conv_transpose_quantized
// CHECK: qcc.conv_transpose %{{.*}}, %{{.*}}, %{{.*}} {dilation = array<i64: 1, 1>, output_padding = array<i64: 1, 1>, padding = array<i64: 1, 1>, stride = array<i64: 2, 2>}
// CHECK-SAME: : (tensor<1x2x3x3x[[QA]]>, tensor<2x2x3x3x[[QW]]>, tensor<2xf32>) -> tensor<1x2x6x6x[[QB]]>
func.func @conv_transpose_quantized(%x: tensor<1x2x3x3x!qa>, %w: tensor<2x2x3x3x!qw>, %b: tensor<2xf32>) -> tensor<1x2x6x6x!qb> {
  %y = qcc.conv_transpose %x, %w, %b {stride = array<i64: 2, 2>, padding = array<i64: 1, 1>, output_padding = array<i64: 1, 1>, dilation = array<i64: 1, 1>} : (tensor<1x2x3x3x!qa>, tensor<2x2x3x3x!qw>, tensor<2xf32>) -> tensor<1x2x6x6x!qb>
  return %y : tensor<1x2x6x6x!qb>
}

// Weight C x O/groups x k: 4 x 1 x 2 with groups 2 gives 2 output channels.
// CHECK-LABEL: func.func @conv_transpose_float_groups
// CHECK: qcc.conv_transpose %{{.*}}, %{{[^,]*}} {dilation = array<i64: 1>, groups = 2 : i64, output_padding = array<i64: 0>, padding = array<i64: 0>, stride = array<i64: 1>}
// CHECK-SAME: : (tensor<1x4x5xf32>, tensor<4x1x2xf32>) -> tensor<1x2x6xf32>
func.func @conv_transpose_float_groups(%x: tensor<1x4x5xf32>, %w: tensor<4x1x2xf32>) -> tensor<1x2x6xf32> {
  %y = qcc.conv_transpose %x, %w {stride = array<i64: 1>, padding = array<i64: 0>, output_padding = array<i64: 0>, dilation = array<i64: 1>, groups = 2 : i64} : (tensor<1x4x5xf32>, tensor<4x1x2xf32>) -> tensor<1x2x6xf32>
  return %y : tensor<1x2x6xf32>
}

// CHECK-LABEL: func.func @linear_variants
// CHECK: qcc.linear %{{.*}}, %{{.*}}, %{{.*}} {activation = "relu"} : (tensor<3x4x[[QA]]>, tensor<2x4x[[QC]]>, tensor<2xf32>) -> tensor<3x2x[[QB]]>
// CHECK: qcc.linear %{{.*}}, %{{[^,]*}} {activation = "clamp", clamp_min = -1.000000e+00 : f64} : (tensor<5x3x4xf32>, tensor<2x4xf32>) -> tensor<5x3x2xf32>
// CHECK: qcc.linear %{{.*}}, %{{[^,]*}} : (tensor<4xf32>, tensor<2x4xf32>) -> tensor<2xf32>
func.func @linear_variants(%x: tensor<3x4x!qa>, %w: tensor<2x4x!qc>, %b: tensor<2xf32>, %f: tensor<5x3x4xf32>, %fw: tensor<2x4xf32>, %v: tensor<4xf32>) -> (tensor<3x2x!qb>, tensor<5x3x2xf32>, tensor<2xf32>) {
  %y = qcc.linear %x, %w, %b {activation = "relu"} : (tensor<3x4x!qa>, tensor<2x4x!qc>, tensor<2xf32>) -> tensor<3x2x!qb>
  %z = qcc.linear %f, %fw {activation = "clamp", clamp_min = -1.0 : f64} : (tensor<5x3x4xf32>, tensor<2x4xf32>) -> tensor<5x3x2xf32>
  %u = qcc.linear %v, %fw : (tensor<4xf32>, tensor<2x4xf32>) -> tensor<2xf32>
  return %y, %z, %u : tensor<3x2x!qb>, tensor<5x3x2xf32>, tensor<2xf32>
}

// CHECK-LABEL: func.func @dynamic_linear
// CHECK: qcc.dynamic_linear %{{.*}}, %{{.*}}, %{{.*}} : (tensor<3x4xf32>, tensor<2x4x[[QC]]>, tensor<2xf32>) -> tensor<3x2xf32>
// CHECK: qcc.dynamic_linear %{{.*}}, %{{[^,]*}} {reduce_range = false} : (tensor<3x4xf32>, tensor<2x4x[[QW]]>) -> tensor<3x2xf32>
func.func @dynamic_linear(%x: tensor<3x4xf32>, %w: tensor<2x4x!qc>, %b: tensor<2xf32>, %w2: tensor<2x4x!qw>) -> (tensor<3x2xf32>, tensor<3x2xf32>) {
  %y = qcc.dynamic_linear %x, %w, %b : (tensor<3x4xf32>, tensor<2x4x!qc>, tensor<2xf32>) -> tensor<3x2xf32>
  %z = qcc.dynamic_linear %x, %w2 {reduce_range = false} : (tensor<3x4xf32>, tensor<2x4x!qw>) -> tensor<3x2xf32>
  return %y, %z : tensor<3x2xf32>, tensor<3x2xf32>
}

//===----------------------------------------------------------------------===//
// Normalization
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func @batch_norm
// CHECK: qcc.batch_norm %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} {activation = "relu", eps = 1.000000e-05 : f64} : (tensor<1x2x4x4x[[QA]]>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x4x4x[[QB]]>
// CHECK: qcc.batch_norm %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} {eps = 1.000000e-03 : f64} : (tensor<1x2x2x4x4xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x2x4x4xf32>
func.func @batch_norm(%x: tensor<1x2x4x4x!qa>, %f: tensor<1x2x2x4x4xf32>, %p: tensor<2xf32>) -> (tensor<1x2x4x4x!qb>, tensor<1x2x2x4x4xf32>) {
  %y = qcc.batch_norm %x, %p, %p, %p, %p {eps = 1.0e-5 : f64, activation = "relu"} : (tensor<1x2x4x4x!qa>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x4x4x!qb>
  %z = qcc.batch_norm %f, %p, %p, %p, %p {eps = 1.0e-3 : f64} : (tensor<1x2x2x4x4xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x2x4x4xf32>
  return %y, %z : tensor<1x2x4x4x!qb>, tensor<1x2x2x4x4xf32>
}

// CHECK-LABEL: func.func @norms
// CHECK: qcc.layer_norm %{{.*}}, %{{.*}}, %{{.*}} {eps = 1.000000e-05 : f64, normalized_shape = array<i64: 4>} : (tensor<2x3x4x[[QA]]>, tensor<4xf32>, tensor<4xf32>) -> tensor<2x3x4x[[QB]]>
// CHECK: qcc.layer_norm %{{.*}}, %{{.*}}, %{{.*}} {eps = 0.000000e+00 : f64, normalized_shape = array<i64: 3, 4>} : (tensor<2x3x4xf32>, tensor<3x4xf32>, tensor<3x4xf32>) -> tensor<2x3x4xf32>
// CHECK: qcc.group_norm %{{.*}}, %{{.*}}, %{{.*}} {eps = 1.000000e-05 : f64, num_groups = 2 : i64} : (tensor<1x4x3x[[QA]]>, tensor<4xf32>, tensor<4xf32>) -> tensor<1x4x3x[[QB]]>
// CHECK: qcc.instance_norm %{{.*}}, %{{.*}}, %{{.*}} {eps = 1.000000e-05 : f64} : (tensor<1x4x3xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<1x4x3xf32>
func.func @norms(%x: tensor<2x3x4x!qa>, %w4: tensor<4xf32>, %f: tensor<2x3x4xf32>, %w34: tensor<3x4xf32>, %g: tensor<1x4x3x!qa>, %h: tensor<1x4x3xf32>) -> (tensor<2x3x4x!qb>, tensor<2x3x4xf32>, tensor<1x4x3x!qb>, tensor<1x4x3xf32>) {
  %a = qcc.layer_norm %x, %w4, %w4 {normalized_shape = array<i64: 4>, eps = 1.0e-5 : f64} : (tensor<2x3x4x!qa>, tensor<4xf32>, tensor<4xf32>) -> tensor<2x3x4x!qb>
  %b = qcc.layer_norm %f, %w34, %w34 {normalized_shape = array<i64: 3, 4>, eps = 0.0 : f64} : (tensor<2x3x4xf32>, tensor<3x4xf32>, tensor<3x4xf32>) -> tensor<2x3x4xf32>
  %c = qcc.group_norm %g, %w4, %w4 {num_groups = 2 : i64, eps = 1.0e-5 : f64} : (tensor<1x4x3x!qa>, tensor<4xf32>, tensor<4xf32>) -> tensor<1x4x3x!qb>
  %d = qcc.instance_norm %h, %w4, %w4 {eps = 1.0e-5 : f64} : (tensor<1x4x3xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<1x4x3xf32>
  return %a, %b, %c, %d : tensor<2x3x4x!qb>, tensor<2x3x4xf32>, tensor<1x4x3x!qb>, tensor<1x4x3xf32>
}

//===----------------------------------------------------------------------===//
// Elementwise
//===----------------------------------------------------------------------===//

// relu, clamp and dropout keep the input's quantization (per tensor or per axis).
// CHECK-LABEL: func.func @activations_quantized
// CHECK: qcc.relu %{{.*}} : tensor<1x4x[[QA]]> -> tensor<1x4x[[QA]]>
// CHECK: qcc.clamp %{{.*}} {max = 6.000000e+00 : f64, min = 0.000000e+00 : f64} : tensor<1x4x[[QA]]> -> tensor<1x4x[[QA]]>
// CHECK: qcc.elu %{{.*}} {alpha = 5.000000e-01 : f64} : tensor<1x4x[[QA]]> -> tensor<1x4x[[QB]]>
// CHECK: qcc.leaky_relu %{{.*}} {negative_slope = 0.0099999997764825821 : f64} : tensor<1x4x[[QA]]> -> tensor<1x4x[[QB]]>
// CHECK: qcc.hardswish %{{.*}} : tensor<1x4x[[QA]]> -> tensor<1x4x[[QB]]>
// CHECK: qcc.hardsigmoid %{{.*}} : tensor<1x4x[[QA]]> -> tensor<1x4x[[QB]]>
// CHECK: qcc.sigmoid %{{.*}} : tensor<1x4x[[QA]]> -> tensor<1x4x[[QB]]>
// CHECK: qcc.tanh %{{.*}} : tensor<1x4x[[QA]]> -> tensor<1x4x[[QB]]>
// CHECK: qcc.gelu %{{.*}} : tensor<1x4x[[QA]]> -> tensor<1x4x[[QB]]>
// CHECK: qcc.softmax %{{.*}} {dim = -1 : i64} : tensor<1x4x[[QA]]> -> tensor<1x4x[[QB]]>
// CHECK: qcc.dropout %{{.*}} {p = 1.000000e-01 : f64} : tensor<1x4x[[QA]]> -> tensor<1x4x[[QA]]>
// CHECK: qcc.relu %{{.*}} : tensor<2x3x[[QC]]> -> tensor<2x3x[[QC]]>
func.func @activations_quantized(%x: tensor<1x4x!qa>, %c: tensor<2x3x!qc>) -> tensor<2x3x!qc> {
  %0 = qcc.relu %x : tensor<1x4x!qa> -> tensor<1x4x!qa>
  %1 = qcc.clamp %x {min = 0.0 : f64, max = 6.0 : f64} : tensor<1x4x!qa> -> tensor<1x4x!qa>
  %2 = qcc.elu %x {alpha = 0.5 : f64} : tensor<1x4x!qa> -> tensor<1x4x!qb>
  %3 = qcc.leaky_relu %x {negative_slope = 0.0099999997764825821 : f64} : tensor<1x4x!qa> -> tensor<1x4x!qb>
  %4 = qcc.hardswish %x : tensor<1x4x!qa> -> tensor<1x4x!qb>
  %5 = qcc.hardsigmoid %x : tensor<1x4x!qa> -> tensor<1x4x!qb>
  %6 = qcc.sigmoid %x : tensor<1x4x!qa> -> tensor<1x4x!qb>
  %7 = qcc.tanh %x : tensor<1x4x!qa> -> tensor<1x4x!qb>
  %8 = qcc.gelu %x : tensor<1x4x!qa> -> tensor<1x4x!qb>
  %9 = qcc.softmax %x {dim = -1 : i64} : tensor<1x4x!qa> -> tensor<1x4x!qb>
  %10 = qcc.dropout %x {p = 0.1 : f64} : tensor<1x4x!qa> -> tensor<1x4x!qa>
  %11 = qcc.relu %c : tensor<2x3x!qc> -> tensor<2x3x!qc>
  return %11 : tensor<2x3x!qc>
}

// Float variants; default-valued attributes (elu alpha, dropout p) are elided.
// CHECK-LABEL: func.func @activations_float
// CHECK: qcc.relu %{{.*}} : tensor<2x3xf32> -> tensor<2x3xf32>
// CHECK: qcc.clamp %{{.*}} {min = -1.000000e+00 : f64} : tensor<2x3xf32> -> tensor<2x3xf32>
// CHECK: qcc.clamp %{{.*}} : tensor<2x3xf32> -> tensor<2x3xf32>
// CHECK: qcc.elu %{{.*}} : tensor<2x3xf32> -> tensor<2x3xf32>
// CHECK: qcc.leaky_relu %{{.*}} {negative_slope = 2.000000e-01 : f64} : tensor<2x3xf32> -> tensor<2x3xf32>
// CHECK: qcc.hardswish %{{.*}} : tensor<2x3xf32> -> tensor<2x3xf32>
// CHECK: qcc.hardsigmoid %{{.*}} : tensor<2x3xf32> -> tensor<2x3xf32>
// CHECK: qcc.sigmoid %{{.*}} : tensor<2x3xf32> -> tensor<2x3xf32>
// CHECK: qcc.tanh %{{.*}} : tensor<2x3xf32> -> tensor<2x3xf32>
// CHECK: qcc.gelu %{{.*}} : tensor<2x3xf32> -> tensor<2x3xf32>
// CHECK: qcc.softmax %{{.*}} {dim = 0 : i64} : tensor<2x3xf32> -> tensor<2x3xf32>
// CHECK: qcc.dropout %{{.*}} : tensor<2x3xf32> -> tensor<2x3xf32>
func.func @activations_float(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %0 = qcc.relu %x : tensor<2x3xf32> -> tensor<2x3xf32>
  %1 = qcc.clamp %x {min = -1.0 : f64} : tensor<2x3xf32> -> tensor<2x3xf32>
  %2 = qcc.clamp %x : tensor<2x3xf32> -> tensor<2x3xf32>
  %3 = qcc.elu %x : tensor<2x3xf32> -> tensor<2x3xf32>
  %4 = qcc.leaky_relu %x {negative_slope = 0.2 : f64} : tensor<2x3xf32> -> tensor<2x3xf32>
  %5 = qcc.hardswish %x : tensor<2x3xf32> -> tensor<2x3xf32>
  %6 = qcc.hardsigmoid %x : tensor<2x3xf32> -> tensor<2x3xf32>
  %7 = qcc.sigmoid %x : tensor<2x3xf32> -> tensor<2x3xf32>
  %8 = qcc.tanh %x : tensor<2x3xf32> -> tensor<2x3xf32>
  %9 = qcc.gelu %x : tensor<2x3xf32> -> tensor<2x3xf32>
  %10 = qcc.softmax %x {dim = 0 : i64} : tensor<2x3xf32> -> tensor<2x3xf32>
  %11 = qcc.dropout %x : tensor<2x3xf32> -> tensor<2x3xf32>
  return %11 : tensor<2x3xf32>
}

// Shape-preserving elementwise ops accept dynamic dimensions.
// CHECK-LABEL: func.func @activations_dynamic
// CHECK: qcc.relu %{{.*}} : tensor<?x4xf32> -> tensor<?x4xf32>
func.func @activations_dynamic(%x: tensor<?x4xf32>) -> tensor<?x4xf32> {
  %0 = qcc.relu %x : tensor<?x4xf32> -> tensor<?x4xf32>
  return %0 : tensor<?x4xf32>
}

// CHECK-LABEL: func.func @prelu
// CHECK: qcc.prelu %{{.*}}, %{{.*}} : (tensor<1x2x3x[[QA]]>, tensor<2x[[QB]]>) -> tensor<1x2x3x[[QB]]>
// CHECK: qcc.prelu %{{.*}}, %{{.*}} : (tensor<1x2x3xf32>, tensor<1xf32>) -> tensor<1x2x3xf32>
func.func @prelu(%x: tensor<1x2x3x!qa>, %w: tensor<2x!qb>, %f: tensor<1x2x3xf32>, %s: tensor<1xf32>) -> (tensor<1x2x3x!qb>, tensor<1x2x3xf32>) {
  %y = qcc.prelu %x, %w : (tensor<1x2x3x!qa>, tensor<2x!qb>) -> tensor<1x2x3x!qb>
  %z = qcc.prelu %f, %s : (tensor<1x2x3xf32>, tensor<1xf32>) -> tensor<1x2x3xf32>
  return %y, %z : tensor<1x2x3x!qb>, tensor<1x2x3xf32>
}

// CHECK-LABEL: func.func @binary
// CHECK: qcc.add %{{.*}}, %{{.*}} {activation = "relu"} : (tensor<2x3x[[QA]]>, tensor<3x[[QB]]>) -> tensor<2x3x[[QB]]>
// CHECK: qcc.mul %{{.*}}, %{{[^ ]*}} : (tensor<2x3x[[QA]]>, tensor<2x1x[[QA]]>) -> tensor<2x3x[[QB]]>
// CHECK: qcc.add %{{.*}}, %{{[^ ]*}} : (tensor<2x1xf32>, tensor<1x3xf32>) -> tensor<2x3xf32>
// CHECK: qcc.mul %{{.*}}, %{{[^ ]*}} : (tensor<f32>, tensor<2x3xf32>) -> tensor<2x3xf32>
// CHECK: qcc.add_scalar %{{.*}} {value = 1.500000e+00 : f64} : tensor<2x3x[[QA]]> -> tensor<2x3x[[QB]]>
// CHECK: qcc.mul_scalar %{{.*}} {value = -2.000000e+00 : f64} : tensor<2x3xf32> -> tensor<2x3xf32>
func.func @binary(%a: tensor<2x3x!qa>, %b: tensor<3x!qb>, %c: tensor<2x1x!qa>, %f: tensor<2x1xf32>, %g: tensor<1x3xf32>, %s: tensor<f32>, %h: tensor<2x3xf32>) -> (tensor<2x3x!qb>, tensor<2x3x!qb>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3x!qb>, tensor<2x3xf32>) {
  %0 = qcc.add %a, %b {activation = "relu"} : (tensor<2x3x!qa>, tensor<3x!qb>) -> tensor<2x3x!qb>
  %1 = qcc.mul %a, %c : (tensor<2x3x!qa>, tensor<2x1x!qa>) -> tensor<2x3x!qb>
  %2 = qcc.add %f, %g : (tensor<2x1xf32>, tensor<1x3xf32>) -> tensor<2x3xf32>
  %3 = qcc.mul %s, %h : (tensor<f32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  %4 = qcc.add_scalar %a {value = 1.5 : f64} : tensor<2x3x!qa> -> tensor<2x3x!qb>
  %5 = qcc.mul_scalar %h {value = -2.0 : f64} : tensor<2x3xf32> -> tensor<2x3xf32>
  return %0, %1, %2, %3, %4, %5 : tensor<2x3x!qb>, tensor<2x3x!qb>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3x!qb>, tensor<2x3xf32>
}

// CHECK-LABEL: func.func @matmul
// CHECK: qcc.matmul %{{.*}}, %{{[^ ]*}} : (tensor<2x1x3x4x[[QA]]>, tensor<5x4x2x[[QA]]>) -> tensor<2x5x3x2x[[QB]]>
// CHECK: qcc.matmul %{{.*}}, %{{[^ ]*}} : (tensor<3x4xf32>, tensor<4x2xf32>) -> tensor<3x2xf32>
func.func @matmul(%a: tensor<2x1x3x4x!qa>, %b: tensor<5x4x2x!qa>, %f: tensor<3x4xf32>, %g: tensor<4x2xf32>) -> (tensor<2x5x3x2x!qb>, tensor<3x2xf32>) {
  %0 = qcc.matmul %a, %b : (tensor<2x1x3x4x!qa>, tensor<5x4x2x!qa>) -> tensor<2x5x3x2x!qb>
  %1 = qcc.matmul %f, %g : (tensor<3x4xf32>, tensor<4x2xf32>) -> tensor<3x2xf32>
  return %0, %1 : tensor<2x5x3x2x!qb>, tensor<3x2xf32>
}

//===----------------------------------------------------------------------===//
// Data movement
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func @cat_split
// CHECK: qcc.cat %{{.*}}, %{{[^ ]*}} {dim = 1 : i64} : (tensor<1x2x[[QA]]>, tensor<1x3x[[QB]]>) -> tensor<1x5x[[QB]]>
// CHECK: qcc.cat %{{.*}}, %{{.*}}, %{{[^ ]*}} {dim = -2 : i64} : (tensor<1x4xf32>, tensor<2x4xf32>, tensor<0x4xf32>) -> tensor<3x4xf32>
// CHECK: qcc.split %{{.*}} {dim = 1 : i64, split_sizes = array<i64: 2, 3>} : (tensor<1x5x[[QA]]>) -> (tensor<1x2x[[QA]]>, tensor<1x3x[[QA]]>)
// CHECK: qcc.split %{{.*}} {dim = 1 : i64, split_sizes = array<i64: 1, 2>} : (tensor<2x3x[[QC]]>) -> (tensor<2x1x[[QC]]>, tensor<2x2x[[QC]]>)
// CHECK: qcc.split %{{.*}} {dim = -1 : i64, split_sizes = array<i64: 4>} : (tensor<1x4xf32>) -> tensor<1x4xf32>
func.func @cat_split(%a: tensor<1x2x!qa>, %b: tensor<1x3x!qb>, %f: tensor<1x4xf32>, %g: tensor<2x4xf32>, %e: tensor<0x4xf32>, %q: tensor<1x5x!qa>, %c: tensor<2x3x!qc>) -> tensor<1x4xf32> {
  %0 = qcc.cat %a, %b {dim = 1 : i64} : (tensor<1x2x!qa>, tensor<1x3x!qb>) -> tensor<1x5x!qb>
  %1 = qcc.cat %f, %g, %e {dim = -2 : i64} : (tensor<1x4xf32>, tensor<2x4xf32>, tensor<0x4xf32>) -> tensor<3x4xf32>
  %2:2 = qcc.split %q {split_sizes = array<i64: 2, 3>, dim = 1 : i64} : (tensor<1x5x!qa>) -> (tensor<1x2x!qa>, tensor<1x3x!qa>)
  %3:2 = qcc.split %c {split_sizes = array<i64: 1, 2>, dim = 1 : i64} : (tensor<2x3x!qc>) -> (tensor<2x1x!qc>, tensor<2x2x!qc>)
  %4 = qcc.split %f {split_sizes = array<i64: 4>, dim = -1 : i64} : (tensor<1x4xf32>) -> tensor<1x4xf32>
  return %4 : tensor<1x4xf32>
}

// CHECK-LABEL: func.func @reshape_permute
// CHECK: qcc.reshape %{{.*}} : tensor<1x2x3x[[QA]]> -> tensor<6x[[QA]]>
// CHECK: qcc.reshape %{{.*}} : tensor<2x3xf32> -> tensor<3x1x2xf32>
// CHECK: qcc.reshape %{{.*}} : tensor<f32> -> tensor<1x1xf32>
// CHECK: qcc.permute %{{.*}} {dims = array<i64: 0, 2, 1>} : tensor<1x2x3x[[QA]]> -> tensor<1x3x2x[[QA]]>
// CHECK: qcc.permute %{{.*}} {dims = array<i64: 1, 0>} : tensor<2x3xf32> -> tensor<3x2xf32>
// The per-axis dimension moves with the permutation.
// CHECK: qcc.permute %{{.*}} {dims = array<i64: 1, 0>} : tensor<2x3x[[QC]]> -> tensor<3x2x!quant.uniform<i8:f32:1, {5.000000e-02,2.500000e-02}>>
func.func @reshape_permute(%x: tensor<1x2x3x!qa>, %f: tensor<2x3xf32>, %s: tensor<f32>, %c: tensor<2x3x!qc>) -> tensor<3x2x!quant.uniform<i8:f32:1, {0.05, 0.025}>> {
  %0 = qcc.reshape %x : tensor<1x2x3x!qa> -> tensor<6x!qa>
  %1 = qcc.reshape %f : tensor<2x3xf32> -> tensor<3x1x2xf32>
  %2 = qcc.reshape %s : tensor<f32> -> tensor<1x1xf32>
  %3 = qcc.permute %x {dims = array<i64: 0, 2, 1>} : tensor<1x2x3x!qa> -> tensor<1x3x2x!qa>
  %4 = qcc.permute %f {dims = array<i64: 1, 0>} : tensor<2x3xf32> -> tensor<3x2xf32>
  %5 = qcc.permute %c {dims = array<i64: 1, 0>} : tensor<2x3x!qc> -> tensor<3x2x!quant.uniform<i8:f32:1, {0.05, 0.025}>>
  return %5 : tensor<3x2x!quant.uniform<i8:f32:1, {0.05, 0.025}>>
}

// pads are in PyTorch order: (left, right) of the last dimension first.
// CHECK-LABEL: func.func @pad
// CHECK: qcc.pad %{{.*}} {pads = array<i64: 1, 2, 0, 1>} : tensor<1x2x3x3x[[QA]]> -> tensor<1x2x4x6x[[QA]]>
// CHECK: qcc.pad %{{.*}} {mode = "reflect", pads = array<i64: 2, 2>} : tensor<1x2x3xf32> -> tensor<1x2x7xf32>
// CHECK: qcc.pad %{{.*}} {mode = "replicate", pads = array<i64: 1, 0>} : tensor<1x2x3xf32> -> tensor<1x2x4xf32>
// CHECK: qcc.pad %{{.*}} {mode = "circular", pads = array<i64: 3, 3>} : tensor<1x2x3xf32> -> tensor<1x2x9xf32>
// CHECK: qcc.pad %{{.*}} {pads = array<i64: -1, 1>, value = 2.500000e+00 : f64} : tensor<1x2x3xf32> -> tensor<1x2x3xf32>
func.func @pad(%x: tensor<1x2x3x3x!qa>, %f: tensor<1x2x3xf32>) -> tensor<1x2x4x6x!qa> {
  %0 = qcc.pad %x {pads = array<i64: 1, 2, 0, 1>} : tensor<1x2x3x3x!qa> -> tensor<1x2x4x6x!qa>
  %1 = qcc.pad %f {pads = array<i64: 2, 2>, mode = "reflect"} : tensor<1x2x3xf32> -> tensor<1x2x7xf32>
  %2 = qcc.pad %f {pads = array<i64: 1, 0>, mode = "replicate"} : tensor<1x2x3xf32> -> tensor<1x2x4xf32>
  %3 = qcc.pad %f {pads = array<i64: 3, 3>, mode = "circular"} : tensor<1x2x3xf32> -> tensor<1x2x9xf32>
  %4 = qcc.pad %f {pads = array<i64: -1, 1>, value = 2.5 : f64} : tensor<1x2x3xf32> -> tensor<1x2x3xf32>
  return %0 : tensor<1x2x4x6x!qa>
}

// CHECK-LABEL: func.func @interpolate
// CHECK: qcc.interpolate %{{.*}} : tensor<1x2x3x3x[[QA]]> -> tensor<1x2x6x6x[[QA]]>
// CHECK: qcc.interpolate %{{.*}} {align_corners = true, mode = "bilinear"} : tensor<1x2x3x3xf32> -> tensor<1x2x5x7xf32>
// CHECK: qcc.interpolate %{{.*}} : tensor<1x2x4xf32> -> tensor<1x2x2xf32>
func.func @interpolate(%x: tensor<1x2x3x3x!qa>, %f: tensor<1x2x3x3xf32>, %g: tensor<1x2x4xf32>) -> tensor<1x2x6x6x!qa> {
  %0 = qcc.interpolate %x : tensor<1x2x3x3x!qa> -> tensor<1x2x6x6x!qa>
  %1 = qcc.interpolate %f {mode = "bilinear", align_corners = true} : tensor<1x2x3x3xf32> -> tensor<1x2x5x7xf32>
  %2 = qcc.interpolate %g {mode = "nearest"} : tensor<1x2x4xf32> -> tensor<1x2x2xf32>
  return %0 : tensor<1x2x6x6x!qa>
}

//===----------------------------------------------------------------------===//
// Pooling
//===----------------------------------------------------------------------===//

// ceil mode: 5 + 2 - 2 = 5, ceil(5 / 2) + 1 = 4; the last window starts at
// 6 >= 5 + 1 (inside the right padding only), so 3.
// CHECK-LABEL: func.func @max_pool
// CHECK: qcc.max_pool %{{.*}} {dilation = array<i64: 1, 1>, kernel_size = array<i64: 3, 3>, padding = array<i64: 1, 1>, stride = array<i64: 2, 2>} : tensor<1x2x6x6x[[QA]]> -> tensor<1x2x3x3x[[QA]]>
// CHECK: qcc.max_pool %{{.*}} {ceil_mode = true, dilation = array<i64: 1>, kernel_size = array<i64: 2>, padding = array<i64: 1>, stride = array<i64: 2>} : tensor<1x2x5xf32> -> tensor<1x2x3xf32>
// CHECK: qcc.max_pool %{{.*}} {dilation = array<i64: 2, 1, 1>, kernel_size = array<i64: 2, 2, 2>, padding = array<i64: 0, 0, 0>, stride = array<i64: 1, 2, 2>} : tensor<1x2x3x4x4xf32> -> tensor<1x2x1x2x2xf32>
func.func @max_pool(%x: tensor<1x2x6x6x!qa>, %f: tensor<1x2x5xf32>, %g: tensor<1x2x3x4x4xf32>) -> tensor<1x2x3x3x!qa> {
  %0 = qcc.max_pool %x {kernel_size = array<i64: 3, 3>, stride = array<i64: 2, 2>, padding = array<i64: 1, 1>, dilation = array<i64: 1, 1>} : tensor<1x2x6x6x!qa> -> tensor<1x2x3x3x!qa>
  %1 = qcc.max_pool %f {kernel_size = array<i64: 2>, stride = array<i64: 2>, padding = array<i64: 1>, dilation = array<i64: 1>, ceil_mode = true} : tensor<1x2x5xf32> -> tensor<1x2x3xf32>
  %2 = qcc.max_pool %g {kernel_size = array<i64: 2, 2, 2>, stride = array<i64: 1, 2, 2>, padding = array<i64: 0, 0, 0>, dilation = array<i64: 2, 1, 1>} : tensor<1x2x3x4x4xf32> -> tensor<1x2x1x2x2xf32>
  return %0 : tensor<1x2x3x3x!qa>
}

// CHECK-LABEL: func.func @avg_pool
// CHECK: qcc.avg_pool %{{.*}} {kernel_size = array<i64: 2, 2>, padding = array<i64: 0, 0>, stride = array<i64: 2, 2>} : tensor<1x2x4x4x[[QA]]> -> tensor<1x2x2x2x[[QB]]>
// CHECK: qcc.avg_pool %{{.*}} {ceil_mode = true, count_include_pad = false, divisor_override = 3 : i64, kernel_size = array<i64: 3>, padding = array<i64: 1>, stride = array<i64: 2>} : tensor<1x2x6xf32> -> tensor<1x2x4xf32>
// CHECK: qcc.adaptive_avg_pool %{{.*}} : tensor<1x2x5x5x[[QA]]> -> tensor<1x2x1x1x[[QB]]>
// CHECK: qcc.adaptive_avg_pool %{{.*}} : tensor<1x2x7xf32> -> tensor<1x2x3xf32>
func.func @avg_pool(%x: tensor<1x2x4x4x!qa>, %f: tensor<1x2x6xf32>, %g: tensor<1x2x5x5x!qa>, %h: tensor<1x2x7xf32>) -> tensor<1x2x2x2x!qb> {
  %0 = qcc.avg_pool %x {kernel_size = array<i64: 2, 2>, stride = array<i64: 2, 2>, padding = array<i64: 0, 0>} : tensor<1x2x4x4x!qa> -> tensor<1x2x2x2x!qb>
  %1 = qcc.avg_pool %f {kernel_size = array<i64: 3>, stride = array<i64: 2>, padding = array<i64: 1>, ceil_mode = true, count_include_pad = false, divisor_override = 3 : i64} : tensor<1x2x6xf32> -> tensor<1x2x4xf32>
  %2 = qcc.adaptive_avg_pool %g : tensor<1x2x5x5x!qa> -> tensor<1x2x1x1x!qb>
  %3 = qcc.adaptive_avg_pool %h : tensor<1x2x7xf32> -> tensor<1x2x3xf32>
  return %0 : tensor<1x2x2x2x!qb>
}

// mean keeps the input's quantization (integer mean, rounded half to even).
// CHECK-LABEL: func.func @mean
// CHECK: qcc.mean %{{.*}} {dims = array<i64: 2, 3>, keepdim = true} : tensor<1x2x4x4x[[QA]]> -> tensor<1x2x1x1x[[QA]]>
// CHECK: qcc.mean %{{.*}} {dims = array<i64: -1>} : tensor<2x3xf32> -> tensor<2xf32>
func.func @mean(%x: tensor<1x2x4x4x!qa>, %f: tensor<2x3xf32>) -> (tensor<1x2x1x1x!qa>, tensor<2xf32>) {
  %0 = qcc.mean %x {dims = array<i64: 2, 3>, keepdim = true} : tensor<1x2x4x4x!qa> -> tensor<1x2x1x1x!qa>
  %1 = qcc.mean %f {dims = array<i64: -1>} : tensor<2x3xf32> -> tensor<2xf32>
  return %0, %1 : tensor<1x2x1x1x!qa>, tensor<2xf32>
}

//===----------------------------------------------------------------------===//
// Embeddings
//===----------------------------------------------------------------------===//

// 8-bit rows of 4 bytes; 4-bit rows of 5 values packed into 3 bytes.
// CHECK-LABEL: func.func @embedding
// CHECK: qcc.embedding %{{.*}}, %{{.*}}, %{{.*}}, %{{[^ ]*}} {bits = 8 : i64, padding_idx = 0 : i64} : (tensor<10x4xui8>, tensor<10xf32>, tensor<10xf32>, tensor<2x3xi64>) -> tensor<2x3x4xf32>
// CHECK: qcc.embedding %{{.*}}, %{{.*}}, %{{.*}}, %{{[^ ]*}} {bits = 4 : i64} : (tensor<10x3xui8>, tensor<10xf32>, tensor<10xf32>, tensor<7xi32>) -> tensor<7x5xf32>
func.func @embedding(%t8: tensor<10x4xui8>, %t4: tensor<10x3xui8>, %s: tensor<10xf32>, %z: tensor<10xf32>, %i: tensor<2x3xi64>, %j: tensor<7xi32>) -> (tensor<2x3x4xf32>, tensor<7x5xf32>) {
  %0 = qcc.embedding %t8, %s, %z, %i {bits = 8 : i64, padding_idx = 0 : i64} : (tensor<10x4xui8>, tensor<10xf32>, tensor<10xf32>, tensor<2x3xi64>) -> tensor<2x3x4xf32>
  %1 = qcc.embedding %t4, %s, %z, %j {bits = 4 : i64} : (tensor<10x3xui8>, tensor<10xf32>, tensor<10xf32>, tensor<7xi32>) -> tensor<7x5xf32>
  return %0, %1 : tensor<2x3x4xf32>, tensor<7x5xf32>
}

// CHECK-LABEL: func.func @embedding_bag
// CHECK: qcc.embedding_bag %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{[^ ]*}} {bits = 8 : i64} : (tensor<10x4xui8>, tensor<10xf32>, tensor<10xf32>, tensor<6xi64>, tensor<3xi64>, tensor<6xf32>) -> tensor<3x4xf32>
// CHECK: qcc.embedding_bag %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{[^ ]*}} {bits = 4 : i64, include_last_offset = true, mode = "mean", padding_idx = -1 : i64} : (tensor<10x2xui8>, tensor<10xf32>, tensor<10xf32>, tensor<6xi32>, tensor<3xi32>) -> tensor<2x4xf32>
func.func @embedding_bag(%t8: tensor<10x4xui8>, %t4: tensor<10x2xui8>, %s: tensor<10xf32>, %z: tensor<10xf32>, %i: tensor<6xi64>, %o: tensor<3xi64>, %w: tensor<6xf32>, %i32: tensor<6xi32>, %o32: tensor<3xi32>) -> (tensor<3x4xf32>, tensor<2x4xf32>) {
  %0 = qcc.embedding_bag %t8, %s, %z, %i, %o, %w {bits = 8 : i64} : (tensor<10x4xui8>, tensor<10xf32>, tensor<10xf32>, tensor<6xi64>, tensor<3xi64>, tensor<6xf32>) -> tensor<3x4xf32>
  %1 = qcc.embedding_bag %t4, %s, %z, %i32, %o32 {bits = 4 : i64, mode = "mean", include_last_offset = true, padding_idx = -1 : i64} : (tensor<10x2xui8>, tensor<10xf32>, tensor<10xf32>, tensor<6xi32>, tensor<3xi32>) -> tensor<2x4xf32>
  return %0, %1 : tensor<3x4xf32>, tensor<2x4xf32>
}

//===----------------------------------------------------------------------===//
// Recurrent and attention blocks
//===----------------------------------------------------------------------===//

// One layer, hidden 2, input [T=5, B=1, I=3]: w_ih [8, 3], b_ih [8], w_hh [8, 2], b_hh [8].
// CHECK-LABEL: func.func @lstm
// CHECK: qcc.lstm %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{[^ ]*}} {cells = [{}], hidden_size = 2 : i64, num_layers = 1 : i64}
// CHECK-SAME: : (tensor<5x1x3x[[QA]]>, tensor<8x3x[[QW]]>, tensor<8xf32>, tensor<8x2x[[QW]]>, tensor<8xf32>) -> (tensor<5x1x2x[[QA]]>, tensor<1x1x2x[[QA]]>, tensor<1x1x2x[[QA]]>)
func.func @lstm(%x: tensor<5x1x3x!qa>, %wi: tensor<8x3x!qw>, %wh: tensor<8x2x!qw>, %b: tensor<8xf32>) -> tensor<5x1x2x!qa> {
  %y:3 = qcc.lstm %x, %wi, %b, %wh, %b {hidden_size = 2 : i64, num_layers = 1 : i64, cells = [{}]} : (tensor<5x1x3x!qa>, tensor<8x3x!qw>, tensor<8xf32>, tensor<8x2x!qw>, tensor<8xf32>) -> (tensor<5x1x2x!qa>, tensor<1x1x2x!qa>, tensor<1x1x2x!qa>)
  return %y#0 : tensor<5x1x2x!qa>
}

// Bidirectional, batch first [B=1, T=5, I=3], initial state [2, 1, 2]; the
// reverse direction of layer 0 takes the same input features.
// CHECK-LABEL: func.func @dynamic_lstm
// CHECK: qcc.dynamic_lstm {{.*}} {batch_first = true, bidirectional = true, has_initial_state = true, hidden_size = 2 : i64, num_layers = 1 : i64}
// CHECK-SAME: : (tensor<1x5x3xf32>, tensor<8x3x[[QW]]>, tensor<8xf32>, tensor<8x2x[[QW]]>, tensor<8xf32>, tensor<8x3x[[QW]]>, tensor<8xf32>, tensor<8x2x[[QW]]>, tensor<8xf32>, tensor<2x1x2xf32>, tensor<2x1x2xf32>) -> (tensor<1x5x4xf32>, tensor<2x1x2xf32>, tensor<2x1x2xf32>)
func.func @dynamic_lstm(%x: tensor<1x5x3xf32>, %wi: tensor<8x3x!qw>, %wh: tensor<8x2x!qw>, %b: tensor<8xf32>, %h: tensor<2x1x2xf32>) -> tensor<1x5x4xf32> {
  %y:3 = qcc.dynamic_lstm %x, %wi, %b, %wh, %b, %wi, %b, %wh, %b, %h, %h {hidden_size = 2 : i64, num_layers = 1 : i64, bidirectional = true, batch_first = true, has_initial_state = true} : (tensor<1x5x3xf32>, tensor<8x3x!qw>, tensor<8xf32>, tensor<8x2x!qw>, tensor<8xf32>, tensor<8x3x!qw>, tensor<8xf32>, tensor<8x2x!qw>, tensor<8xf32>, tensor<2x1x2xf32>, tensor<2x1x2xf32>) -> (tensor<1x5x4xf32>, tensor<2x1x2xf32>, tensor<2x1x2xf32>)
  return %y#0 : tensor<1x5x4xf32>
}

// Two layers, unbatched input [T=5, I=3]: layer 1 takes hidden_size features.
// CHECK-LABEL: func.func @dynamic_lstm_two_layers
// CHECK: qcc.dynamic_lstm {{.*}} {hidden_size = 2 : i64, num_layers = 2 : i64, reduce_range = false}
// CHECK-SAME: -> (tensor<5x2xf32>, tensor<2x2xf32>, tensor<2x2xf32>)
func.func @dynamic_lstm_two_layers(%x: tensor<5x3xf32>, %wi: tensor<8x3x!qw>, %wi1: tensor<8x2x!qw>, %wh: tensor<8x2x!qw>, %b: tensor<8xf32>) -> tensor<5x2xf32> {
  %y:3 = qcc.dynamic_lstm %x, %wi, %b, %wh, %b, %wi1, %b, %wh, %b {hidden_size = 2 : i64, num_layers = 2 : i64, reduce_range = false} : (tensor<5x3xf32>, tensor<8x3x!qw>, tensor<8xf32>, tensor<8x2x!qw>, tensor<8xf32>, tensor<8x2x!qw>, tensor<8xf32>, tensor<8x2x!qw>, tensor<8xf32>) -> (tensor<5x2xf32>, tensor<2x2xf32>, tensor<2x2xf32>)
  return %y#0 : tensor<5x2xf32>
}

// Query [L=3, N=1, E=4], key/value [S=5, N=1, E=4], then weight and bias of
// the q, k, v and out projections; two heads; attention weights averaged
// over heads [N, L, S].
// CHECK-LABEL: func.func @multihead_attention
// CHECK: qcc.multihead_attention {{.*}} {num_heads = 2 : i64, qparams = {q_scale = 1.000000e-01 : f64}}
// CHECK-SAME: -> (tensor<3x1x4x[[QA]]>, tensor<1x3x5xf32>)
func.func @multihead_attention(%q: tensor<3x1x4x!qa>, %kv: tensor<5x1x4x!qa>, %w: tensor<4x4x!qw>, %b: tensor<4xf32>) -> tensor<3x1x4x!qa> {
  %y:2 = qcc.multihead_attention %q, %kv, %kv, %w, %b, %w, %b, %w, %b, %w, %b {num_heads = 2 : i64, qparams = {q_scale = 0.1 : f64}} : (tensor<3x1x4x!qa>, tensor<5x1x4x!qa>, tensor<5x1x4x!qa>, tensor<4x4x!qw>, tensor<4xf32>, tensor<4x4x!qw>, tensor<4xf32>, tensor<4x4x!qw>, tensor<4xf32>, tensor<4x4x!qw>, tensor<4xf32>) -> (tensor<3x1x4x!qa>, tensor<1x3x5xf32>)
  return %y#0 : tensor<3x1x4x!qa>
}

// Batch first, both masks, no weights: key_padding_mask [N, S], attn_mask [L, S].
// CHECK-LABEL: func.func @multihead_attention_masks
// CHECK: qcc.multihead_attention {{.*}} {batch_first = true, has_attn_mask = true, has_key_padding_mask = true, need_weights = false, num_heads = 1 : i64, qparams = {}}
// CHECK-SAME: -> tensor<2x3x4xf32>
func.func @multihead_attention_masks(%q: tensor<2x3x4xf32>, %kv: tensor<2x5x4xf32>, %w: tensor<4x4xf32>, %b: tensor<4xf32>, %kpm: tensor<2x5xi1>, %am: tensor<3x5xf32>) -> tensor<2x3x4xf32> {
  %y = qcc.multihead_attention %q, %kv, %kv, %w, %b, %w, %b, %w, %b, %w, %b, %kpm, %am {num_heads = 1 : i64, batch_first = true, need_weights = false, has_key_padding_mask = true, has_attn_mask = true, qparams = {}} : (tensor<2x3x4xf32>, tensor<2x5x4xf32>, tensor<2x5x4xf32>, tensor<4x4xf32>, tensor<4xf32>, tensor<4x4xf32>, tensor<4xf32>, tensor<4x4xf32>, tensor<4xf32>, tensor<4x4xf32>, tensor<4xf32>, tensor<2x5xi1>, tensor<3x5xf32>) -> tensor<2x3x4xf32>
  return %y : tensor<2x3x4xf32>
}

//===----------------------------------------------------------------------===//
// Backend preparation
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func @relayout
// CHECK: qcc.relayout %{{.*}} {layout = "channels_last"} : tensor<1x2x3x3x[[QA]]> -> tensor<1x2x3x3x[[QA]]>
// CHECK: qcc.relayout %{{.*}} {layout = "contiguous"} : tensor<2x3xf32> -> tensor<2x3xf32>
func.func @relayout(%x: tensor<1x2x3x3x!qa>, %f: tensor<2x3xf32>) -> tensor<1x2x3x3x!qa> {
  %0 = qcc.relayout %x {layout = "channels_last"} : tensor<1x2x3x3x!qa> -> tensor<1x2x3x3x!qa>
  %1 = qcc.relayout %f {layout = "contiguous"} : tensor<2x3xf32> -> tensor<2x3xf32>
  return %0 : tensor<1x2x3x3x!qa>
}

// CHECK-LABEL: func.func @conv_add
// CHECK: qcc.conv_add %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} {add_activation = "relu", conv_type = tensor<1x2x3x3x[[QB]]>, dilation = array<i64: 1, 1>, padding = array<i64: 1, 1>, stride = array<i64: 1, 1>}
func.func @conv_add(%x: tensor<1x2x3x3x!qa>, %r: tensor<1x2x3x3x!qa>, %w: tensor<2x2x3x3x!qw>, %b: tensor<2xf32>) -> tensor<1x2x3x3x!qa> {
  %y = qcc.conv_add %x, %r, %w, %b {stride = array<i64: 1, 1>, padding = array<i64: 1, 1>, dilation = array<i64: 1, 1>, conv_type = tensor<1x2x3x3x!qb>, add_activation = "relu"} : (tensor<1x2x3x3x!qa>, tensor<1x2x3x3x!qa>, tensor<2x2x3x3x!qw>, tensor<2xf32>) -> tensor<1x2x3x3x!qa>
  return %y : tensor<1x2x3x3x!qa>
}

//===----------------------------------------------------------------------===//
// Frontend tables and integer biases (the onnxruntime profile)
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func @lookup_table
// CHECK: qcc.lookup %{{.*}}, %{{.*}} : (tensor<4x[[QA]]>, tensor<256xui8>) -> tensor<4x[[QB]]>
func.func @lookup_table(%x: tensor<4x!qa>, %t: tensor<256xui8>) -> tensor<4x!qb> {
  %y = qcc.lookup %x, %t : (tensor<4x!qa>, tensor<256xui8>) -> tensor<4x!qb>
  return %y : tensor<4x!qb>
}

// CHECK-LABEL: func.func @conv_integer_bias
// CHECK: qcc.conv %{{.*}}, %{{.*}}, %{{.*}} {{.*}} : (tensor<1x2x4x4x[[QA]]>, tensor<2x2x1x1x[[QC]]>, tensor<2x!quant.uniform<i32:f32:0, {5.000000e-03,2.500000e-03}>>) -> tensor<1x2x4x4x[[QB]]>
func.func @conv_integer_bias(%x: tensor<1x2x4x4x!qa>, %w: tensor<2x2x1x1x!qc>,
                             %b: tensor<2x!quant.uniform<i32:f32:0, {0.005, 0.0025}>>) -> tensor<1x2x4x4x!qb> {
  %y = qcc.conv %x, %w, %b {stride = array<i64: 1, 1>, padding = array<i64: 0, 0>, dilation = array<i64: 1, 1>} : (tensor<1x2x4x4x!qa>, tensor<2x2x1x1x!qc>, tensor<2x!quant.uniform<i32:f32:0, {0.005, 0.0025}>>) -> tensor<1x2x4x4x!qb>
  return %y : tensor<1x2x4x4x!qb>
}

//===----------------------------------------------------------------------===//
// Float results of quantized conv / linear (the pt2e profile)
//===----------------------------------------------------------------------===//

// CHECK: module attributes {qcc.numerics = "pt2e"}
// CHECK-LABEL: func.func @conv_float_result
// CHECK: qcc.conv %{{.*}}, %{{.*}}, %{{.*}} {{.*}} : (tensor<1x2x4x4x[[QA]]>, tensor<2x2x1x1x[[QC]]>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
// CHECK-LABEL: func.func @linear_float_result
// CHECK: qcc.linear %{{.*}}, %{{.*}} {activation = "relu"} : (tensor<3x2x[[QA]]>, tensor<4x2x[[QW]]>) -> tensor<3x4xf32>
module attributes {qcc.numerics = "pt2e"} {
  func.func @conv_float_result(%x: tensor<1x2x4x4x!qa>, %w: tensor<2x2x1x1x!qc>, %b: tensor<2xf32>) -> tensor<1x2x4x4xf32> {
    %y = qcc.conv %x, %w, %b {stride = array<i64: 1, 1>, padding = array<i64: 0, 0>, dilation = array<i64: 1, 1>} : (tensor<1x2x4x4x!qa>, tensor<2x2x1x1x!qc>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
    return %y : tensor<1x2x4x4xf32>
  }
  func.func @linear_float_result(%x: tensor<3x2x!qa>, %w: tensor<4x2x!qw>) -> tensor<3x4xf32> {
    %y = qcc.linear %x, %w {activation = "relu"} : (tensor<3x2x!qa>, tensor<4x2x!qw>) -> tensor<3x4xf32>
    return %y : tensor<3x4xf32>
  }
}
