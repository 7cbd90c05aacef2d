"""One source of truth for requantization constants: qcc-prepare-constants computes FBGEMM's
per-channel multiplier and bias once (qcc_rt/requant_constants.h) and attaches them as
`qcc.requant`; the CPU backend packs exactly those into its kernels' blobs (the CUDA backend
reads the same attribute). This test fails if the two ever disagree: for every conv and linear
of real models it reads the pass's arrays from the optimized IR and the constants the CPU
kernels use from the packed weights, and compares them bit for bit."""
import re
import struct
import subprocess

import numpy as np
import pytest

import qcc
from model_zoo import ZOO
from qcc import _compile

HEADER = struct.Struct("<IHHiI" + "i" * 16 + "i" * 8 + "I" * 6 + "i" * 6 + "I" * 8)
MAGIC, VERSION, GEMM, DEPTHWISE = 0x57434351, 5, 1, 2  # qcc_rt::kPackedConvVersion


def f32(text):
    """A float as MLIR prints it: decimal, or the bits in hex where decimal would not round-trip."""
    if text.startswith("0x"):
        return np.array([int(text, 16)], np.uint32).view(np.float32)[0]
    return np.float32(text)


def requant_arrays(model_json):
    """(multiplier, bias) float32 arrays of each qcc.requant, in op order."""
    text = subprocess.run([_compile.qcc_executable(), model_json, "--emit=mlir-optimized",
                           "--elide-weights"], capture_output=True, text=True, check=True).stdout
    result = []
    for requant in re.findall(r"qcc\.requant = \{([^}]*)\}", text):
        arrays = dict(re.findall(r"(\w+) = array<f32: ([^>]*)>", requant))
        result.append(tuple(np.array([f32(v) for v in arrays[k].split(", ")], np.float32)
                            for k in ("multiplier", "bias")))
    return result


def depthwise_position(c):
    return (c // 64) * 64 + ((c % 16) // 4) * 16 + ((c % 64) // 16) * 4 + c % 4


def packed_arrays(weights):
    """(multiplier, bias) per output channel of each conv blob in the weights file, in order."""
    result, offset = [], 0
    while offset + HEADER.size <= len(weights):
        fields = HEADER.unpack_from(weights, offset)
        magic, version, kind = fields[0], fields[1], fields[2]
        if magic != MAGIC or version != VERSION or kind not in (GEMM, DEPTHWISE):
            offset += 64
            continue
        shape = fields[5:21]
        out_channels, groups = shape[4], shape[13]
        n, n_padded = fields[23], fields[24]
        bias_offset, multiplier_offset, total = fields[32], fields[33], fields[34]
        blob = weights[offset:offset + total]
        columns = groups * n_padded if kind == GEMM else n_padded
        mult = np.frombuffer(blob, np.float32, columns, multiplier_offset)
        bias = np.frombuffer(blob, np.float32, columns, bias_offset)
        if kind == GEMM:
            cols = [g * n_padded + j for g in range(groups) for j in range(n)]
        else:
            cols = [depthwise_position(c) for c in range(out_channels)]
        result.append((mult[cols], bias[cols]))
        offset += (total + 63) // 64 * 64
    return result


@pytest.mark.parametrize("name", ["mobilenet_v2", "shufflenet_v2", "linear", "conv_transpose2d"])
def test_cpu_blobs_hold_the_pass_constants(name, tmp_path):
    model, inputs = ZOO[name]()
    path = tmp_path / "m.json"
    qcc.export(model, inputs, path)
    expected = requant_arrays(path)
    _compile.generate(path, tmp_path, name="m", cpu="generic", weights="file")
    packed = packed_arrays((tmp_path / "m.weights").read_bytes())
    assert expected and len(packed) == len(expected), (len(packed), len(expected))
    for i, ((want_m, want_b), (got_m, got_b)) in enumerate(zip(expected, packed)):
        assert np.array_equal(got_m.view(np.uint32), want_m.view(np.uint32)), f"layer {i} multiplier"
        assert np.array_equal(got_b.view(np.uint32), want_b.view(np.uint32)), f"layer {i} bias"
