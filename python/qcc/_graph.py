"""The model being written: value types, the tensor table and the node list
(docs/model-format.md)."""
import json
import math
from dataclasses import dataclass, replace

import numpy as np
import torch


class ExportError(Exception):
    """The model (or a part of it, named in the message) cannot be represented
    in the qcc model format."""


# torch dtype -> (model-format dtype, safetensors storage dtype, numpy storage dtype)
DTYPES = {
    torch.float32: ("float32", "F32", "<f4"),
    torch.int64: ("int64", "I64", "<i8"),
    torch.int32: ("int32", "I32", "<i4"),
    torch.quint8: ("quint8", "U8", "u1"),
    torch.qint8: ("qint8", "I8", "i1"),
    torch.qint32: ("qint32", "I32", "<i4"),
    torch.quint4x2: ("quint4x2", "U8", "u1"),
    torch.bool: ("bool", "BOOL", "?"),
}
QRANGE = {torch.quint8: (0, 255), torch.qint8: (-128, 127),
          torch.qint32: (-2 ** 31, 2 ** 31 - 1), torch.quint4x2: (0, 15)}


@dataclass(frozen=True)
class TMeta:
    """What the format records about a tensor value: shape, dtype, and the
    quantization parameters (per tensor, or per channel along `axis`)."""
    shape: tuple
    dtype: torch.dtype
    scale: float = None
    zero_point: int = None
    scales: tuple = None
    zero_points: tuple = None
    axis: int = None

    @property
    def quantized(self):
        return self.dtype in QRANGE

    @property
    def rank(self):
        return len(self.shape)

    def with_shape(self, shape):
        if self.axis is not None and tuple(shape)[self.axis] != self.shape[self.axis]:
            raise ExportError("a per-channel quantized tensor cannot change size along its axis")
        return replace(self, shape=tuple(int(d) for d in shape))

    def with_qparams(self, scale, zero_point, dtype=None):
        return replace(self, dtype=dtype or self.dtype, scale=float(scale),
                       zero_point=int(zero_point), scales=None, zero_points=None, axis=None)

    @staticmethod
    def of(t):
        shape = tuple(int(d) for d in t.shape)
        if not t.is_quantized:
            return TMeta(shape, t.dtype)
        qs = t.qscheme()
        if qs in (torch.per_tensor_affine, torch.per_tensor_symmetric):
            return TMeta(shape, t.dtype, float(t.q_scale()), int(t.q_zero_point()))
        if qs in (torch.per_channel_affine, torch.per_channel_symmetric):
            return TMeta(shape, t.dtype, scales=tuple(float(s) for s in t.q_per_channel_scales()),
                         zero_points=tuple(int(z) for z in t.q_per_channel_zero_points()),
                         axis=int(t.q_per_channel_axis()))
        raise ExportError(f"quantization scheme {qs} is not representable")

    def to_json(self):
        if self.dtype not in DTYPES:
            raise ExportError(f"dtype {self.dtype} is not representable (the format has "
                              f"{', '.join(v[0] for v in DTYPES.values())})")
        out = {"dtype": DTYPES[self.dtype][0], "shape": list(self.shape)}
        if self.scale is not None:
            _check_qparams(self.dtype, [self.scale], [self.zero_point])
            out["scale"] = self.scale
            out["zero_point"] = self.zero_point
        elif self.scales is not None:
            _check_qparams(self.dtype, self.scales, self.zero_points)
            out["scales"] = list(self.scales)
            out["zero_points"] = list(self.zero_points)
            out["axis"] = self.axis
        elif self.quantized and self.dtype not in (torch.quint8, torch.quint4x2):
            raise ExportError(f"{self.dtype} tensor without quantization parameters")
        return out


def _check_qparams(dtype, scales, zero_points):
    lo, hi = QRANGE[dtype]
    for s, z in zip(scales, zero_points):
        if not (math.isfinite(s) and s > 0):
            raise ExportError(f"scale {s} is not finite and positive")
        if not lo <= z <= hi:
            raise ExportError(f"zero point {z} is outside the {DTYPES[dtype][0]} range [{lo}, {hi}]")


def jsonable(value, where):
    """Attribute values as the format wants them: tuples become lists; ints,
    floats, strings and bools pass; anything else is an error."""
    if isinstance(value, bool) or isinstance(value, str):
        return value
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value)
    if isinstance(value, (list, tuple, torch.Size)):
        return [jsonable(v, where) for v in value]
    if isinstance(value, dict):
        return {str(k): jsonable(v, where) for k, v in value.items()}
    raise ExportError(f"{where}: attribute value {value!r} is not representable")


class Graph:
    """Accumulates graph inputs, tensors and nodes; names are unique.

    `sources` maps qcc value names (graph inputs and node results) to the key of
    the reference model's value that equals them exactly in representation:
    quantized values equal the reference's integer codes (in qcc's domain: int8
    reference tensors shifted by +128 where qcc stores quint8), float values the
    reference's float tensors. The key is the frontend's own (a torch.fx.Node
    for qcc.export, an ONNX value name for qcc.import_onnx); the frontend's
    reference adapter (qcc._references) reads values by it. A value without an
    entry has no exact counterpart (the layer-by-layer diff, qcc._layers).
    """

    def __init__(self):
        self.inputs = []
        self.sources = {}
        self.nodes = []
        self.outputs = []
        self.tensor_types = {}
        self.tensor_data = {}
        self.value_meta = {}
        self._node_names = set()
        self._tensor_cache = {}
        self._array_cache = {}

    # ------------------------------------------------------------------ names
    def fresh_value(self, base):
        name, k = base, 1
        while name in self.value_meta:
            name = f"{base}_{k}"
            k += 1
        return name

    def fresh_node(self, base):
        name, k = base, 1
        while name in self._node_names:
            name = f"{base}_{k}"
            k += 1
        self._node_names.add(name)
        return name

    # ----------------------------------------------------------------- values
    def add_input(self, base, meta):
        name = self.fresh_value(base)
        self.inputs.append({"name": name, "type": meta.to_json()})
        self.value_meta[name] = meta
        return name

    def add_tensor(self, base, tensor, where):
        """Adds a constant tensor (float, integer or quantized) to the tensor
        table, once per tensor object; returns its value name."""
        key = id(tensor)
        if key in self._tensor_cache and self._tensor_cache[key][0] is tensor:
            return self._tensor_cache[key][1]
        tensor = tensor.detach().cpu()
        if tensor.dtype not in DTYPES or tensor.dtype == torch.quint4x2:
            raise ExportError(f"{where}: constant tensor of dtype {tensor.dtype} is not representable")
        try:
            meta = TMeta.of(tensor)
            type_json = meta.to_json()
        except ExportError as e:
            raise ExportError(f"{where}: constant '{base}': {e}") from None
        storage = tensor.int_repr() if tensor.is_quantized else tensor
        array = storage.contiguous().numpy().astype(DTYPES[tensor.dtype][2], copy=False)
        # A module called twice hands over equal (but new) weight tensors: one entry.
        content = (base, repr(type_json), array.tobytes())
        if content in self._tensor_cache:
            name = self._tensor_cache[content]
        else:
            name = self.add_raw_tensor(base, meta, type_json, DTYPES[tensor.dtype][1], array)
            self._tensor_cache[content] = name
        self._tensor_cache[key] = (tensor, name)
        return name

    def add_array_tensor(self, base, meta, storage_dtype, array):
        """Adds a constant numpy array of type `meta` (stored as safetensors
        `storage_dtype`), once per distinct content; returns its value name."""
        type_json = meta.to_json()
        array = np.ascontiguousarray(array)
        key = (repr(type_json), storage_dtype, array.tobytes())
        if key not in self._array_cache:
            self._array_cache[key] = self.add_raw_tensor(base, meta, type_json, storage_dtype,
                                                         array)
        return self._array_cache[key]

    def add_raw_tensor(self, base, meta, type_json, storage_dtype, array):
        name = self.fresh_value(base)
        self.tensor_types[name] = type_json
        self.tensor_data[name] = (storage_dtype, list(array.shape), np.ascontiguousarray(array).tobytes())
        self.value_meta[name] = meta
        return name

    def add_node(self, name, op, inputs, outputs, attrs=None):
        """outputs: list of TMeta. Returns the result value names."""
        node_name = self.fresh_node(name)
        where = f"node '{node_name}'"
        for i in inputs:
            if i not in self.value_meta:
                raise AssertionError(f"{where}: input {i!r} is undefined")
        results = []
        for k, meta in enumerate(outputs):
            suffix = ":out" if len(outputs) == 1 else f":out{k}"
            value = self.fresh_value(node_name + suffix)
            try:
                results.append({"name": value, "type": meta.to_json()})
            except ExportError as e:
                raise ExportError(f"{where} ({op}): result {k}: {e}") from None
            self.value_meta[value] = meta
        node = {"name": node_name, "op": op, "inputs": list(inputs), "outputs": results}
        if attrs:
            node["attrs"] = jsonable(attrs, where)
        self.nodes.append(node)
        return [r["name"] for r in results]

    def to_json(self, tensor_file, producer, numerics=None):
        document = {"format": "qcc-model", "version": 1, "producer": producer}
        if numerics is not None:  # absent: the default profile, fbgemm
            document["numerics"] = numerics
        return {**document, "tensor_file": tensor_file, "tensors": self.tensor_types,
                "inputs": self.inputs, "nodes": self.nodes, "outputs": self.outputs}

    def write(self, json_path, tensor_path, producer, numerics=None):
        """Writes the model: JSON_PATH (the graph) and TENSOR_PATH (the
        safetensors file beside it). Returns json_path."""
        from . import _safetensors

        json_path.parent.mkdir(parents=True, exist_ok=True)
        _safetensors.write(tensor_path, self.tensor_data, metadata={"producer": producer})
        document = self.to_json(tensor_path.name, producer, numerics)
        json_path.write_text(json.dumps(document, indent=1) + "\n")
        return json_path
