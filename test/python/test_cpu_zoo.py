"""Every model of the seed zoo (one small model per torch.ao.nn.quantized
module, the quantized/dynamic/FX forms, and the torchvision models) compiled
for the CPU and compared with PyTorch's fbgemm engine: all of them agree bit
for bit. The per-op files (test_cpu_*.py) vary the attributes; this file
checks that nothing in the seed list is left without a CPU kernel."""
import pytest

import qcc
from model_zoo import ZOO

SMALL = sorted(name for name in ZOO if name not in
               ("resnet18", "mobilenet_v2", "mobilenet_v3_large", "shufflenet_v2"))


@pytest.mark.parametrize("name", SMALL)
def test_seed_model_exact_on_cpu(name, tmp_path):
    model, inputs = ZOO[name]()
    report = qcc.verify(model, inputs, workdir=tmp_path, quiet=True)
    assert report and all(r["mismatched"] == 0 for r in report), report
