// RUN: qcc-opt %s -qcc-fold-qdq --split-input-file | FileCheck %s

!qa = !quant.uniform<u8:f32, 0.1:128>

// Equal parameters: the integers round-trip exactly through f32.
// CHECK-LABEL: func.func @identity
// CHECK-SAME: (%[[X:.*]]: tensor<4x!quant
// CHECK-NOT: qcc.
// CHECK: return %[[X]]
func.func @identity(%x: tensor<4x!qa>) -> tensor<4x!qa> {
  %d = qcc.dequantize %x : tensor<4x!qa> -> tensor<4xf32>
  %q = qcc.quantize %d : tensor<4xf32> -> tensor<4x!qa>
  return %q : tensor<4x!qa>
}

// -----

!qa = !quant.uniform<u8:f32, 0.1:128>
!qb = !quant.uniform<i8:f32, 0.05:-3>

// Different parameters: requantize (defined as dequantize then quantize).
// The dequantize stays for its other user.
// CHECK-LABEL: func.func @requantize
// CHECK: %[[D:.*]] = qcc.dequantize %arg0
// CHECK: %[[R:.*]] = qcc.requantize %arg0 : tensor<4x!quant.uniform<u8:f32, 1.000000e-01:128>> -> tensor<4x!quant.uniform<i8:f32, 5.000000e-02:-3>>
// CHECK: return %[[R]], %[[D]]
func.func @requantize(%x: tensor<4x!qa>) -> (tensor<4x!qb>, tensor<4xf32>) {
  %d = qcc.dequantize %x : tensor<4x!qa> -> tensor<4xf32>
  %q = qcc.quantize %d : tensor<4xf32> -> tensor<4x!qb>
  return %q, %d : tensor<4x!qb>, tensor<4xf32>
}

// -----

!qa = !quant.uniform<u8:f32, 0.1:128>

// Must not fire: dequantize(quantize(x)) rounds and clamps x.
// CHECK-LABEL: func.func @dequantize_of_quantize
// CHECK: %[[Q:.*]] = qcc.quantize %arg0
// CHECK: %[[D:.*]] = qcc.dequantize %[[Q]]
// CHECK: return %[[D]]
func.func @dequantize_of_quantize(%x: tensor<4xf32>) -> tensor<4xf32> {
  %q = qcc.quantize %x : tensor<4xf32> -> tensor<4x!qa>
  %d = qcc.dequantize %q : tensor<4x!qa> -> tensor<4xf32>
  return %d : tensor<4xf32>
}

// -----

!qi = !quant.uniform<i32:f32, 0.001>

// Must not fire: 32-bit integers do not round-trip through f32.
// CHECK-LABEL: func.func @qint32_identity
// CHECK: qcc.dequantize
// CHECK: qcc.quantize
func.func @qint32_identity(%x: tensor<4x!qi>) -> tensor<4x!qi> {
  %d = qcc.dequantize %x : tensor<4x!qi> -> tensor<4xf32>
  %q = qcc.quantize %d : tensor<4xf32> -> tensor<4x!qi>
  return %q : tensor<4x!qi>
}

// -----

!qa = !quant.uniform<u8:f32, 0.1:128>

// Ops that keep their input's parameters fold when the quantize keeps them.
// CHECK-LABEL: func.func @keeps_params
// CHECK-SAME: (%[[X:.*]]: tensor<1x2x4x4x!quant
// CHECK: %[[RELU:.*]] = qcc.relu %[[X]] : tensor<1x2x4x4x!quant.uniform<u8:f32, 1.000000e-01:128>> -> tensor<1x2x4x4x!quant.uniform<u8:f32, 1.000000e-01:128>>
// CHECK: %[[CLAMP:.*]] = qcc.clamp %[[X]] {max = 6.000000e+00 : f64, min = 0.000000e+00 : f64} : tensor<1x2x4x4x!quant
// CHECK: %[[POOL:.*]] = qcc.max_pool %[[X]] {{.*}} -> tensor<1x2x2x2x!quant.uniform<u8:f32, 1.000000e-01:128>>
// CHECK: %[[RESHAPE:.*]] = qcc.reshape %[[X]] : {{.*}} -> tensor<2x16x!quant.uniform<u8:f32, 1.000000e-01:128>>
// CHECK: %[[PERM:.*]] = qcc.permute %[[X]] {dims = array<i64: 0, 2, 3, 1>} : {{.*}} -> tensor<1x4x4x2x!quant.uniform<u8:f32, 1.000000e-01:128>>
// CHECK: %[[PAD:.*]] = qcc.pad %[[X]] {pads = array<i64: 1, 1>} : {{.*}} -> tensor<1x2x4x6x!quant.uniform<u8:f32, 1.000000e-01:128>>
// CHECK: %[[REFLECT:.*]] = qcc.pad %[[X]] {mode = "reflect", pads = array<i64: 1, 1>} : {{.*}} -> tensor<1x2x4x6x!quant.uniform<u8:f32, 1.000000e-01:128>>
// CHECK-NOT: qcc.dequantize
// CHECK-NOT: qcc.quantize
// CHECK: return %[[RELU]], %[[CLAMP]], %[[POOL]], %[[RESHAPE]], %[[PERM]], %[[PAD]], %[[REFLECT]]
func.func @keeps_params(%x: tensor<1x2x4x4x!qa>)
    -> (tensor<1x2x4x4x!qa>, tensor<1x2x4x4x!qa>, tensor<1x2x2x2x!qa>, tensor<2x16x!qa>,
        tensor<1x4x4x2x!qa>, tensor<1x2x4x6x!qa>, tensor<1x2x4x6x!qa>) {
  %d = qcc.dequantize %x : tensor<1x2x4x4x!qa> -> tensor<1x2x4x4xf32>
  %0 = qcc.relu %d : tensor<1x2x4x4xf32> -> tensor<1x2x4x4xf32>
  %q0 = qcc.quantize %0 : tensor<1x2x4x4xf32> -> tensor<1x2x4x4x!qa>
  %1 = qcc.clamp %d {min = 0.0 : f64, max = 6.0 : f64} : tensor<1x2x4x4xf32> -> tensor<1x2x4x4xf32>
  %q1 = qcc.quantize %1 : tensor<1x2x4x4xf32> -> tensor<1x2x4x4x!qa>
  %2 = qcc.max_pool %d {kernel_size = array<i64: 2, 2>, stride = array<i64: 2, 2>, padding = array<i64: 0, 0>, dilation = array<i64: 1, 1>} : tensor<1x2x4x4xf32> -> tensor<1x2x2x2xf32>
  %q2 = qcc.quantize %2 : tensor<1x2x2x2xf32> -> tensor<1x2x2x2x!qa>
  %3 = qcc.reshape %d : tensor<1x2x4x4xf32> -> tensor<2x16xf32>
  %q3 = qcc.quantize %3 : tensor<2x16xf32> -> tensor<2x16x!qa>
  %4 = qcc.permute %d {dims = array<i64: 0, 2, 3, 1>} : tensor<1x2x4x4xf32> -> tensor<1x4x4x2xf32>
  %q4 = qcc.quantize %4 : tensor<1x4x4x2xf32> -> tensor<1x4x4x2x!qa>
  %5 = qcc.pad %d {pads = array<i64: 1, 1>} : tensor<1x2x4x4xf32> -> tensor<1x2x4x6xf32>
  %q5 = qcc.quantize %5 : tensor<1x2x4x6xf32> -> tensor<1x2x4x6x!qa>
  %6 = qcc.pad %d {pads = array<i64: 1, 1>, mode = "reflect"} : tensor<1x2x4x4xf32> -> tensor<1x2x4x6xf32>
  %q6 = qcc.quantize %6 : tensor<1x2x4x6xf32> -> tensor<1x2x4x6x!qa>
  return %q0, %q1, %q2, %q3, %q4, %q5, %q6 : tensor<1x2x4x4x!qa>, tensor<1x2x4x4x!qa>, tensor<1x2x2x2x!qa>,
      tensor<2x16x!qa>, tensor<1x4x4x2x!qa>, tensor<1x2x4x6x!qa>, tensor<1x2x4x6x!qa>
}

// -----

!qa = !quant.uniform<u8:f32, 0.1:128>
!qb = !quant.uniform<u8:f32, 0.05:0>

// Must not fire: relu and max_pool compute on the input's integer grid; a
// quantize with other parameters would need a requantization they lack.
// CHECK-LABEL: func.func @keeps_params_mismatch
// CHECK: qcc.dequantize
// CHECK: qcc.relu {{.*}} : tensor<4xf32> -> tensor<4xf32>
// CHECK: qcc.quantize
// CHECK: qcc.max_pool {{.*}} : tensor<1x1x4xf32> -> tensor<1x1x2xf32>
// CHECK: qcc.quantize
func.func @keeps_params_mismatch(%x: tensor<4x!qa>, %y: tensor<1x1x4x!qa>) -> (tensor<4x!qb>, tensor<1x1x2x!qb>) {
  %d = qcc.dequantize %x : tensor<4x!qa> -> tensor<4xf32>
  %r = qcc.relu %d : tensor<4xf32> -> tensor<4xf32>
  %q = qcc.quantize %r : tensor<4xf32> -> tensor<4x!qb>
  %e = qcc.dequantize %y : tensor<1x1x4x!qa> -> tensor<1x1x4xf32>
  %p = qcc.max_pool %e {kernel_size = array<i64: 2>, stride = array<i64: 2>, padding = array<i64: 0>, dilation = array<i64: 1>} : tensor<1x1x4xf32> -> tensor<1x1x2xf32>
  %qp = qcc.quantize %p : tensor<1x1x2xf32> -> tensor<1x1x2x!qb>
  return %q, %qp : tensor<4x!qb>, tensor<1x1x2x!qb>
}

// -----

!qa = !quant.uniform<u8:f32, 0.1:128>

// Must not fire: a non-zero constant fill has no integer counterpart (only
// quantize(0) == zp is what a quantized pad writes).
// CHECK-LABEL: func.func @pad_nonzero_value
// CHECK: qcc.pad {{.*}} : tensor<1x4xf32> -> tensor<1x6xf32>
// CHECK: qcc.quantize
func.func @pad_nonzero_value(%x: tensor<1x4x!qa>) -> tensor<1x6x!qa> {
  %d = qcc.dequantize %x : tensor<1x4x!qa> -> tensor<1x4xf32>
  %p = qcc.pad %d {pads = array<i64: 1, 1>, value = 1.5 : f64} : tensor<1x4xf32> -> tensor<1x6xf32>
  %q = qcc.quantize %p : tensor<1x6xf32> -> tensor<1x6x!qa>
  return %q : tensor<1x6x!qa>
}

// -----

!qa = !quant.uniform<u8:f32, 0.1:128>
!qb = !quant.uniform<u8:f32, 0.2:100>
!qc = !quant.uniform<u8:f32, 0.3:10>

// Ops defined as dequantize -> float op -> quantize take the quantize's
// parameters, whatever they are; the fused activation travels along.
// CHECK-LABEL: func.func @requantizing_binary
// CHECK-SAME: (%[[A:.*]]: tensor<1x4x!quant{{.*}}, %[[B:.*]]: tensor<1x4x!quant
// CHECK: %[[ADD:.*]] = qcc.add %[[A]], %[[B]] {activation = "relu"} : (tensor<1x4x!quant.uniform<u8:f32, 1.000000e-01:128>>, tensor<1x4x!quant.uniform<u8:f32, 2.000000e-01:100>>) -> tensor<1x4x!quant.uniform<u8:f32, 3.000000e-01:10>>
// CHECK: %[[MUL:.*]] = qcc.mul %[[A]], %[[B]] : {{.*}} -> tensor<1x4x!quant.uniform<u8:f32, 3.000000e-01:10>>
// CHECK: %[[CAT:.*]] = qcc.cat %[[A]], %[[B]] {dim = 0 : i64} : {{.*}} -> tensor<2x4x!quant.uniform<u8:f32, 3.000000e-01:10>>
// CHECK: %[[MM:.*]] = qcc.matmul %[[A]], %[[T:.*]] : {{.*}} -> tensor<1x1x!quant.uniform<u8:f32, 3.000000e-01:10>>
// CHECK: return %[[ADD]], %[[MUL]], %[[CAT]], %[[MM]]
func.func @requantizing_binary(%a: tensor<1x4x!qa>, %b: tensor<1x4x!qb>, %t: tensor<4x1x!qb>)
    -> (tensor<1x4x!qc>, tensor<1x4x!qc>, tensor<2x4x!qc>, tensor<1x1x!qc>) {
  %da = qcc.dequantize %a : tensor<1x4x!qa> -> tensor<1x4xf32>
  %db = qcc.dequantize %b : tensor<1x4x!qb> -> tensor<1x4xf32>
  %dt = qcc.dequantize %t : tensor<4x1x!qb> -> tensor<4x1xf32>
  %0 = qcc.add %da, %db {activation = "relu"} : (tensor<1x4xf32>, tensor<1x4xf32>) -> tensor<1x4xf32>
  %q0 = qcc.quantize %0 : tensor<1x4xf32> -> tensor<1x4x!qc>
  %1 = qcc.mul %da, %db : (tensor<1x4xf32>, tensor<1x4xf32>) -> tensor<1x4xf32>
  %q1 = qcc.quantize %1 : tensor<1x4xf32> -> tensor<1x4x!qc>
  %2 = qcc.cat %da, %db {dim = 0 : i64} : (tensor<1x4xf32>, tensor<1x4xf32>) -> tensor<2x4xf32>
  %q2 = qcc.quantize %2 : tensor<2x4xf32> -> tensor<2x4x!qc>
  %3 = qcc.matmul %da, %dt : (tensor<1x4xf32>, tensor<4x1xf32>) -> tensor<1x1xf32>
  %q3 = qcc.quantize %3 : tensor<1x1xf32> -> tensor<1x1x!qc>
  return %q0, %q1, %q2, %q3 : tensor<1x4x!qc>, tensor<1x4x!qc>, tensor<2x4x!qc>, tensor<1x1x!qc>
}

// -----

!qa = !quant.uniform<u8:f32, 0.1:128>
!qo = !quant.uniform<u8:f32, 0.00390625>

// Float-computed activations, pooling and resizing.
// CHECK-LABEL: func.func @requantizing_unary
// CHECK-NOT: qcc.dequantize
// CHECK: qcc.hardswish %arg0 : {{.*}} -> tensor<1x2x4x4x!quant.uniform<u8:f32, 3.906250e-03>>
// CHECK: qcc.elu %arg0 {{.*}} -> tensor<1x2x4x4x!quant.uniform<u8:f32, 3.906250e-03>>
// CHECK: qcc.leaky_relu %arg0 {{.*}} -> tensor<1x2x4x4x!quant.uniform<u8:f32, 3.906250e-03>>
// CHECK: qcc.sigmoid %arg0 : {{.*}} -> tensor<1x2x4x4x!quant.uniform<u8:f32, 3.906250e-03>>
// CHECK: qcc.tanh %arg0 : {{.*}} -> tensor<1x2x4x4x!quant.uniform<u8:f32, 3.906250e-03>>
// CHECK: qcc.hardsigmoid %arg0 : {{.*}} -> tensor<1x2x4x4x!quant.uniform<u8:f32, 3.906250e-03>>
// CHECK: qcc.gelu %arg0 : {{.*}} -> tensor<1x2x4x4x!quant.uniform<u8:f32, 3.906250e-03>>
// CHECK: qcc.softmax %arg0 {dim = 1 : i64} : {{.*}} -> tensor<1x2x4x4x!quant.uniform<u8:f32, 3.906250e-03>>
// CHECK: qcc.avg_pool %arg0 {{.*}} -> tensor<1x2x2x2x!quant.uniform<u8:f32, 3.906250e-03>>
// CHECK: qcc.adaptive_avg_pool %arg0 : {{.*}} -> tensor<1x2x1x1x!quant.uniform<u8:f32, 3.906250e-03>>
// CHECK: qcc.interpolate %arg0 : {{.*}} -> tensor<1x2x8x8x!quant.uniform<u8:f32, 3.906250e-03>>
// CHECK-NOT: qcc.quantize
func.func @requantizing_unary(%x: tensor<1x2x4x4x!qa>)
    -> (tensor<1x2x4x4x!qo>, tensor<1x2x4x4x!qo>, tensor<1x2x4x4x!qo>, tensor<1x2x4x4x!qo>,
        tensor<1x2x4x4x!qo>, tensor<1x2x4x4x!qo>, tensor<1x2x4x4x!qo>, tensor<1x2x4x4x!qo>,
        tensor<1x2x2x2x!qo>, tensor<1x2x1x1x!qo>, tensor<1x2x8x8x!qo>) {
  %d = qcc.dequantize %x : tensor<1x2x4x4x!qa> -> tensor<1x2x4x4xf32>
  %0 = qcc.hardswish %d : tensor<1x2x4x4xf32> -> tensor<1x2x4x4xf32>
  %q0 = qcc.quantize %0 : tensor<1x2x4x4xf32> -> tensor<1x2x4x4x!qo>
  %1 = qcc.elu %d {alpha = 1.0 : f64} : tensor<1x2x4x4xf32> -> tensor<1x2x4x4xf32>
  %q1 = qcc.quantize %1 : tensor<1x2x4x4xf32> -> tensor<1x2x4x4x!qo>
  %2 = qcc.leaky_relu %d {negative_slope = 0.01 : f64} : tensor<1x2x4x4xf32> -> tensor<1x2x4x4xf32>
  %q2 = qcc.quantize %2 : tensor<1x2x4x4xf32> -> tensor<1x2x4x4x!qo>
  %3 = qcc.sigmoid %d : tensor<1x2x4x4xf32> -> tensor<1x2x4x4xf32>
  %q3 = qcc.quantize %3 : tensor<1x2x4x4xf32> -> tensor<1x2x4x4x!qo>
  %4 = qcc.tanh %d : tensor<1x2x4x4xf32> -> tensor<1x2x4x4xf32>
  %q4 = qcc.quantize %4 : tensor<1x2x4x4xf32> -> tensor<1x2x4x4x!qo>
  %5 = qcc.hardsigmoid %d : tensor<1x2x4x4xf32> -> tensor<1x2x4x4xf32>
  %q5 = qcc.quantize %5 : tensor<1x2x4x4xf32> -> tensor<1x2x4x4x!qo>
  %6 = qcc.gelu %d : tensor<1x2x4x4xf32> -> tensor<1x2x4x4xf32>
  %q6 = qcc.quantize %6 : tensor<1x2x4x4xf32> -> tensor<1x2x4x4x!qo>
  %7 = qcc.softmax %d {dim = 1 : i64} : tensor<1x2x4x4xf32> -> tensor<1x2x4x4xf32>
  %q7 = qcc.quantize %7 : tensor<1x2x4x4xf32> -> tensor<1x2x4x4x!qo>
  %8 = qcc.avg_pool %d {kernel_size = array<i64: 2, 2>, stride = array<i64: 2, 2>, padding = array<i64: 0, 0>} : tensor<1x2x4x4xf32> -> tensor<1x2x2x2xf32>
  %q8 = qcc.quantize %8 : tensor<1x2x2x2xf32> -> tensor<1x2x2x2x!qo>
  %9 = qcc.adaptive_avg_pool %d : tensor<1x2x4x4xf32> -> tensor<1x2x1x1xf32>
  %q9 = qcc.quantize %9 : tensor<1x2x1x1xf32> -> tensor<1x2x1x1x!qo>
  %10 = qcc.interpolate %d : tensor<1x2x4x4xf32> -> tensor<1x2x8x8xf32>
  %q10 = qcc.quantize %10 : tensor<1x2x8x8xf32> -> tensor<1x2x8x8x!qo>
  return %q0, %q1, %q2, %q3, %q4, %q5, %q6, %q7, %q8, %q9, %q10
      : tensor<1x2x4x4x!qo>, tensor<1x2x4x4x!qo>, tensor<1x2x4x4x!qo>, tensor<1x2x4x4x!qo>,
        tensor<1x2x4x4x!qo>, tensor<1x2x4x4x!qo>, tensor<1x2x4x4x!qo>, tensor<1x2x4x4x!qo>,
        tensor<1x2x2x2x!qo>, tensor<1x2x1x1x!qo>, tensor<1x2x8x8x!qo>
}

// -----

!qa = !quant.uniform<u8:f32, 0.1:128>
!qb = !quant.uniform<u8:f32, 0.2:100>

// Normalizations: the activation becomes quantized, the parameters stay f32.
// CHECK-LABEL: func.func @norms
// CHECK-SAME: (%[[X:[^:]*]]: tensor<1x2x4x!quant{{.*}}, %[[W:[^:]*]]: tensor<2xf32>, %[[B:[^:]*]]: tensor<2xf32>, %[[L:[^:]*]]: tensor<4xf32>
// CHECK: qcc.batch_norm %[[X]], %[[W]], %[[B]], %[[W]], %[[B]] {activation = "relu", eps = 1.000000e-05 : f64} : (tensor<1x2x4x!quant.uniform<u8:f32, 1.000000e-01:128>>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x4x!quant.uniform<u8:f32, 2.000000e-01:100>>
// CHECK: qcc.layer_norm %[[X]], %[[L]], %[[L]] {{.*}} -> tensor<1x2x4x!quant.uniform<u8:f32, 2.000000e-01:100>>
// CHECK: qcc.group_norm %[[X]], %[[W]], %[[B]] {{.*}} -> tensor<1x2x4x!quant.uniform<u8:f32, 2.000000e-01:100>>
// CHECK: qcc.instance_norm %[[X]], %[[W]], %[[B]] {{.*}} -> tensor<1x2x4x!quant.uniform<u8:f32, 2.000000e-01:100>>
// CHECK-NOT: qcc.quantize
func.func @norms(%x: tensor<1x2x4x!qa>, %w: tensor<2xf32>, %b: tensor<2xf32>, %l: tensor<4xf32>)
    -> (tensor<1x2x4x!qb>, tensor<1x2x4x!qb>, tensor<1x2x4x!qb>, tensor<1x2x4x!qb>) {
  %d = qcc.dequantize %x : tensor<1x2x4x!qa> -> tensor<1x2x4xf32>
  %0 = qcc.batch_norm %d, %w, %b, %w, %b {eps = 1.0e-5 : f64, activation = "relu"} : (tensor<1x2x4xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x4xf32>
  %q0 = qcc.quantize %0 : tensor<1x2x4xf32> -> tensor<1x2x4x!qb>
  %1 = qcc.layer_norm %d, %l, %l {normalized_shape = array<i64: 4>, eps = 1.0e-5 : f64} : (tensor<1x2x4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<1x2x4xf32>
  %q1 = qcc.quantize %1 : tensor<1x2x4xf32> -> tensor<1x2x4x!qb>
  %2 = qcc.group_norm %d, %w, %b {num_groups = 1 : i64, eps = 1.0e-5 : f64} : (tensor<1x2x4xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x4xf32>
  %q2 = qcc.quantize %2 : tensor<1x2x4xf32> -> tensor<1x2x4x!qb>
  %3 = qcc.instance_norm %d, %w, %b {eps = 1.0e-5 : f64} : (tensor<1x2x4xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x4xf32>
  %q3 = qcc.quantize %3 : tensor<1x2x4xf32> -> tensor<1x2x4x!qb>
  return %q0, %q1, %q2, %q3 : tensor<1x2x4x!qb>, tensor<1x2x4x!qb>, tensor<1x2x4x!qb>, tensor<1x2x4x!qb>
}

// -----

!qa = !quant.uniform<u8:f32, 0.1:128>
!qw = !quant.uniform<i8:f32, 0.02>

// Must not fire: a float conv/linear has float weights; the quantized op would
// need quantized weights, and quantizing them changes the result.
// CHECK-LABEL: func.func @float_conv_linear
// CHECK: qcc.conv {{.*}} -> tensor<1x2x4x4xf32>
// CHECK: qcc.quantize
// CHECK: qcc.linear {{.*}} -> tensor<1x2xf32>
// CHECK: qcc.quantize
func.func @float_conv_linear(%x: tensor<1x2x4x4x!qa>, %w: tensor<2x2x1x1xf32>, %y: tensor<1x4x!qa>, %v: tensor<2x4xf32>)
    -> (tensor<1x2x4x4x!qa>, tensor<1x2x!qa>) {
  %d = qcc.dequantize %x : tensor<1x2x4x4x!qa> -> tensor<1x2x4x4xf32>
  %c = qcc.conv %d, %w {stride = array<i64: 1, 1>, padding = array<i64: 0, 0>, dilation = array<i64: 1, 1>} : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x4x4xf32>
  %q = qcc.quantize %c : tensor<1x2x4x4xf32> -> tensor<1x2x4x4x!qa>
  %e = qcc.dequantize %y : tensor<1x4x!qa> -> tensor<1x4xf32>
  %l = qcc.linear %e, %v : (tensor<1x4xf32>, tensor<2x4xf32>) -> tensor<1x2xf32>
  %ql = qcc.quantize %l : tensor<1x2xf32> -> tensor<1x2x!qa>
  return %q, %ql : tensor<1x2x4x4x!qa>, tensor<1x2x!qa>
}

// -----

!qa = !quant.uniform<u8:f32, 0.1:128>
!qb = !quant.uniform<u8:f32, 0.2:100>

// Must not fire: every activation operand must be a dequantize (%f is float),
// and the op must have a quantized form at all (add_scalar changes qparams).
// CHECK-LABEL: func.func @not_all_dequantized
// CHECK: qcc.add {{.*}} -> tensor<4xf32>
// CHECK: qcc.quantize
// CHECK: qcc.add_scalar {{.*}} -> tensor<4xf32>
// CHECK: qcc.quantize
func.func @not_all_dequantized(%x: tensor<4x!qa>, %f: tensor<4xf32>) -> (tensor<4x!qb>, tensor<4x!qb>) {
  %d = qcc.dequantize %x : tensor<4x!qa> -> tensor<4xf32>
  %a = qcc.add %d, %f : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %qa = qcc.quantize %a : tensor<4xf32> -> tensor<4x!qb>
  %s = qcc.add_scalar %d {value = 1.0 : f64} : tensor<4xf32> -> tensor<4xf32>
  %qs = qcc.quantize %s : tensor<4xf32> -> tensor<4x!qb>
  return %qa, %qs : tensor<4x!qb>, tensor<4x!qb>
}

// -----

!qa = !quant.uniform<u8:f32, 0.1:128>
!qp = !quant.uniform<u8:f32:0, {0.1:128, 0.2:100}>

// Must not fire: per-axis quantized activations (no quantized kernel takes them).
// CHECK-LABEL: func.func @per_axis_input
// CHECK: qcc.sigmoid {{.*}} : tensor<2x4xf32> -> tensor<2x4xf32>
// CHECK: qcc.quantize
func.func @per_axis_input(%x: tensor<2x4x!qp>) -> tensor<2x4x!qa> {
  %d = qcc.dequantize %x : tensor<2x4x!qp> -> tensor<2x4xf32>
  %s = qcc.sigmoid %d : tensor<2x4xf32> -> tensor<2x4xf32>
  %q = qcc.quantize %s : tensor<2x4xf32> -> tensor<2x4x!qa>
  return %q : tensor<2x4x!qa>
}

// -----

!qa = !quant.uniform<u8:f32, 0.1:128>

// Multi-use: the float relu and the dequantize stay for their other users.
// CHECK-LABEL: func.func @multi_use
// CHECK-SAME: (%[[X:.*]]: tensor<4x!quant
// CHECK: %[[D:.*]] = qcc.dequantize %[[X]]
// CHECK: %[[F:.*]] = qcc.relu %[[D]] : tensor<4xf32> -> tensor<4xf32>
// CHECK: %[[Q:.*]] = qcc.relu %[[X]] : tensor<4x!quant{{.*}}> -> tensor<4x!quant
// CHECK: return %[[Q]], %[[F]]
func.func @multi_use(%x: tensor<4x!qa>) -> (tensor<4x!qa>, tensor<4xf32>) {
  %d = qcc.dequantize %x : tensor<4x!qa> -> tensor<4xf32>
  %r = qcc.relu %d : tensor<4xf32> -> tensor<4xf32>
  %q = qcc.quantize %r : tensor<4xf32> -> tensor<4x!qa>
  return %q, %r : tensor<4x!qa>, tensor<4xf32>
}

// -----

!qa = !quant.uniform<u8:f32, 0.1:128>
!qb = !quant.uniform<u8:f32, 0.2:100>

// split: every result quantized with the input's parameters folds through
// one quantized split; a result quantized otherwise keeps the float split.
// CHECK-LABEL: func.func @split
// CHECK-SAME: (%[[X:.*]]: tensor<1x6x!quant
// CHECK: %[[D:.*]] = qcc.dequantize %[[X]]
// CHECK: %[[S:.*]]:3 = qcc.split %[[X]] {{.*}} -> (tensor<1x2x!quant.uniform<u8:f32, 1.000000e-01:128>>, tensor<1x2x!quant.uniform<u8:f32, 1.000000e-01:128>>, tensor<1x2x!quant.uniform<u8:f32, 1.000000e-01:128>>)
// CHECK: %[[F:.*]]:3 = qcc.split %[[D]] {{.*}} -> (tensor<1x2xf32>, tensor<1x2xf32>, tensor<1x2xf32>)
// CHECK: %[[Q:.*]] = qcc.quantize %[[F]]#2 : tensor<1x2xf32> -> tensor<1x2x!quant.uniform<u8:f32, 2.000000e-01:100>>
// CHECK: return %[[S]]#0, %[[S]]#1, %[[Q]]
func.func @split(%x: tensor<1x6x!qa>) -> (tensor<1x2x!qa>, tensor<1x2x!qa>, tensor<1x2x!qb>) {
  %d = qcc.dequantize %x : tensor<1x6x!qa> -> tensor<1x6xf32>
  %s:3 = qcc.split %d {split_sizes = array<i64: 2, 2, 2>, dim = 1 : i64} : (tensor<1x6xf32>) -> (tensor<1x2xf32>, tensor<1x2xf32>, tensor<1x2xf32>)
  %q0 = qcc.quantize %s#0 : tensor<1x2xf32> -> tensor<1x2x!qa>
  %q1 = qcc.quantize %s#1 : tensor<1x2xf32> -> tensor<1x2x!qa>
  %q2 = qcc.quantize %s#2 : tensor<1x2xf32> -> tensor<1x2x!qb>
  return %q0, %q1, %q2 : tensor<1x2x!qa>, tensor<1x2x!qa>, tensor<1x2x!qb>
}

// -----

!qa = !quant.uniform<u8:f32, 0.1:128>

// split whose results are all folded: the float split disappears.
// CHECK-LABEL: func.func @split_all
// CHECK-NOT: qcc.dequantize
// CHECK: %[[S:.*]]:2 = qcc.split %arg0
// CHECK-NOT: qcc.split
// CHECK-NOT: qcc.quantize
// CHECK: return %[[S]]#0, %[[S]]#1
func.func @split_all(%x: tensor<4x!qa>) -> (tensor<1x!qa>, tensor<3x!qa>) {
  %d = qcc.dequantize %x : tensor<4x!qa> -> tensor<4xf32>
  %s:2 = qcc.split %d {split_sizes = array<i64: 1, 3>, dim = 0 : i64} : (tensor<4xf32>) -> (tensor<1xf32>, tensor<3xf32>)
  %q0 = qcc.quantize %s#0 : tensor<1xf32> -> tensor<1x!qa>
  %q1 = qcc.quantize %s#1 : tensor<3xf32> -> tensor<3x!qa>
  return %q0, %q1 : tensor<1x!qa>, tensor<3x!qa>
}
