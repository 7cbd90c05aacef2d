// RUN: qcc-opt %s -qcc-layout --split-input-file | FileCheck %s

// qcc-layout: spatial ops (conv, conv_transpose, pooling, interpolate,
// batch norm, spatial mean) run channels-last; elementwise ops, cat and split
// run in the memory format PyTorch would hold their operands in; everything
// else, and the function's results, are contiguous. A qcc.relayout is
// inserted only where producer and consumer disagree.

!qa = !quant.uniform<u8:f32, 0.1:128>
!qb = !quant.uniform<u8:f32, 0.2:120>
!qw = !quant.uniform<i8:f32, 0.05>

// Fires: one relayout into the first conv, none between the convs and the
// add (all channels-last, as PyTorch holds a conv's output), one before the
// return.
// CHECK-LABEL: func.func @conv_chain
// CHECK: %[[Q:.*]] = qcc.quantize
// CHECK: %[[IN:.*]] = qcc.relayout %[[Q]] {layout = "channels_last"}
// CHECK: %[[C0:.*]] = qcc.conv %[[IN]], {{.*}}qcc.layout = "channels_last"
// CHECK-NOT: qcc.relayout
// CHECK: %[[C1:.*]] = qcc.conv %[[C0]], {{.*}}qcc.layout = "channels_last"
// CHECK-NOT: qcc.relayout
// CHECK: %[[S:.*]] = qcc.add %[[C1]], %[[C0]] {{.*}}qcc.layout = "channels_last"
// CHECK-NOT: qcc.relayout
// CHECK: %[[D:.*]] = qcc.dequantize %[[S]] {qcc.layout = "channels_last"}
// CHECK: %[[OUT:.*]] = qcc.relayout %[[D]] {layout = "contiguous"}
// CHECK: return %[[OUT]]
func.func @conv_chain(%x: tensor<1x4x6x6xf32>) -> tensor<1x4x6x6xf32> {
  %w = qcc.constant dense<1> : tensor<4x4x3x3xi8> -> tensor<4x4x3x3x!qw>
  %q = qcc.quantize %x : tensor<1x4x6x6xf32> -> tensor<1x4x6x6x!qa>
  %c0 = qcc.conv %q, %w {stride = array<i64: 1, 1>, padding = array<i64: 1, 1>, dilation = array<i64: 1, 1>} : (tensor<1x4x6x6x!qa>, tensor<4x4x3x3x!qw>) -> tensor<1x4x6x6x!qa>
  %c1 = qcc.conv %c0, %w {stride = array<i64: 1, 1>, padding = array<i64: 1, 1>, dilation = array<i64: 1, 1>} : (tensor<1x4x6x6x!qa>, tensor<4x4x3x3x!qw>) -> tensor<1x4x6x6x!qa>
  %s = qcc.add %c1, %c0 : (tensor<1x4x6x6x!qa>, tensor<1x4x6x6x!qa>) -> tensor<1x4x6x6x!qb>
  %d = qcc.dequantize %s : tensor<1x4x6x6x!qb> -> tensor<1x4x6x6xf32>
  return %d : tensor<1x4x6x6xf32>
}

// -----

!qa = !quant.uniform<u8:f32, 0.1:128>
!qw = !quant.uniform<i8:f32, 0.05>

// Must not fire: a linear model has no spatial op; every tensor stays
// contiguous and no relayout appears.
// CHECK-LABEL: func.func @linear_only
// CHECK-NOT: qcc.relayout
// CHECK-NOT: channels_last
// CHECK: return
func.func @linear_only(%x: tensor<2x8xf32>) -> tensor<2x4xf32> {
  %w = qcc.constant dense<1> : tensor<4x8xi8> -> tensor<4x8x!qw>
  %q = qcc.quantize %x : tensor<2x8xf32> -> tensor<2x8x!qa>
  %l = qcc.linear %q, %w : (tensor<2x8x!qa>, tensor<4x8x!qw>) -> tensor<2x4x!qa>
  %r = qcc.relu %l : tensor<2x4x!qa> -> tensor<2x4x!qa>
  %d = qcc.dequantize %r : tensor<2x4x!qa> -> tensor<2x4xf32>
  return %d : tensor<2x4xf32>
}

// -----

!qa = !quant.uniform<u8:f32, 0.1:128>
!qw = !quant.uniform<i8:f32, 0.05>

// Must not fire: a 1x1 spatial extent has the same bytes in both layouts
// (layout-trivial), so the conv's channels-last input needs no relayout.
// CHECK-LABEL: func.func @trivial_spatial
// CHECK-NOT: qcc.relayout
// CHECK: return
func.func @trivial_spatial(%x: tensor<1x8x1x1xf32>) -> tensor<1x4x1x1xf32> {
  %w = qcc.constant dense<1> : tensor<4x8x1x1xi8> -> tensor<4x8x1x1x!qw>
  %q = qcc.quantize %x : tensor<1x8x1x1xf32> -> tensor<1x8x1x1x!qa>
  %c = qcc.conv %q, %w {stride = array<i64: 1, 1>, padding = array<i64: 0, 0>, dilation = array<i64: 1, 1>} : (tensor<1x8x1x1x!qa>, tensor<4x8x1x1x!qw>) -> tensor<1x4x1x1x!qa>
  %d = qcc.dequantize %c : tensor<1x4x1x1x!qa> -> tensor<1x4x1x1xf32>
  return %d : tensor<1x4x1x1xf32>
}

// -----

!qa = !quant.uniform<u8:f32, 0.1:128>

// Average pooling of a tensor PyTorch holds contiguous (straight after a
// quantize) is marked with qcc.torch_layout: PyTorch's NCHW kernel rounds
// differently from its NHWC one. The pooling itself still runs channels-last.
// CHECK-LABEL: func.func @avg_pool_after_quantize
// CHECK: qcc.relayout %{{.*}} {layout = "channels_last"}
// CHECK: qcc.avg_pool {{.*}}qcc.layout = "channels_last", qcc.torch_layout = "contiguous"
func.func @avg_pool_after_quantize(%x: tensor<1x4x6x6xf32>) -> tensor<1x4x3x3xf32> {
  %q = qcc.quantize %x : tensor<1x4x6x6xf32> -> tensor<1x4x6x6x!qa>
  %p = qcc.avg_pool %q {kernel_size = array<i64: 2, 2>, stride = array<i64: 2, 2>, padding = array<i64: 0, 0>} : tensor<1x4x6x6x!qa> -> tensor<1x4x3x3x!qa>
  %d = qcc.dequantize %p : tensor<1x4x3x3x!qa> -> tensor<1x4x3x3xf32>
  return %d : tensor<1x4x3x3xf32>
}

// -----

!qa = !quant.uniform<u8:f32, 0.1:128>
!qw = !quant.uniform<i8:f32, 0.05>

// Must not fire on the pooling mark: after a conv PyTorch holds the tensor
// channels-last, so no qcc.torch_layout attribute is added.
// CHECK-LABEL: func.func @avg_pool_after_conv
// CHECK: qcc.avg_pool
// CHECK-NOT: qcc.torch_layout
// CHECK: return
func.func @avg_pool_after_conv(%x: tensor<1x4x6x6xf32>) -> tensor<1x4x3x3xf32> {
  %w = qcc.constant dense<1> : tensor<4x4x1x1xi8> -> tensor<4x4x1x1x!qw>
  %q = qcc.quantize %x : tensor<1x4x6x6xf32> -> tensor<1x4x6x6x!qa>
  %c = qcc.conv %q, %w {stride = array<i64: 1, 1>, padding = array<i64: 0, 0>, dilation = array<i64: 1, 1>} : (tensor<1x4x6x6x!qa>, tensor<4x4x1x1x!qw>) -> tensor<1x4x6x6x!qa>
  %p = qcc.avg_pool %c {kernel_size = array<i64: 2, 2>, stride = array<i64: 2, 2>, padding = array<i64: 0, 0>} : tensor<1x4x6x6x!qa> -> tensor<1x4x3x3x!qa>
  %d = qcc.dequantize %p : tensor<1x4x3x3x!qa> -> tensor<1x4x3x3xf32>
  return %d : tensor<1x4x3x3xf32>
}

// -----

!qa = !quant.uniform<u8:f32, 0.1:128>
!qw = !quant.uniform<i8:f32, 0.02>

// conv_add reads its input and its residual channels-last (a graph argument
// is relayouted once for both) and writes channels-last.
// CHECK-LABEL: func.func @conv_add
// CHECK: %[[X:.*]] = qcc.relayout %arg0 {layout = "channels_last"}
// CHECK: %[[Y:.*]] = qcc.conv_add %[[X]], %[[X]], {{.*}}qcc.layout = "channels_last"
// CHECK: %[[OUT:.*]] = qcc.relayout %[[Y]] {layout = "contiguous"}
// CHECK: return %[[OUT]]
func.func @conv_add(%x: tensor<1x4x4x4x!qa>) -> tensor<1x4x4x4x!qa> {
  %w = qcc.constant dense<1> : tensor<4x4x1x1xi8> -> tensor<4x4x1x1x!qw>
  %y = qcc.conv_add %x, %x, %w {stride = array<i64: 1, 1>, padding = array<i64: 0, 0>, dilation = array<i64: 1, 1>, conv_type = tensor<1x4x4x4x!qa>} : (tensor<1x4x4x4x!qa>, tensor<1x4x4x4x!qa>, tensor<4x4x1x1x!qw>) -> tensor<1x4x4x4x!qa>
  return %y : tensor<1x4x4x4x!qa>
}
