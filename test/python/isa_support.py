"""The kernel variants (instruction sets) this CPU runs, for tests that run several.

Tests ask for variants through `runnable_isas()` (loops) or `require_isa()` (parametrized
tests); both record what ran and what was skipped, with the reason, and conftest.py prints the
tally at the end of the run, so a variant this CPU cannot run is reported, never silently
dropped and never executed (which would end the run with SIGILL).

`torch_saturates_pairs()` tells whether PyTorch's fbgemm engine multiplies uint8 by int8 with
vpmaddubsw on this CPU (every x86 CPU without AVX-512 VNNI): its conv and linear results then
carry the int16 pair saturation that qcc reproduces only with --numerics=fbgemm-avx2."""
from collections import Counter

import pytest

from qcc._cpu import ISA_FLAGS, cpu_runs, missing_flags, torch_saturates_pairs  # noqa: F401

ALL_ISAS = tuple(ISA_FLAGS)
_ran = Counter()
_skipped = Counter()


def skip_reason(isa):
    return f"this CPU cannot run the {isa} kernels (lacks {', '.join(missing_flags(isa))})"


def best_isa():
    return [isa for isa in ALL_ISAS if cpu_runs(isa)][-1]


def runnable_isas():
    """The variants this CPU runs, recorded as run; the others recorded as skipped."""
    result = []
    for isa in ALL_ISAS:
        if cpu_runs(isa):
            _ran[isa] += 1
            result.append(isa)
        else:
            _skipped[isa] += 1
    return result


def require_isa(isa):
    """Skips the calling test (reason printed) when this CPU cannot run `isa`."""
    if not cpu_runs(isa):
        _skipped[isa] += 1
        pytest.skip(skip_reason(isa))
    _ran[isa] += 1


def summary_lines():
    lines = []
    for isa in ALL_ISAS:
        if _ran[isa] or _skipped[isa]:
            text = f"  {isa}: ran {_ran[isa]} times"
            if _skipped[isa]:
                text += f", skipped {_skipped[isa]} times ({skip_reason(isa)})"
            lines.append(text)
    mode = ("saturating int16 pairs (vpmaddubsw, no AVX-512 VNNI)" if torch_saturates_pairs()
            else "exact sums (AVX-512 VNNI)")
    lines.append(f"  PyTorch fbgemm conv/linear on this CPU: {mode}")
    return lines
