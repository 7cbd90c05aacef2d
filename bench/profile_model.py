"""Per-op wall time of a compiled model (a profiling build of its generated
code): where the time goes, op by op. Not a test.

    python bench/profile_model.py resnet18 [--threads N] [--repeats N] [--batch N]

Models: the test zoo's, bench_peers.py's torchvision networks (resnet50 and the others,
quantized with fbgemm's default qconfig as that benchmark does), and bench_bandwidth.py's
entries (lstm-lm-dynamic and the others).
"""
import argparse
import collections
import ctypes
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
from bench_peers import BUILDERS, pytorch_quantized  # noqa: E402
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
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="qcc-profile-"))
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


if __name__ == "__main__":
    main()
