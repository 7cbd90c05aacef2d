//===- QccOps.td - the qcc dialect --------------------------*- tablegen -*-===//
//
// Operations of the qcc dialect. Quantized tensors are builtin ranked tensors
// whose element type is an upstream `!quant.uniform` type (per tensor or per
// axis); float regions use f32 tensors. Shapes follow PyTorch (NCHW): layout
// is a backend decision. Every op's verifier checks shapes and quantization
// consistency, so the importer can rely on verification for diagnostics.
//
//===----------------------------------------------------------------------===//

#ifndef QCC_OPS
#define QCC_OPS

include "mlir/IR/OpBase.td"
include "mlir/IR/CommonTypeConstraints.td"
include "mlir/IR/CommonAttrConstraints.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/BuiltinAttributeInterfaces.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

def Qcc_Dialect : Dialect {
  let name = "qcc";
  let cppNamespace = "::qcc";
  let summary = "Quantized neural network operations with PyTorch semantics";
  let description = [{
    One operation per PyTorch quantized module kind. Quantization parameters
    live in the tensor types (`!quant.uniform`); attributes hold the rest.
  }];
  let dependentDialects = ["::mlir::quant::QuantDialect", "::mlir::func::FuncDialect"];
  // `qcc.numerics` on the module: the formulas the model's reference computes.
  let hasOperationAttrVerify = 1;
}

//===----------------------------------------------------------------------===//
// Type constraints
//===----------------------------------------------------------------------===//

def Qcc_QuantizedElement : Type<
  CPred<"::llvm::isa<::mlir::quant::UniformQuantizedType, "
        "::mlir::quant::UniformQuantizedPerAxisType>($_self)">,
  "uniform quantized type">;
def Qcc_QuantizedTensor : RankedTensorOf<[Qcc_QuantizedElement]>;
def Qcc_FloatTensor : RankedTensorOf<[F32]>;
def Qcc_IndexTensor : RankedTensorOf<[I64, I32]>;
// Either an f32 tensor or a quantized one; verifiers check the combination.
def Qcc_Tensor : RankedTensorOf<[F32, Qcc_QuantizedElement]>;
def Qcc_AnyTensor : RankedTensorOf<[AnyType]>;

def Qcc_ActivationAttr : DefaultValuedStrAttr<StrAttr, "none">;

//===----------------------------------------------------------------------===//
// Base classes
//===----------------------------------------------------------------------===//

class Qcc_Op<string mnemonic, list<Trait> traits = []>
    : Op<Qcc_Dialect, mnemonic, !listconcat(traits, [Pure])>;

// x -> y with the same shape: activations, dropout.
class Qcc_UnaryOp<string mnemonic, string summaryText, list<Trait> traits = []>
    : Qcc_Op<mnemonic, traits> {
  let summary = summaryText;
  let arguments = (ins Qcc_Tensor:$input);
  let results = (outs Qcc_Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Quantization boundary
//===----------------------------------------------------------------------===//

def Qcc_ConstantOp : Qcc_Op<"constant", [ConstantLike]> {
  let summary = "constant tensor (weights, biases, tables)";
  let description = [{
    `value` holds the storage values (i8, ui8, i32, f32, i64); the result type
    may be a quantized tensor whose storage type matches, which is how
    quantized weights are represented.

    ```mlir
    %w = qcc.constant dense<1> : tensor<4x2xi8> -> tensor<4x2x!quant.uniform<i8:f32, 0.5>>
    ```
  }];
  let arguments = (ins ElementsAttr:$value);
  let results = (outs Qcc_AnyTensor:$output);
  let assemblyFormat = "$value attr-dict `->` type($output)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Qcc_QuantizeOp : Qcc_Op<"quantize"> {
  let summary = "float to quantized, PyTorch rounding (multiply by 1/scale, round half even, add zp, clamp)";
  let arguments = (ins Qcc_FloatTensor:$input);
  let results = (outs Qcc_QuantizedTensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasVerifier = 1;
}

def Qcc_DequantizeOp : Qcc_Op<"dequantize"> {
  let summary = "quantized to float: scale * (q - zp)";
  let arguments = (ins Qcc_QuantizedTensor:$input);
  let results = (outs Qcc_FloatTensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasVerifier = 1;
}

def Qcc_RequantizeOp : Qcc_Op<"requantize"> {
  let summary = "change quantization parameters (dequantize then quantize, as PyTorch does)";
  let arguments = (ins Qcc_QuantizedTensor:$input);
  let results = (outs Qcc_QuantizedTensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// Convolution, linear
//===----------------------------------------------------------------------===//

// `activation` on conv, linear, batch_norm, add and mul is "none", "relu" or
// "clamp" (bounds clamp_min/clamp_max in the real domain, as hardtanh and
// relu6 give them); it is applied before the output is quantized.

def Qcc_ConvOp : Qcc_Op<"conv"> {
  let summary = "N-d convolution (1-D, 2-D, 3-D), zero padding, optional fused activation";
  let description = [{
    Input N x C x spatial..., weight O x C/groups x kernel..., bias O.
    Quantized: quint8 input and output, qint8 weight per tensor or per
    output channel (axis 0). Padding is filled with the input zero point.
    The bias is float32 (PyTorch), or qint32 (ONNX: an integer added to the
    exact sum, under the `onnxruntime` numerics profile).
    Under the `pt2e` numerics profile the result may be float32 with a
    quint8 input and a qint8 weight: the dequantized exact sum plus the
    float32 bias, then the fused relu if any (activation none or relu).
  }];
  let arguments = (ins Qcc_Tensor:$input, Qcc_Tensor:$weight, Optional<Qcc_Tensor>:$bias,
                   DenseI64ArrayAttr:$stride, DenseI64ArrayAttr:$padding,
                   DenseI64ArrayAttr:$dilation, DefaultValuedAttr<I64Attr, "1">:$groups,
                   Qcc_ActivationAttr:$activation,
                   OptionalAttr<F64Attr>:$clamp_min, OptionalAttr<F64Attr>:$clamp_max);
  let results = (outs Qcc_Tensor:$output);
  let assemblyFormat = [{
    $input `,` $weight (`,` $bias^)? attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Qcc_ConvTransposeOp : Qcc_Op<"conv_transpose"> {
  let summary = "N-d transposed convolution";
  let description = [{
    Weight C x O/groups x kernel... as PyTorch stores it.
  }];
  let arguments = (ins Qcc_Tensor:$input, Qcc_Tensor:$weight, Optional<Qcc_FloatTensor>:$bias,
                   DenseI64ArrayAttr:$stride, DenseI64ArrayAttr:$padding,
                   DenseI64ArrayAttr:$output_padding, DenseI64ArrayAttr:$dilation,
                   DefaultValuedAttr<I64Attr, "1">:$groups);
  let results = (outs Qcc_Tensor:$output);
  let assemblyFormat = [{
    $input `,` $weight (`,` $bias^)? attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Qcc_LinearOp : Qcc_Op<"linear"> {
  let summary = "y = x W^T + b over the last dimension, optional fused activation";
  let description = [{
    The bias is float32, or qint32 as for `conv`. A float32 result of a
    quantized input and weight is allowed under the `pt2e` profile, as for
    `conv`.
  }];
  let arguments = (ins Qcc_Tensor:$input, Qcc_Tensor:$weight, Optional<Qcc_Tensor>:$bias,
                   Qcc_ActivationAttr:$activation,
                   OptionalAttr<F64Attr>:$clamp_min, OptionalAttr<F64Attr>:$clamp_max);
  let results = (outs Qcc_Tensor:$output);
  let assemblyFormat = [{
    $input `,` $weight (`,` $bias^)? attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Qcc_DynamicLinearOp : Qcc_Op<"dynamic_linear"> {
  let summary = "dynamically quantized linear: f32 input quantized per call from its min/max";
  let arguments = (ins Qcc_FloatTensor:$input, Qcc_QuantizedTensor:$weight,
                   Optional<Qcc_FloatTensor>:$bias,
                   DefaultValuedAttr<BoolAttr, "true">:$reduce_range);
  let results = (outs Qcc_FloatTensor:$output);
  let assemblyFormat = [{
    $input `,` $weight (`,` $bias^)? attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Normalization
//===----------------------------------------------------------------------===//

def Qcc_BatchNormOp : Qcc_Op<"batch_norm"> {
  let summary = "inference batch norm over dim 1 (BatchNorm2d/3d, BNReLU)";
  let arguments = (ins Qcc_Tensor:$input, Qcc_FloatTensor:$weight, Qcc_FloatTensor:$bias,
                   Qcc_FloatTensor:$running_mean, Qcc_FloatTensor:$running_var,
                   F64Attr:$eps, Qcc_ActivationAttr:$activation);
  let results = (outs Qcc_Tensor:$output);
  let assemblyFormat = [{
    $input `,` $weight `,` $bias `,` $running_mean `,` $running_var attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Qcc_LayerNormOp : Qcc_Op<"layer_norm"> {
  let summary = "layer norm over the trailing normalized_shape dimensions";
  let arguments = (ins Qcc_Tensor:$input, Qcc_FloatTensor:$weight, Qcc_FloatTensor:$bias,
                   DenseI64ArrayAttr:$normalized_shape, F64Attr:$eps);
  let results = (outs Qcc_Tensor:$output);
  let assemblyFormat = [{
    $input `,` $weight `,` $bias attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Qcc_GroupNormOp : Qcc_Op<"group_norm"> {
  let summary = "group norm: num_groups groups of channels, per-channel affine";
  let arguments = (ins Qcc_Tensor:$input, Qcc_FloatTensor:$weight, Qcc_FloatTensor:$bias,
                   I64Attr:$num_groups, F64Attr:$eps);
  let results = (outs Qcc_Tensor:$output);
  let assemblyFormat = [{
    $input `,` $weight `,` $bias attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Qcc_InstanceNormOp : Qcc_Op<"instance_norm"> {
  let summary = "instance norm (group norm with one group per channel)";
  let arguments = (ins Qcc_Tensor:$input, Qcc_FloatTensor:$weight, Qcc_FloatTensor:$bias,
                   F64Attr:$eps);
  let results = (outs Qcc_Tensor:$output);
  let assemblyFormat = [{
    $input `,` $weight `,` $bias attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Elementwise activations
//===----------------------------------------------------------------------===//

def Qcc_ReluOp : Qcc_UnaryOp<"relu", "max(x, 0); on quantized tensors max(q, zp), same qparams">;
def Qcc_ClampOp : Qcc_UnaryOp<"clamp", "clamp to [min, max] in the real domain (relu6, hardtanh, clamp)"> {
  let arguments = (ins Qcc_Tensor:$input, OptionalAttr<F64Attr>:$min, OptionalAttr<F64Attr>:$max);
}
def Qcc_EluOp : Qcc_UnaryOp<"elu", "exponential linear unit"> {
  let arguments = (ins Qcc_Tensor:$input, DefaultValuedAttr<F64Attr, "1.0">:$alpha);
}
def Qcc_LeakyReluOp : Qcc_UnaryOp<"leaky_relu", "leaky relu"> {
  let arguments = (ins Qcc_Tensor:$input, F64Attr:$negative_slope);
}
def Qcc_HardswishOp : Qcc_UnaryOp<"hardswish", "x * relu6(x + 3) / 6">;
def Qcc_HardsigmoidOp : Qcc_UnaryOp<"hardsigmoid", "relu6(x + 3) / 6">;

def Qcc_LookupOp : Qcc_Op<"lookup"> {
  let summary = "quantized elementwise function given as a 256-entry table";
  let description = [{
    output[i] = table[input[i]] for per-tensor quint8 input and output and a
    constant ui8 table of 256 entries. Frontends that import a reference's
    dequantize -> float function(s) -> quantize chain compute the table with
    the reference's own float formulas (docs/numerics.md, "onnxruntime").
  }];
  let arguments = (ins Qcc_QuantizedTensor:$input, Qcc_AnyTensor:$table);
  let results = (outs Qcc_QuantizedTensor:$output);
  let assemblyFormat = "$input `,` $table attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}
def Qcc_SigmoidOp : Qcc_UnaryOp<"sigmoid", "logistic sigmoid">;
def Qcc_TanhOp : Qcc_UnaryOp<"tanh", "hyperbolic tangent">;
def Qcc_GeluOp : Qcc_UnaryOp<"gelu", "gaussian error linear unit (erf form)">;
def Qcc_SoftmaxOp : Qcc_UnaryOp<"softmax", "softmax along one dimension"> {
  let arguments = (ins Qcc_Tensor:$input, I64Attr:$dim);
}
def Qcc_DropoutOp : Qcc_UnaryOp<"dropout", "dropout: the identity at inference (folds away)"> {
  let arguments = (ins Qcc_Tensor:$input, DefaultValuedAttr<F64Attr, "0.5">:$p);
  let hasFolder = 1;
}

def Qcc_PReluOp : Qcc_Op<"prelu"> {
  let summary = "parametric relu with a per-channel (or single) slope";
  let arguments = (ins Qcc_Tensor:$input, Qcc_Tensor:$weight);
  let results = (outs Qcc_Tensor:$output);
  let assemblyFormat = "$input `,` $weight attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Binary arithmetic
//===----------------------------------------------------------------------===//

class Qcc_BinaryOp<string mnemonic, string summaryText> : Qcc_Op<mnemonic> {
  let summary = summaryText;
  let arguments = (ins Qcc_Tensor:$lhs, Qcc_Tensor:$rhs, Qcc_ActivationAttr:$activation);
  let results = (outs Qcc_Tensor:$output);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Qcc_AddOp : Qcc_BinaryOp<"add", "elementwise add with broadcasting, optional fused relu">;
def Qcc_MulOp : Qcc_BinaryOp<"mul", "elementwise multiply with broadcasting, optional fused relu">;

class Qcc_ScalarOp<string mnemonic, string summaryText> : Qcc_Op<mnemonic> {
  let summary = summaryText;
  let arguments = (ins Qcc_Tensor:$input, F64Attr:$value);
  let results = (outs Qcc_Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasVerifier = 1;
}
def Qcc_AddScalarOp : Qcc_ScalarOp<"add_scalar", "add a scalar (quantized: changes qparams, PyTorch add_scalar)">;
def Qcc_MulScalarOp : Qcc_ScalarOp<"mul_scalar", "multiply by a scalar (quantized: changes qparams, PyTorch mul_scalar)">;

def Qcc_MatmulOp : Qcc_Op<"matmul"> {
  let summary = "batched matrix product over the last two dimensions";
  let arguments = (ins Qcc_Tensor:$lhs, Qcc_Tensor:$rhs);
  let results = (outs Qcc_Tensor:$output);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Data movement
//===----------------------------------------------------------------------===//

def Qcc_CatOp : Qcc_Op<"cat"> {
  let summary = "concatenate along dim; quantized inputs are requantized to the output qparams";
  let arguments = (ins Variadic<Qcc_Tensor>:$inputs, I64Attr:$dim);
  let results = (outs Qcc_Tensor:$output);
  let assemblyFormat = "$inputs attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Qcc_SplitOp : Qcc_Op<"split"> {
  let summary = "split along dim into pieces of split_sizes (chunk, split)";
  let arguments = (ins Qcc_Tensor:$input, DenseI64ArrayAttr:$split_sizes, I64Attr:$dim);
  let results = (outs Variadic<Qcc_Tensor>:$outputs);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Qcc_ReshapeOp : Qcc_Op<"reshape"> {
  let summary = "reshape (flatten, view, squeeze, unsqueeze); shape from the result type";
  let arguments = (ins Qcc_Tensor:$input);
  let results = (outs Qcc_Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Qcc_PermuteOp : Qcc_Op<"permute"> {
  let summary = "permute dimensions (permute, transpose)";
  let arguments = (ins Qcc_Tensor:$input, DenseI64ArrayAttr:$dims);
  let results = (outs Qcc_Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasVerifier = 1;
}

def Qcc_PadOp : Qcc_Op<"pad"> {
  let summary = "pad trailing dimensions; pads in PyTorch order (last dimension first)";
  let arguments = (ins Qcc_Tensor:$input, DenseI64ArrayAttr:$pads,
                   DefaultValuedStrAttr<StrAttr, "constant">:$mode,
                   DefaultValuedAttr<F64Attr, "0.0">:$value);
  let results = (outs Qcc_Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasVerifier = 1;
}

def Qcc_InterpolateOp : Qcc_Op<"interpolate"> {
  let summary = "resize the spatial dimensions (nearest, bilinear); size from the result type";
  let arguments = (ins Qcc_Tensor:$input, DefaultValuedStrAttr<StrAttr, "nearest">:$mode,
                   DefaultValuedAttr<BoolAttr, "false">:$align_corners);
  let results = (outs Qcc_Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Pooling
//===----------------------------------------------------------------------===//

def Qcc_MaxPoolOp : Qcc_Op<"max_pool"> {
  let summary = "N-d max pooling (output qparams equal the input's)";
  let arguments = (ins Qcc_Tensor:$input, DenseI64ArrayAttr:$kernel_size,
                   DenseI64ArrayAttr:$stride, DenseI64ArrayAttr:$padding,
                   DenseI64ArrayAttr:$dilation, DefaultValuedAttr<BoolAttr, "false">:$ceil_mode);
  let results = (outs Qcc_Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasVerifier = 1;
}

def Qcc_AvgPoolOp : Qcc_Op<"avg_pool"> {
  let summary = "N-d average pooling";
  let arguments = (ins Qcc_Tensor:$input, DenseI64ArrayAttr:$kernel_size,
                   DenseI64ArrayAttr:$stride, DenseI64ArrayAttr:$padding,
                   DefaultValuedAttr<BoolAttr, "false">:$ceil_mode,
                   DefaultValuedAttr<BoolAttr, "true">:$count_include_pad,
                   OptionalAttr<I64Attr>:$divisor_override);
  let results = (outs Qcc_Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasVerifier = 1;
}

def Qcc_AdaptiveAvgPoolOp : Qcc_Op<"adaptive_avg_pool"> {
  let summary = "N-d adaptive average pooling; output size from the result type";
  let arguments = (ins Qcc_Tensor:$input);
  let results = (outs Qcc_Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasVerifier = 1;
}

def Qcc_MeanOp : Qcc_Op<"mean"> {
  let summary = "mean over dimensions; on quantized tensors nearbyint(sum(q) / n), same qparams";
  let description = [{
    PyTorch's quantized mean keeps the input's quantization and rounds the
    integer mean half to even, which average pooling (a float reciprocal
    multiply) does not always reproduce: hence its own op.
  }];
  let arguments = (ins Qcc_Tensor:$input, DenseI64ArrayAttr:$dims,
                   DefaultValuedAttr<BoolAttr, "false">:$keepdim);
  let results = (outs Qcc_Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Embeddings
//===----------------------------------------------------------------------===//

def Qcc_EmbeddingOp : Qcc_Op<"embedding"> {
  let summary = "row lookup in a rowwise-quantized table (8- or 4-bit), float output";
  let arguments = (ins Qcc_AnyTensor:$weight, Qcc_FloatTensor:$scales,
                   Qcc_FloatTensor:$zero_points, Qcc_IndexTensor:$indices,
                   I64Attr:$bits, OptionalAttr<I64Attr>:$padding_idx);
  let results = (outs Qcc_FloatTensor:$output);
  let assemblyFormat = [{
    $weight `,` $scales `,` $zero_points `,` $indices attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Qcc_EmbeddingBagOp : Qcc_Op<"embedding_bag"> {
  let summary = "bags of rows from a rowwise-quantized table, summed (optionally weighted)";
  let arguments = (ins Qcc_AnyTensor:$weight, Qcc_FloatTensor:$scales,
                   Qcc_FloatTensor:$zero_points, Qcc_IndexTensor:$indices,
                   Qcc_IndexTensor:$offsets, Optional<Qcc_FloatTensor>:$per_sample_weights,
                   I64Attr:$bits, DefaultValuedStrAttr<StrAttr, "sum">:$mode,
                   DefaultValuedAttr<BoolAttr, "false">:$include_last_offset,
                   OptionalAttr<I64Attr>:$padding_idx);
  let results = (outs Qcc_FloatTensor:$output);
  let assemblyFormat = [{
    $weight `,` $scales `,` $zero_points `,` $indices `,` $offsets (`,` $per_sample_weights^)?
    attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Recurrent and attention blocks
//===----------------------------------------------------------------------===//

def Qcc_LstmOp : Qcc_Op<"lstm"> {
  let summary = "statically quantized LSTM (PyTorch quantizable LSTM semantics)";
  let description = [{
    Operands: input, then for each layer and direction w_ih, b_ih, w_hh, b_hh,
    then h0 and c0 when has_initial_state. `cells` holds one dictionary of
    internal quantization parameters per layer and direction
    (docs/model-format.md). Results: output, h_n, c_n.
  }];
  let arguments = (ins Variadic<Qcc_AnyTensor>:$operands, I64Attr:$hidden_size,
                   I64Attr:$num_layers, DefaultValuedAttr<BoolAttr, "false">:$bidirectional,
                   DefaultValuedAttr<BoolAttr, "false">:$batch_first,
                   DefaultValuedAttr<BoolAttr, "false">:$has_initial_state,
                   ArrayAttr:$cells);
  let results = (outs Variadic<Qcc_AnyTensor>:$results);
  let assemblyFormat = "$operands attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Qcc_DynamicLstmOp : Qcc_Op<"dynamic_lstm"> {
  let summary = "dynamically quantized LSTM: float state, int8 weights, activations quantized per step";
  let arguments = (ins Variadic<Qcc_AnyTensor>:$operands, I64Attr:$hidden_size,
                   I64Attr:$num_layers, DefaultValuedAttr<BoolAttr, "false">:$bidirectional,
                   DefaultValuedAttr<BoolAttr, "false">:$batch_first,
                   DefaultValuedAttr<BoolAttr, "false">:$has_initial_state,
                   DefaultValuedAttr<BoolAttr, "true">:$reduce_range);
  let results = (outs Variadic<Qcc_AnyTensor>:$results);
  let assemblyFormat = "$operands attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Qcc_MultiheadAttentionOp : Qcc_Op<"multihead_attention"> {
  let summary = "quantized multi-head attention (PyTorch quantizable MultiheadAttention)";
  let description = [{
    Operands: query, key, value, then the projection weights and biases
    (docs/model-format.md), then the optional masks named by
    has_key_padding_mask / has_attn_mask. `qparams` holds the internal
    quantization parameters. Results: output, and attention weights when
    need_weights.
  }];
  let arguments = (ins Variadic<Qcc_AnyTensor>:$operands, I64Attr:$num_heads,
                   DefaultValuedAttr<BoolAttr, "false">:$batch_first,
                   DefaultValuedAttr<BoolAttr, "true">:$need_weights,
                   DefaultValuedAttr<BoolAttr, "false">:$has_key_padding_mask,
                   DefaultValuedAttr<BoolAttr, "false">:$has_attn_mask,
                   DictionaryAttr:$qparams);
  let results = (outs Variadic<Qcc_AnyTensor>:$results);
  let assemblyFormat = "$operands attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Backend preparation
//===----------------------------------------------------------------------===//

def Qcc_RelayoutOp : Qcc_Op<"relayout"> {
  let summary = "change a tensor's physical layout (the identity on values)";
  let description = [{
    Inserted by a backend's layout preparation where a producer stores a
    tensor in one physical layout and a consumer needs another: `layout` is
    the layout of the result, "contiguous" (PyTorch's default row-major order
    of the logical shape) or "channels_last" (dimension 1 innermost, as NHWC /
    NDHWC). Values and types are unchanged; only the bytes move.

    ```mlir
    %y = qcc.relayout %x {layout = "channels_last"} : tensor<1x8x4x4xf32> -> tensor<1x8x4x4xf32>
    ```
  }];
  let arguments = (ins Qcc_Tensor:$input, StrAttr:$layout);
  let results = (outs Qcc_Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasVerifier = 1;
}

def Qcc_ConvAddOp : Qcc_Op<"conv_add"> {
  let summary = "a 2-D conv whose result feeds a residual add, as one op (CPU backend)";
  let description = [{
    Inserted by the CPU backend's qcc-fuse-residual-add in place of a
    `qcc.conv` (attributes as there, its result type in `conv_type`) whose
    only user is a `qcc.add` of the same shape (`add_activation`: that add's
    "none" or "relu"). Numerically the two ops: the conv result is quantized
    to `conv_type`, then added to `residual` with quantized::add's formula
    and quantized to the result type; the fused kernel never stores the conv
    result. All tensors are per-tensor quint8 of the result's shape except
    the weight (qint8) and the float bias.

    ```mlir
    %y = qcc.conv_add %x, %identity, %w, %b {stride = array<i64: 1, 1>, padding = array<i64: 0, 0>,
           dilation = array<i64: 1, 1>, conv_type = tensor<1x64x8x8x!quant.uniform<u8:f32, 0.1:3>>,
           add_activation = "relu"} : (...) -> tensor<1x64x8x8x!quant.uniform<u8:f32, 0.2:0>>
    ```
  }];
  let arguments = (ins Qcc_QuantizedTensor:$input, Qcc_QuantizedTensor:$residual,
                   Qcc_QuantizedTensor:$weight, Optional<Qcc_FloatTensor>:$bias,
                   DenseI64ArrayAttr:$stride, DenseI64ArrayAttr:$padding,
                   DenseI64ArrayAttr:$dilation, DefaultValuedAttr<I64Attr, "1">:$groups,
                   Qcc_ActivationAttr:$activation,
                   OptionalAttr<F64Attr>:$clamp_min, OptionalAttr<F64Attr>:$clamp_max,
                   TypeAttrOf<AnyRankedTensor>:$conv_type, Qcc_ActivationAttr:$add_activation);
  let results = (outs Qcc_QuantizedTensor:$output);
  let assemblyFormat = [{
    $input `,` $residual `,` $weight (`,` $bias^)? attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

#endif // QCC_OPS
