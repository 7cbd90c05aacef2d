//===- Passes.td - qcc transformation passes ----------------*- tablegen -*-===//
#ifndef QCC_TRANSFORMS_PASSES
#define QCC_TRANSFORMS_PASSES

include "mlir/Pass/PassBase.td"

def QccFoldQuantDequant : Pass<"qcc-fold-qdq", "mlir::func::FuncOp"> {
  let summary = "Fold dequantize/quantize pairs into integer ops without changing numerics";
  let description = [{
    - quantize(dequantize(x)) with equal parameters becomes x; with different
      parameters a qcc.requantize.
    - quantize(op(dequantize(x)...)) becomes the quantized op where PyTorch's
      quantized kernel computes exactly that float expression, e.g. relu,
      max_pool, reshape, permute, cat, add, mul.
    - dequantize(quantize(x)) is never folded: it rounds and clamps (the
      upstream quant canonicalizer's dcast(qcast(x)) -> x is lossy).
  }];
  let dependentDialects = ["::qcc::QccDialect"];
}

def QccFuseActivations : Pass<"qcc-fuse", "mlir::func::FuncOp"> {
  let summary = "Fuse relu/clamp into conv, linear, add and batch norm; fold float batch norm into float conv";
  let description = [{
    A relu or clamp whose only input is a conv, linear, add, mul or
    batch_norm result becomes that op's `activation`. On quantized tensors
    this is exact because the relu keeps the producer's quantization and
    PyTorch's fused kernels clamp at the output zero point. A float
    batch_norm after a float conv is folded into the conv's weights and bias;
    quantized conv + batch_norm stays apart (folding would requantize the
    weights and change the numerics).
  }];
  let dependentDialects = ["::qcc::QccDialect"];
}

def QccPrepareConstants : Pass<"qcc-prepare-constants", "mlir::func::FuncOp"> {
  let summary = "Compute requantization constants and weight zero-point corrections at compile time";
  let description = [{
    Attaches to each quantized conv and linear a `qcc.requant` dictionary:
    act_times_w_scale and multiplier per output channel (FBGEMM's float
    formulas), the bias pre-divided as FBGEMM does it, and column offsets
    (sum of weights per output channel minus zp corrections).
  }];
  let dependentDialects = ["::qcc::QccDialect"];
}

def QccPlanMemory : Pass<"qcc-plan-memory", "mlir::func::FuncOp"> {
  let summary = "Assign every intermediate tensor an offset in one arena from liveness";
  let description = [{
    Each non-constant op result gets a `qcc.offset` byte offset (results of
    in-place ops share their operand's buffer) and the function gets
    `qcc.arena_size`. Buffers are aligned to `alignment` bytes.
  }];
  let options = [
    Option<"alignment", "alignment", "int64_t", "64", "buffer alignment in bytes">,
  ];
  let dependentDialects = ["::qcc::QccDialect"];
}

#endif // QCC_TRANSFORMS_PASSES
