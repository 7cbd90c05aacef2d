"""qcc.import_onnx: an ONNX model quantized by ONNX Runtime (QDQ or QOperator
format) as a qcc model (NAME.json + NAME.safetensors, docs/model-format.md).

The onnx package is imported only when a model is imported, so that qcc
works without it. The parts: _onnx_load.py (parsing, opsets, shapes),
_onnx_rewrite.py (ONNX Runtime's result-changing graph rewrites),
_onnx_states.py (what each ONNX value is on the qcc side), _onnx_convert.py
(the driver), then the op handlers: _onnx_qdq.py (Quantize/DequantizeLinear,
and when ONNX Runtime fuses a pattern), _onnx_ops.py (conv, linear, add, mul),
_onnx_shape_ops.py (pooling, data movement, lookup tables of elementwise ops),
with _onnx_tables.py (the tables' numerics).
"""
import argparse
import sys
from pathlib import Path

from ._graph import ExportError
from ._onnx_load import Fail, printable
from .export import VERSION, _paths

__all__ = ["import_onnx", "OnnxImportError", "main"]

# The compiler reproduces ONNX Runtime's integer formulas for models marked so.
NUMERICS = "onnxruntime"


class OnnxImportError(ExportError):
    """The ONNX file cannot be imported. `file` is the model path as given,
    `detail` the one-line reason, prefixed by the node (node 'NAME' (OpType),
    or node #INDEX (OpType) when unnamed) or graph input/output it concerns."""

    def __init__(self, file, reason, where=None):
        self.file = file
        self.where = where
        self.reason = reason
        self.detail = f"{where}: {reason}" if where else reason
        super().__init__(f"{file}: {self.detail}")


def import_onnx(onnx_path, out_path, input_shapes=None) -> Path:
    """Imports a quantized ONNX model (opset 13..21; QDQ or QOperator format as
    written by onnxruntime.quantization.quantize_static, com.microsoft contrib
    ops included) and writes OUT.json + OUT.safetensors.

    `out_path` may be "dir/name" or "dir/name.json"; returns the JSON path.
    `input_shapes` maps graph input names to full shapes (lists of ints) and
    fixes their symbolic dimensions; without it every symbolic dimension
    becomes 1. Every value's shape is then taken from ONNX shape inference.

    The model is marked `"numerics": "onnxruntime"`: the compiler reproduces
    ONNX Runtime's integer results. Raises OnnxImportError (a one-line message
    naming the file and the node) for anything it cannot represent, and for
    malformed or hostile files.
    """
    return import_with_sources(onnx_path, out_path, input_shapes)[0]


def import_with_sources(onnx_path, out_path, input_shapes=None):
    """import_onnx, returning (JSON path, Graph.sources: qcc value name -> ONNX
    value name) for the layer-by-layer diff (qcc.verify)."""
    file = printable(onnx_path, 300)
    try:
        import onnx
    except ImportError:
        raise OnnxImportError(file, "the onnx package is not installed") from None
    json_path, tensor_path = _paths(out_path)
    try:
        graph, model = _convert(onnx_path, input_shapes)
    except Fail as e:
        raise OnnxImportError(file, e.reason, e.where) from None
    except Exception as e:  # outside any node: still no traceback for a bad file
        raise OnnxImportError(file, f"malformed model ({type(e).__name__}: "
                                    f"{printable(e, 160)})") from None

    producer = printable(f"qcc.import_onnx {VERSION} (onnx {onnx.__version__}; producer "
                         f"{model.producer_name or 'unknown'} {model.producer_version})".strip(),
                         300)
    graph.write(json_path, tensor_path, producer, NUMERICS)
    return json_path, dict(graph.sources)


def _convert(path, input_shapes):
    from . import _onnx_ops, _onnx_qdq, _onnx_shape_ops  # noqa: F401  (register handlers)
    from ._onnx_convert import Converter
    from ._onnx_rewrite import constants_to_initializers, remove_double_qdq_pairs
    from ._onnx_load import (check_opsets, fix_input_shapes, graph_inputs, infer_shapes,
                             initializers, parse)

    model = parse(path)
    opset = check_opsets(model)
    constants = initializers(model)
    inputs = graph_inputs(model, constants)
    fix_input_shapes(inputs, input_shapes)
    shapes = infer_shapes(model, constants)
    constants_to_initializers(model, constants)
    merged = remove_double_qdq_pairs(model, constants)
    converter = Converter(model, constants, shapes, opset)
    converter.unobservable = merged
    converter.run(inputs)
    return converter.graph, model


# -------------------------------------------------------- command line

def main(argv) -> int:
    """`python -m qcc import-onnx MODEL.onnx -o OUT[.json] [--input-shape
    NAME=D0,D1,...]`: exits 0 on success, else prints one line
    `MODEL.onnx: error: ...` on stderr and exits 1 (2 for a usage error)."""
    parser = argparse.ArgumentParser(
        prog="python -m qcc import-onnx",
        description="Import an ONNX model quantized by ONNX Runtime (QDQ or QOperator) as a "
                    "qcc model (OUT.json + OUT.safetensors).")
    parser.add_argument("model", help="the .onnx file")
    parser.add_argument("-o", "--output", required=True, help="OUT or OUT.json")
    parser.add_argument("--input-shape", action="append", default=[], metavar="NAME=D0,D1,...",
                        help="fix the shape of a graph input (repeatable); symbolic "
                             "dimensions of other inputs become 1")
    args = parser.parse_args(argv)
    shapes = {}
    for spec in args.input_shape:
        name, sep, dims = spec.rpartition("=")
        try:
            shapes[name] = [int(d) for d in dims.split(",")]
        except ValueError:
            sep = ""
        if not sep or not name:
            print(f"python -m qcc import-onnx: error: --input-shape {printable(spec)}: expected "
                  "NAME=D0,D1,...", file=sys.stderr)
            return 2
    try:
        import_onnx(args.model, args.output, shapes or None)
    except OnnxImportError as e:
        print(f"{e.file}: error: {e.detail}", file=sys.stderr)
        return 1
    except OSError as e:
        print(f"{printable(args.model)}: error: cannot write {printable(args.output)}: "
              f"{printable(e.strerror or e)}", file=sys.stderr)
        return 1
    return 0
