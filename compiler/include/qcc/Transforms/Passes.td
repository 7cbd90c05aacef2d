//===- Passes.td - qcc transformation passes ----------------*- tablegen -*-===//
#ifndef QCC_TRANSFORMS_PASSES
#define QCC_TRANSFORMS_PASSES

include "mlir/Pass/PassBase.td"

def QccFoldQuantDequant : Pass<"qcc-fold-qdq", "mlir::func::FuncOp"> {
  let summary = "Fold dequantize/quantize pairs into integer ops without changing numerics";
  let description = [{
    - quantize(dequantize(x)) with equal parameters becomes x (8- and 16-bit
      storage round-trip exactly through f32); with different parameters a
      qcc.requantize (defined as dequantize then quantize).
    - quantize(F(dequantize(a), ...)) becomes the quantized F with the
      quantize's result type where the quantized kernel is by definition the
      float op followed by quantize (add, mul, cat, matmul, hardswish, elu,
      leaky_relu, sigmoid, tanh, hardsigmoid, softmax, gelu, avg_pool,
      adaptive_avg_pool, interpolate, layer/group/instance/batch norm), or
      where the integer op is exact on the input's parameters (relu, clamp,
      max_pool, reshape, permute, pad with zero or non-constant modes,
      dropout, split): those fold only when the quantize keeps the input's
      parameters. Activation operands must be per-tensor dequantizes.
    - Float F with other users stays; split folds every result whose quantize
      keeps the input's parameters at once.
    - Never folded: float conv/linear (float weights) and
      dequantize(quantize(x)), which rounds and clamps (the upstream quant
      canonicalizer's dcast(qcast(x)) -> x is lossy).
  }];
  let dependentDialects = ["::qcc::QccDialect"];
}

def QccFuseActivations : Pass<"qcc-fuse", "mlir::func::FuncOp"> {
  let summary = "Fuse relu/clamp into conv, linear, add, mul and batch norm; fold float batch norm into float conv";
  let description = [{
    A relu (or clamp, for conv and linear, which have clamp bounds) whose
    input is the only use of a conv, linear, add, mul or batch_norm with
    activation "none" becomes that op's `activation`. On quantized tensors
    this is exact because the relu/clamp keeps the producer's quantization
    and quantize is monotone with quantize(0) = zp: clamping the integers
    after quantization equals clamping the real value before it. A float
    batch_norm after a float conv with constant weight (and bias) is folded
    into the conv's weights and bias (computed in double, stored as f32);
    quantized conv + batch_norm stays apart (folding would requantize the
    weights and change the numerics).
  }];
  let dependentDialects = ["::qcc::QccDialect"];
}

def QccPrepareConstants : Pass<"qcc-prepare-constants", "mlir::func::FuncOp"> {
  let summary = "Compute requantization constants and weight sums at compile time";
  let description = [{
    Attaches to each quantized conv, conv_transpose and linear a `qcc.requant`
    dictionary with per-output-channel arrays act_times_w_scale, multiplier
    and bias (FBGEMM's float formulas, bias pre-divided as the AVX2/AVX-512
    GEMM path does), weight_sum and weight_zero_point, and the scalars
    input_zero_point, output_zero_point, output_min and output_max (the fused
    activation as integer bounds). The weight (and bias) must be constants:
    anything else is an error. docs/passes.md gives every formula.
  }];
  let dependentDialects = ["::qcc::QccDialect"];
}

def QccPlanMemory : Pass<"qcc-plan-memory", "mlir::func::FuncOp"> {
  let summary = "Assign every intermediate tensor an offset in one arena from liveness";
  let description = [{
    Each non-constant op gets `qcc.buffers`, one i64 per result: the byte
    offset in the arena, -1 when the value lives in the caller's output
    buffer (it, or a reshape view of it, is returned), or -2 when it is a
    reshape view of a graph argument or a constant. Reshapes share their
    input's buffer; elementwise ops reuse an operand buffer that dies at them.
    The function gets `qcc.arena_size` and `qcc.arena_alignment`. Buffers are
    placed best-fit, largest first, at multiples of `alignment`.
  }];
  let options = [
    Option<"alignment", "alignment", "int64_t", "64",
           "buffer alignment in bytes (a power of two)">,
    Option<"report", "report", "bool", "false",
           "emit a remark with the arena size of each function">,
  ];
  let dependentDialects = ["::qcc::QccDialect"];
}

#endif // QCC_TRANSFORMS_PASSES
