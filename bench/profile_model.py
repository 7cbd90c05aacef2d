"""Per-op wall time of a compiled model (a profiling build of its generated
code): where the time goes, op by op. Not a test.

    python bench/profile_model.py resnet18 [--threads N] [--repeats N] [--batch N] [--openvino]

Models: the test zoo's, bench_peers.py's torchvision networks (resnet50 and the others,
quantized with fbgemm's default qconfig as that benchmark does), and bench_bandwidth.py's
entries (lstm-lm-dynamic and the others).

--openvino (bench_peers.py's networks): the same layers in OpenVINO, side by side. OpenVINO runs
the QDQ model bench_peers.py gives it (its own quantization of the same float network) with its
performance counters on; each layer's time is the median over the repeats. Convolutions and
fully connected layers are paired with qcc's by module path (OpenVINO's node names carry the
ONNX exporter's scopes); a qcc.conv_add, named after its add, takes the first OpenVINO layer left
unpaired before it (OpenVINO folds the residual add into that conv as qcc does).
"""
import argparse
import atexit
import collections
import ctypes
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "python"), str(ROOT / "test" / "python")]
import qcc  # noqa: E402
from qcc import _compile  # noqa: E402
from model_zoo import ZOO  # noqa: E402

sys.path.insert(0, str(ROOT / "bench"))
from bench_peers import BUILDERS, install_peers, onnx_qdq, pytorch_quantized  # noqa: E402
from bench_bandwidth import ENTRIES as BANDWIDTH_ENTRIES  # noqa: E402

BANDWIDTH = {entry.name: entry.build for entry in BANDWIDTH_ENTRIES}

HOOK = r"""
#include <stdio.h>
static double totals[4096];
static const char *nodes[4096], *ops[4096];
void qcc_profile_record(int i, const char *node, const char *op, double s) {
  if (i < 4096) { totals[i] += s; nodes[i] = node; ops[i] = op; }
}
int qcc_profile_count(void) { int n = 0; for (int i = 0; i < 4096; ++i) if (nodes[i]) n = i + 1; return n; }
double qcc_profile_total(int i) { return totals[i]; }
const char *qcc_profile_node(int i) { return nodes[i] ? nodes[i] : ""; }
const char *qcc_profile_op(int i) { return ops[i] ? ops[i] : ""; }
"""


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("model", choices=sorted(set(ZOO) | set(BUILDERS) | set(BANDWIDTH)))
    parser.add_argument("--batch", type=int, default=1, help="the inputs repeated N times")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--cpu", default="native")
    parser.add_argument("--all", action="store_true", help="every op, in execution order")
    parser.add_argument("--openvino", action="store_true",
                        help="OpenVINO's time for each conv / linear layer beside qcc's")
    args = parser.parse_args()
    if args.openvino and args.model not in BUILDERS:
        parser.error(f"--openvino needs one of bench_peers.py's networks: {', '.join(BUILDERS)}")
    work = Path(tempfile.mkdtemp(prefix="qcc-profile-"))
    atexit.register(shutil.rmtree, work, True)  # compiled models and weights: up to hundreds of MB
    if args.model in ZOO:
        model, inputs = ZOO[args.model]()
    elif args.model in BANDWIDTH:
        model, inputs = BANDWIDTH[args.model]()
    else:
        model, inputs = pytorch_quantized(args.model, "fbgemm"), (torch.randn(1, 3, 224, 224),)
    inputs = tuple(torch.cat([i] * args.batch) for i in inputs)
    qcc.export(model, inputs, work / "m.json")
    _compile.generate(work / "m.json", work, name="m", cpu=args.cpu)
    (work / "hook.c").write_text(HOOK)
    subprocess.run(["gcc", "-O2", "-fPIC", "-c", work / "hook.c", "-o", work / "hook.o"], check=True)
    _compile.build_shared_library(work, "m", extra_flags=["-DQCC_PROFILE", str(work / "hook.o")])
    compiled = _compile.CompiledModel(work / "m.so", "m", num_threads=args.threads)
    arrays = [i.numpy() for i in inputs]
    compiled(*arrays)
    lib = compiled._lib
    for name, restype in [("qcc_profile_total", ctypes.c_double),
                          ("qcc_profile_node", ctypes.c_char_p), ("qcc_profile_op", ctypes.c_char_p)]:
        getattr(lib, name).restype = restype
    base = [lib.qcc_profile_total(i) for i in range(lib.qcc_profile_count())]
    for _ in range(args.repeats):
        compiled(*arrays)
    rows = [((lib.qcc_profile_total(i) - base[i]) / args.repeats * 1e3,
             lib.qcc_profile_op(i).decode(), lib.qcc_profile_node(i).decode())
            for i in range(lib.qcc_profile_count())]
    by_op = collections.Counter()
    for ms, op, _ in rows:
        by_op[op] += ms
    total = sum(ms for ms, _, _ in rows)
    print(f"{args.model} batch {args.batch}: {total:.3f} ms per run in {len(rows)} ops "
          f"({args.threads} thread(s))")
    for op, ms in by_op.most_common():
        print(f"  {op:28s} {ms:8.3f} ms  {100 * ms / total:5.1f}%")
    print("every op, in order:" if args.all else "slowest ops:")
    for ms, op, node in rows if args.all else sorted(rows, reverse=True)[:15]:
        print(f"  {ms:8.3f} ms  {op:20s} {node}")
    if args.openvino:
        compare_openvino(args, work, rows, arrays[0])


# OpenVINO's node types for the layers qcc runs as conv, conv_add and linear (prefixes).
OPENVINO_LAYERS = ("Convolution", "GroupConvolution", "FullyConnected")
QCC_LAYERS = ("qcc.conv", "qcc.conv_add", "qcc.linear")


def module_path(onnx_node_name):
    """The PyTorch module path in an ONNX exporter node name:
    /features/features.2/conv/conv.0/conv.0.0/Conv/WithoutBiases -> features.2.conv.0.0 (each
    scope names its module relative to the scope above, Sequential children as parent.index)."""
    parts = []
    for scope in onnx_node_name.strip("/").split("/"):
        if scope in ("Conv", "Gemm", "MatMul"):
            break
        if parts and scope.startswith(parts[-1] + "."):
            parts[-1] = scope
        else:
            parts.append(scope)
    return ".".join(parts)


def openvino_layer_ms(qdq, threads, x, repeats):
    """[(module path, exec type, median ms)] of OpenVINO's executed conv / FC nodes, in order."""
    import openvino as ov
    compiled = ov.Core().compile_model(str(qdq), "CPU", {"INFERENCE_NUM_THREADS": threads,
                                                         "PERFORMANCE_HINT": "LATENCY",
                                                         "PERF_COUNT": True})
    request = compiled.create_infer_request()
    for _ in range(3):
        request.infer({0: x})
    times = collections.defaultdict(list)
    order = []
    for _ in range(repeats):
        request.infer({0: x})
        for info in request.profiling_info:
            if info.status != info.Status.EXECUTED or not info.node_type.startswith(OPENVINO_LAYERS):
                continue
            key = (module_path(info.node_name), info.exec_type)
            if key not in times:
                order.append(key)
            times[key].append(info.real_time.total_seconds() * 1e3)
    return [(path, exec_type, statistics.median(times[(path, exec_type)])) for path, exec_type in order]


def pair_layers(ours, theirs):
    """[(qcc row, OpenVINO row)]: by module path, a conv_add with the first OpenVINO layer left
    unpaired before it; None where nothing pairs."""
    by_path = {path: i for i, (path, _, _) in enumerate(theirs)}
    qcc_nodes = {node for node, _, _ in ours}
    taken = set()
    pairs = []
    for node, op, ms in ours:
        i = by_path.get(node)
        if op == "qcc.conv_add" or i is None or i in taken:
            i = next((j for j in range(len(theirs)) if j not in taken and theirs[j][0] not in qcc_nodes),
                     None)
        if i is not None:
            taken.add(i)
        pairs.append(((node, ms), theirs[i] if i is not None else None))
    return pairs


def compare_openvino(args, work, rows, x):
    install_peers()
    ours = [(node, op, ms) for ms, op, node in rows if op in QCC_LAYERS]
    theirs = openvino_layer_ms(onnx_qdq(args.model, work), args.threads, x, args.repeats)
    print(f"conv / linear layers, qcc against OpenVINO ({args.threads} thread(s), ms):")
    print(f"  {'qcc layer':32s} {'qcc':>8s} {'OpenVINO':>8s} {'ratio':>6s}  OpenVINO layer (kernel)")
    total = ov_total = 0.0
    for (node, ms), theirs_row in pair_layers(ours, theirs):
        if theirs_row is None:
            print(f"  {node:32s} {ms:8.3f} {'-':>8s}")
            continue
        path, exec_type, ov_ms = theirs_row
        total, ov_total = total + ms, ov_total + ov_ms
        print(f"  {node:32s} {ms:8.3f} {ov_ms:8.3f} {ms / ov_ms:6.2f}  {path} ({exec_type})")
    print(f"  {'paired layers':32s} {total:8.3f} {ov_total:8.3f} {total / ov_total:6.2f}")


if __name__ == "__main__":
    main()
