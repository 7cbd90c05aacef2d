// RUN: qcc-opt %s --pass-pipeline='builtin.module(qcc-default)' | FileCheck %s

// A residual block as an FX/PT2E export writes it: quantize -> conv -> relu
// -> dequantize/quantize -> float add of two dequantized tensors -> quantize
// -> relu -> dequantize. After qcc-default:
//   - the dequantize/quantize pair with equal parameters is gone (identity),
//   - quantize(add(dequantize, dequantize)) is a quantized add,
//   - both relus are fused (conv: relu, add: add_relu),
//   - the conv carries qcc.requant: act_times_w_scale = f(0.05) * f(0.02)
//     = 1.0e-3 (and 2.0e-3), bias divided per channel: 0.5 / 1.0e-3 = 499.999969,
//     weight_sum = [1 - 2, 3 + 4] = [-1, 7], relu: output_min = zp = 0,
//   - memory is planned: the quantized input (32 B) and the conv result
//     (32 B) overlap at the conv, so 0 and 64; the add writes in place into
//     the conv's buffer (both operands die there); the result is the
//     caller's output buffer. Arena: 128 bytes.
// CHECK-LABEL: func.func @main
// CHECK-SAME: attributes {qcc.arena_alignment = 64 : i64, qcc.arena_size = 128 : i64}
// CHECK: %[[Q:.*]] = qcc.quantize %arg0 {qcc.buffers = array<i64: 0>}
// CHECK-NOT: qcc.dequantize
// CHECK: %[[C:.*]] = qcc.conv %[[Q]], {{.*}} {activation = "relu",
// CHECK-SAME: qcc.buffers = array<i64: 64>
// CHECK-SAME: qcc.requant = {act_times_w_scale = array<f32: 1.000000e-03, 2.000000e-03>, bias = array<f32: 499.999969, -124.999992>
// CHECK-SAME: output_max = 255 : i64, output_min = 0 : i64
// CHECK-SAME: weight_sum = array<i32: -1, 7>
// CHECK-NOT: qcc.relu
// CHECK-NOT: qcc.quantize
// CHECK-NOT: qcc.dequantize
// CHECK: %[[A:.*]] = qcc.add %[[C]], %[[Q]] {activation = "relu", qcc.buffers = array<i64: 64>}
// CHECK-NOT: qcc.quantize
// CHECK-NOT: qcc.relu
// CHECK: %[[D:.*]] = qcc.dequantize %[[A]] {qcc.buffers = array<i64: -1>}
// CHECK-NEXT: return %[[D]]
!qin = !quant.uniform<u8:f32, 0.05:128>
!qw = !quant.uniform<i8:f32:0, {0.02, 0.04}>
!qc = !quant.uniform<u8:f32, 0.1:0>
!qs = !quant.uniform<u8:f32, 0.15:64>
func.func @main(%x: tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %w = qcc.constant dense<[[[[1]], [[-2]]], [[[3]], [[4]]]]> : tensor<2x2x1x1xi8> -> tensor<2x2x1x1x!qw>
  %b = qcc.constant dense<[0.5, -0.25]> : tensor<2xf32> -> tensor<2xf32>
  %q = qcc.quantize %x : tensor<1x2x4x4xf32> -> tensor<1x2x4x4x!qin>
  %c = qcc.conv %q, %w, %b {stride = array<i64: 1, 1>, padding = array<i64: 0, 0>, dilation = array<i64: 1, 1>} : (tensor<1x2x4x4x!qin>, tensor<2x2x1x1x!qw>, tensor<2xf32>) -> tensor<1x2x4x4x!qc>
  %r = qcc.relu %c : tensor<1x2x4x4x!qc> -> tensor<1x2x4x4x!qc>
  %dr = qcc.dequantize %r : tensor<1x2x4x4x!qc> -> tensor<1x2x4x4xf32>
  %qr = qcc.quantize %dr : tensor<1x2x4x4xf32> -> tensor<1x2x4x4x!qc>
  %dq = qcc.dequantize %qr : tensor<1x2x4x4x!qc> -> tensor<1x2x4x4xf32>
  %dx = qcc.dequantize %q : tensor<1x2x4x4x!qin> -> tensor<1x2x4x4xf32>
  %s = qcc.add %dq, %dx : (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %qs = qcc.quantize %s : tensor<1x2x4x4xf32> -> tensor<1x2x4x4x!qs>
  %rs = qcc.relu %qs : tensor<1x2x4x4x!qs> -> tensor<1x2x4x4x!qs>
  %out = qcc.dequantize %rs : tensor<1x2x4x4x!qs> -> tensor<1x2x4x4xf32>
  return %out : tensor<1x2x4x4xf32>
}
