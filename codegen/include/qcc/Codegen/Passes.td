//===- Passes.td - passes that prepare IR for a backend -----*- tablegen -*-===//
#ifndef QCC_CODEGEN_PASSES
#define QCC_CODEGEN_PASSES

include "mlir/Pass/PassBase.td"

def QccLayout : Pass<"qcc-layout", "mlir::func::FuncOp"> {
  let summary = "Choose physical layouts for the CPU backend and insert qcc.relayout where needed";
  let description = [{
    Spatial ops (conv, pooling) read and write channels-last tensors;
    elementwise ops, cat and split run in the memory format PyTorch would
    give their operands (their numerics can depend on element positions);
    graph arguments, constants, graph results and every other op are
    contiguous (qcc/Codegen/Layout.h). Average pools whose input PyTorch
    holds contiguous get `qcc.torch_layout = "contiguous"`: the emitter then
    reproduces PyTorch's NCHW rounding.
    Where an operand's layout differs from what its user needs, a
    qcc.relayout is inserted (one per value and layout). Ops whose results
    are channels-last get `qcc.layout = "channels_last"`. Runs before
    qcc-plan-memory so that relayout results get buffers.
  }];
  let dependentDialects = ["::qcc::QccDialect"];
}

def QccFuseResidualAdd : Pass<"qcc-fuse-residual-add", "mlir::func::FuncOp"> {
  let summary = "Fuse a 2-D conv into the residual add that is its only user (CPU backend)";
  let description = [{
    `qcc.add(conv, x)` or `qcc.add(x, conv)` becomes one `qcc.conv_add`
    whose kernel adds `x` in the conv's write-back, so the conv result is
    never stored and read back. Numerics are the two ops': the conv result
    is still rounded to its own type first. Fires only where the result is
    the same: a same-shape add (none or relu) of per-tensor quint8 values
    that PyTorch runs channels-last (its position-dependent formula then
    follows the NHWC order the conv writes), a conv with one user, a
    quantized result and a GEMM kernel (not depthwise), and not under the
    onnxruntime numerics profile (QLinearAdd's formula differs). Runs before
    qcc-layout, which keeps the residual channels-last.
  }];
  let dependentDialects = ["::qcc::QccDialect"];
}

def QccQuantizeChannelsLast : Pass<"qcc-quantize-channels-last", "mlir::func::FuncOp"> {
  let summary = "Let a quantize write channels-last when a relayout to channels-last is its only user (CPU backend)";
  let description = [{
    `qcc.relayout(qcc.quantize(x)) {layout = "channels_last"}` becomes one
    `qcc.quantize` with `qcc.layout = "channels_last"`: its kernel reads the
    contiguous float input and writes NHWC bytes (a network's input image,
    quantized then relayouted for the first conv, in one pass). Numerics are
    unchanged: PyTorch's quantize applies the same formula at every position.
    Fires only for per-tensor quint8 results of float tensors of rank 3 or
    more (channels in dimension 1), a quantize with no other user, and not
    under the onnxruntime numerics profile (its quantize kernel has no
    channels-last variant). Runs after qcc-layout, before qcc-plan-memory.
  }];
  let dependentDialects = ["::qcc::QccDialect"];
}

#endif // QCC_CODEGEN_PASSES
