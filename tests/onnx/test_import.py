"""ONNX import: what nnlab exports loads back as a Module that gives the same outputs and trains."""

from __future__ import annotations

import numpy as np
import pytest

import nnlab
from nnlab import nn
from nnlab.models import MLP, LeNet5, googlenet, mobilenet_v1, resnet18
from nnlab.onnx import OnnxModule, export, load_onnx
from tests.onnx.test_export import _calibrate, _x

MODELS = {
    "MLP": (lambda: MLP((12, 16, 5)), (3, 12)),
    "LeNet-5": (lambda: LeNet5(in_channels=1), (3, 1, 32, 32)),
    "ResNet-18": (lambda: resnet18(num_classes=5), (3, 3, 32, 32)),
    "MobileNet": (lambda: mobilenet_v1(alpha=0.25, num_classes=5, resolution=32), (3, 3, 32, 32)),
    "GoogLeNet": (lambda: googlenet(num_classes=5), (2, 3, 40, 40)),
}


@pytest.mark.parametrize("name", list(MODELS))
def test_round_trip_gives_nnlabs_outputs(name, tmp_path):
    nnlab.manual_seed(0)
    build, shape = MODELS[name]
    model, x = build(), _x(*shape)
    _calibrate(model, x)
    export(model, x[:1], tmp_path / "m.onnx", input_names=["x"], dynamic_axes={"x": {0: "batch"}})
    imported = load_onnx(tmp_path / "m.onnx")
    assert isinstance(imported, OnnxModule) and not imported.training
    with nnlab.no_grad():
        ref, out = model(nnlab.from_numpy(x)).data, imported(nnlab.from_numpy(x)).data
    np.testing.assert_allclose(out, ref, rtol=1e-5, atol=1e-5 * np.abs(ref).max())
    assert np.abs(ref[0] - ref[1]).max() > 1e-4 * np.abs(ref).max()
    n_weights = sum(p.data.size for p in model.parameters())
    assert sum(p.data.size for p in imported.parameters()) >= n_weights  # + running statistics as Parameters


def test_imported_model_fine_tunes(tmp_path):
    nnlab.manual_seed(0)
    export(LeNet5(in_channels=1), _x(1, 1, 32, 32), tmp_path / "m.onnx", input_names=["x"],
           dynamic_axes={"x": {0: "batch"}})
    model = load_onnx(tmp_path / "m.onnx").train()
    x, y = nnlab.from_numpy(_x(8, 1, 32, 32)), nnlab.tensor(np.arange(8) % 10)
    opt = nnlab.optim.Adam(model.parameters(), lr=1e-2)
    losses = []
    for _ in range(15):
        loss = nn.CrossEntropyLoss()(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(float(loss.data))
    assert losses[-1] < 0.5 * losses[0]


def test_unsupported_ops_are_named(tmp_path):
    export(nn.Sequential(nn.Linear(3, 3), nn.GELU()), _x(1, 3), tmp_path / "m.onnx")  # GELU → Erf
    with pytest.raises(ValueError, match="the graph uses ops nnlab cannot import: Erf"):
        load_onnx(tmp_path / "m.onnx")
