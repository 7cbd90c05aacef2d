"""Handlers for functions and Tensor methods: quantize/dequantize, activations,
arithmetic and PyTorch's quantized functional ops (torch.ops.quantized.*)."""
import operator

import torch
import torch.nn.functional as F

from . import _shape  # noqa: F401 - registers the data-movement handlers
from ._graph import TMeta
from ._registry import Const, Val, dim_index, function, method, plain, qop

# ------------------------------------------------------------ quantization


@function(torch.quantize_per_tensor, torch.quantize_per_channel)
def quantize(ctx, x, *args, **kwargs):
    if isinstance(x, (list, tuple)):
        raise ctx.error("quantizing a list of tensors is not supported")
    if x.quantized:
        raise ctx.error("input is already quantized")
    return ctx.emit1("quantize", [x])


@function(torch.dequantize)
@method("dequantize")
def dequantize(ctx, x):
    if isinstance(x, (list, tuple)):
        metas = ctx.metas
        return type(x)(dequantize_val(ctx, v, m) for v, m in zip(x, metas))
    return dequantize_val(ctx, x, ctx.meta)


def dequantize_val(ctx, x, meta=None):
    if not x.quantized:
        return x  # dequantize of a float tensor is the identity
    return ctx.emit1("dequantize", [x], output=meta or TMeta(x.meta.shape, torch.float32))


# -------------------------------------------------------------- activations

@function(F.relu, torch.relu, torch.relu_, getattr(F, "relu_", None))
@method("relu", "relu_")
def relu(ctx, x, inplace=False):
    return ctx.emit1("relu", [x])


@function(F.relu6)
def relu6(ctx, x, inplace=False):
    return ctx.emit1("clamp", [x], {"min": 0.0, "max": 6.0})


@function(F.hardtanh, getattr(F, "hardtanh_", None))
def hardtanh(ctx, x, min_val=-1.0, max_val=1.0, inplace=False):
    return ctx.emit1("clamp", [x], {"min": float(plain(min_val)), "max": float(plain(max_val))})


@function(torch.clamp, torch.clip, torch.clamp_, qop("clamp"))
@method("clamp", "clamp_", "clip", "clip_")
def clamp(ctx, x, min=None, max=None):
    attrs = {}
    for key, bound in (("min", min), ("max", max)):
        bound = plain(bound)
        if isinstance(bound, Val) or isinstance(bound, torch.Tensor):
            raise ctx.error("tensor clamp bounds are not supported")
        if bound is not None:
            attrs[key] = float(bound)
    return ctx.emit1("clamp", [x], attrs)


@function(F.elu, getattr(F, "elu_", None))
def elu(ctx, x, alpha=1.0, inplace=False):
    return ctx.emit1("elu", [x], {"alpha": float(plain(alpha))})


@function(qop("elu"))
def q_elu(ctx, x, output_scale, output_zero_point, alpha=1.0, scale=1.0, input_scale=1.0):
    if float(plain(scale)) != 1.0 or float(plain(input_scale)) != 1.0:
        raise ctx.error("elu with scale/input_scale other than 1 is not supported")
    return ctx.emit1("elu", [x], {"alpha": float(plain(alpha))})


@function(F.leaky_relu, getattr(F, "leaky_relu_", None))
def leaky_relu(ctx, x, negative_slope=0.01, inplace=False):
    return ctx.emit1("leaky_relu", [x], {"negative_slope": float(plain(negative_slope))})


@function(qop("leaky_relu"))
def q_leaky_relu(ctx, x, negative_slope, inplace=False, output_scale=None, output_zero_point=None):
    return ctx.emit1("leaky_relu", [x], {"negative_slope": float(plain(negative_slope))})


def _simple(op):
    def handler(ctx, x, *args, **kwargs):
        return ctx.emit1(op, [x])
    return handler


function(F.hardsigmoid)(_simple("hardsigmoid"))
method("hardsigmoid", "hardsigmoid_")(_simple("hardsigmoid"))
function(F.hardswish, qop("hardswish"))(_simple("hardswish"))
function(torch.sigmoid, F.sigmoid, qop("sigmoid"))(_simple("sigmoid"))
method("sigmoid", "sigmoid_")(_simple("sigmoid"))
function(torch.tanh, F.tanh)(_simple("tanh"))
method("tanh", "tanh_")(_simple("tanh"))


@function(F.gelu)
def gelu(ctx, x, approximate="none"):
    if plain(approximate) != "none":
        raise ctx.error("gelu with approximate='tanh' is not supported")
    return ctx.emit1("gelu", [x])


@function(F.softmax, torch.softmax)
@method("softmax")
def softmax(ctx, x, dim=None, _stacklevel=3, dtype=None):
    if plain(dtype) is not None:
        raise ctx.error("softmax with a dtype argument is not supported")
    dim = plain(dim)
    if dim is None:
        dim = 0 if x.meta.rank in (0, 1, 3) else 1  # PyTorch's legacy implicit dim
    return ctx.emit1("softmax", [x], {"dim": dim_index(dim, x.meta.rank)})


@function(qop("softmax"))
def q_softmax(ctx, x, dim, output_scale=None, output_zero_point=None):
    return ctx.emit1("softmax", [x], {"dim": dim_index(plain(dim), x.meta.rank)})


@function(F.dropout)
def dropout(ctx, x, p=0.5, training=True, inplace=False):
    if plain(training):
        raise ctx.error("dropout in training mode is not supported")
    return ctx.emit1("dropout", [x], {"p": float(plain(p))})


@function(torch.dropout)
def t_dropout(ctx, x, p, train):
    return dropout(ctx, x, p, train)


@function(qop("dropout"))
def q_dropout(ctx, x, output_scale, output_zero_point, p=0.5, training=False):
    return dropout(ctx, x, p, training)


@function(F.prelu, qop("prelu"))
def prelu(ctx, x, weight, output_scale=None, output_zero_point=None):
    return ctx.emit1("prelu", [x, ctx.val(weight, "weight")])


# --------------------------------------------------------------- arithmetic

def _scalar(v):
    v = plain(v)
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _binary(ctx, op, a, b, act="none"):
    if _scalar(a) and isinstance(b, Val) and op in ("add", "mul"):
        a, b = b, a
    if isinstance(a, Val) and _scalar(b):
        # a fused relu keeps the qparams: the intermediate has the result's type
        out = ctx.emit1(f"{op}_scalar", [a], {"value": float(plain(b))})
        if act == "relu":
            out = ctx.emit1("relu", [out])
        return out
    if isinstance(a, Const) and isinstance(b, Const):
        raise ctx.error("arithmetic on two constants")
    return ctx.emit1(op, [ctx.val(a, "lhs"), ctx.val(b, "rhs")], {"activation": act})


@function(operator.add, operator.iadd, torch.add)
@method("add", "add_", "__add__", "__iadd__", "__radd__")
def add(ctx, a, b, alpha=1):
    if plain(alpha) != 1:
        raise ctx.error("add with alpha is not supported")
    return _binary(ctx, "add", a, b)


@function(operator.sub, operator.isub, torch.sub)
@method("sub", "sub_", "__sub__", "__isub__")
def sub(ctx, a, b, alpha=1):
    if plain(alpha) != 1 or not (isinstance(a, Val) and _scalar(b)):
        raise ctx.error("only subtracting a scalar from a tensor is supported")
    return ctx.emit1("add_scalar", [a], {"value": -float(plain(b))})


@function(operator.mul, operator.imul, torch.mul)
@method("mul", "mul_", "__mul__", "__imul__", "__rmul__")
def mul(ctx, a, b):
    return _binary(ctx, "mul", a, b)


@function(operator.truediv, operator.itruediv, torch.div)
@method("div", "div_", "__truediv__", "__itruediv__")
def div(ctx, a, b, rounding_mode=None):
    b = plain(b)
    if rounding_mode is None and isinstance(a, Val) and _scalar(b) and b != 0:
        inv = 1.0 / float(b)
        mantissa = abs(inv)
        while mantissa >= 2.0:
            mantissa /= 2.0
        while mantissa < 1.0:
            mantissa *= 2.0
        if mantissa == 1.0:  # x / b == x * (1/b) exactly for powers of two
            return ctx.emit1("mul_scalar", [a], {"value": inv})
    raise ctx.error("only division by a power of two is supported (other divisions would "
                    "not be exact as a multiplication)")


@function(torch.matmul, torch.bmm, operator.matmul)
@method("matmul", "bmm", "__matmul__")
def matmul(ctx, a, b):
    return ctx.emit1("matmul", [ctx.val(a, "lhs"), ctx.val(b, "rhs")])


def _q_binary(op, act):
    def handler(ctx, a, b, scale=None, zero_point=None):
        return _binary(ctx, op, a, b, act)
    return handler


def _q_scalar(op, act):
    def handler(ctx, x, b):
        if not _scalar(b):
            raise ctx.error("tensor-valued scalar operands are not supported")
        out = ctx.emit1(op, [x], {"value": float(plain(b))})
        return ctx.emit1("relu", [out]) if act == "relu" else out
    return handler


for _op in ("add", "mul"):
    for _act in ("none", "relu"):
        _suffix = "_relu" if _act == "relu" else ""
        function(qop(_op + _suffix))(_q_binary(_op, _act))
        function(qop(f"{_op}_scalar{_suffix}"))(_q_scalar(f"{_op}_scalar", _act))


@function(qop("matmul"))
def q_matmul(ctx, a, b, scale=None, zero_point=None):
    return ctx.emit1("matmul", [ctx.val(a, "lhs"), ctx.val(b, "rhs")])


# ------------------------------------------------------------- elided ops

def _identity_if(ctx, x, same):
    if not same:
        raise ctx.error("changes the dtype, which is not supported")
    return x


@method("contiguous", "detach", "clone", "float", "to", "type_as", "cpu")
def elided(ctx, x, *args, **kwargs):
    if not isinstance(x, Val):
        raise ctx.error(f"expected a tensor, got {plain(x)!r}")
    return _identity_if(ctx, x, ctx.meta.dtype == x.meta.dtype and ctx.meta.shape == x.meta.shape)


function(torch.clone, torch.detach)(elided)
