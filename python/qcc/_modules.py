"""Handlers for modules: torch.ao.nn.quantized (+ intrinsic, dynamic), the float
torch.nn modules that also run on quantized tensors, and the float versions of
the weighted modules on float tensors."""
import torch
import torch.ao.nn.intrinsic.quantized as nniq
import torch.ao.nn.intrinsic.quantized.dynamic as nniqd
import torch.ao.nn.quantized as nnq
import torch.ao.nn.quantized.dynamic as nnqd
import torch.nn as nn

from . import _functions as fn
from . import _shape as shape
from ._registry import function, module, plain, qop

# ---------------------------------------------------------------- boundary


@module(nnq.Quantize)
def quantize(ctx, m, x):
    return fn.quantize(ctx, x)


@module(nnq.DeQuantize)
def dequantize(ctx, m, x):
    return fn.dequantize(ctx, x)


@module(nn.Identity)
def identity(ctx, m, x, *args, **kwargs):
    return x


# ------------------------------------------------------------ convolutions

_CONV = (nnq.Conv1d, nnq.Conv2d, nnq.Conv3d, nniq.ConvReLU1d, nniq.ConvReLU2d, nniq.ConvReLU3d)
_CONV_T = (nnq.ConvTranspose1d, nnq.ConvTranspose2d, nnq.ConvTranspose3d)


def _padded(ctx, m, x, n):
    """Padding modes other than zeros: a pad node before the convolution."""
    if isinstance(m.padding, str):
        raise ctx.error(f"padding='{m.padding}' is not supported")
    padding = [int(p) for p in m.padding]
    if m.padding_mode == "zeros":
        return x, padding
    pads = []
    for p in reversed(padding):
        pads += [p, p]
    x = shape.pad_node(ctx, x, pads, m.padding_mode, 0.0, name=f"{ctx.name}.pad")
    return x, [0] * n


def conv_node(ctx, x, weight, bias, stride, padding, dilation, groups, act="none", name=None):
    inputs = [x, ctx.tensor(weight, "weight")]
    if bias is not None:
        inputs.append(ctx.tensor(bias.float(), "bias"))
    return ctx.emit1("conv", inputs, {"stride": list(stride), "padding": list(padding),
                                      "dilation": list(dilation), "groups": int(groups),
                                      "activation": act}, name=name)


@module(*_CONV, nn.Conv1d, nn.Conv2d, nn.Conv3d)
def conv(ctx, m, x):
    n = x.meta.rank - 2
    quantized = type(m).__module__.startswith("torch.ao.nn")
    weight, bias = (m.weight(), m.bias()) if quantized else (m.weight.detach(), m.bias)
    x, padding = _padded(ctx, m, x, n)
    act = "relu" if isinstance(m, (nniq.ConvReLU1d, nniq.ConvReLU2d, nniq.ConvReLU3d)) else "none"
    return conv_node(ctx, x, weight, None if bias is None else bias.detach(), m.stride, padding,
                     m.dilation, m.groups, act)


@module(*_CONV_T, nn.ConvTranspose1d, nn.ConvTranspose2d, nn.ConvTranspose3d)
def conv_transpose(ctx, m, x, output_size=None):
    if plain(output_size) is not None:
        raise ctx.error("conv_transpose with output_size is not supported")
    if m.padding_mode != "zeros":
        raise ctx.error(f"padding_mode '{m.padding_mode}' is not supported for conv_transpose")
    quantized = type(m).__module__.startswith("torch.ao.nn")
    weight, bias = (m.weight(), m.bias()) if quantized else (m.weight.detach(), m.bias)
    return conv_t_node(ctx, x, weight, bias, m.stride, m.padding, m.output_padding, m.dilation,
                       m.groups)


def conv_t_node(ctx, x, weight, bias, stride, padding, output_padding, dilation, groups):
    inputs = [x, ctx.tensor(weight, "weight")]
    if bias is not None:
        inputs.append(ctx.tensor(bias.detach().float(), "bias"))
    return ctx.emit1("conv_transpose", inputs, {
        "stride": list(stride), "padding": list(padding), "output_padding": list(output_padding),
        "dilation": list(dilation), "groups": int(groups)})


def _packed_conv(op_name, act):
    """torch.ops.quantized.convNd(x, packed, scale, zp) in FX graphs."""
    def handler(ctx, x, packed, *args, **kwargs):
        packed = plain(packed)
        weight, bias = packed.unpack()
        stride, padding = list(packed.stride()), list(packed.padding())
        dilation, groups = list(packed.dilation()), packed.groups()
        transposed = op_name.startswith("conv_transpose")
        output_padding = list(packed.output_padding()) if transposed else None
        if op_name.endswith("1d"):  # packed as 2-D with a leading unit dimension
            weight = weight.squeeze(2)
            stride, padding, dilation = stride[-1:], padding[-1:], dilation[-1:]
            output_padding = output_padding[-1:] if transposed else None
        if transposed:
            return conv_t_node(ctx, x, weight, bias, stride, padding, output_padding, dilation,
                               groups)
        return conv_node(ctx, x, weight, bias, stride, padding, dilation, groups, act)
    return handler


for _name in ("conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
              "conv_transpose3d"):
    function(qop(_name))(_packed_conv(_name, "none"))
    if not _name.startswith("conv_t"):
        function(qop(_name + "_relu"))(_packed_conv(_name, "relu"))


# ------------------------------------------------------------------ linear

def linear_node(ctx, x, weight, bias, act="none"):
    inputs = [x, ctx.tensor(weight, "weight")]
    if bias is not None:
        inputs.append(ctx.tensor(bias.detach().float(), "bias"))
    return ctx.emit1("linear", inputs, {"activation": act})


@module(nnq.Linear, nniq.LinearReLU, nn.Linear)
def linear(ctx, m, x):
    if isinstance(m, nnq.Linear):
        act = "relu" if isinstance(m, nniq.LinearReLU) else "none"
        return linear_node(ctx, x, m.weight(), m.bias(), act)
    return linear_node(ctx, x, m.weight.detach(), m.bias)


def _packed_linear(act):
    def handler(ctx, x, packed, *args, **kwargs):
        weight, bias = torch.ops.quantized.linear_unpack(plain(packed))
        return linear_node(ctx, x, weight, bias, act)
    return handler


function(qop("linear"))(_packed_linear("none"))
function(qop("linear_relu"))(_packed_linear("relu"))


@function(torch.nn.functional.linear)
def f_linear(ctx, x, weight, bias=None):
    inputs = [x, ctx.val(weight, "weight")]
    if plain(bias) is not None:
        inputs.append(ctx.val(bias, "bias"))
    return ctx.emit1("linear", inputs, {"activation": "none"})


@module(nnqd.Linear, nniqd.LinearReLU)
def dynamic_linear(ctx, m, x):
    if m._packed_params.dtype != torch.qint8:
        raise ctx.error(f"dynamic linear with {m._packed_params.dtype} weights is not supported")
    inputs = [x, ctx.tensor(m.weight(), "weight")]
    if m.bias() is not None:
        inputs.append(ctx.tensor(m.bias().detach().float(), "bias"))
    # nn.quantized.dynamic.Linear calls linear_dynamic with reduce_range=True for qint8
    if isinstance(m, nniqd.LinearReLU):
        y = ctx.emit1("dynamic_linear", inputs, {"reduce_range": True}, name=ctx.name)
        return ctx.emit1("relu", [y], name=f"{ctx.name}.relu")
    return ctx.emit1("dynamic_linear", inputs, {"reduce_range": True})


# ----------------------------------------------------------- normalization

def _affine(ctx, weight, bias, n):
    weight = torch.ones(n) if weight is None else plain(weight).detach().float()
    bias = torch.zeros(n) if bias is None else plain(bias).detach().float()
    return ctx.tensor(weight, "weight"), ctx.tensor(bias, "bias")


def batch_norm_node(ctx, x, weight, bias, mean, var, eps, act="none"):
    c = x.meta.shape[1]
    w, b = _affine(ctx, weight, bias, c)
    if mean is None or var is None:
        raise ctx.error("batch norm without running statistics is not supported")
    return ctx.emit1("batch_norm", [x, w, b, ctx.tensor(mean.detach().float(), "running_mean"),
                                    ctx.tensor(var.detach().float(), "running_var")],
                     {"eps": float(eps), "activation": act})


@module(nnq.BatchNorm2d, nnq.BatchNorm3d, nniq.BNReLU2d, nniq.BNReLU3d,
        nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d)
def batch_norm(ctx, m, x):
    if type(m).__module__.startswith("torch.nn.") and m.training:
        raise ctx.error("batch norm in training mode is not supported")
    act = "relu" if isinstance(m, (nniq.BNReLU2d, nniq.BNReLU3d)) else "none"
    return batch_norm_node(ctx, x, m.weight, m.bias, m.running_mean, m.running_var, m.eps, act)


def _q_batch_norm(act):
    def handler(ctx, qx, weight, bias, mean, var, eps, output_scale=None, output_zero_point=None):
        return batch_norm_node(ctx, qx, plain(weight), plain(bias), plain(mean), plain(var),
                               plain(eps), act)
    return handler


for _name in ("batch_norm", "batch_norm1d", "batch_norm2d", "batch_norm3d"):
    function(qop(_name))(_q_batch_norm("none"))
for _name in ("batch_norm1d_relu", "batch_norm2d_relu", "batch_norm3d_relu"):
    function(qop(_name))(_q_batch_norm("relu"))


def layer_norm_node(ctx, x, normalized_shape, weight, bias, eps):
    normalized_shape = [int(d) for d in plain(normalized_shape)]
    w = ctx.tensor(_full_shape(weight, normalized_shape, 1.0), "weight")
    b = ctx.tensor(_full_shape(bias, normalized_shape, 0.0), "bias")
    return ctx.emit1("layer_norm", [x, w, b], {"normalized_shape": normalized_shape,
                                               "eps": float(plain(eps))})


def _full_shape(t, shape, fill):
    t = plain(t)
    return torch.full(shape, fill) if t is None else t.detach().float().reshape(shape)


@module(nnq.LayerNorm, nn.LayerNorm)
def layer_norm(ctx, m, x):
    return layer_norm_node(ctx, x, m.normalized_shape, m.weight, m.bias, m.eps)


@function(qop("layer_norm"), torch.nn.functional.layer_norm)
def f_layer_norm(ctx, input, normalized_shape, weight=None, bias=None, eps=1e-5,
                 output_scale=None, output_zero_point=None):
    return layer_norm_node(ctx, input, normalized_shape, plain(weight), plain(bias), eps)


def group_norm_node(ctx, x, num_groups, weight, bias, eps):
    w, b = _affine(ctx, plain(weight), plain(bias), x.meta.shape[1])
    return ctx.emit1("group_norm", [x, w, b], {"num_groups": int(plain(num_groups)),
                                               "eps": float(plain(eps))})


@module(nnq.GroupNorm, nn.GroupNorm)
def group_norm(ctx, m, x):
    return group_norm_node(ctx, x, m.num_groups, m.weight, m.bias, m.eps)


@function(qop("group_norm"), torch.nn.functional.group_norm)
def f_group_norm(ctx, input, num_groups, weight=None, bias=None, eps=1e-5,
                 output_scale=None, output_zero_point=None):
    return group_norm_node(ctx, input, num_groups, weight, bias, eps)


def instance_norm_node(ctx, x, weight, bias, eps):
    w, b = _affine(ctx, plain(weight), plain(bias), x.meta.shape[1])
    return ctx.emit1("instance_norm", [x, w, b], {"eps": float(plain(eps))})


@module(nnq.InstanceNorm1d, nnq.InstanceNorm2d, nnq.InstanceNorm3d,
        nn.InstanceNorm1d, nn.InstanceNorm2d, nn.InstanceNorm3d)
def instance_norm(ctx, m, x):
    if not type(m).__module__.startswith("torch.ao.nn") and m.track_running_stats:
        raise ctx.error("instance norm with running statistics is not supported")
    return instance_norm_node(ctx, x, m.weight, m.bias, m.eps)


@function(qop("instance_norm"))
def q_instance_norm(ctx, input, weight, bias, eps, output_scale=None, output_zero_point=None):
    return instance_norm_node(ctx, input, weight, bias, eps)


# -------------------------------------------------------------- activations

@module(nn.ReLU)
def relu(ctx, m, x):
    return ctx.emit1("relu", [x])


@module(nnq.ReLU6, nn.ReLU6)
def relu6(ctx, m, x):
    return ctx.emit1("clamp", [x], {"min": 0.0, "max": 6.0})


@module(nn.Hardtanh)
def hardtanh(ctx, m, x):
    return ctx.emit1("clamp", [x], {"min": float(m.min_val), "max": float(m.max_val)})


@module(nnq.ELU, nn.ELU)
def elu(ctx, m, x):
    return ctx.emit1("elu", [x], {"alpha": float(m.alpha)})


@module(nnq.LeakyReLU, nn.LeakyReLU)
def leaky_relu(ctx, m, x):
    return ctx.emit1("leaky_relu", [x], {"negative_slope": float(m.negative_slope)})


def _unary_module(op):
    def handler(ctx, m, x):
        return ctx.emit1(op, [x])
    return handler


module(nnq.Hardswish, nn.Hardswish)(_unary_module("hardswish"))
module(nn.Hardsigmoid)(_unary_module("hardsigmoid"))
module(nnq.Sigmoid, nn.Sigmoid)(_unary_module("sigmoid"))
module(nn.Tanh)(_unary_module("tanh"))


@module(nn.GELU)
def gelu(ctx, m, x):
    return fn.gelu(ctx, x, m.approximate)


@module(nnq.Softmax, nn.Softmax)
def softmax(ctx, m, x):
    return fn.softmax(ctx, x, m.dim)


@module(nnq.PReLU)
def q_prelu(ctx, m, x):
    return ctx.emit1("prelu", [x, ctx.tensor(m.weight, "weight")])


@module(nn.PReLU)
def prelu(ctx, m, x):
    return ctx.emit1("prelu", [x, ctx.tensor(m.weight.detach(), "weight")])


@module(nnq.Dropout, nn.Dropout, nn.Dropout1d, nn.Dropout2d, nn.Dropout3d)
def dropout(ctx, m, x):
    if m.training and type(m).__module__.startswith("torch.nn."):
        raise ctx.error("dropout in training mode is not supported")
    return ctx.emit1("dropout", [x], {"p": float(m.p)})


# ------------------------------------------------------- shapes and pooling

@module(nn.Flatten, nn.Unflatten)
def flatten(ctx, m, x):
    return shape.reshape_to(ctx, x, ctx.meta.shape)


@module(nn.MaxPool1d, nn.MaxPool2d, nn.MaxPool3d)
def max_pool(ctx, m, x):
    return shape._max_pool(ctx, x, m.kernel_size, m.stride, m.padding, m.dilation, m.ceil_mode,
                           m.return_indices)


@module(nn.AvgPool1d, nn.AvgPool2d, nn.AvgPool3d)
def avg_pool(ctx, m, x):
    return shape._avg_pool(ctx, x, m.kernel_size, m.stride, m.padding, m.ceil_mode,
                           m.count_include_pad, getattr(m, "divisor_override", None))


@module(nn.AdaptiveAvgPool1d, nn.AdaptiveAvgPool2d, nn.AdaptiveAvgPool3d)
def adaptive_avg_pool(ctx, m, x):
    return ctx.emit1("adaptive_avg_pool", [x])


@module(nn.ZeroPad1d, nn.ZeroPad2d, nn.ZeroPad3d, nn.ConstantPad1d, nn.ConstantPad2d,
        nn.ConstantPad3d, nn.ReflectionPad1d, nn.ReflectionPad2d, nn.ReflectionPad3d,
        nn.ReplicationPad1d, nn.ReplicationPad2d, nn.ReplicationPad3d, nn.CircularPad1d,
        nn.CircularPad2d, nn.CircularPad3d)
def pad(ctx, m, x):
    name = type(m).__name__
    mode = ("reflect" if name.startswith("Reflection") else "replicate"
            if name.startswith("Replication") else "circular" if name.startswith("Circular")
            else "constant")
    return shape.pad_node(ctx, x, m.padding, mode, getattr(m, "value", 0.0), output=ctx.meta)


@module(nn.Upsample, nn.UpsamplingNearest2d, nn.UpsamplingBilinear2d)
def upsample(ctx, m, x):
    align = m.align_corners
    if isinstance(m, nn.UpsamplingBilinear2d):
        align = True
    return shape.interpolate(ctx, x, m.size, m.scale_factor, m.mode, align)
