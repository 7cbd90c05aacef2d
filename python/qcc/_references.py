"""Reference adapters for qcc.verify: the model qcc is compared with, run on the
user's inputs. One class per frontend, each with

- ``outputs(inputs) -> [np.ndarray]``: the whole model's outputs, in the order of
  the qcc model's outputs; quantized outputs as integer codes in qcc's domain;
- ``values(inputs, keys) -> {key: np.ndarray}``: intermediate values by the keys
  the frontend put in ``Graph.sources`` (qcc._graph); quantized ones as integer
  codes in qcc's domain (quint8: 0..255; an int8 reference tensor is shifted by
  +128, as qcc stores it), float ones as float32 arrays.

`inputs` is what the user gave qcc.verify (a tuple of tensors or arrays, for
ONNX also a dict by graph input name).
"""
import numpy as np
import torch

from ._trace import record


def _numpy(t):
    """A tensor's value as qcc holds it: integer codes of quantized tensors, a
    copy (later in-place ops must not change it)."""
    t = t.detach().cpu()
    return (t.int_repr() if t.is_quantized else t).numpy().copy()


def _channels_last(t):
    if t.dim() not in (4, 5) or t.is_contiguous():
        return False
    fmt = torch.channels_last if t.dim() == 4 else torch.channels_last_3d
    return t.is_contiguous(memory_format=fmt)


class _TorchThreads:
    def __init__(self, n):
        self.n = n

    def __enter__(self):
        self.previous = torch.get_num_threads()
        torch.set_num_threads(self.n)

    def __exit__(self, *exc):
        torch.set_num_threads(self.previous)


class TorchReference:
    """An eager or FX PyTorch model. Keys are the torch.fx.Nodes of the FX graph
    qcc.export translated (`fx_graph` of `root`, as _trace.get_graph made it):
    values() runs that graph again and copies each wanted node's result right
    after the node ran, so an in-place op later in the graph cannot change it.

    After values(), `channels_last` holds the keys whose tensor PyTorch held in
    channels-last memory format (some of its kernels round differently for
    those, docs/numerics.md; a qcc model's graph inputs are contiguous)."""

    def __init__(self, model, root, fx_graph, torch_threads=1):
        self.model, self.root, self.fx_graph = model, root, fx_graph
        self.torch_threads = torch_threads
        self.channels_last = set()

    def outputs(self, inputs):
        with _TorchThreads(self.torch_threads), torch.no_grad():
            out = self.model(*inputs)
        outs = list(out) if isinstance(out, (tuple, list)) else [out]
        return [_numpy(o) for o in outs]

    def values(self, inputs, keys):
        wanted, found = set(keys), {}
        self.channels_last = set()

        def observe(node, value):
            if node in wanted and isinstance(value, torch.Tensor):
                found[node] = _numpy(value)
                if _channels_last(value):
                    self.channels_last.add(node)

        with _TorchThreads(self.torch_threads):
            record(self.root, self.fx_graph, tuple(inputs), observe=observe)
        return found


def qcc_codes(array):
    """An ONNX Runtime integer tensor in qcc's domain: int8 codes shifted by
    +128 to quint8 (docs: _onnx_states.Quant); everything else as it is."""
    array = np.asarray(array)
    if array.dtype == np.int8:
        return (array.astype(np.int16) + 128).astype(np.uint8)
    return array


class OnnxRuntimeReference:
    """An ONNX model run by ONNX Runtime on the CPU with its default graph
    optimizations (ORT_ENABLE_ALL), as test/python/test_onnx_e2e.py does: qcc
    reproduces ONNX Runtime's fused integer kernels (QLinearConv, QLinearAdd,
    ...) and its result-changing rewrites, which exist only with the graph
    optimized; ORT_DISABLE_ALL would run every Q/DQ pair in float and differ.

    Keys are ONNX value names. values() runs a copy of the model with the wanted
    values added as graph outputs, under the same optimizations. A graph output
    can stop a rewrite that needs its value to have one reader (ONNX Runtime
    fuses only then); qcc.import_onnx maps only QuantizeLinear outputs and float
    inputs, which no fusion hides, and values() checks that the model's own
    outputs are unchanged by the added ones (else it raises RuntimeError:
    the values read would not be those of the real run)."""

    def __init__(self, model):
        import onnx

        self.model = model if isinstance(model, onnx.ModelProto) else onnx.load(str(model))
        self.input_names = [i.name for i in self.model.graph.input
                            if i.name not in {t.name for t in self.model.graph.initializer}]
        self._session = None

    @staticmethod
    def _new_session(model):
        import onnxruntime as ort

        return ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])

    def feed(self, inputs):
        if isinstance(inputs, dict):
            return {k: np.asarray(v) for k, v in inputs.items()}
        arrays = [v.detach().cpu().numpy() if hasattr(v, "detach") else np.asarray(v)
                  for v in inputs]
        if len(arrays) != len(self.input_names):
            raise ValueError(f"the ONNX model takes {len(self.input_names)} inputs "
                             f"({', '.join(self.input_names)}), got {len(arrays)}")
        return dict(zip(self.input_names, arrays))

    def _raw_outputs(self, inputs):
        if self._session is None:
            self._session = self._new_session(self.model)
        return self._session.run(None, self.feed(inputs))

    def outputs(self, inputs):
        return [qcc_codes(o) for o in self._raw_outputs(inputs)]

    def values(self, inputs, keys):
        import onnx

        feed = self.feed(inputs)
        keys = list(dict.fromkeys(keys))
        found = {k: np.asarray(v) for k, v in feed.items() if k in keys}
        present = {o.name for o in self.model.graph.output}
        extra = [k for k in keys if k not in found and k not in present]
        model = onnx.ModelProto()
        model.CopyFrom(self.model)
        for name in extra:
            model.graph.output.append(onnx.ValueInfoProto(name=name))
        results = self._new_session(model).run(None, feed)
        names = [o.name for o in model.graph.output]
        base = len(self.model.graph.output)
        for own, alone in zip(results[:base], self._raw_outputs(feed)):
            if not np.array_equal(own, alone):
                raise RuntimeError("reading intermediate values changed ONNX Runtime's "
                                   "outputs (a graph optimization no longer applies)")
        for name, array in zip(names, results):
            if name in keys and name not in found:
                found[name] = qcc_codes(array)
        return found


class Pt2eReference:
    """A PT2E graph (qcc._pt2e): the converted GraphModule run by PyTorch. Keys
    are its fx nodes (what qcc._pt2e puts in Graph.sources); its recorder copies
    every result when its node ran. Integer tensors are codes (int8 ones shifted
    by +128, as qcc stores them)."""

    def __init__(self, gm):
        self.gm = gm
        self.recorded = None  # (inputs, {fx node: result}) of a run already made

    def outputs(self, inputs):
        with torch.no_grad():
            out = self.gm(*inputs)
        outs = list(out) if isinstance(out, (tuple, list)) else [out]
        return [qcc_codes(_numpy(o)) for o in outs]

    def values(self, inputs, keys):
        from ._pt2e import record as record_pt2e

        if self.recorded is not None and self.recorded[0] is inputs:
            results = self.recorded[1]
        else:
            results = record_pt2e(self.gm, tuple(inputs))
        return {k: qcc_codes(_numpy(results[k])) for k in keys
                if isinstance(results.get(k), torch.Tensor)}
