// RUN: qcc-opt %s -qcc-layout -qcc-quantize-channels-last --split-input-file | FileCheck %s

!qa = !quant.uniform<u8:f32, 0.1:128>
!qw = !quant.uniform<i8:f32, 0.05>

// Fires: the input image's quantize feeds only the relayout qcc-layout put
// before the first conv; the quantize writes channels-last itself and the
// relayout is gone.
// CHECK-LABEL: func.func @input_image
// CHECK: %[[Q:.*]] = qcc.quantize %arg0 {qcc.layout = "channels_last"}
// CHECK-NOT: qcc.relayout %[[Q]]
// CHECK: qcc.conv %[[Q]]
func.func @input_image(%x: tensor<1x3x6x6xf32>) -> tensor<1x4x6x6x!qa> {
  %w = qcc.constant dense<1> : tensor<4x3x3x3xi8> -> tensor<4x3x3x3x!qw>
  %q = qcc.quantize %x : tensor<1x3x6x6xf32> -> tensor<1x3x6x6x!qa>
  %c = qcc.conv %q, %w {stride = array<i64: 1, 1>, padding = array<i64: 1, 1>, dilation = array<i64: 1, 1>} : (tensor<1x3x6x6x!qa>, tensor<4x3x3x3x!qw>) -> tensor<1x4x6x6x!qa>
  return %c : tensor<1x4x6x6x!qa>
}

// -----

!qa = !quant.uniform<u8:f32, 0.1:128>
!qw = !quant.uniform<i8:f32, 0.05>

// Must not fire: the quantized input is also returned, so its contiguous
// bytes are still needed.
// CHECK-LABEL: func.func @other_user
// CHECK: %[[Q:.*]] = qcc.quantize %arg0 :
// CHECK: qcc.relayout %[[Q]] {layout = "channels_last"}
func.func @other_user(%x: tensor<1x3x6x6xf32>) -> (tensor<1x4x6x6x!qa>, tensor<1x3x6x6x!qa>) {
  %w = qcc.constant dense<1> : tensor<4x3x3x3xi8> -> tensor<4x3x3x3x!qw>
  %q = qcc.quantize %x : tensor<1x3x6x6xf32> -> tensor<1x3x6x6x!qa>
  %c = qcc.conv %q, %w {stride = array<i64: 1, 1>, padding = array<i64: 1, 1>, dilation = array<i64: 1, 1>} : (tensor<1x3x6x6x!qa>, tensor<4x3x3x3x!qw>) -> tensor<1x4x6x6x!qa>
  return %c, %q : tensor<1x4x6x6x!qa>, tensor<1x3x6x6x!qa>
}

// -----

!qs = !quant.uniform<i8:f32, 0.1:3>
!qw = !quant.uniform<i8:f32, 0.05>
!qa = !quant.uniform<u8:f32, 0.1:128>

// Must not fire: a qint8 result (the kernel writes quint8).
// CHECK-LABEL: func.func @signed_result
// CHECK: %[[Q:.*]] = qcc.quantize %arg0 :
// CHECK: qcc.relayout %[[Q]] {layout = "channels_last"}
func.func @signed_result(%x: tensor<1x3x6x6xf32>) -> tensor<1x3x3x3x!qs> {
  %q = qcc.quantize %x : tensor<1x3x6x6xf32> -> tensor<1x3x6x6x!qs>
  %p = qcc.max_pool %q {kernel_size = array<i64: 2, 2>, stride = array<i64: 2, 2>, padding = array<i64: 0, 0>, dilation = array<i64: 1, 1>} : tensor<1x3x6x6x!qs> -> tensor<1x3x3x3x!qs>
  return %p : tensor<1x3x3x3x!qs>
}

// -----

// Must not fire: under the onnxruntime profile the quantize is ONNX
// Runtime's (division by the scale), which has no channels-last kernel.
// CHECK-LABEL: func.func @onnxruntime
// CHECK: %[[Q:.*]] = qcc.quantize %arg0 :
// CHECK: qcc.relayout %[[Q]] {layout = "channels_last"}
module attributes {qcc.numerics = "onnxruntime"} {
  func.func @onnxruntime(%x: tensor<1x3x6x6xf32>) -> tensor<1x4x6x6x!quant.uniform<u8:f32, 0.1:128>> {
    %w = qcc.constant dense<1> : tensor<4x3x3x3xi8> -> tensor<4x3x3x3x!quant.uniform<i8:f32, 0.05>>
    %q = qcc.quantize %x : tensor<1x3x6x6xf32> -> tensor<1x3x6x6x!quant.uniform<u8:f32, 0.1:128>>
    %c = qcc.conv %q, %w {stride = array<i64: 1, 1>, padding = array<i64: 1, 1>, dilation = array<i64: 1, 1>} : (tensor<1x3x6x6x!quant.uniform<u8:f32, 0.1:128>>, tensor<4x3x3x3x!quant.uniform<i8:f32, 0.05>>) -> tensor<1x4x6x6x!quant.uniform<u8:f32, 0.1:128>>
    return %c : tensor<1x4x6x6x!quant.uniform<u8:f32, 0.1:128>>
  }
}
