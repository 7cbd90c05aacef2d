"""`python -m qcc MODEL.json [options]`: the qcc command line, from Python.

Runs the qcc compiler with the same arguments and exits with its status, so
`python -m qcc ARGS` and `qcc ARGS` do the same (docs/cli.md). The compiler is
found as `qcc._toolchain` describes: next to this package when it was
installed by `cmake --install`, else $QCC_BUILD_DIR/bin, else the checkout's
build/bin, else PATH.

`python -m qcc import-onnx MODEL.onnx -o OUT[.json] [--input-shape NAME=D0,...]`
imports an ONNX model instead (qcc.import_onnx); it needs no compiler.
"""
import subprocess
import sys

from ._toolchain import ToolchainNotFound, find_toolchain


def main(argv=None) -> int:
    args = sys.argv[1:] if argv is None else list(argv)
    if args[:1] == ["import-onnx"]:
        from . import _onnx

        return _onnx.main(args[1:])
    try:
        toolchain = find_toolchain()
    except ToolchainNotFound as error:
        print(f"python -m qcc: error: {error}", file=sys.stderr)
        return 1
    # argv[0] "qcc": the help and error texts name the tool as the binary does.
    return subprocess.call(["qcc", *args], executable=str(toolchain.qcc))


if __name__ == "__main__":
    sys.exit(main())
