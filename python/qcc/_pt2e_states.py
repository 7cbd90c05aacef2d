"""What each FX value of a PT2E graph is on the qcc side while the converter
(python/qcc/_pt2e.py) walks the graph (its *state*), and the handler registry.

- Quant: an integer activation, a qcc quint8 value (int8 activations are
  stored shifted by +128, zero point too: every formula only sees q - zp, and
  the quantize clamp moves with the zero point).
- Dequant: dequantize_per_tensor of a Quant, or the exact result of an op
  that only moves or selects such values (max pooling, flatten, dropout).
- Float: a float32 qcc value (graph inputs, regions the graph keeps float).
- Const: a constant (weights, biases, scales, Python values).
- ConstQ: dequantize_per_tensor/per_channel of a constant integer tensor.
- Pending: an op over Dequant operands (conv, linear, add, pools, ...): it
  becomes one integer qcc op when a quantize_per_tensor reads it, with that
  quantize's parameters as its result type, or a float op when a float op
  reads it.
- Chain: elementwise float ops over one Dequant (hardswish, hardsigmoid,
  relu, ...): a 256-entry `lookup` table when a quantize reads it.
"""
from dataclasses import dataclass, field

import torch

# torch op overload packet -> handler(converter, node, *states, **kwstates)
HANDLERS = {}


class Pt2eError(Exception):
    """What is wrong with the node being converted (the converter names it)."""


def handler(*packets):
    def register(fn):
        for packet in packets:
            HANDLERS[packet] = fn
        return fn
    return register


def node_label(node):
    """How diagnostics name an FX node: node 'NAME' (TARGET)."""
    target = node.target
    if isinstance(target, torch._ops.OpOverload):
        target = f"{target.namespace}.{target._schema.name.split('::')[-1]}"
    elif callable(target):
        target = getattr(target, "__name__", repr(target))
    return f"node '{node.name}' ({target if node.op != 'placeholder' else 'graph input'})"


@dataclass(frozen=True)
class QParams:
    """Per-tensor activation parameters in the quint8 domain."""
    scale: float
    zero_point: int  # shifted by +128 for int8
    signed: bool     # the reference tensor is int8
    qmin: int = 0    # the quantize's range, shifted like the zero point
    qmax: int = 255


@dataclass(frozen=True)
class Quant:
    value: str
    meta: object      # TMeta
    signed: bool


@dataclass(frozen=True)
class Dequant:
    q: Quant


@dataclass(frozen=True)
class Float:
    value: str
    node: object = None  # the fx node it stands for


@dataclass(frozen=True)
class Const:
    value: object


@dataclass(frozen=True)
class ConstQ:
    data: torch.Tensor       # int8 / uint8 / int32 integer codes
    scales: tuple
    zero_points: tuple
    axis: int                # None: per tensor


@dataclass(eq=False)
class Pending:
    """`emit_quant(meta, act)` makes the integer op with result type `meta`;
    `emit_float(act)` the float one. `act` is what a relu / hardtanh between
    the op and the quantize adds: ("none",), ("relu",) or ("clamp", lo, hi)."""
    node: object               # the fx node whose value this is
    emit_quant: object
    emit_float: object
    act: tuple = ("none",)
    float_value: list = field(default_factory=list)  # the float realization, once made


@dataclass(frozen=True)
class Chain:
    base: Dequant
    nodes: tuple   # the fx nodes of the elementwise ops, in order
