"""ONNX import: what nnlab exports loads back as a Module that gives the same outputs and trains."""

from __future__ import annotations

import numpy as np
import onnx
import pytest
import torch
from onnx import TensorProto, helper, numpy_helper

import nnlab
from nnlab import nn
from nnlab.models import (
    GPT, MLP, BertForPreTraining, LeNet5, Seq2SeqTransformer, ViT, googlenet, mobilenet_v1, resnet18,
)
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
        ref, out = model(nnlab.from_numpy(x)).array, imported(nnlab.from_numpy(x)).array
    np.testing.assert_allclose(out, ref, rtol=1e-5, atol=1e-5 * np.abs(ref).max())
    assert np.abs(ref[0] - ref[1]).max() > 1e-4 * np.abs(ref).max()
    n_weights = sum(p.array.size for p in model.parameters())
    assert sum(p.array.size for p in imported.parameters()) >= n_weights  # + running statistics as Parameters


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
        losses.append(float(loss.array))
    assert losses[-1] < 0.5 * losses[0]


TRANSFORMERS = {
    "BERT": lambda: BertForPreTraining(vocab_size=20, d_model=16, nhead=2, layers=2, max_len=16),
    "GPT": lambda: GPT(20, d_model=16, nhead=2, layers=2, max_len=16),
    "ViT": lambda: ViT(),
    "Transformer-seq2seq": lambda: Seq2SeqTransformer(20, 21, d_model=16, nhead=2, layers=1),
}


def _transformer_inputs(name: str) -> tuple:
    ids = np.random.default_rng(0).integers(3, 20, (3, 7))
    ids[1, 4:] = 0  # <pad> runs of different lengths: the imported graph computes the masks
    ids[2, 2:] = 0
    if name == "ViT":
        return (_x(3, 1, 8, 8),)
    return (ids, ids[:, :5]) if name == "Transformer-seq2seq" else (ids,)


@pytest.mark.parametrize("name", list(TRANSFORMERS))
def test_transformer_round_trip_with_gelu_and_pad_masks(name, tmp_path):
    nnlab.manual_seed(0)
    model, args = TRANSFORMERS[name]().eval(), _transformer_inputs(name)
    names = [f"x{i}" for i in range(len(args))]
    export(model, tuple(a[:1] for a in args), tmp_path / "m.onnx", input_names=names,
           dynamic_axes={n: {0: "batch"} for n in names})
    imported = load_onnx(tmp_path / "m.onnx")
    ops = [n.op for n in imported._nodes]
    assert "Erf" not in ops and (ops.count("Gelu") > 0) == (name != "Transformer-seq2seq")  # GELU fused back
    with nnlab.no_grad():
        refs, outs = model(*map(nnlab.from_numpy, args)), imported(*map(nnlab.from_numpy, args))
    refs, outs = (refs, outs) if isinstance(refs, tuple) else ((refs,), (outs,))
    for ref, out in zip(refs, outs):
        np.testing.assert_allclose(out.array, ref.array, rtol=1e-5, atol=1e-5 * np.abs(ref.array).max())
    assert np.abs(refs[0].array[0] - refs[0].array[1]).max() > 1e-4 * np.abs(refs[0].array).max()


def _graph(nodes, inputs, outputs, initializers=()):
    graph = helper.make_graph(nodes, "g", inputs, outputs, initializer=list(initializers))
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 20)])


def test_erf_gelu_and_mask_ops_import_on_their_own(tmp_path):
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 5])
    nodes = [helper.make_node("Erf", ["x"], ["e"]), helper.make_node("Gelu", ["x"], ["g"]),
             helper.make_node("Gelu", ["x"], ["t"], approximate="tanh"),
             helper.make_node("Less", ["x", "zero"], ["neg"]), helper.make_node("Not", ["neg"], ["pos"]),
             helper.make_node("Cast", ["pos"], ["pos_f"], to=TensorProto.FLOAT),
             helper.make_node("Where", ["neg", "e", "g"], ["w"]), helper.make_node("Add", ["w", "pos_f"], ["y"])]
    outs = [helper.make_tensor_value_info(n, TensorProto.FLOAT, [2, 5]) for n in ("e", "t", "y")]
    onnx.save(_graph(nodes, [x], outs, [numpy_helper.from_array(np.zeros((), np.float32), "zero")]),
              tmp_path / "m.onnx")
    v = _x(2, 5)
    e, t, y = load_onnx(tmp_path / "m.onnx")(nnlab.from_numpy(v))
    tv = torch.from_numpy(v)
    np.testing.assert_allclose(e.array, torch.erf(tv).numpy(), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(t.array, torch.nn.functional.gelu(tv, approximate="tanh").numpy(), rtol=1e-5, atol=1e-6)
    ref = torch.where(tv < 0, torch.erf(tv), torch.nn.functional.gelu(tv)) + (tv >= 0).float()
    np.testing.assert_allclose(y.array, ref.numpy(), rtol=1e-5, atol=1e-6)


def test_unsupported_ops_are_named(tmp_path):
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 2])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 2])
    onnx.save(_graph([helper.make_node("Hardmax", ["x"], ["y"])], [x], [y]), tmp_path / "m.onnx")
    with pytest.raises(ValueError, match="the graph uses ops nnlab cannot import: Hardmax"):
        load_onnx(tmp_path / "m.onnx")
