"""ONNX export: every nn layer with an ONNX counterpart and the zoo, run in onnxruntime against nnlab."""

from __future__ import annotations

import numpy as np
import onnx
import onnxruntime as ort
import pytest

import nnlab
from nnlab import nn
from nnlab.models import (
    GPT, MLP, BertForPreTraining, LeNet5, RNNLanguageModel, Seq2SeqTransformer, ViT, alexnet, googlenet, mobilenet_v1,
    resnet18, resnet50, vgg11,
)
from nnlab.onnx import ExportError, export

RTOL = 1e-5


def _outputs(out):
    if isinstance(out, nnlab.Tensor):
        return [out.array]
    return [t for o in out for t in _outputs(o)]


def _grow(x: np.ndarray, n: int) -> np.ndarray:
    return np.concatenate([x] * n)[:n] if x.dtype.kind in "iu" else \
        np.random.default_rng(n).standard_normal((n,) + x.shape[1:]).astype(x.dtype)


def check_in_onnxruntime(model, args, path, batches=(2, 3), opset=None, rtol=RTOL):
    """Export with a dynamic batch axis on every input; onnxruntime must match nnlab at other batch sizes."""
    args = args if isinstance(args, tuple) else (args,)
    names = [f"x{i}" for i in range(len(args))]
    proto = export(model, args, path, input_names=names, dynamic_axes={n: {0: "batch"} for n in names},
                   opset_version=opset)
    onnx.checker.check_model(onnx.load(str(path)))
    assert proto.ir_version <= 13 and proto.opset_import[0].version <= 26
    assert proto.graph.input[0].type.tensor_type.shape.dim[0].dim_param == "batch"
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    model.eval()
    for n in batches:
        inputs = tuple(_grow(a, n) for a in args)
        with nnlab.no_grad():
            refs = _outputs(model(*[nnlab.from_numpy(a) for a in inputs]))
        outs = session.run(None, dict(zip(names, inputs)))
        assert len(outs) == len(refs)
        for out, ref in zip(outs, refs):
            assert out.shape == ref.shape and out.dtype == ref.dtype == np.float32
            np.testing.assert_allclose(out, ref, rtol=rtol, atol=rtol * float(np.abs(ref).max()))
        # Not a comparison of two constants: the samples' outputs differ.
        assert np.abs(refs[0][0] - refs[0][1]).max() > 1e-4 * np.abs(refs[0]).max()


def _x(*shape):
    return np.random.default_rng(sum(shape)).standard_normal(shape).astype(np.float32)


LAYERS = {
    "Linear": (lambda: nn.Linear(6, 4), (2, 6)),
    "Linear-3d": (lambda: nn.Linear(6, 4, bias=False), (2, 3, 6)),
    "Conv1d": (lambda: nn.Conv1d(3, 4, 3, stride=2, padding=1), (2, 3, 9)),
    "Conv2d-groups-dilation": (lambda: nn.Conv2d(4, 6, 3, padding=2, dilation=2, groups=2), (2, 4, 7, 7)),
    "Conv2d-1x1-stride": (lambda: nn.Conv2d(3, 5, 1, stride=2), (2, 3, 6, 6)),
    "Conv2d-reflect": (lambda: nn.Conv2d(2, 3, 3, padding=1, padding_mode="reflect"), (2, 2, 5, 5)),
    "Conv3d": (lambda: nn.Conv3d(2, 3, 2), (2, 2, 4, 4, 4)),
    "ConvTranspose2d": (lambda: nn.ConvTranspose2d(3, 2, 3, stride=2, padding=1, output_padding=1), (2, 3, 4, 4)),
    "MaxPool1d": (lambda: nn.MaxPool1d(2), (2, 3, 8)),
    "MaxPool2d-ceil": (lambda: nn.MaxPool2d(3, stride=2, padding=1, ceil_mode=True), (2, 3, 8, 8)),
    "AvgPool2d": (lambda: nn.AvgPool2d(3, stride=2, padding=1), (2, 3, 7, 7)),
    "AvgPool2d-exclude-pad": (lambda: nn.AvgPool2d(3, stride=2, padding=1, count_include_pad=False), (2, 3, 7, 7)),
    "AdaptiveAvgPool2d": (lambda: nn.AdaptiveAvgPool2d((3, 2)), (2, 3, 7, 5)),
    "AdaptiveAvgPool2d-1": (lambda: nn.AdaptiveAvgPool2d(1), (2, 3, 5, 5)),
    "AdaptiveMaxPool2d-1": (lambda: nn.AdaptiveMaxPool2d(1), (2, 3, 5, 5)),
    "BatchNorm1d": (lambda: nn.BatchNorm1d(4), (2, 4)),
    "BatchNorm2d": (lambda: nn.BatchNorm2d(3), (2, 3, 4, 4)),
    "InstanceNorm2d": (lambda: nn.InstanceNorm2d(3, affine=True), (2, 3, 4, 4)),
    "GroupNorm": (lambda: nn.GroupNorm(2, 4), (2, 4, 3, 3)),
    "LayerNorm": (lambda: nn.LayerNorm((3, 4)), (2, 5, 3, 4)),
    "LocalResponseNorm": (lambda: nn.LocalResponseNorm(3), (2, 5, 4, 4)),
    "activations": (lambda: nn.Sequential(nn.ReLU(), nn.Linear(5, 5), nn.LeakyReLU(0.2), nn.ELU(), nn.SELU(),
                                          nn.GELU(), nn.GELU(approximate="tanh"), nn.Softplus(beta=2.0), nn.SiLU(),
                                          nn.Hardtanh(-0.5, 0.5), nn.Sigmoid(), nn.Tanh()), (2, 5)),
    "Softmax-LogSoftmax": (lambda: nn.Sequential(nn.Softmax(dim=1), nn.Linear(5, 5), nn.LogSoftmax(dim=-1)), (2, 5)),
    "Flatten-Unflatten-Dropout-Identity": (lambda: nn.Sequential(nn.Flatten(), nn.Dropout(0.5), nn.Identity(),
                                                                 nn.Unflatten(1, (3, 8))), (2, 3, 2, 4)),
    "RNN-bidirectional": (lambda: nn.RNN(4, 5, num_layers=2, bidirectional=True), (6, 2, 4)),
    "GRU-batch-first": (lambda: nn.GRU(4, 5, batch_first=True), (2, 6, 4)),
    "LSTM-batch-first": (lambda: nn.LSTM(4, 5, batch_first=True, bidirectional=True), (2, 6, 4)),
    "LSTMCell": (lambda: nn.LSTMCell(4, 5), (2, 4)),
    "MultiheadAttention": (lambda: _SelfAttention(), (2, 5, 8)),
    "TransformerEncoderLayer": (lambda: nn.TransformerEncoderLayer(8, 2, 16, dropout=0.1, batch_first=True),
                                (2, 5, 8)),
    "Upsample-nearest": (lambda: nn.Upsample(scale_factor=2), (2, 3, 3, 4)),
    "Upsample-bilinear": (lambda: nn.Upsample(size=(5, 7), mode="bilinear", align_corners=False), (2, 3, 3, 4)),
}


class _SelfAttention(nn.Module):
    def __init__(self):
        super().__init__()
        self.attn = nn.MultiheadAttention(8, 2, batch_first=True)

    def forward(self, x):
        return self.attn(x, x, x)  # (output, averaged weights)


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_layer_matches_onnxruntime_with_a_dynamic_batch(name, tmp_path):
    nnlab.manual_seed(0)
    factory, shape = LAYERS[name]
    layer = factory()
    if isinstance(layer, (nn.BatchNorm1d, nn.BatchNorm2d)):  # non-trivial running statistics
        layer.running_mean.array[...] = np.linspace(-1, 1, layer.num_features)
        layer.running_var.array[...] = np.linspace(0.5, 2, layer.num_features)
    if isinstance(layer, (nn.RNN, nn.GRU, nn.LSTM)) and not layer.batch_first:  # time-major: batch is dim 1
        x = _x(*shape)
        export(layer, x, tmp_path / "m.onnx", input_names=["x"], dynamic_axes={"x": {1: "batch"}})
        session = ort.InferenceSession(str(tmp_path / "m.onnx"), providers=["CPUExecutionProvider"])
        x3 = _x(6, 3, 4)
        ref = _outputs(layer(nnlab.from_numpy(x3)))
        for out, r in zip(session.run(None, {"x": x3}), ref):
            np.testing.assert_allclose(out, r, rtol=RTOL, atol=RTOL * float(np.abs(r).max()))
        return
    check_in_onnxruntime(layer, _x(*shape), tmp_path / "m.onnx")


def _calibrate(model, args) -> None:
    """Running statistics of batch norm set to those of a batch (fresh ones, 0 and 1, make deep nets constant)."""
    norms = [m for m in model.modules() if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d))]
    if norms:
        for m in norms:
            m.momentum = 1.0
        model.train()
        with nnlab.no_grad():
            model(*[nnlab.from_numpy(np.concatenate([a, -a])) for a in (args if isinstance(args, tuple) else (args,))])
        model.eval()


IDS = np.random.default_rng(0).integers(1, 20, (2, 7))
IMG = lambda *s: _x(*s)  # noqa: E731
ZOO = {
    "MLP": (lambda: MLP((12, 16, 5)), lambda: IMG(2, 12)),
    "LeNet-5": (lambda: LeNet5(in_channels=1), lambda: IMG(2, 1, 32, 32)),
    # The full architectures (every layer, kernel, stride, group and pool) at 1/8 of the widths.
    "AlexNet": (lambda: alexnet(num_classes=5, width_mult=0.125, classifier_width=64), lambda: IMG(2, 3, 224, 224)),
    "AlexNet-torchvision": (lambda: alexnet(num_classes=5, lrn=False, width_mult=0.125, classifier_width=64),
                            lambda: IMG(2, 3, 224, 224)),
    "VGG-11-BN": (lambda: vgg11(num_classes=5, batch_norm=True, width_mult=0.125, classifier_width=64),
                  lambda: IMG(2, 3, 64, 64)),
    "ResNet-18": (lambda: resnet18(num_classes=5), lambda: IMG(2, 3, 32, 32)),
    "GoogLeNet": (lambda: googlenet(num_classes=5), lambda: IMG(2, 3, 40, 40)),
    "MobileNet": (lambda: mobilenet_v1(alpha=0.25, num_classes=5, resolution=32), lambda: IMG(2, 3, 32, 32)),
    "RNN-LM": (lambda: RNNLanguageModel(20, 8, 12, num_layers=2, rnn_type="rnn"), lambda: IDS),
    "GRU-LM": (lambda: RNNLanguageModel(20, 8, 12, rnn_type="gru"), lambda: IDS),
    "LSTM-LM": (lambda: RNNLanguageModel(20, 8, 12, num_layers=2, rnn_type="lstm"), lambda: IDS),
    "Transformer-encoder": (lambda: nn.TransformerEncoder(nn.TransformerEncoderLayer(16, 2, 32, batch_first=True),
                                                          2), lambda: IMG(2, 6, 16)),
    "Transformer-seq2seq": (lambda: Seq2SeqTransformer(20, 21, d_model=16, nhead=2, layers=1),
                            lambda: (IDS, np.random.default_rng(1).integers(3, 21, (2, 5)))),
    "GPT": (lambda: GPT(20, d_model=16, nhead=2, layers=2, max_len=16), lambda: IDS),
    "BERT": (lambda: BertForPreTraining(vocab_size=20, d_model=16, nhead=2, layers=2, max_len=16), lambda: IDS),
    "ViT": (lambda: ViT(), lambda: IMG(2, 1, 8, 8)),
}


@pytest.mark.parametrize("name", list(ZOO))
def test_zoo_model_matches_onnxruntime_with_a_dynamic_batch(name, tmp_path):
    nnlab.manual_seed(0)
    build, example = ZOO[name]
    model, args = build(), example()
    _calibrate(model, args)
    check_in_onnxruntime(model, args, tmp_path / "m.onnx")


def _rel(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(a - b).max() / np.abs(b).max())


def test_resnet50_in_onnxruntime_is_as_accurate_as_nnlab_in_float32(tmp_path):
    """ResNet-50 agrees with onnxruntime to 1e-4, not 1e-5: neither float32 result is closer than ~5e-5 to the exact one.

    The exact output is nnlab's in float64. nnlab's own float32 output is already
    ~6e-5 (relative) away from it, over 53 convolutions, 53 batch norms and 16 residual
    additions; onnxruntime's, with its own summation order and conv+BN fusion, is as far
    from it on the other side. What the test holds: onnxruntime is as accurate as nnlab
    (within 3× of nnlab's own float32 error), and that error is above 1e-5, so a 1e-5
    agreement between two float32 implementations is out of reach (docs/onnx.md).
    """
    nnlab.manual_seed(0)
    model, x = resnet50(num_classes=5), IMG(2, 3, 32, 32)
    _calibrate(model, x)
    check_in_onnxruntime(model, x, tmp_path / "m.onnx", batches=(3,), rtol=2e-4)
    x3 = np.random.default_rng(3).standard_normal((3, 3, 32, 32)).astype(np.float32)
    out = ort.InferenceSession(str(tmp_path / "m.onnx"), providers=["CPUExecutionProvider"]).run(None, {"x0": x3})[0]
    with nnlab.no_grad():
        ref32 = model(nnlab.from_numpy(x3)).array
        exact = model.to(nnlab.float64)(nnlab.from_numpy(x3.astype(np.float64))).array
    own_error = _rel(ref32, exact)
    assert 1e-5 < own_error < 2e-4
    assert _rel(out, exact) < 3 * own_error


def test_a_layer_without_counterpart_is_named(tmp_path):
    model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.StochasticPool2d(2))
    with pytest.raises(ExportError, match=r"StochasticPoolExpect \(in 2 \(StochasticPool2d\)\) has no ONNX counterpart"):
        export(model, _x(1, 1, 6, 6), tmp_path / "m.onnx")


def test_input_dependent_constants_opsets_and_names_are_checked(tmp_path):
    class DataMask(nn.Module):
        def forward(self, x):
            return x * nnlab.from_numpy((x.array > 0).astype(np.float32))  # a NumPy mask of the input

    with pytest.raises(ExportError, match="computed outside nnlab's ops"):
        export(DataMask(), _x(2, 3), tmp_path / "m.onnx", input_names=["x"], dynamic_axes={"x": [0]})
    with pytest.raises(ValueError, match=r"opset_version must lie in \[18, 26\], got 27"):
        export(nn.Linear(2, 2), _x(1, 2), tmp_path / "m.onnx", opset_version=27)
    with pytest.raises(ValueError, match="dynamic_axes names \\['y'\\] are neither inputs nor outputs"):
        export(nn.Linear(2, 2), _x(1, 2), tmp_path / "m.onnx", input_names=["x"], dynamic_axes={"y": [0]})
    # Opset 26, the newest onnxruntime reads here, works too.
    check_in_onnxruntime(LeNet5(in_channels=1), _x(2, 1, 32, 32), tmp_path / "m26.onnx", opset=26)
