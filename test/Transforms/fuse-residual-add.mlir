// RUN: qcc-opt %s -qcc-fuse-residual-add --split-input-file | FileCheck %s

!qa = !quant.uniform<u8:f32, 0.1:128>
!qw = !quant.uniform<i8:f32, 0.02>
!qc = !quant.uniform<u8:f32, 0.2:100>
!qo = !quant.uniform<u8:f32, 0.3:0>

// A conv whose only user is add_relu: one conv_add that remembers the conv's
// result type and keeps its discardable attributes (qcc.requant).
// CHECK-LABEL: func.func @fires
// CHECK: %[[C:.*]] = qcc.conv %arg0
// CHECK: %[[F:.*]] = qcc.conv_add %[[C]], %arg0, %{{.*}}, %arg1 {add_activation = "relu", conv_type = tensor<1x4x4x4x!quant.uniform<u8:f32, 2.000000e-01:100>>, {{.*}}qcc.requant = {tag}
// CHECK-NOT: qcc.add
// CHECK: return %[[F]]
func.func @fires(%x: tensor<1x4x4x4x!qa>, %b: tensor<4xf32>) -> tensor<1x4x4x4x!qo> {
  %w = qcc.constant dense<1> : tensor<4x4x3x3xi8> -> tensor<4x4x3x3x!qw>
  %c0 = qcc.conv %x, %w, %b {stride = array<i64: 1, 1>, padding = array<i64: 1, 1>, dilation = array<i64: 1, 1>} : (tensor<1x4x4x4x!qa>, tensor<4x4x3x3x!qw>, tensor<4xf32>) -> tensor<1x4x4x4x!qa>
  %c = qcc.conv %c0, %w, %b {stride = array<i64: 1, 1>, padding = array<i64: 1, 1>, dilation = array<i64: 1, 1>, qcc.requant = {tag}} : (tensor<1x4x4x4x!qa>, tensor<4x4x3x3x!qw>, tensor<4xf32>) -> tensor<1x4x4x4x!qc>
  %y = qcc.add %c, %x {activation = "relu"} : (tensor<1x4x4x4x!qc>, tensor<1x4x4x4x!qa>) -> tensor<1x4x4x4x!qo>
  return %y : tensor<1x4x4x4x!qo>
}

// -----

!qa = !quant.uniform<u8:f32, 0.1:128>
!qw = !quant.uniform<i8:f32, 0.02>
!qo = !quant.uniform<u8:f32, 0.3:0>

// The conv on the right also fuses when the left operand is channels-last
// in PyTorch (here another conv's result, which then stays a conv).
// CHECK-LABEL: func.func @conv_on_the_right
// CHECK: %[[L:.*]] = qcc.conv %arg0
// CHECK-NEXT: %[[F:.*]] = qcc.conv_add %[[L]], %[[L]]
// CHECK-NOT: qcc.add
func.func @conv_on_the_right(%x: tensor<1x4x4x4x!qa>) -> tensor<1x4x4x4x!qo> {
  %w = qcc.constant dense<1> : tensor<4x4x1x1xi8> -> tensor<4x4x1x1x!qw>
  %l = qcc.conv %x, %w {stride = array<i64: 1, 1>, padding = array<i64: 0, 0>, dilation = array<i64: 1, 1>} : (tensor<1x4x4x4x!qa>, tensor<4x4x1x1x!qw>) -> tensor<1x4x4x4x!qa>
  %r = qcc.conv %l, %w {stride = array<i64: 1, 1>, padding = array<i64: 0, 0>, dilation = array<i64: 1, 1>} : (tensor<1x4x4x4x!qa>, tensor<4x4x1x1x!qw>) -> tensor<1x4x4x4x!qa>
  %y = qcc.add %l, %r : (tensor<1x4x4x4x!qa>, tensor<1x4x4x4x!qa>) -> tensor<1x4x4x4x!qo>
  return %y : tensor<1x4x4x4x!qo>
}

// -----

!qa = !quant.uniform<u8:f32, 0.1:128>
!qw = !quant.uniform<i8:f32, 0.02>
!qo = !quant.uniform<u8:f32, 0.3:0>

// Must not fire: PyTorch runs add(x, conv) in x's format, and a graph
// argument is contiguous, so add's position-dependent formula would follow
// NCHW order while the fused kernel walks NHWC.
// CHECK-LABEL: func.func @contiguous_first_operand
// CHECK: qcc.conv
// CHECK: qcc.add
// CHECK-NOT: qcc.conv_add
func.func @contiguous_first_operand(%x: tensor<1x4x4x4x!qa>) -> tensor<1x4x4x4x!qo> {
  %w = qcc.constant dense<1> : tensor<4x4x1x1xi8> -> tensor<4x4x1x1x!qw>
  %c = qcc.conv %x, %w {stride = array<i64: 1, 1>, padding = array<i64: 0, 0>, dilation = array<i64: 1, 1>} : (tensor<1x4x4x4x!qa>, tensor<4x4x1x1x!qw>) -> tensor<1x4x4x4x!qa>
  %y = qcc.add %x, %c : (tensor<1x4x4x4x!qa>, tensor<1x4x4x4x!qa>) -> tensor<1x4x4x4x!qo>
  return %y : tensor<1x4x4x4x!qo>
}

// -----

!qa = !quant.uniform<u8:f32, 0.1:128>
!qw = !quant.uniform<i8:f32, 0.02>
!qo = !quant.uniform<u8:f32, 0.3:0>

// Must not fire: the conv result has another user, so it must be stored.
// CHECK-LABEL: func.func @conv_used_twice
// CHECK: qcc.add
// CHECK-NOT: qcc.conv_add
func.func @conv_used_twice(%x: tensor<1x4x4x4x!qa>) -> (tensor<1x4x4x4x!qo>, tensor<1x4x4x4x!qa>) {
  %w = qcc.constant dense<1> : tensor<4x4x1x1xi8> -> tensor<4x4x1x1x!qw>
  %c = qcc.conv %x, %w {stride = array<i64: 1, 1>, padding = array<i64: 0, 0>, dilation = array<i64: 1, 1>} : (tensor<1x4x4x4x!qa>, tensor<4x4x1x1x!qw>) -> tensor<1x4x4x4x!qa>
  %y = qcc.add %c, %x : (tensor<1x4x4x4x!qa>, tensor<1x4x4x4x!qa>) -> tensor<1x4x4x4x!qo>
  return %y, %c : tensor<1x4x4x4x!qo>, tensor<1x4x4x4x!qa>
}

// -----

!qa = !quant.uniform<u8:f32, 0.1:128>
!qw = !quant.uniform<i8:f32, 0.02>
!qo = !quant.uniform<u8:f32, 0.3:0>

// Must not fire: a broadcasting add pairs elements by logical index.
// CHECK-LABEL: func.func @broadcast
// CHECK: qcc.add
// CHECK-NOT: qcc.conv_add
func.func @broadcast(%x: tensor<1x4x4x4x!qa>, %s: tensor<1x4x1x1x!qa>) -> tensor<1x4x4x4x!qo> {
  %w = qcc.constant dense<1> : tensor<4x4x1x1xi8> -> tensor<4x4x1x1x!qw>
  %c = qcc.conv %x, %w {stride = array<i64: 1, 1>, padding = array<i64: 0, 0>, dilation = array<i64: 1, 1>} : (tensor<1x4x4x4x!qa>, tensor<4x4x1x1x!qw>) -> tensor<1x4x4x4x!qa>
  %y = qcc.add %c, %s : (tensor<1x4x4x4x!qa>, tensor<1x4x1x1x!qa>) -> tensor<1x4x4x4x!qo>
  return %y : tensor<1x4x4x4x!qo>
}

// -----

!qa = !quant.uniform<u8:f32, 0.1:128>
!qw = !quant.uniform<i8:f32, 0.02>
!qo = !quant.uniform<u8:f32, 0.3:0>

// Must not fire: depthwise convs run a kernel without the fused add.
// CHECK-LABEL: func.func @depthwise
// CHECK: qcc.add
// CHECK-NOT: qcc.conv_add
func.func @depthwise(%x: tensor<1x4x4x4x!qa>) -> tensor<1x4x4x4x!qo> {
  %w = qcc.constant dense<1> : tensor<4x1x3x3xi8> -> tensor<4x1x3x3x!qw>
  %c = qcc.conv %x, %w {stride = array<i64: 1, 1>, padding = array<i64: 1, 1>, dilation = array<i64: 1, 1>, groups = 4 : i64} : (tensor<1x4x4x4x!qa>, tensor<4x1x3x3x!qw>) -> tensor<1x4x4x4x!qa>
  %y = qcc.add %c, %x : (tensor<1x4x4x4x!qa>, tensor<1x4x4x4x!qa>) -> tensor<1x4x4x4x!qo>
  return %y : tensor<1x4x4x4x!qo>
}

// -----

// Must not fire: under the onnxruntime profile the add is QLinearAdd, whose
// formula differs from quantized::add.
// CHECK-LABEL: func.func @onnxruntime
// CHECK: qcc.add
// CHECK-NOT: qcc.conv_add
module attributes {qcc.numerics = "onnxruntime"} {
  func.func @onnxruntime(%x: tensor<1x4x4x4x!quant.uniform<u8:f32, 0.1:128>>) -> tensor<1x4x4x4x!quant.uniform<u8:f32, 0.3:0>> {
    %w = qcc.constant dense<1> : tensor<4x4x1x1xi8> -> tensor<4x4x1x1x!quant.uniform<i8:f32, 0.02>>
    %c = qcc.conv %x, %w {stride = array<i64: 1, 1>, padding = array<i64: 0, 0>, dilation = array<i64: 1, 1>} : (tensor<1x4x4x4x!quant.uniform<u8:f32, 0.1:128>>, tensor<4x4x1x1x!quant.uniform<i8:f32, 0.02>>) -> tensor<1x4x4x4x!quant.uniform<u8:f32, 0.1:128>>
    %y = qcc.add %c, %x : (tensor<1x4x4x4x!quant.uniform<u8:f32, 0.1:128>>, tensor<1x4x4x4x!quant.uniform<u8:f32, 0.1:128>>) -> tensor<1x4x4x4x!quant.uniform<u8:f32, 0.3:0>>
    return %y : tensor<1x4x4x4x!quant.uniform<u8:f32, 0.3:0>>
  }
}

// -----

// Must not fire: float tensors (a float conv has no byte rounding to fuse).
// CHECK-LABEL: func.func @float
// CHECK: qcc.add
// CHECK-NOT: qcc.conv_add
func.func @float(%x: tensor<1x4x4x4xf32>, %w: tensor<4x4x1x1xf32>) -> tensor<1x4x4x4xf32> {
  %c = qcc.conv %x, %w {stride = array<i64: 1, 1>, padding = array<i64: 0, 0>, dilation = array<i64: 1, 1>} : (tensor<1x4x4x4xf32>, tensor<4x4x1x1xf32>) -> tensor<1x4x4x4xf32>
  %y = qcc.add %c, %x : (tensor<1x4x4x4xf32>, tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32>
  return %y : tensor<1x4x4x4xf32>
}
