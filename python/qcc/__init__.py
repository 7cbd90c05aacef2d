"""qcc: an ahead-of-time compiler for PyTorch-quantized neural networks.

`export` writes a quantized PyTorch model in the qcc model format
(docs/model-format.md), `import_onnx` an ONNX model quantized by ONNX Runtime;
`compile` builds it with the qcc compiler into a loadable library; `verify` compares it with PyTorch.
`python -m qcc ARGS` runs the qcc compiler itself (docs/cli.md).
"""
from .export import VERSION as __version__
from .export import ExportError, export
from ._onnx import OnnxImportError, import_onnx
from ._compile import CompileError, CompiledModel, RunError, UnsupportedCpuError, compile
from ._verify import verify

__all__ = ["export", "ExportError", "import_onnx", "OnnxImportError", "compile", "CompiledModel",
           "CompileError", "RunError", "UnsupportedCpuError", "verify", "__version__"]
