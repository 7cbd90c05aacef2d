"""Helpers shared by the Python tests: locating the built tools, running qcc,
and reading the qcc dialect text it prints."""
import os
import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BUILD_DIR = Path(os.environ.get("QCC_BUILD_DIR", ROOT / "build"))


def tool(name: str) -> Path:
    path = BUILD_DIR / "bin" / name
    if not path.exists():
        raise FileNotFoundError(f"{path} is not built; run scripts/build.sh")
    return path


def run_qcc(*args, check=True) -> subprocess.CompletedProcess:
    result = subprocess.run([str(tool("qcc")), *map(str, args)], text=True, capture_output=True)
    if check and result.returncode != 0:
        raise AssertionError(f"qcc {' '.join(map(str, args))} failed:\n{result.stderr}")
    return result


_OP_LINE = re.compile(r"^\s*(?P<results>%[\w#:, %]+?)\s*=\s*(?P<op>qcc\.\w+)\s+(?P<rest>.*)$")
_SSA = re.compile(r"%[\w]+")


def parse_ops(mlir_text: str):
    """Returns [(op name, [result names], [operand names])] for every qcc op
    printed in custom form, in order."""
    ops = []
    for line in mlir_text.splitlines():
        m = _OP_LINE.match(line)
        if not m:
            continue
        results = _SSA.findall(m.group("results"))
        operands_text = m.group("rest").split(" : ")[0].split(" {")[0]
        ops.append((m.group("op"), results, _SSA.findall(operands_text)))
    return ops


def dequantize_quantize_pairs(mlir_text: str):
    """Every qcc.quantize whose input comes straight from a qcc.dequantize,
    or through one float op from dequantizes only: the patterns the fold pass
    exists to remove. Returns a list of readable descriptions."""
    ops = parse_ops(mlir_text)
    producer = {}
    for op, results, operands in ops:
        for r in results:
            producer[r.split("#")[0]] = (op, operands)
    pairs = []
    for op, results, operands in ops:
        if op != "qcc.quantize" or not operands:
            continue
        src = producer.get(operands[0])
        if src is None:
            continue
        if src[0] == "qcc.dequantize":
            pairs.append(f"{results[0]} = quantize(dequantize)")
        elif src[1] and all(producer.get(o, ("",))[0] == "qcc.dequantize" for o in src[1]):
            pairs.append(f"{results[0]} = quantize({src[0]}(dequantize ...))")
    return pairs
