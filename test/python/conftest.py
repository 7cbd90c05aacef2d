"""Shared set-up for the Python tests: import paths, the quantized engine."""
import sys
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
for path in (ROOT / "python", HERE):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

import torch  # noqa: E402

warnings.filterwarnings("ignore", category=DeprecationWarning)
torch.backends.quantized.engine = "fbgemm"


def pytest_terminal_summary(terminalreporter):
    """Which kernel variants the run executed and which this CPU could not run."""
    import isa_support

    terminalreporter.write_sep("-", "kernel variants (isa_support)")
    for line in isa_support.summary_lines():
        terminalreporter.write_line(line)
