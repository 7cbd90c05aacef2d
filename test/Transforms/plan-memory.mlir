// RUN: qcc-opt %s -qcc-plan-memory=report=true --split-input-file -verify-diagnostics | FileCheck %s
// RUN: not qcc-opt %s -qcc-plan-memory=alignment=48 --split-input-file 2>&1 | FileCheck %s --check-prefix=ALIGN

// An alignment that is not a power of two is rejected (on every function).
// ALIGN: error: alignment must be a power of two, got 48

// qcc.buffers: arena byte offset per result; -1 = the caller's output
// buffer; -2 = a view of a graph argument or constant. Default alignment 64.

!q = !quant.uniform<u8:f32, 0.1:128>

// Elementwise ops write in place when their operand dies at them:
//   op0 quantize  A (64 B)  live [0, 1]
//   op1 relu      in place: A live [0, 2]
//   op2 dequantize B (256 B) live [2, 3]  -- overlaps A at op2
//   op3 sigmoid   in place: B live [2, 4]
//   op4 tanh      returned: the caller's buffer
// Largest first: B at 0, A at 256; arena 256 + 64 = 320.
// CHECK-LABEL: func.func @chain
// CHECK-SAME: attributes {qcc.arena_alignment = 64 : i64, qcc.arena_size = 320 : i64}
// CHECK: qcc.quantize {{.*}}qcc.buffers = array<i64: 256>
// CHECK: qcc.relu {{.*}}qcc.buffers = array<i64: 256>
// CHECK: qcc.dequantize {{.*}}qcc.buffers = array<i64: 0>
// CHECK: qcc.sigmoid {{.*}}qcc.buffers = array<i64: 0>
// CHECK: qcc.tanh {{.*}}qcc.buffers = array<i64: -1>
// expected-remark @+1 {{arena size 320 bytes in 2 buffers}}
func.func @chain(%x: tensor<64xf32>) -> tensor<64xf32> {
  %q = qcc.quantize %x : tensor<64xf32> -> tensor<64x!q>
  %r = qcc.relu %q : tensor<64x!q> -> tensor<64x!q>
  %d = qcc.dequantize %r : tensor<64x!q> -> tensor<64xf32>
  %s = qcc.sigmoid %d : tensor<64xf32> -> tensor<64xf32>
  %t = qcc.tanh %s : tensor<64xf32> -> tensor<64xf32>
  return %t : tensor<64xf32>
}

// -----

!q = !quant.uniform<u8:f32, 0.1:128>

// A buffer is free after its last use: %c (live [2, 3]) takes the offset of
// %a (live [0, 1]); %b (256 B, live [1, 2]) overlaps both.
// CHECK-LABEL: func.func @reuse_after_death
// CHECK-SAME: qcc.arena_size = 320 : i64
// CHECK: %[[A:.*]] = qcc.quantize {{.*}}qcc.buffers = array<i64: 256>
// CHECK: qcc.dequantize %[[A]] {qcc.buffers = array<i64: 0>}
// CHECK: %[[C:.*]] = qcc.quantize {{.*}}qcc.buffers = array<i64: 256>
// CHECK: qcc.dequantize %[[C]] {qcc.buffers = array<i64: -1>}
// expected-remark @+1 {{arena size 320 bytes in 3 buffers}}
func.func @reuse_after_death(%x: tensor<64xf32>) -> tensor<64xf32> {
  %a = qcc.quantize %x : tensor<64xf32> -> tensor<64x!q>
  %b = qcc.dequantize %a : tensor<64x!q> -> tensor<64xf32>
  %c = qcc.quantize %b : tensor<64xf32> -> tensor<64x!q>
  %e = qcc.dequantize %c : tensor<64x!q> -> tensor<64xf32>
  return %e : tensor<64xf32>
}

// -----

!q = !quant.uniform<u8:f32, 0.1:128>

// A reshape is a view: same offset, and it keeps its input's buffer alive, so
// %p (defined while the view is live) cannot take offset 0. The add then
// writes in place into the view's buffer, which dies there.
// CHECK-LABEL: func.func @reshape_alias
// CHECK-SAME: qcc.arena_size = 128 : i64
// CHECK: qcc.quantize %arg0 {qcc.buffers = array<i64: 0>}
// CHECK: qcc.reshape {{.*}}qcc.buffers = array<i64: 0>
// CHECK: qcc.quantize %arg1 {qcc.buffers = array<i64: 64>}
// CHECK: qcc.add {{.*}}qcc.buffers = array<i64: 0>
// CHECK: qcc.dequantize {{.*}}qcc.buffers = array<i64: -1>
// expected-remark @+1 {{arena size 128 bytes in 2 buffers}}
func.func @reshape_alias(%x: tensor<2x32xf32>, %y: tensor<64xf32>) -> tensor<64xf32> {
  %q = qcc.quantize %x : tensor<2x32xf32> -> tensor<2x32x!q>
  %v = qcc.reshape %q : tensor<2x32x!q> -> tensor<64x!q>
  %p = qcc.quantize %y : tensor<64xf32> -> tensor<64x!q>
  %s = qcc.add %v, %p : (tensor<64x!q>, tensor<64x!q>) -> tensor<64x!q>
  %d = qcc.dequantize %s : tensor<64x!q> -> tensor<64xf32>
  return %d : tensor<64xf32>
}

// -----

!i = !quant.uniform<i32:f32, 0.01>

// Must not reuse: %a is read again after the relu, so the relu gets its own
// buffer; the add is where both die, and it reuses %a's (qint32: 4 bytes).
// CHECK-LABEL: func.func @operand_still_live
// CHECK-SAME: qcc.arena_size = 128 : i64
// CHECK: qcc.quantize {{.*}}qcc.buffers = array<i64: 0>
// CHECK: qcc.relu {{.*}}qcc.buffers = array<i64: 64>
// CHECK: qcc.add {{.*}}qcc.buffers = array<i64: 0>
// expected-remark @+1 {{arena size 128 bytes in 2 buffers}}
func.func @operand_still_live(%x: tensor<16xf32>) -> tensor<16xf32> {
  %a = qcc.quantize %x : tensor<16xf32> -> tensor<16x!i>
  %r = qcc.relu %a : tensor<16x!i> -> tensor<16x!i>
  %s = qcc.add %a, %r : (tensor<16x!i>, tensor<16x!i>) -> tensor<16x!i>
  %d = qcc.dequantize %s : tensor<16x!i> -> tensor<16xf32>
  return %d : tensor<16xf32>
}

// -----

!q = !quant.uniform<u8:f32, 0.1:128>

// Must not reuse across sizes: quantize (f32 -> u8) is elementwise but its
// output is smaller than its input. A view of a returned value lives in the
// caller's buffer too: %q is written straight into output 0 (its reshape).
// CHECK-LABEL: func.func @returned_view
// CHECK-SAME: qcc.arena_size = 0 : i64
// CHECK: qcc.quantize {{.*}}qcc.buffers = array<i64: -1>
// CHECK: qcc.reshape {{.*}}qcc.buffers = array<i64: -1>
// CHECK: qcc.dequantize {{.*}}qcc.buffers = array<i64: -1>
// expected-remark @+1 {{arena size 0 bytes in 0 buffers}}
func.func @returned_view(%x: tensor<4x4xf32>) -> (tensor<16x!q>, tensor<4x4xf32>) {
  %q = qcc.quantize %x : tensor<4x4xf32> -> tensor<4x4x!q>
  %v = qcc.reshape %q : tensor<4x4x!q> -> tensor<16x!q>
  %d = qcc.dequantize %q : tensor<4x4x!q> -> tensor<4x4xf32>
  return %v, %d : tensor<16x!q>, tensor<4x4xf32>
}

// -----

// Views of a graph argument or a constant stay outside the arena (-2);
// constants get no qcc.buffers. The add may not write into them.
// CHECK-LABEL: func.func @views_outside
// CHECK: qcc.constant dense<1.000000e+00> : tensor<4x4xf32> -> tensor<4x4xf32>
// CHECK: qcc.reshape %arg0 {qcc.buffers = array<i64: -2>}
// CHECK: qcc.reshape {{.*}}qcc.buffers = array<i64: -2>
// CHECK: qcc.relu {{.*}}qcc.buffers = array<i64: 0>
// CHECK: qcc.add {{.*}}qcc.buffers = array<i64: -1>
// expected-remark @+1 {{arena size 64 bytes in 1 buffers}}
func.func @views_outside(%x: tensor<4x4xf32>) -> tensor<16xf32> {
  %c = qcc.constant dense<1.0> : tensor<4x4xf32> -> tensor<4x4xf32>
  %v = qcc.reshape %x : tensor<4x4xf32> -> tensor<16xf32>
  %w = qcc.reshape %c : tensor<4x4xf32> -> tensor<16xf32>
  %r = qcc.relu %v : tensor<16xf32> -> tensor<16xf32>
  %a = qcc.add %r, %w : (tensor<16xf32>, tensor<16xf32>) -> tensor<16xf32>
  return %a : tensor<16xf32>
}

// -----

!q = !quant.uniform<u8:f32, 0.1:128>

// Several results: each its own buffer. %q (live [0, 1]) and %c (live
// [2, 3]) share offset 0; the split pieces overlap both and each other:
// 64 and 128 (aligned). Arena: 128 + 4 = 132, rounded up to 192.
// CHECK-LABEL: func.func @split
// CHECK-SAME: qcc.arena_size = 192 : i64
// CHECK: qcc.quantize {{.*}}qcc.buffers = array<i64: 0>
// CHECK: qcc.split {{.*}}qcc.buffers = array<i64: 64, 128>
// CHECK: qcc.cat {{.*}}qcc.buffers = array<i64: 0>
// expected-remark @+1 {{arena size 192 bytes in 4 buffers}}
func.func @split(%x: tensor<8xf32>) -> tensor<8xf32> {
  %q = qcc.quantize %x : tensor<8xf32> -> tensor<8x!q>
  %s:2 = qcc.split %q {split_sizes = array<i64: 4, 4>, dim = 0 : i64} : (tensor<8x!q>) -> (tensor<4x!q>, tensor<4x!q>)
  %c = qcc.cat %s#0, %s#1 {dim = 0 : i64} : (tensor<4x!q>, tensor<4x!q>) -> tensor<8x!q>
  %d = qcc.dequantize %c : tensor<8x!q> -> tensor<8xf32>
  return %d : tensor<8xf32>
}

// -----

// expected-error @+1 {{memory planning needs a single-block (straight-line) function body}}
func.func @two_blocks() {
  return
^bb1:
  return
}

// -----

func.func @dynamic_shape(%x: tensor<?xf32>) -> tensor<?xf32> {
  // expected-error @+1 {{memory planning needs statically shaped tensors of sized elements}}
  %r = qcc.relu %x : tensor<?xf32> -> tensor<?xf32>
  return %r : tensor<?xf32>
}
