"""What each ONNX value is on the qcc side while qcc.import_onnx converts a
graph (its *state*), and the registry of op handlers.

- Quant: an integer activation, a qcc value of type quint8 per tensor (int8
  activations are stored shifted by +128, zero point too: every formula only
  sees q - zero_point).
- Dequant: a DequantizeLinear's float view of a Quant, or the exact result of
  an op that only moves or selects such values (max pooling, reshapes).
- Float: a float32 qcc value (a graph input).
- Const: a constant array (initializer, Constant node, QuantizeLinear of one).
- ConstQ: DequantizeLinear of a constant integer array: weights, biases,
  constant operands.
- Pending: a float op over Dequant operands (the middle of DQ -> op -> Q). It
  is emitted as one integer qcc op when a QuantizeLinear consumes it, with
  that QuantizeLinear's parameters as its result type.
- Chain: elementwise float ops over one Dequant, emitted as a `lookup` table
  when a QuantizeLinear consumes them.
"""
from dataclasses import dataclass

import numpy as np

from ._graph import TMeta
from ._onnx_load import Fail

# (domain, op type) -> handler(cv, node, attrs) returning the output states
HANDLERS = {}


def handler(*names, domain=""):
    def register(fn):
        for name in names:
            HANDLERS[(domain, name)] = fn
        return fn
    return register


# ------------------------------------------------------------------ states

@dataclass(frozen=True)
class QParams:
    """Per-tensor activation parameters in the quint8 domain."""
    scale: float
    zero_point: int
    signed: bool  # the ONNX tensor is int8 (zero_point already shifted)


@dataclass(frozen=True)
class Quant:
    value: str
    meta: TMeta
    signed: bool  # the ONNX tensor is int8


@dataclass(frozen=True)
class Dequant:
    q: Quant
    name: str  # the ONNX node that produced the float value


@dataclass(frozen=True)
class Float:
    value: str


@dataclass(frozen=True)
class Const:
    array: np.ndarray
    name: str


@dataclass(frozen=True)
class ConstQ:
    data: np.ndarray        # int8, uint8 or int32
    scales: np.ndarray      # float32, one per channel (per tensor: one)
    zero_points: np.ndarray  # int64, like scales
    axis: int               # None: per tensor
    name: str


@dataclass(frozen=True)
class Pending:
    label: str    # node 'NAME' (Op), for diagnostics
    value: str    # the ONNX value it stands for
    emit: object  # emit(result TMeta, {"activation": ...}) -> qcc value name
    act: tuple = ("none",)  # a Relu or Clip before the Q: ("relu",) or ("clip", lo, hi)


@dataclass(frozen=True)
class Chain:
    base: Dequant
    funcs: tuple  # float32 functions, applied in order
    name: str     # the first op of the chain names the lookup node
    value: str    # the ONNX value it stands for
    last_clip: tuple = None  # (min, max) when the last op is a Clip (ORT may drop it)


def describe(state):
    """What a state is, for diagnostics."""
    if isinstance(state, Pending):
        return f"the float result of {state.label}, which is not quantized"
    if isinstance(state, Chain):
        return "the float result of an elementwise op that is not quantized"
    return {Quant: "an integer tensor", Dequant: "a dequantized tensor",
            Float: "a float tensor outside any quantized region", Const: "a constant",
            ConstQ: "a dequantized constant"}[type(state)]


def same_qparams(q, qp):
    return (np.float32(q.meta.scale) == np.float32(qp.scale)
            and q.meta.zero_point == qp.zero_point and q.signed == qp.signed)


def check_same(q, qp, what):
    if not same_qparams(q, qp):
        raise Fail(f"{what}: the parameters given here (scale {qp.scale}, zero point "
                   f"{qp.zero_point - 128 * qp.signed}) differ from those the value was "
                   f"quantized with (scale {q.meta.scale}, zero point "
                   f"{q.meta.zero_point - 128 * q.signed})")
