"""What this machine's CPU runs, read from /proc/cpuinfo (Linux; elsewhere nothing is
assumed beyond the generic kernels)."""
from functools import lru_cache
from pathlib import Path

# Kernel variants, worst first, and the cpuinfo flags each needs (the runtime's CPUID +
# XGETBV check reads the same bits; Linux drops a flag when the OS does not save the
# registers it needs).
ISA_FLAGS = {"generic": (), "avx2": ("avx2", "fma"),
             "avx512vnni": ("avx512f", "avx512bw", "avx512vl", "avx512_vnni")}


@lru_cache(maxsize=None)
def cpu_flags():
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return frozenset()
    for line in text.splitlines():
        if line.startswith("flags"):
            return frozenset(line.split(":", 1)[1].split())
    return frozenset()


def missing_flags(isa):
    return [f for f in ISA_FLAGS[isa] if f not in cpu_flags()]


def cpu_runs(isa):
    return not missing_flags(isa)


def torch_saturates_pairs():
    """PyTorch's fbgemm conv and linear multiply uint8 by int8 with vpmaddubsw, whose int16
    pair sums saturate, on every x86 CPU without AVX-512 VNNI."""
    return not cpu_runs("avx512vnni")


def torch_numerics():
    """The qcc numerics profile that gives PyTorch's fbgemm results on this CPU."""
    return "fbgemm-avx2" if torch_saturates_pairs() else "fbgemm"


def onnxruntime_saturates_pairs():
    """ONNX Runtime's u8s8 conv and matmul kernels (MLAS) saturate int16 pair sums on x86 CPUs
    without a VNNI instruction (AVX-512 VNNI, AVX-VNNI or AMX)."""
    return not ({"avx512_vnni", "avx_vnni", "amx_int8"} & cpu_flags())


def onnxruntime_numerics():
    """The qcc numerics profile that gives ONNX Runtime's CPU results on this CPU."""
    return "onnxruntime-avx2" if onnxruntime_saturates_pairs() else "onnxruntime"
