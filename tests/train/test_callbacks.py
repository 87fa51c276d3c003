"""Callbacks: early stopping (epoch and weights), checkpoints, schedulers, CSV logs, the progress bar."""

from __future__ import annotations

import csv
import io
import sys

import numpy as np
import pytest

import nnlab
from nnlab import nn, optim
from nnlab.data import DataLoader, TensorDataset
from nnlab.io.checkpoint import load_checkpoint
from nnlab.train import Callback, CSVLogger, EarlyStopping, LRSchedulerCallback, ModelCheckpoint, ProgressBar, Trainer

_rng = np.random.default_rng(0)
X = _rng.standard_normal((32, 4)).astype(np.float32)
Y = (X[:, 0] > 0).astype(np.int64)


class Scripted(Callback):
    """Replaces a log value by a scripted one, so the callbacks after it see known numbers."""

    def __init__(self, key, values):
        self.key, self.values = key, values

    def on_epoch_end(self, epoch, logs):
        logs[self.key] = self.values[epoch]


class Snapshots(Callback):
    def __init__(self):
        self.states = []

    def on_epoch_end(self, epoch, logs):
        self.states.append({k: v.array.copy() for k, v in self.model.state_dict().items()})


def _trainer(callbacks, lr=0.1, scheduler=None, quiet=True):
    nnlab.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 2))
    opt = optim.SGD(model.parameters(), lr=lr)
    if callable(scheduler):
        scheduler = scheduler(opt)
    if callable(callbacks):
        callbacks = callbacks(opt)
    return Trainer(model, nn.CrossEntropyLoss(), opt, scheduler=scheduler, callbacks=callbacks, quiet=quiet)


LOADER = DataLoader(TensorDataset(X, Y), batch_size=8, shuffle=True)


def test_early_stopping_stops_at_the_right_epoch_and_restores_best():
    snaps = Snapshots()
    # With min_delta=0.02, epoch 3's 0.79 does not beat epoch 1's 0.8: two bad epochs (2, 3) -> stop after 3.
    stopper = EarlyStopping(monitor="val_loss", patience=2, min_delta=0.02)
    trainer = _trainer([snaps, Scripted("val_loss", [1.0, 0.8, 0.85, 0.79, 0.5, 0.4]), stopper])
    history = trainer.fit(LOADER, epochs=6)
    assert len(history) == 4 and stopper.stopped_epoch == 3
    assert stopper.best_epoch == 1 and stopper.best == 0.8
    for k, v in trainer.model.state_dict().items():
        assert np.array_equal(v.array, snaps.states[1][k]), k
    assert not np.array_equal(snaps.states[3]["0.weight"], snaps.states[1]["0.weight"])


def test_early_stopping_max_mode_and_no_restore():
    snaps = Snapshots()
    stopper = EarlyStopping(monitor="val_accuracy", mode="auto", patience=1, restore_best_weights=False)
    trainer = _trainer([snaps, Scripted("val_accuracy", [0.5, 0.7, 0.6, 0.9]), stopper])
    assert len(trainer.fit(LOADER, epochs=4)) == 3
    assert stopper.best == 0.7
    assert np.array_equal(trainer.model.state_dict()["0.weight"].array, snaps.states[2]["0.weight"])


def test_early_stopping_restores_best_at_the_end_without_stopping():
    snaps = Snapshots()
    stopper = EarlyStopping(patience=10)
    trainer = _trainer([snaps, Scripted("val_loss", [0.9, 0.3, 0.6]), stopper])
    assert len(trainer.fit(LOADER, epochs=3)) == 3 and stopper.stopped_epoch is None
    assert np.array_equal(trainer.model.state_dict()["2.bias"].array, snaps.states[1]["2.bias"])


def test_missing_monitor_is_a_clear_error():
    with pytest.raises(KeyError, match="'val_loss' is not in the epoch logs"):
        _trainer([EarlyStopping()]).fit(LOADER, epochs=2)


def test_model_checkpoint_best_only(tmp_path):
    ckpt = ModelCheckpoint(tmp_path / "best-{epoch}.safetensors", monitor="val_loss", save_best_only=True)
    trainer = _trainer([Scripted("val_loss", [0.9, 0.95, 0.5, 0.7]), ckpt])
    trainer.fit(LOADER, epochs=4)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["best-1.safetensors", "best-3.safetensors"]
    model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 2))
    info = load_checkpoint(tmp_path / "best-3.safetensors", model)
    assert info["epoch"] == 3 and info["step"] == 12 and info["extra"]["logs"]["val_loss"] == 0.5


def test_reduce_lr_on_plateau_gets_the_monitored_value():
    def callbacks(opt):
        plateau = optim.lr_scheduler.ReduceLROnPlateau(opt, factor=0.5, patience=0)
        return [Scripted("val_loss", [1.0, 1.0, 1.0, 0.5]), LRSchedulerCallback(plateau, monitor="val_loss")]

    assert _trainer(callbacks).fit(LOADER, epochs=4)["lr"] == [0.1, 0.1, 0.05, 0.025]


def test_batch_interval_scheduler():
    def callbacks(opt):
        return [LRSchedulerCallback(optim.lr_scheduler.ExponentialLR(opt, gamma=0.5), interval="batch")]

    trainer = _trainer(callbacks)
    assert trainer.fit(LOADER, epochs=2)["lr"] == [0.1, 0.1 * 0.5**4]
    with pytest.raises(ValueError, match="must use interval='epoch'"):
        LRSchedulerCallback(optim.lr_scheduler.ReduceLROnPlateau(trainer.optimizer), interval="batch")


def test_trainer_scheduler_plateau_falls_back_to_training_loss():
    # No dev loader: ReduceLROnPlateau in Trainer(scheduler=...) is fed the training loss.
    trainer = _trainer([Scripted("loss", [1.0, 2.0, 3.0, 4.0])],
                       scheduler=lambda opt: optim.lr_scheduler.ReduceLROnPlateau(opt, factor=0.1, patience=0))
    # The scheduler callback runs first, so it sees the real (decreasing) loss: no reduction.
    assert trainer.fit(LOADER, epochs=3)["lr"] == [0.1, 0.1, 0.1]


def test_csv_logger(tmp_path):
    path = tmp_path / "log.csv"
    _trainer([CSVLogger(path)]).fit(LOADER, epochs=3)
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    assert [r["epoch"] for r in rows] == ["0", "1", "2"]
    assert set(rows[0]) == {"epoch", "loss", "accuracy", "lr", "time"}
    assert float(rows[2]["loss"]) < float(rows[0]["loss"])


class _Tty(io.StringIO):
    def isatty(self):
        return True


def test_progress_bar_shows_loss_on_a_terminal_only(monkeypatch):
    screen = _Tty()
    monkeypatch.setattr(sys, "stdout", _Tty())
    _trainer([ProgressBar(file=screen)]).fit(LOADER, epochs=2)
    text = screen.getvalue()
    assert "Epoch 2/2" in text and "loss=" in text and "acc=" in text and "4/4" in text
    quiet = _Tty()
    _trainer([ProgressBar(quiet=True, file=quiet)]).fit(LOADER, epochs=1)
    assert quiet.getvalue() == ""
    piped = io.StringIO()  # not a TTY
    bar = ProgressBar(file=piped)
    assert not bar.enabled and not bar.wants_batch_logs
    _trainer([bar]).fit(LOADER, epochs=1)
    assert piped.getvalue() == ""
