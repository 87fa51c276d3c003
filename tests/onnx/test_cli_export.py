"""``nnlab export RUN_DIR model.onnx``: a trained run's LeNet-5 in onnxruntime gives nnlab's predictions."""

from __future__ import annotations

import numpy as np
import onnxruntime as ort

import nnlab
from nnlab import cli
from nnlab.runs import load_run


def test_export_a_trained_run_and_run_it_in_onnxruntime(tmp_path, capsys):
    assert cli.main(["train", "--model", "lenet5", "--epochs", "2", "--optimizer", "adam", "--lr", "0.003", "--no-augment", "--quiet", "--out", str(tmp_path),
                     "--name", "lenet"]) == 0
    path = tmp_path / "lenet.onnx"
    assert cli.main(["export", str(tmp_path / "lenet"), str(path)]) == 0
    assert "same prediction 100.0%" in capsys.readouterr().out
    _, model, data = load_run(str(tmp_path / "lenet"))
    x = data.X_test[:100].astype(np.float32)
    (logits,) = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"]).run(None, {"x": x})
    with nnlab.no_grad():
        ref = model(nnlab.from_numpy(x)).array
    np.testing.assert_allclose(logits, ref, rtol=1e-5, atol=1e-5 * np.abs(ref).max())
    assert np.mean(logits.argmax(1) == data.y_test[:100]) > 0.8  # the trained weights went across


def test_export_of_a_missing_run_is_a_clean_error(tmp_path, capsys):
    assert cli.main(["export", str(tmp_path / "nope"), str(tmp_path / "m.onnx")]) == 1
    assert "is not a run folder" in capsys.readouterr().err
