// RUN: qcc-opt %s -split-input-file -canonicalize="test-convergence" | FileCheck %s
//
// The qcc folders: dropout is the identity, requantize to the same type is
// the identity, reshape(reshape(x)) is one reshape. Quantize / dequantize
// pairs are left to the qcc-fold-qdq pass: dequantize(quantize(x)) rounds,
// so it is not x, and no folder may remove it.

!qa = !quant.uniform<u8:f32, 0.1:128>

// CHECK-LABEL: func.func @dropout_folds
// CHECK-SAME: (%[[X:.*]]: tensor<1x4x!quant{{.*}}>, %[[F:.*]]: tensor<2x3xf32>)
// CHECK-NOT: qcc.dropout
// CHECK: return %[[X]], %[[F]]
func.func @dropout_folds(%x: tensor<1x4x!qa>, %f: tensor<2x3xf32>) -> (tensor<1x4x!qa>, tensor<2x3xf32>) {
  %0 = qcc.dropout %x {p = 0.2 : f64} : tensor<1x4x!qa> -> tensor<1x4x!qa>
  %1 = qcc.dropout %f : tensor<2x3xf32> -> tensor<2x3xf32>
  return %0, %1 : tensor<1x4x!qa>, tensor<2x3xf32>
}

// -----

!qa = !quant.uniform<u8:f32, 0.1:128>

// CHECK-LABEL: func.func @requantize_same_type_folds
// CHECK-SAME: (%[[X:.*]]: tensor<4x!quant{{.*}}>)
// CHECK-NOT: qcc.requantize
// CHECK: return %[[X]]
func.func @requantize_same_type_folds(%x: tensor<4x!qa>) -> tensor<4x!qa> {
  %0 = qcc.requantize %x : tensor<4x!qa> -> tensor<4x!qa>
  return %0 : tensor<4x!qa>
}

// -----

!qa = !quant.uniform<u8:f32, 0.1:128>
!qb = !quant.uniform<u8:f32, 0.1:127>

// Must not fire: a different zero point is a real requantization.
// CHECK-LABEL: func.func @requantize_other_type_kept
// CHECK: %[[R:.*]] = qcc.requantize %{{.*}} : tensor<4x!quant.uniform<u8:f32, 1.000000e-01:128>> -> tensor<4x!quant.uniform<u8:f32, 1.000000e-01:127>>
// CHECK: return %[[R]]
func.func @requantize_other_type_kept(%x: tensor<4x!qa>) -> tensor<4x!qb> {
  %0 = qcc.requantize %x : tensor<4x!qa> -> tensor<4x!qb>
  return %0 : tensor<4x!qb>
}

// -----

!qa = !quant.uniform<u8:f32, 0.1:128>

// CHECK-LABEL: func.func @reshape_reshape_folds
// CHECK-SAME: (%[[X:.*]]: tensor<2x3x4x!quant{{.*}}>)
// CHECK-NEXT: %[[R:.*]] = qcc.reshape %[[X]] : tensor<2x3x4x!quant{{.*}}> -> tensor<4x6x!quant
// CHECK-NOT: qcc.reshape
// CHECK: return %[[R]]
func.func @reshape_reshape_folds(%x: tensor<2x3x4x!qa>) -> tensor<4x6x!qa> {
  %0 = qcc.reshape %x : tensor<2x3x4x!qa> -> tensor<24x!qa>
  %1 = qcc.reshape %0 : tensor<24x!qa> -> tensor<4x6x!qa>
  return %1 : tensor<4x6x!qa>
}

// -----

// A chain back to the input's shape folds away entirely; so does a reshape
// to the same type.
// CHECK-LABEL: func.func @reshape_round_trip_folds
// CHECK-SAME: (%[[X:.*]]: tensor<2x3xf32>)
// CHECK-NOT: qcc.reshape
// CHECK: return %[[X]], %[[X]]
func.func @reshape_round_trip_folds(%x: tensor<2x3xf32>) -> (tensor<2x3xf32>, tensor<2x3xf32>) {
  %0 = qcc.reshape %x : tensor<2x3xf32> -> tensor<6xf32>
  %1 = qcc.reshape %0 : tensor<6xf32> -> tensor<3x2xf32>
  %2 = qcc.reshape %1 : tensor<3x2xf32> -> tensor<2x3xf32>
  %3 = qcc.reshape %x : tensor<2x3xf32> -> tensor<2x3xf32>
  return %2, %3 : tensor<2x3xf32>, tensor<2x3xf32>
}

// -----

// The inner reshape has another user, so it stays; the outer one now reads
// the input directly.
// CHECK-LABEL: func.func @reshape_shared_inner
// CHECK-SAME: (%[[X:.*]]: tensor<2x3xf32>)
// CHECK-DAG: %[[A:.*]] = qcc.reshape %[[X]] : tensor<2x3xf32> -> tensor<6xf32>
// CHECK-DAG: %[[B:.*]] = qcc.reshape %[[X]] : tensor<2x3xf32> -> tensor<3x2xf32>
// CHECK: return %[[A]], %[[B]]
func.func @reshape_shared_inner(%x: tensor<2x3xf32>) -> (tensor<6xf32>, tensor<3x2xf32>) {
  %0 = qcc.reshape %x : tensor<2x3xf32> -> tensor<6xf32>
  %1 = qcc.reshape %0 : tensor<6xf32> -> tensor<3x2xf32>
  return %0, %1 : tensor<6xf32>, tensor<3x2xf32>
}

// -----

!qa = !quant.uniform<u8:f32, 0.1:128>

// Must not fire: dequantize(quantize(x)) rounds x to the quantization grid.
// CHECK-LABEL: func.func @dequantize_quantize_kept
// CHECK-SAME: (%[[X:.*]]: tensor<4xf32>)
// CHECK: %[[Q:.*]] = qcc.quantize %[[X]]
// CHECK: %[[D:.*]] = qcc.dequantize %[[Q]]
// CHECK: return %[[D]]
func.func @dequantize_quantize_kept(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = qcc.quantize %x : tensor<4xf32> -> tensor<4x!qa>
  %1 = qcc.dequantize %0 : tensor<4x!qa> -> tensor<4xf32>
  return %1 : tensor<4xf32>
}

// -----

!qa = !quant.uniform<u8:f32, 0.1:128>

// Must not fire either: quantize(dequantize(q)) is the qcc-fold-qdq pass's
// business, not a folder's.
// CHECK-LABEL: func.func @quantize_dequantize_kept
// CHECK: qcc.dequantize
// CHECK: qcc.quantize
func.func @quantize_dequantize_kept(%x: tensor<4x!qa>) -> tensor<4x!qa> {
  %0 = qcc.dequantize %x : tensor<4x!qa> -> tensor<4xf32>
  %1 = qcc.quantize %0 : tensor<4xf32> -> tensor<4x!qa>
  return %1 : tensor<4x!qa>
}

// -----

!qw = !quant.uniform<i8:f32, 0.5>

// Constants: float ones fold to their attribute and are uniqued; quantized
// ones (whose type differs from their attribute's) stay as they are.
// CHECK-LABEL: func.func @constants
// CHECK: %[[F:.*]] = qcc.constant dense<1.000000e+00> : tensor<2xf32> -> tensor<2xf32>
// CHECK-NOT: dense<1.000000e+00>
// CHECK: %[[Q:.*]] = qcc.constant dense<3> : tensor<2xi8> -> tensor<2x!quant.uniform<i8:f32, 5.000000e-01>>
// CHECK: return %[[F]], %[[F]], %[[Q]]
func.func @constants() -> (tensor<2xf32>, tensor<2xf32>, tensor<2x!qw>) {
  %0 = qcc.constant dense<1.0> : tensor<2xf32> -> tensor<2xf32>
  %1 = qcc.constant dense<1.0> : tensor<2xf32> -> tensor<2xf32>
  %2 = qcc.constant dense<3> : tensor<2xi8> -> tensor<2x!qw>
  return %0, %1, %2 : tensor<2xf32>, tensor<2xf32>, tensor<2x!qw>
}
