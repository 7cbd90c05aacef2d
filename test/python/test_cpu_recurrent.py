"""CPU backend end to end for the recurrent ops: dynamic quantized Linear (qcc.dynamic_linear),
the static quantized LSTM (qcc.lstm, torch.ao.nn.quantized.LSTM converted from the quantizable
LSTM) and the dynamic quantized LSTM (qcc.dynamic_lstm), each compiled to C++ and compared with
PyTorch's fbgemm engine, plus two small LSTM language models (quantized embedding -> LSTM ->
linear; static and dynamic).

Numerics (docs/numerics.md, "Recurrent ops"): dynamic_linear is exact. The static LSTM is exact
where PyTorch's quantized sigmoid/tanh run their scalar code (hidden sizes below 64 with one
PyTorch thread); with hidden size >= 64 the first 64-element blocks of each gate row take
PyTorch's Sleef vector lanes, which the compile-time tables replace with correctly rounded
functions (a one-step difference on about 1 element in 10^7, then carried through the
recurrence) - those cases assert at most 1 step on at most 0.1% of elements. The dynamic LSTM's
float sigmoid is reproduced exactly (Sleef's expf in PyTorch's vector lanes, libm's in its scalar
code), but PyTorch's float tanh is a vectorized approximation that differs from qcc's correctly
rounded tanh by an ulp on ~0.06% of inputs, so its cases assert a small absolute tolerance
(measured: usually 0 mismatches, at most a few 1e-8)."""
import json

import pytest
import torch
import torch.ao.nn.quantized as nnq
import torch.ao.nn.quantized.dynamic as nnqd
import torch.ao.quantization as tq
import torch.nn as nn

import qcc
from model_zoo import _eager
from qcc_testing import run_qcc
import isa_support

torch.backends.quantized.engine = "fbgemm"

PER_TENSOR = tq.QConfig(activation=tq.HistogramObserver.with_args(reduce_range=True),
                        weight=tq.default_weight_observer)


def check(model, inputs, tmp_path, *, exact=True, atol=None):
    report = qcc.verify(model, inputs, workdir=tmp_path, quiet=True)
    assert report, report
    for r in report:
        if atol is not None and not r["steps_are_quantized"]:
            assert r["max_steps"] <= atol, report
        elif exact:
            assert r["mismatched"] == 0, report
        else:
            assert r["max_steps"] <= 1 and r["mismatched"] <= max(1, r["elements"] // 1000), report
    return report


# ------------------------------------------------------------------ dynamic linear

class DynLinear(nn.Module):
    def __init__(self, k, n, bias=True):
        super().__init__()
        self.fc = nn.Linear(k, n, bias=bias)

    def forward(self, x):
        return self.fc(x)


def dynamic_linear(k, n, per_channel=False, bias=True, seed=0):
    torch.manual_seed(seed)
    qconfig = tq.per_channel_dynamic_qconfig if per_channel else tq.default_dynamic_qconfig
    model = tq.quantize_dynamic(DynLinear(k, n, bias).eval(), {nn.Linear: qconfig},
                                dtype=torch.qint8)
    assert isinstance(model.fc, nnqd.Linear)
    return model


@pytest.mark.parametrize("k,n,shape,per_channel,bias", [
    (16, 24, (3, 16), False, True),
    (17, 5, (1, 17), True, True),
    (100, 33, (4, 7, 100), False, True),
    (64, 64, (2, 64), True, False),
    (130, 70, (9, 130), True, True),
])
def test_dynamic_linear(tmp_path, k, n, shape, per_channel, bias):
    model = dynamic_linear(k, n, per_channel, bias)
    torch.manual_seed(1)
    x = torch.randn(*shape) * 2 + 0.3
    check(model, (x,), tmp_path)


@pytest.mark.parametrize("make", [
    lambda: torch.rand(3, 20) * 5,            # all positive: min extended to 0
    lambda: -torch.rand(3, 20) * 1e-3,        # all negative, tiny scale (raised to 6.1e-5)
    lambda: torch.zeros(3, 20),               # zero range: scale 0.1
    lambda: torch.randn(3, 20) * 1e-6,        # both signs below the scale threshold
])
def test_dynamic_linear_qparams_edges(tmp_path, make):
    model = dynamic_linear(20, 12, per_channel=True)
    torch.manual_seed(2)
    check(model, (make(),), tmp_path)


# ------------------------------------------------------------------ static LSTM

class StaticLSTM(nn.Module):
    def __init__(self, input_size, hidden, **kw):
        super().__init__()
        self.quant = tq.QuantStub()
        self.lstm = nn.LSTM(input_size, hidden, **kw)
        self.dequant = tq.DeQuantStub()

    def forward(self, x):
        y, (h, c) = self.lstm(self.quant(x))
        return self.dequant(y), self.dequant(h), self.dequant(c)


class StaticLSTMState(StaticLSTM):
    def __init__(self, input_size, hidden, **kw):
        super().__init__(input_size, hidden, **kw)
        self.quant_h, self.quant_c = tq.QuantStub(), tq.QuantStub()

    def forward(self, x, h0, c0):
        y, (h, c) = self.lstm(self.quant(x), (self.quant_h(h0), self.quant_c(c0)))
        return self.dequant(y), self.dequant(h), self.dequant(c)


def static_lstm(input_size, hidden, T, N, *, layers=1, bidirectional=False, batch_first=False,
                state=False, qconfig=None, seed=0):
    torch.manual_seed(seed)
    kw = dict(num_layers=layers, bidirectional=bidirectional, batch_first=batch_first)
    model = (StaticLSTMState if state else StaticLSTM)(input_size, hidden, **kw)
    x = torch.randn(N, T, input_size) if batch_first else torch.randn(T, N, input_size)
    example = (x,)
    if state:
        d = 2 if bidirectional else 1
        example += (torch.randn(layers * d, N, hidden) * 0.5, torch.randn(layers * d, N, hidden))
    model, example = _eager(model, example, qconfig=qconfig, seed=seed)
    assert isinstance(model.lstm, nnq.LSTM)
    return model, example


@pytest.mark.parametrize("kw", [
    dict(input_size=6, hidden=8, T=5, N=2),
    dict(input_size=6, hidden=8, T=5, N=2, layers=2, bidirectional=True),
    dict(input_size=10, hidden=12, T=4, N=3, batch_first=True, state=True),
    dict(input_size=5, hidden=16, T=3, N=2, layers=2, state=True, qconfig=PER_TENSOR),
    dict(input_size=7, hidden=20, T=6, N=1, bidirectional=True, batch_first=True, state=True),
    dict(input_size=9, hidden=24, T=3, N=4, layers=3),
])
def test_static_lstm(tmp_path, kw):
    model, example = static_lstm(**kw)
    check(model, example, tmp_path)


def test_static_lstm_vector_lanes(tmp_path):
    """hidden 80: the first 64 gates of every row take PyTorch's vector lanes (Sleef)."""
    model, example = static_lstm(12, 80, T=4, N=2, layers=2, bidirectional=True)
    check(model, example, tmp_path, exact=False)


# ------------------------------------------------------------------ dynamic LSTM

class DynLSTM(nn.Module):
    def __init__(self, input_size, hidden, **kw):
        super().__init__()
        self.lstm = nn.LSTM(input_size, hidden, **kw)

    def forward(self, x):
        y, (h, c) = self.lstm(x)
        return y, h, c


class DynLSTMState(DynLSTM):
    def forward(self, x, h0, c0):
        y, (h, c) = self.lstm(x, (h0, c0))
        return y, h, c


def dynamic_lstm(input_size, hidden, T, N, *, layers=1, bidirectional=False, batch_first=False,
                 state=False, per_channel=False, seed=0):
    torch.manual_seed(seed)
    kw = dict(num_layers=layers, bidirectional=bidirectional, batch_first=batch_first)
    model = (DynLSTMState if state else DynLSTM)(input_size, hidden, **kw).eval()
    qconfig = tq.per_channel_dynamic_qconfig if per_channel else tq.default_dynamic_qconfig
    model = tq.quantize_dynamic(model, {nn.LSTM: qconfig}, dtype=torch.qint8)
    assert isinstance(model.lstm, nnqd.LSTM)
    x = torch.randn(N, T, input_size) if batch_first else torch.randn(T, N, input_size)
    example = (x,)
    if state:
        d = 2 if bidirectional else 1
        example += (torch.randn(layers * d, N, hidden), torch.randn(layers * d, N, hidden))
    return model, example


@pytest.mark.parametrize("kw", [
    dict(input_size=6, hidden=8, T=4, N=3),
    dict(input_size=6, hidden=8, T=5, N=2, layers=2, bidirectional=True),
    dict(input_size=10, hidden=12, T=3, N=2, batch_first=True, state=True),
    dict(input_size=5, hidden=16, T=4, N=1, layers=2, state=True, per_channel=True),
    dict(input_size=7, hidden=6, T=6, N=4, bidirectional=True, batch_first=True, per_channel=True),
])
def test_dynamic_lstm(tmp_path, kw):
    """PyTorch's tanh is a vectorized approximation, 1 ulp from qcc's on ~0.06% of inputs."""
    model, example = dynamic_lstm(**kw)
    check(model, example, tmp_path, atol=1e-6)


def test_dynamic_lstm_vector_lanes(tmp_path):
    """hidden 40, batch 3: the first 32 gates of each row take PyTorch's Sleef sigmoid lanes."""
    model, example = dynamic_lstm(12, 40, T=5, N=3, layers=2, bidirectional=True)
    check(model, example, tmp_path, atol=1e-6)


# ------------------------------------------------------------------ language models

class StaticLM(nn.Module):
    """Quantized embedding (float output) -> quant -> 2-layer LSTM -> linear -> dequant."""

    def __init__(self, vocab=50, emb=16, hidden=24):
        super().__init__()
        self.emb = nn.Embedding(vocab, emb)
        self.quant = tq.QuantStub()
        self.lstm = nn.LSTM(emb, hidden, num_layers=2)
        self.fc = nn.Linear(hidden, vocab)
        self.dequant = tq.DeQuantStub()

    def forward(self, tokens):
        y, _ = self.lstm(self.quant(self.emb(tokens)))
        return self.dequant(self.fc(y))


def static_lm(vocab=50, emb=16, hidden=24, T=7, N=3, seed=0):
    """Also a ready-made LSTM language model for benchmarks. Per time step each layer streams
    its int8 W_hh (4H x H bytes: 4 MiB at hidden 1024, 16 MiB at 2048); W_ih (4H x input) and
    the output Linear (vocab x H) are read once per call (all T steps at once)."""
    torch.manual_seed(seed)
    model = StaticLM(vocab, emb, hidden).eval()
    model.qconfig = tq.get_default_qconfig("fbgemm")
    model.emb.qconfig = tq.float_qparams_weight_only_qconfig
    tq.prepare(model, inplace=True)
    with torch.no_grad():
        for _ in range(3):
            model(torch.randint(0, vocab, (T, N)))
    tq.convert(model, inplace=True)
    return model, (torch.randint(0, vocab, (T, N)),)


class DynamicLM(nn.Module):
    def __init__(self, vocab=50, emb=16, hidden=24):
        super().__init__()
        self.emb = nn.Embedding(vocab, emb)
        self.lstm = nn.LSTM(emb, hidden, num_layers=2, batch_first=True)
        self.fc = nn.Linear(hidden, vocab)

    def forward(self, tokens):
        y, _ = self.lstm(self.emb(tokens))
        return self.fc(y)


def dynamic_lm(vocab=50, emb=16, hidden=24, T=9, N=2, seed=0):
    """Dynamic counterpart of static_lm (batch_first tokens [N, T])."""
    torch.manual_seed(seed)
    model = tq.quantize_dynamic(
        DynamicLM(vocab, emb, hidden).eval(),
        {nn.Embedding: tq.float_qparams_weight_only_qconfig, nn.LSTM: tq.default_dynamic_qconfig,
         nn.Linear: tq.default_dynamic_qconfig}, dtype=torch.qint8)
    return model, (torch.randint(0, vocab, (N, T)),)


def test_static_lstm_language_model(tmp_path):
    model, example = static_lm()
    check(model, example, tmp_path)


def test_dynamic_lstm_language_model(tmp_path):
    # An ulp in the LSTM could move the final dynamic linear's input qparams: allow 1e-4.
    model, example = dynamic_lm()
    check(model, example, tmp_path, atol=1e-4)


# ------------------------------------------------------------------ kernel variants, threads

@pytest.mark.parametrize("cpu", isa_support.ALL_ISAS)
def test_recurrent_isa_variants(tmp_path, cpu):
    """Every ISA variant gives the same bytes (exact int32 dot products, scalar cell code)."""
    isa_support.require_isa(cpu)
    model = dynamic_linear(70, 20, per_channel=True)
    torch.manual_seed(3)
    report = qcc.verify(model, (torch.randn(5, 70),), cpu=cpu, workdir=tmp_path / "linear",
                        quiet=True)
    assert all(r["mismatched"] == 0 for r in report), report
    model, example = static_lstm(6, 20, T=4, N=2, bidirectional=True, state=True)
    report = qcc.verify(model, example, cpu=cpu, workdir=tmp_path / "lstm", quiet=True)
    assert all(r["mismatched"] == 0 for r in report), report
    model, example = dynamic_lstm(6, 8, T=4, N=2, layers=2)
    report = qcc.verify(model, example, cpu=cpu, workdir=tmp_path / "dlstm", quiet=True)
    assert all(r["mismatched"] == 0 for r in report), report


def test_recurrent_threads(tmp_path):
    """qcc's own thread count never changes results (slices and rows split across threads)."""
    model, example = static_lstm(10, 72, T=3, N=3, layers=2)
    report = qcc.verify(model, example, num_threads=3, workdir=tmp_path / "lstm", quiet=True)
    assert all(r["mismatched"] == 0 for r in report), report
    model, example = dynamic_lstm(6, 8, T=4, N=5, bidirectional=True)
    report = qcc.verify(model, example, num_threads=3, workdir=tmp_path / "dlstm", quiet=True)
    assert all(r["mismatched"] == 0 for r in report), report


def test_lstm_malformed_cells_diagnostic(tmp_path):
    """A `cells` entry without a qparams key fails with one clean line, not a crash."""
    model, example = static_lstm(6, 8, T=3, N=2)
    qcc.export(model, example, tmp_path / "m.json")
    doc = json.loads((tmp_path / "m.json").read_text())
    (lstm,) = [n for n in doc["nodes"] if n["op"] == "lstm"]
    del lstm["attrs"]["cells"][0]["tanh_cy"]
    (tmp_path / "m.json").write_text(json.dumps(doc))
    result = run_qcc(tmp_path / "m.json", "--target=cpu", "-o", tmp_path / "out", check=False)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "cells entry 'tanh_cy' is missing" in lines[0], result.stderr
