"""End-to-end: the command line trains, saves, reloads, summarizes, and fails cleanly."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

import nnlab
from nnlab.cli import main
from nnlab.runs import RunConfig, evaluate_run, train_run


@pytest.fixture(scope="module")
def default_run(tmp_path_factory):
    """``nnlab train`` with no options but the output folder: LeNet-5 on the 32×32 digits."""
    out = tmp_path_factory.mktemp("runs")
    code = main(["train", "--out", str(out), "--quiet"])
    assert code == 0
    return out / "lenet5-digits"


def test_default_train_reaches_98_5_percent_and_writes_the_run_folder(default_run, capsys):
    for name in ("model.safetensors", "config.json", "history.json", "metrics.json", "curves.png"):
        assert (default_run / name).is_file(), name
    metrics = json.loads((default_run / "metrics.json").read_text())
    assert metrics["test_accuracy"] >= 0.985, metrics
    assert metrics["epochs_run"] >= 1  # the time it took is reported in metrics.json, never asserted
    with open(default_run / "curves.png", "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"
    history = json.loads((default_run / "history.json").read_text())
    losses = history["history"]["loss"]
    assert losses[-1] < losses[0] / 5


def test_evaluate_reloads_the_saved_model_and_gets_the_same_accuracy(default_run, capsys):
    saved = json.loads((default_run / "metrics.json").read_text())
    again = evaluate_run(str(default_run))
    assert again["test_accuracy"] == pytest.approx(saved["test_accuracy"], abs=1e-12)
    assert main(["evaluate", str(default_run)]) == 0
    assert f"accuracy {saved['test_accuracy']:.4f}" in capsys.readouterr().out


def test_summary_of_a_run_and_of_options(default_run, capsys):
    assert main(["summary", str(default_run)]) == 0
    text = capsys.readouterr().out
    assert "61,706" in text  # LeNet-5 on one grey channel: 156 + 2,416 + 48,120 + 10,164 + 850
    assert "(1, 6, 28, 28)" in text and "(1, 16, 5, 5)" in text
    assert main(["summary", "--model", "mlp"]) == 0
    assert "19,210" in capsys.readouterr().out  # 64·256 + 256 + 256·10 + 10 parameters
    assert main(["summary", "--model", "logreg", "--dataset", "breast_cancer"]) == 0
    assert "31" in capsys.readouterr().out  # 30 weights + 1 bias


def test_mlp_on_digits_reaches_97_percent(tmp_path):
    assert main(["train", "--model", "mlp", "--out", str(tmp_path), "--quiet"]) == 0
    metrics = json.loads((tmp_path / "mlp-digits" / "metrics.json").read_text())
    assert metrics["test_accuracy"] >= 0.97, metrics


def test_image_models_need_an_image_dataset(capsys):
    assert main(["train", "--model", "lenet5", "--dataset", "iris", "--quiet"]) == 1
    assert "needs an image dataset" in capsys.readouterr().err


def test_logreg_on_breast_cancer_reaches_95_percent(tmp_path):
    result = train_run(RunConfig(model="logreg", dataset="breast_cancer", out=str(tmp_path)), quiet=True)
    assert result.metrics["test_accuracy"] >= 0.95, result.metrics


def test_same_seed_same_run_bit_for_bit(tmp_path):
    cfg = dict(model="mlp", dataset="iris", hidden=(16,), epochs=5, patience=0, seed=3)
    a = train_run(RunConfig(out=str(tmp_path / "a"), **cfg), quiet=True)
    b = train_run(RunConfig(out=str(tmp_path / "b"), **cfg), quiet=True)
    for (ka, va), (kb, vb) in zip(a.model.state_dict().items(), b.model.state_dict().items()):
        assert ka == kb
        assert np.array_equal(va.array, vb.array), ka
    assert a.history.history["loss"] == b.history.history["loss"]
    c = train_run(RunConfig(out=str(tmp_path / "c"), **{**cfg, "seed": 4}), quiet=True)
    assert not np.array_equal(a.model.state_dict()["net.0.weight"].array, c.model.state_dict()["net.0.weight"].array)


@pytest.mark.parametrize(
    "argv, message",
    [
        (["train", "--epochs", "0"], "expected a positive value"),
        (["train", "--lr", "abc"], "expected a float"),
        (["train", "--dataset", "nope"], "invalid choice"),
        (["train", "--hidden", "12,x"], "comma-separated integers"),
        (["frobnicate"], "invalid choice"),
    ],
)
def test_bad_arguments_give_a_message_not_a_traceback(argv, message, capsys):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_runtime_errors_are_reported_cleanly(tmp_path, capsys):
    assert main(["evaluate", str(tmp_path / "missing")]) == 1
    err = capsys.readouterr().err
    assert "not a run folder" in err and "Traceback" not in err


def test_explain_prints_the_seed_table(capsys):
    assert main(["explain"]) == 0
    out = capsys.readouterr().out
    assert "0.0991" in out and "0.6820" in out


def test_python_dash_m_nnlab_help_runs_as_a_process():
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    proc = subprocess.run([sys.executable, "-m", "nnlab", "--help"], capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode == 0
    for command in ("train", "evaluate", "summary", "explain"):
        assert command in proc.stdout
    assert nnlab.__version__
