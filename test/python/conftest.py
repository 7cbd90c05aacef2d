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
