"""``nnlab train --train-dev`` then ``nnlab diagnose``: the report measures train, train-dev, dev and test errors."""

import json
import re

import numpy as np

import nnlab
from nnlab.cli import main
from nnlab.data import get_dataset, train_dev_split
from nnlab.runs import RunConfig, load_run, load_splits


def test_diagnose_reports_train_dev_of_a_cli_run(tmp_path, capsys):
    assert main(["train", "--model", "mlp", "--hidden", "32", "--epochs", "2", "--patience", "0", "--quiet",
                 "--train-dev", "0.1", "--out", str(tmp_path), "--name", "run"]) == 0
    run = tmp_path / "run"
    metrics = json.loads((run / "metrics.json").read_text())
    assert "train_dev_accuracy" in metrics
    capsys.readouterr()
    assert main(["diagnose", str(run), "--human", "0.01"]) == 0
    out = capsys.readouterr().out
    errs = {k: float(v) / 100 for k, v in re.findall(r"(train-dev|train|dev|test) error (\d+\.\d+) %", out)}
    assert set(errs) == {"train", "train-dev", "dev", "test"}
    assert "data mismatch:" in out and "no train-dev set" not in out
    assert main(["evaluate", str(run)]) == 0
    assert "train_dev: loss" in capsys.readouterr().out
    # The train-dev error is the model's error on exactly the held-out, never-trained-on examples.
    config, model, data = load_run(str(run))
    full = get_dataset("digits")
    _, _, X_td, y_td = train_dev_split(full.X_train, full.y_train, 0.1, seed=0)
    assert len(data.X_train) + len(X_td) == len(full.X_train) == 1258
    with nnlab.no_grad():
        wrong = float((model(nnlab.from_numpy(X_td)).array.argmax(1) != y_td).mean())
    assert abs(errs["train-dev"] - wrong) < 1e-4
    assert abs(errs["train-dev"] - (1 - metrics["train_dev_accuracy"])) < 1e-4
    # The held-out rows are not in the training split.
    train_rows = {r.tobytes() for r in data.X_train}
    assert sum(r.tobytes() in train_rows for r in X_td) <= 2  # the digits hold a few duplicate images


def test_run_without_train_dev_says_so(tmp_path, capsys):
    assert main(["train", "--model", "logreg", "--epochs", "1", "--patience", "0", "--quiet",
                 "--out", str(tmp_path), "--name", "plain"]) == 0
    capsys.readouterr()
    assert main(["diagnose", str(tmp_path / "plain")]) == 0
    out = capsys.readouterr().out
    assert "no train-dev set" in out and "data mismatch:" not in out
    assert load_splits(RunConfig(model="logreg"))[1] is None


def test_train_dev_fraction_is_checked():
    try:
        RunConfig(model="mlp", train_dev=1.5)
    except ValueError as exc:
        assert "train_dev must be a fraction in [0, 1), got 1.5" in str(exc)
    else:
        raise AssertionError("train_dev=1.5 accepted")
    assert np.isclose(RunConfig(model="mlp", train_dev=0.2).train_dev, 0.2)
