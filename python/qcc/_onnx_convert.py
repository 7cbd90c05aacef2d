"""The conversion of a checked ONNX graph to a qcc Graph (qcc.import_onnx):
the driver, graph inputs and outputs, access to values, constants and
quantization parameters. The value states are in _onnx_states.py; the op
handlers (registered in HANDLERS) in _onnx_qdq.py, _onnx_ops.py and
_onnx_shape_ops.py.
"""
from collections import Counter

import numpy as np
import torch

from ._graph import ExportError, Graph, TMeta
from ._onnx_load import MS_DOMAIN, Fail, finite_positive, node_label, printable, to_array
from ._onnx_states import (HANDLERS, Const, Dequant, Float, QParams, Quant, check_same,
                           describe)


# --------------------------------------------------------------- converter

class Converter:
    def __init__(self, model, constants, shapes, opset):
        self.model = model
        self.opset = opset
        self.graph = Graph()
        self.shapes = shapes
        self._constants = constants      # initializer name -> TensorProto
        self.states = {}
        self._dequantized = {}           # qcc value -> its dequantize (graph outputs)
        # ONNX values ONNX Runtime computes only inside a rewrite (merged double
        # Q/DQ pairs): not mapped in Graph.sources.
        self.unobservable = set()
        self.name = None                 # the node being converted: its qcc node name
        self.label = None                # ... and how diagnostics name it
        # How often each value is read (graph outputs included): ONNX Runtime
        # fuses a pattern only when its intermediate values have one reader.
        self.uses = Counter(i for n in model.graph.node for i in n.input if i)
        self.uses.update(vi.name for vi in model.graph.output)

    # --------------------------------------------------------- the driver
    def run(self, inputs):
        for vi in inputs:
            self._add_input(vi)
        for index, node in enumerate(self.model.graph.node):
            self._convert(index, node)
        for vi in self.model.graph.output:
            self._add_output(vi)

    def _convert(self, index, node):
        label = node_label(index, node)
        self.label = label
        self.name = node.name or f"#{index}"
        try:
            domain = "" if node.domain in ("", "ai.onnx") else node.domain
            if domain not in ("", MS_DOMAIN):
                raise Fail(f"domain '{printable(node.domain)}' is not supported "
                           "(the default domain and com.microsoft are)")
            fn = HANDLERS.get((domain, node.op_type))
            if fn is None:
                raise Fail("unsupported op: qcc has no mapping for it")
            attrs = Attrs(node)
            states = fn(self, node, attrs)
            attrs.check_all_read()
            self._define(node, states)
        except Fail as e:
            raise Fail(e.reason, e.where or label) from None
        except ExportError as e:  # a type the format rejects (Graph / TMeta checks)
            raise Fail(str(e), label) from None
        except Exception as e:  # malformed content a check above did not foresee
            raise Fail(f"malformed node ({type(e).__name__}: {printable(e, 120)})", label) from None

    def _define(self, node, states):
        for k, name in enumerate(node.output):
            if not name:
                continue
            if k >= len(states):
                raise Fail(f"output {k} is not supported")
            if name in self.states or name in self._constants:
                raise Fail(f"value '{printable(name)}' is defined twice")
            self.states[name] = states[k]
            self._map_source(name, states[k])

    def _map_source(self, onnx_name, state):
        """Graph.sources: a Quant's qcc value equals the ONNX value's integer
        codes (int8 ones shifted by +128), a Float's value the ONNX float
        tensor. A Dequant (and Pending, Chain) is no qcc value: not mapped; nor
        is a value ONNX Runtime computes only inside a rewrite. A value several
        ONNX names stand for keeps the first."""
        if isinstance(state, (Quant, Float)) and onnx_name not in self.unobservable:
            self.graph.sources.setdefault(state.value, onnx_name)

    def _add_input(self, vi):
        where = f"graph input '{printable(vi.name)}'"
        from onnx import TensorProto

        if vi.type.tensor_type.elem_type != TensorProto.FLOAT:
            raise Fail("only float32 graph inputs are supported", where)
        shape = self.shapes.get(vi.name)
        if shape is None:
            raise Fail("its shape is unknown", where)
        self.states[vi.name] = Float(self.graph.add_input(vi.name, TMeta(shape, torch.float32)))
        self._map_source(vi.name, self.states[vi.name])

    def _add_output(self, vi):
        where = f"graph output '{printable(vi.name)}'"
        try:
            state = self.value(vi.name)
            if isinstance(state, Dequant):
                value = self._dequantize(state, vi.name)
                # The dequantize of a graph output is a qcc value: the ONNX output.
                self.graph.sources.setdefault(value, vi.name)
            elif isinstance(state, Quant) and not state.signed:
                value = state.value
            elif isinstance(state, Float):
                value = state.value
            elif isinstance(state, Const) and state.array.dtype == np.float32:
                value = self.tensor(state.name, TMeta(state.array.shape, torch.float32), "F32",
                                    state.array)
            else:
                raise Fail(f"is {describe(state)}; the format cannot produce it")
        except Fail as e:
            raise Fail(e.reason, where) from None
        self.graph.outputs.append(value)

    def _dequantize(self, state, onnx_name):
        q = state.q
        if q.value not in self._dequantized:
            meta = TMeta(q.meta.shape, torch.float32)
            value = self.add_node(state.name, "dequantize", [q.value], meta)
            if onnx_name not in self.graph.value_meta:
                # The result keeps the ONNX output's name (nothing reads it yet).
                self.graph.nodes[-1]["outputs"][0]["name"] = onnx_name
                self.graph.value_meta[onnx_name] = self.graph.value_meta.pop(value)
                value = onnx_name
            self._dequantized[q.value] = value
        return self._dequantized[q.value]

    # ------------------------------------------------------------ values
    def value(self, name):
        if name in self.states:
            return self.states[name]
        if name in self._constants:
            state = Const(to_array(self._constants[name], f"initializer '{printable(name)}'"), name)
            self.states[name] = state
            return state
        raise Fail(f"input '{printable(name)}' is not defined before its use (a missing "
                   "initializer, or a graph that is not topologically sorted)")

    def input(self, node, i, required=True):
        """The state of the node's input i, or None if it is absent."""
        if i < len(node.input) and node.input[i]:
            return self.value(node.input[i])
        if required:
            raise Fail(f"input {i} is missing")
        return None

    def const(self, node, i, what, dtypes=None):
        state = self.input(node, i)
        if not isinstance(state, Const):
            raise Fail(f"{what} (input {i}) is not a constant: it is {describe(state)}")
        if dtypes is not None and state.array.dtype not in dtypes:
            raise Fail(f"{what} has element type {state.array.dtype}, expected "
                       f"{' or '.join(str(np.dtype(d)) for d in dtypes)}")
        return state.array

    def shape(self, name):
        shape = self.shapes.get(name)
        if shape is None:
            raise Fail(f"the shape of '{printable(name)}' is unknown (ONNX shape inference "
                       "could not infer it)")
        return shape

    def out_shape(self, node, k=0):
        return self.shape(node.output[k])

    # ---------------------------------------------------- quantization params
    def qparams(self, node, scale_i, zp_i, what):
        """Per-tensor activation parameters from a (scale, zero point) input
        pair; a missing zero point is uint8 0."""
        scale = self.const(node, scale_i, f"{what} scale", (np.float32,))
        if scale.size != 1:
            raise Fail(f"{what} scale has {scale.size} elements; activations are quantized "
                       "per tensor")
        if not finite_positive(scale):
            raise Fail(f"{what} scale {float(scale.ravel()[0])} is not finite and positive")
        zp = self.input(node, zp_i, required=False)
        if zp is None:
            return QParams(float(scale.ravel()[0]), 0, False)
        zp = self.const(node, zp_i, f"{what} zero point", (np.uint8, np.int8))
        if zp.size != 1:
            raise Fail(f"{what} zero point has {zp.size} elements; expected one")
        signed = zp.dtype == np.int8
        return QParams(float(scale.ravel()[0]), int(zp.ravel()[0]) + (128 if signed else 0),
                       signed)

    def channel_qparams(self, node, scale_i, zp_i, what, data, axis):
        """Parameters of a constant (weights): per tensor, or per channel along
        `axis`. Returns (scales float32, zero points int64, axis or None)."""
        scale = self.const(node, scale_i, f"{what} scale", (np.float32,)).ravel()
        if self.input(node, zp_i, required=False) is None:
            zp = np.zeros(scale.shape, np.int64)
        else:
            zp = self.const(node, zp_i, f"{what} zero point", (data.dtype,))
            zp = zp.ravel().astype(np.int64)
        if scale.size == 0 or zp.size != scale.size:
            raise Fail(f"{what}: {scale.size} scales and {zp.size} zero points")
        if not finite_positive(scale):
            raise Fail(f"{what} has a scale that is not finite and positive")
        if scale.size == 1:
            return scale, zp, None
        if not -data.ndim <= axis < data.ndim:
            raise Fail(f"{what}: axis {axis} is outside rank {data.ndim}")
        axis %= data.ndim
        if data.shape[axis] != scale.size:
            raise Fail(f"{what}: {scale.size} scales for dimension {axis} of size "
                       f"{data.shape[axis]}")
        return scale, zp, axis

    def quant_meta(self, shape, qp):
        return TMeta(tuple(shape), torch.quint8, qp.scale, qp.zero_point)

    def quant_input(self, node, i, qp, what="input"):
        """A QOperator op's integer operand, checked against the parameters
        the op gives for it."""
        state = self.input(node, i)
        if not isinstance(state, Quant):
            raise Fail(f"{what} (input {i}) is {describe(state)}; expected an integer "
                       "activation")
        check_same(state, qp, what)
        return state

    def dequant_input(self, node, i, what="input"):
        """A float op's operand inside a quantized region: a Dequant."""
        state = self.input(node, i)
        if not isinstance(state, Dequant):
            raise Fail(f"{what} (input {i}) is {describe(state)}; expected the output of a "
                       "DequantizeLinear")
        return state

    # ------------------------------------------------------------ emitting
    def add_node(self, name, op, inputs, meta, attrs=None):
        return self.graph.add_node(name, op, inputs, [meta], attrs)[0]

    def tensor(self, base, meta, storage, array):
        """A constant tensor, stored once per distinct content."""
        return self.graph.add_array_tensor(base, meta, storage, array)


# ---------------------------------------------------------------- attributes

class Attrs:
    """A node's attributes; every attribute must be read by the handler (an
    unknown one could change the meaning)."""

    def __init__(self, node):
        from onnx import helper

        self._values = {}
        for a in node.attribute:
            if a.name in self._values:
                raise Fail(f"attribute '{printable(a.name)}' is given twice")
            self._values[a.name] = helper.get_attribute_value(a)
        self._read = set()

    def get(self, name, default=None):
        self._read.add(name)
        return self._values.get(name, default)

    def int(self, name, default):
        v = self.get(name, default)
        if not isinstance(v, (int, np.integer)) or isinstance(v, bool):
            raise Fail(f"attribute '{name}' is not an integer")
        return int(v)

    def float(self, name, default):
        v = self.get(name, default)
        if not isinstance(v, (float, int, np.floating)) or not np.isfinite(v):
            raise Fail(f"attribute '{name}' is not a finite number")
        return float(np.float32(v))

    def ints(self, name, default):
        v = self.get(name, default)
        if not isinstance(v, (list, tuple)) or not all(
                isinstance(x, (int, np.integer)) and not isinstance(x, bool) for x in v):
            raise Fail(f"attribute '{name}' is not a list of integers")
        return [int(x) for x in v]

    def str(self, name, default):
        v = self.get(name, default)
        if isinstance(v, bytes):
            v = v.decode("utf-8", "replace")
        if not isinstance(v, str):
            raise Fail(f"attribute '{name}' is not a string")
        return v

    def ignore(self, *names):
        self._read.update(names)

    def check_all_read(self):
        for name in self._values:
            if name not in self._read:
                raise Fail(f"attribute '{printable(name)}' is not supported")
