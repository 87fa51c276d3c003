"""The command line fails cleanly (one line, before training) and resumes runs bit for bit."""

from __future__ import annotations

import errno
import json
import os

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nnlab.cli import main
from nnlab.io import DirLock, atomic
from nnlab.runs import RunConfig, resume_run, train_run
from nnlab.train import Callback, Trainer

_SMALL = ["--model", "mlp", "--dataset", "iris", "--epochs", "12", "--hidden", "16", "--quiet"]


def _one_line_error(capsys, *needles):
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.count("\n") == 1, err
    for n in needles:
        assert n in err, err
    return err


@pytest.fixture
def no_training(monkeypatch):
    """Fail the test if a Trainer ever starts fitting: errors must come before the training."""
    def refuse(*args, **kwargs):
        raise AssertionError("training started before the output folder was checked")

    monkeypatch.setattr(Trainer, "fit", refuse)


# ---- output folders that cannot be written ---------------------------------------------------------
def test_an_output_path_under_a_file_fails_at_the_start(tmp_path, capsys, no_training):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert main(["train", *_SMALL, "--out", str(blocker / "runs")]) == 1
    _one_line_error(capsys, "nnlab train: error:", str(blocker))


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.sampled_from([errno.EACCES, errno.EROFS, errno.ENOSPC, errno.EDQUOT, errno.EIO]),
       st.sampled_from(["open", "write", "fsync"]))
def test_a_read_only_or_full_folder_fails_at_the_first_write_in_one_line(
        tmp_path_factory, capsys, monkeypatch, no_training, code, call):
    out = tmp_path_factory.mktemp("ro")

    def fail(*args, **kwargs):  # as the OS does: a path argument is named, a file descriptor is not
        raise OSError(code, os.strerror(code), *(args[:1] if isinstance(args[0], str) else ()))

    with monkeypatch.context() as m:
        m.setattr(atomic.os, call, fail)
        assert main(["train", *_SMALL, "--out", str(out)]) == 1
    _one_line_error(capsys, os.strerror(code), str(out / "mlp-iris"))
    assert not (out / "mlp-iris" / "config.json").exists()


def test_a_folder_in_use_is_refused(tmp_path, capsys, no_training):
    with DirLock(tmp_path / "mlp-iris"):
        assert main(["train", *_SMALL, "--out", str(tmp_path)]) == 1
    _one_line_error(capsys, "in use by another process", f"pid {os.getpid()}")


# ---- malformed run folders ----------------------------------------------------------------------------
@pytest.mark.parametrize("content, needle", [
    ("[1, 2, 3]", "must be a JSON object, got a list"),
    ('{"model": "mlp", "dataset": "iris", "hidden": [2e9]}', "'hidden' must be a list of integers"),
    ('{"model": "mlp", "dataset": "iris", "hidden": [2000000000]}', "hidden sizes must be between 1 and"),
    ('{"model": "mlp", "dataset": "digits", "hidden": [60000, 60000]}', "parameters, more than"),
    ('{"model": "mlp", "epochs": "three"}', "'epochs' must be an integer"),
    ('{"model": 7}', "'model' must be a string"),
    ('{"model": "mlp", "lr": NaN}', "'lr' must be a finite number"),
    ('{"model": "mlp"', "malformed"),
    ('{"model": "resnet999"}', "unknown model"),
])
def test_evaluate_on_a_malformed_config_says_what_is_wrong(tmp_path, capsys, content, needle):
    (tmp_path / "config.json").write_text(content)
    assert main(["evaluate", str(tmp_path)]) == 1
    _one_line_error(capsys, needle, "config.json")


_json_values = st.recursive(st.none() | st.booleans() | st.integers(-10**12, 10**12) | st.floats() | st.text(max_size=5),
                            lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=5), c, max_size=3),
                            max_leaves=6)


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(st.sampled_from(["model", "dataset", "hidden", "epochs", "lr", "dropout", "batch_size",
                                        "augment", "seed", "activation"]), _json_values, max_size=4))
def test_any_config_either_builds_or_is_refused_in_one_message(raw):
    try:
        config = RunConfig.from_json(raw)
    except ValueError as exc:
        assert "\n" not in str(exc)
    else:
        assert all(isinstance(h, int) and 0 < h <= 1 << 16 for h in config.hidden)
        assert isinstance(config.epochs, int) and config.epochs > 0


def test_a_model_file_that_does_not_match_its_config_is_one_line(tmp_path, capsys):
    train_run(RunConfig(model="mlp", dataset="iris", hidden=(8,), epochs=1, out=str(tmp_path)), quiet=True)
    cfg = tmp_path / "mlp-iris" / "config.json"
    cfg.write_text(json.dumps({**json.loads(cfg.read_text()), "hidden": [9]}))
    assert main(["evaluate", str(tmp_path / "mlp-iris")]) == 1
    _one_line_error(capsys, "size mismatch")


# ---- --resume ------------------------------------------------------------------------------------------
class _Interrupt(Callback):
    def __init__(self, after: int) -> None:
        self.after = after

    def on_epoch_end(self, epoch, logs) -> None:
        if epoch + 1 == self.after:
            raise KeyboardInterrupt


def _without_time(history):
    return {k: v for k, v in history.history.items() if k != "time"}


@pytest.mark.parametrize("model, dataset, patience, stop_after", [("mlp", "iris", 3, 4), ("logreg", "wine", 0, 2)])
def test_resume_continues_bit_for_bit(tmp_path, model, dataset, patience, stop_after):
    kw = dict(model=model, dataset=dataset, hidden=(16,), dropout=0.3, epochs=7, patience=patience, seed=3)
    full = train_run(RunConfig(**kw, out=str(tmp_path / "full")), quiet=True)
    config = RunConfig(**kw, out=str(tmp_path / "cut"))
    with pytest.raises(KeyboardInterrupt):
        train_run(config, quiet=True, callbacks=[_Interrupt(stop_after)])
    assert not os.path.exists(os.path.join(config.run_dir, "model.safetensors"))
    resumed = resume_run(config.run_dir, quiet=True)
    assert resumed.history.epoch == full.history.epoch
    assert _without_time(resumed.history) == _without_time(full.history)
    for name in ("model.safetensors",):
        assert (tmp_path / "cut" / config.name / name).read_bytes() == (tmp_path / "full" / config.name / name).read_bytes()
    assert {k: v for k, v in resumed.metrics.items() if k != "train_seconds"} == \
        {k: v for k, v in full.metrics.items() if k != "train_seconds"}


def test_cli_resume_and_its_refusals(tmp_path, capsys):
    run = tmp_path / "mlp-iris"
    with pytest.raises(KeyboardInterrupt):
        train_run(RunConfig(model="mlp", dataset="iris", epochs=3, out=str(tmp_path)), quiet=True,
                  callbacks=[_Interrupt(1)])
    assert main(["train", "--resume", str(run), "--quiet"]) == 0
    history = json.loads((run / "history.json").read_text())
    assert history["epoch"] == [0, 1, 2] and np.isfinite(history["history"]["loss"]).all()
    capsys.readouterr()
    assert main(["train", "--resume", str(run), "--quiet"]) == 1
    _one_line_error(capsys, "already finished")
    assert main(["train", "--resume", str(tmp_path / "nothing")]) == 1
    _one_line_error(capsys, "not a run folder")
