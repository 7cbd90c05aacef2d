"""Quantized models for the exporter and pipeline tests.

Every builder returns ``(quantized_model, example_inputs)``: the model converted
by PyTorch (eager ``torch.ao.quantization.convert`` unless noted, FX
``convert_fx`` for ``fx_convert``), in eval mode, calibrated on random data from
a fixed seed, and a tuple of example inputs. Nothing is downloaded: the
torchvision networks use random weights. ``ZOO`` maps a name to its builder.
"""
import warnings

import torch
import torch.ao.nn.quantized as nnq
import torch.ao.quantization as tq
import torch.nn as nn
import torch.nn.functional as F

warnings.filterwarnings("ignore", category=UserWarning)
warnings.filterwarnings("ignore", category=DeprecationWarning)
warnings.filterwarnings("ignore", category=FutureWarning)

ENGINE = "fbgemm"
torch.backends.quantized.engine = ENGINE

# Per-tensor weights: FBGEMM's transposed convolution rejects per-channel ones.
PER_TENSOR_QCONFIG = tq.QConfig(
    activation=tq.HistogramObserver.with_args(reduce_range=True),
    weight=tq.default_weight_observer)


def random_batch_norm(net, seed=2):
    """Random batch-norm statistics, so that every folded conv has its own
    bias (torchvision's untrained models would fold to zeros)."""
    g = torch.Generator().manual_seed(seed)
    for m in net.modules():
        if isinstance(m, nn.BatchNorm2d):
            c = m.num_features
            m.running_mean.copy_(torch.randn(c, generator=g) * 0.1)
            m.running_var.copy_(torch.rand(c, generator=g) + 0.5)
            m.weight.data.copy_(torch.rand(c, generator=g) + 0.5)
            m.bias.data.copy_(torch.randn(c, generator=g) * 0.1)
    return net


def _calibrate(model, shapes, batches=3, make=torch.randn):
    with torch.no_grad():
        for _ in range(batches):
            model(*[make(*s) for s in shapes])


def _eager(model, example, *, qconfig=None, calib=None, mapping=None, seed=0):
    """prepare -> calibrate on random batches -> convert (eager mode)."""
    torch.manual_seed(seed)
    torch.backends.quantized.engine = ENGINE
    model.eval()
    model.qconfig = qconfig or tq.get_default_qconfig(ENGINE)
    allow = None
    if mapping:
        allow = set(tq.quantization_mappings.get_default_qconfig_propagation_list()) | set(mapping)
    tq.prepare(model, inplace=True, allow_list=allow)
    shapes = calib or [tuple(t.shape) for t in example]
    _calibrate(model, shapes)
    if mapping:
        full = dict(tq.quantization_mappings.get_default_static_quant_module_mappings())
        full.update(mapping)
        tq.convert(model, mapping=full, inplace=True)
    else:
        tq.convert(model, inplace=True)
    return model.eval(), example


class Wrap(nn.Module):
    """QuantStub -> body -> DeQuantStub around one module (or a Sequential)."""

    def __init__(self, *body):
        super().__init__()
        self.quant = tq.QuantStub()
        self.body = body[0] if len(body) == 1 else nn.Sequential(*body)
        self.dequant = tq.DeQuantStub()

    def forward(self, x):
        return self.dequant(self.body(self.quant(x)))


def _single(body, shape, seed=0, **kw):
    torch.manual_seed(seed)
    return _eager(Wrap(*body) if isinstance(body, tuple) else Wrap(body), (torch.randn(*shape),),
                  seed=seed, **kw)


# ---------------------------------------------------------------- torchvision

def _torchvision(factory, size):
    torch.manual_seed(0)
    model = factory(weights=None, quantize=False).eval()
    model.fuse_model()
    example = (torch.randn(1, 3, size, size),)
    return _eager(model, example, calib=[(2, 3, size, size)])


def resnet18():
    from torchvision.models.quantization import resnet18 as f
    return _torchvision(f, 224)


def mobilenet_v2():
    from torchvision.models.quantization import mobilenet_v2 as f
    return _torchvision(f, 224)


def mobilenet_v3_large():
    from torchvision.models.quantization import mobilenet_v3_large as f
    return _torchvision(f, 224)


def shufflenet_v2():
    from torchvision.models.quantization import shufflenet_v2_x1_0 as f
    return _torchvision(f, 224)


# ------------------------------------------------------- one per seed module

def conv1d():
    # reflect padding exercises the pad node emitted before the convolution
    return _single((nn.Conv1d(4, 8, 3, padding=1, padding_mode="reflect"), nn.ReLU(),
                    nn.Conv1d(8, 6, 3, stride=2, dilation=2)), (2, 4, 16))


def conv2d_relu():
    m = Wrap(nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU())
    tq.fuse_modules(m.eval(), [["body.0", "body.1", "body.2"]], inplace=True)
    torch.manual_seed(0)
    return _eager(m, (torch.randn(1, 3, 12, 12),))


def conv3d():
    return _single((nn.Conv3d(3, 6, 3, padding=1, groups=3), nn.Conv3d(6, 4, (1, 3, 3))),
                   (1, 3, 6, 8, 8))


def conv_transpose1d():
    return _single(nn.ConvTranspose1d(4, 6, 3, stride=2, padding=1, output_padding=1),
                   (1, 4, 10), qconfig=PER_TENSOR_QCONFIG)


def conv_transpose2d():
    return _single(nn.ConvTranspose2d(4, 6, 3, stride=2, padding=1, groups=2),
                   (1, 4, 7, 7), qconfig=PER_TENSOR_QCONFIG)


def conv_transpose3d():
    return _single(nn.ConvTranspose3d(3, 4, 2, stride=2), (1, 3, 3, 4, 4),
                   qconfig=PER_TENSOR_QCONFIG)


def linear():
    return _single((nn.Linear(16, 32), nn.ReLU(), nn.Linear(32, 8, bias=False)), (4, 16))


def batchnorm2d():
    return _single(nn.BatchNorm2d(6), (2, 6, 5, 5))


def batchnorm3d():
    return _single(nn.BatchNorm3d(4), (1, 4, 3, 5, 5))


def layernorm():
    return _single(nn.LayerNorm([6, 8]), (2, 5, 6, 8))


def groupnorm():
    return _single(nn.GroupNorm(3, 6), (2, 6, 5, 5))


def instancenorm1d():
    return _single(nn.InstanceNorm1d(4), (2, 4, 10))


def instancenorm2d():
    return _single(nn.InstanceNorm2d(4, affine=True), (2, 4, 6, 6))


def instancenorm3d():
    return _single(nn.InstanceNorm3d(3), (1, 3, 4, 4, 4))


def elu():
    return _single(nn.ELU(alpha=0.7), (2, 32))


def hardswish():
    return _single(nn.Hardswish(), (2, 32))


def leakyrelu():
    return _single(nn.LeakyReLU(0.05), (2, 32))


def relu6():
    return _single(nn.ReLU6(), (2, 32))


def sigmoid():
    return _single(nn.Sigmoid(), (2, 32), mapping={nn.Sigmoid: nnq.Sigmoid})


def softmax():
    return _single(nn.Softmax(dim=-1), (2, 3, 16), mapping={nn.Softmax: nnq.Softmax})


def prelu():
    torch.manual_seed(0)
    model = Wrap(nn.Conv2d(3, 4, 1), nn.PReLU(4))
    # PyTorch quantizes PReLU's slope to quint8 per tensor.
    model.body[1].qconfig = tq.QConfig(
        activation=tq.HistogramObserver.with_args(reduce_range=True),
        weight=tq.MinMaxObserver.with_args(dtype=torch.quint8))
    return _eager(model, (torch.randn(1, 3, 6, 6),))


def dropout():
    return _single((nn.Linear(8, 8), nn.Dropout(0.25)), (2, 8))


def maxpool2d():
    return _single((nn.Conv2d(3, 4, 3), nn.MaxPool2d(3, stride=2, padding=1),
                    nn.AvgPool2d(2, ceil_mode=True), nn.AdaptiveAvgPool2d((2, 1)),
                    nn.Flatten(), nn.Hardtanh(-0.5, 0.5), nn.Tanh(), nn.Hardsigmoid()),
                   (1, 3, 13, 13))


class _EmbeddingModel(nn.Module):
    def __init__(self, bag, mode="sum", per_sample_weights=False):
        super().__init__()
        self.bag = bag
        self.psw = per_sample_weights
        if bag:
            self.emb = nn.EmbeddingBag(30, 16, mode=mode)
        else:
            self.emb = nn.Embedding(30, 16)

    def forward(self, indices, offsets=None, weights=None):
        if not self.bag:
            return self.emb(indices)
        return self.emb(indices, offsets, per_sample_weights=weights)


def _embedding(bag, bits, per_sample_weights=False):
    torch.manual_seed(0)
    model = _EmbeddingModel(bag, per_sample_weights=per_sample_weights).eval()
    model.emb.qconfig = (tq.float_qparams_weight_only_qconfig if bits == 8
                         else tq.float_qparams_weight_only_qconfig_4bit)
    tq.prepare(model, inplace=True)
    tq.convert(model, inplace=True)
    indices = torch.tensor([1, 5, 7, 29, 0, 3, 3, 12], dtype=torch.int64)
    if not bag:
        return model, (indices.reshape(2, 4),)
    offsets = torch.tensor([0, 3, 3, 6], dtype=torch.int64)
    if per_sample_weights:
        return model, (indices, offsets, torch.rand(8))
    return model, (indices, offsets)


def embedding():
    return _embedding(False, 8)


def embedding_bag():
    return _embedding(True, 8, per_sample_weights=True)


def embedding_bag_4bit():
    return _embedding(True, 4)


class _LSTMModel(nn.Module):
    def __init__(self, **kw):
        super().__init__()
        self.quant = tq.QuantStub()
        self.lstm = nn.LSTM(6, 8, **kw)
        self.dequant = tq.DeQuantStub()

    def forward(self, x):
        y, (h, c) = self.lstm(self.quant(x))
        return self.dequant(y), self.dequant(h), self.dequant(c)


def lstm():
    """Static: nn.LSTM -> quantizable LSTM (prepare) -> quantized LSTM (convert)."""
    torch.manual_seed(0)
    model = _LSTMModel(num_layers=2, bidirectional=True)
    return _eager(model, (torch.randn(5, 2, 6),))


def dynamic_linear():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(16, 24), nn.ReLU(), nn.Linear(24, 8)).eval()
    model = tq.quantize_dynamic(model, {nn.Linear}, dtype=torch.qint8)
    return model.eval(), (torch.randn(3, 16),)


class _DynLSTM(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(6, 8, num_layers=2, batch_first=True)

    def forward(self, x, h0, c0):
        y, (h, c) = self.lstm(x, (h0, c0))
        return y, h, c


def dynamic_lstm():
    torch.manual_seed(0)
    model = tq.quantize_dynamic(_DynLSTM().eval(), {nn.LSTM}, dtype=torch.qint8)
    return model.eval(), (torch.randn(2, 5, 6), torch.randn(2, 2, 8), torch.randn(2, 2, 8))


class _MHAModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.quant = tq.QuantStub()
        self.mha = nn.MultiheadAttention(16, 4)
        self.dequant = tq.DeQuantStub()

    def forward(self, q, kv):
        q, kv = self.quant(q), self.quant(kv)
        out, weights = self.mha(q, kv, kv)
        return self.dequant(out), self.dequant(weights)


def multihead_attention():
    torch.manual_seed(0)
    return _eager(_MHAModel(), (torch.randn(5, 2, 16), torch.randn(7, 2, 16)))


class _Functional(nn.Module):
    """FloatFunctional add/add_relu/mul/cat/add_scalar/mul_scalar/matmul."""

    def __init__(self):
        super().__init__()
        self.quant = tq.QuantStub()
        self.conv = nn.Conv2d(3, 4, 1)
        self.add = nn.quantized.FloatFunctional()
        self.add_relu = nn.quantized.FloatFunctional()
        self.mul = nn.quantized.FloatFunctional()
        self.cat = nn.quantized.FloatFunctional()
        self.add_scalar = nn.quantized.FloatFunctional()
        self.mul_scalar = nn.quantized.FloatFunctional()
        self.matmul = nn.quantized.FloatFunctional()
        self.dequant = tq.DeQuantStub()

    def forward(self, x):
        x = self.quant(x)
        y = self.conv(x)
        a = self.add.add(y, y)
        b = self.add_relu.add_relu(a, y)
        c = self.mul.mul(b, y)
        d = self.cat.cat([c, b], dim=1)
        e = self.add_scalar.add_scalar(d, 0.25)
        f = self.mul_scalar.mul_scalar(e, 1.5)
        g = self.matmul.matmul(f, f.transpose(2, 3))
        return self.dequant(g)


def functional():
    torch.manual_seed(0)
    return _eager(_Functional(), (torch.randn(1, 3, 6, 6),))


class _FxNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, padding=1)
        self.bn = nn.BatchNorm2d(8)
        self.conv2 = nn.Conv2d(8, 8, 3, padding=1)
        self.fc = nn.Linear(16, 10)
        self.w = nn.Parameter(torch.randn(6, 10))

    def forward(self, x):
        y = F.relu(self.bn(self.conv(x)))
        z = self.conv2(y) + y
        z = torch.cat([z, y * y], 1)
        z = F.max_pool2d(z, 2)
        z = F.adaptive_avg_pool2d(z, 1).flatten(1)
        z = z.reshape(z.size(0), 2, 8).transpose(1, 2).reshape(z.size(0), 16)
        z = F.relu(self.fc(z))
        z = F.linear(z, self.w)
        return torch.sigmoid(z)


def fx_convert():
    """FX graph mode: prepare_fx -> calibrate -> convert_fx."""
    from torch.ao.quantization.quantize_fx import convert_fx, prepare_fx
    torch.manual_seed(0)
    torch.backends.quantized.engine = ENGINE
    model = _FxNet().eval()
    example = (torch.randn(1, 3, 8, 8),)
    prepared = prepare_fx(model, tq.get_default_qconfig_mapping(ENGINE), example)
    _calibrate(prepared, [(2, 3, 8, 8)])
    return convert_fx(prepared).eval(), example


ZOO = {f.__name__: f for f in [
    resnet18, mobilenet_v2, mobilenet_v3_large, shufflenet_v2,
    conv1d, conv2d_relu, conv3d, conv_transpose1d, conv_transpose2d, conv_transpose3d,
    linear, batchnorm2d, batchnorm3d, layernorm, groupnorm,
    instancenorm1d, instancenorm2d, instancenorm3d,
    elu, hardswish, leakyrelu, relu6, sigmoid, softmax, prelu, dropout, maxpool2d,
    embedding, embedding_bag, embedding_bag_4bit,
    lstm, dynamic_linear, dynamic_lstm, multihead_attention, functional, fx_convert,
]}
