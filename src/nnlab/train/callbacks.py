"""Callbacks: code run by :class:`~nnlab.train.Trainer` at the start and end of training, epochs and batches.

``logs`` passed to ``on_epoch_end`` hold the epoch's averages (``loss``, ``accuracy``,
``val_loss``, ``val_accuracy``, ``lr``, ``time``). Epochs are numbered from 0. A callback
reaches the run through ``self.trainer`` (and ``self.model``); setting
``self.trainer.stop_training = True`` ends training after the current epoch.
"""

from __future__ import annotations

import csv
import inspect
import math
import os
import sys
from typing import Any, Mapping

import numpy as np

from nnlab.autograd.tensor import Tensor
from nnlab.io.checkpoint import save_checkpoint
from nnlab.ops.creation import from_numpy

__all__ = ["Callback", "ProgressBar", "EarlyStopping", "ModelCheckpoint", "LRSchedulerCallback", "CSVLogger",
           "TerminateOnNaN"]


class Callback:
    """Base class: override the hooks you need; each default does nothing."""

    trainer: Any = None

    def set_trainer(self, trainer) -> None:
        self.trainer = trainer

    @property
    def model(self):
        return self.trainer.model if self.trainer is not None else None

    @property
    def wants_batch_logs(self) -> bool:
        """Whether the trainer must call ``on_batch_end`` (skipped otherwise, to save per-batch work)."""
        return type(self).on_batch_end is not Callback.on_batch_end

    def on_train_begin(self, logs: Mapping[str, Any] | None = None) -> None: ...

    def on_train_end(self, logs: Mapping[str, Any] | None = None) -> None: ...

    def on_epoch_begin(self, epoch: int, logs: Mapping[str, Any] | None = None) -> None: ...

    def on_epoch_end(self, epoch: int, logs: Mapping[str, Any]) -> None: ...

    def on_batch_end(self, batch: int, logs: Mapping[str, Any]) -> None:
        """``logs`` hold the running averages of the epoch so far (``loss``, metrics)."""


def _monitored(logs: Mapping[str, Any], monitor: str, who: str) -> float:
    if monitor not in logs:
        raise KeyError(f"{who}: monitored quantity {monitor!r} is not in the epoch logs {sorted(logs)}; "
                       "pass a dev loader to fit() to get val_* values, or monitor 'loss'")
    return float(logs[monitor])


class _Best:
    """Tracks the best value of a monitored quantity: improvement means beating it by ``min_delta``."""

    def __init__(self, monitor: str, mode: str, min_delta: float, who: str) -> None:
        if mode == "auto":
            mode = "max" if ("acc" in monitor or monitor.endswith(("f1", "precision", "recall"))) else "min"
        if mode not in ("min", "max"):
            raise ValueError(f"{who}: mode must be 'min', 'max' or 'auto', got {mode!r}")
        if min_delta < 0:
            raise ValueError(f"{who}: min_delta must be >= 0, got {min_delta}")
        self.monitor, self.mode, self.min_delta, self.who = monitor, mode, float(min_delta), who
        self.reset()

    def reset(self) -> None:
        self.value = math.inf if self.mode == "min" else -math.inf
        self.epoch: int | None = None

    def update(self, epoch: int, logs: Mapping[str, Any]) -> bool:
        """Record this epoch's value; True when it is a new best."""
        v = _monitored(logs, self.monitor, self.who)
        better = v < self.value - self.min_delta if self.mode == "min" else v > self.value + self.min_delta
        if better:
            self.value, self.epoch = v, epoch
        return better


def _copy_state(state: Mapping[str, Any]) -> dict[str, Any]:
    return {k: from_numpy(np.array(v.array, copy=True)) if isinstance(v, Tensor) else v for k, v in state.items()}


class EarlyStopping(Callback):
    """Stop when ``monitor`` has not improved by more than ``min_delta`` for ``patience`` epochs.

    With ``restore_best_weights`` a copy of the best epoch's ``state_dict`` is kept and
    loaded back into the model when training stops (early or at the last epoch), so the
    model ends at its best epoch.

    Args:
        monitor: the log key to watch. Default: ``"val_loss"``.
        mode: ``"min"``, ``"max"`` or ``"auto"`` (max for accuracies). Default: ``"min"``.
        patience: epochs without improvement tolerated before stopping. Default: 5.
        min_delta: the smallest change that counts as an improvement. Default: 0.
        restore_best_weights: reload the best weights at the end. Default: True.

    Attributes:
        best: the best value seen; ``best_epoch`` its epoch.
        stopped_epoch: the epoch after which training stopped, or None.
    """

    def __init__(self, monitor: str = "val_loss", mode: str = "min", patience: int = 5,
                 min_delta: float = 0.0, restore_best_weights: bool = True) -> None:
        if patience < 0:
            raise ValueError(f"EarlyStopping: patience must be >= 0, got {patience}")
        self._best = _Best(monitor, mode, min_delta, "EarlyStopping")
        self.monitor, self.patience, self.restore_best_weights = monitor, int(patience), restore_best_weights
        self.wait, self.stopped_epoch, self.best_state = 0, None, None
        self._resumed = False

    @property
    def best(self) -> float:
        return self._best.value

    @property
    def best_epoch(self) -> int | None:
        return self._best.epoch

    def on_train_begin(self, logs=None) -> None:
        if self._resumed:  # load_state_dict just restored a run in progress: keep its record
            self._resumed = False
            return
        self._best.reset()
        self.wait, self.stopped_epoch, self.best_state = 0, None, None

    def state_dict(self) -> dict[str, Any]:
        """What resuming needs: the best value and epoch, the epochs waited, the best weights."""
        return {"best": self._best.value, "best_epoch": self._best.epoch, "wait": self.wait,
                "best_state": self.best_state}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Continue a run from :meth:`state_dict`; the next ``on_train_begin`` keeps it."""
        best, best_epoch, wait = state["best"], state["best_epoch"], state["wait"]
        if not isinstance(wait, int) or wait < 0 or not isinstance(best, (int, float)):
            raise ValueError(f"EarlyStopping.load_state_dict: bad state (best {best!r}, wait {wait!r})")
        self._best.value, self._best.epoch, self.wait = float(best), best_epoch, wait
        self.best_state = state["best_state"]
        self._resumed = True

    def on_epoch_end(self, epoch: int, logs: Mapping[str, Any]) -> None:
        if self._best.update(epoch, logs):
            self.wait = 0
            if self.restore_best_weights:
                self.best_state = _copy_state(self.model.state_dict())
            return
        self.wait += 1
        if self.wait >= self.patience:
            self.stopped_epoch = epoch
            self.trainer.stop_training = True

    def on_train_end(self, logs=None) -> None:
        if self.restore_best_weights and self.best_state is not None:
            self.model.load_state_dict(self.best_state)


class TerminateOnNaN(Callback):
    """Stop training at the first batch whose running loss (or ``monitor``) is NaN or infinite (Keras' callback).

    The Trainer's own ``on_nan="stop"`` does the same for the loss; this callback also
    watches another log key, and works with ``on_nan="ignore"``.

    Args:
        monitor: the log key to watch. Default: ``"loss"``.

    Attributes:
        stopped_at: ``(epoch, batch)`` where it stopped training, or None.
    """

    def __init__(self, monitor: str = "loss") -> None:
        self.monitor = monitor
        self.stopped_at: tuple[int, int] | None = None
        self._epoch = 0

    @property
    def wants_batch_logs(self) -> bool:
        return True

    def on_train_begin(self, logs=None) -> None:
        self.stopped_at = None

    def on_epoch_begin(self, epoch: int, logs=None) -> None:
        self._epoch = epoch

    def on_batch_end(self, batch: int, logs: Mapping[str, Any]) -> None:
        value = logs.get(self.monitor)
        if value is not None and not math.isfinite(float(value)):
            self.stopped_at = (self._epoch, batch)
            self.trainer.stop_training = True


class ModelCheckpoint(Callback):
    """Save a checkpoint (model, optimizer, scheduler, RNG, epoch, step) after epochs.

    ``path`` may hold format fields filled from ``epoch`` (1-based: the epochs completed)
    and the logs, e.g. ``"ckpt-{epoch:02d}-{val_loss:.3f}.safetensors"``.

    Args:
        path: the checkpoint file (pattern).
        monitor: the log key deciding what "best" is. Default: ``"val_loss"``.
        mode: ``"min"``, ``"max"`` or ``"auto"``. Default: ``"min"``.
        save_best_only: save only when ``monitor`` improves; else every epoch. Default: False.

    Attributes:
        last_path: the file written last, or None.
    """

    def __init__(self, path: str | os.PathLike, monitor: str = "val_loss", mode: str = "min",
                 save_best_only: bool = False) -> None:
        self.path = os.fspath(path)
        self.save_best_only = save_best_only
        self._best = _Best(monitor, mode, 0.0, "ModelCheckpoint")
        self.last_path: str | None = None

    def on_train_begin(self, logs=None) -> None:
        self._best.reset()

    def on_epoch_end(self, epoch: int, logs: Mapping[str, Any]) -> None:
        if self.save_best_only and not self._best.update(epoch, logs):
            return
        path = self.path.format(epoch=epoch + 1, **logs)
        t = self.trainer
        save_checkpoint(path, t.model, t.optimizer, t.scheduler, epoch=epoch + 1, step=t.global_step,
                        extra={"logs": {k: float(v) for k, v in logs.items()}})
        self.last_path = path


def _takes_metric(scheduler) -> bool:
    """Plateau-style schedulers (``step(metrics)``) need the monitored value; others step bare."""
    try:
        params = inspect.signature(scheduler.step).parameters.values()
    except (TypeError, ValueError):
        return False
    return any(p.default is inspect.Parameter.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
               for p in params)


class LRSchedulerCallback(Callback):
    """Step an lr scheduler after every epoch (or batch), feeding ``monitor`` to ReduceLROnPlateau.

    Args:
        scheduler: an ``nnlab.optim.lr_scheduler`` scheduler.
        monitor: the log key given to a scheduler whose ``step`` takes a metric; when it is
            missing (no dev loader) the training ``loss`` is used. Default: ``"val_loss"``.
        interval: ``"epoch"`` or ``"batch"``. Default: ``"epoch"``.
    """

    def __init__(self, scheduler, monitor: str = "val_loss", interval: str = "epoch") -> None:
        if interval not in ("epoch", "batch"):
            raise ValueError(f"LRSchedulerCallback: interval must be 'epoch' or 'batch', got {interval!r}")
        self.scheduler, self.monitor, self.interval = scheduler, monitor, interval
        self._needs_metric = _takes_metric(scheduler)
        if self._needs_metric and interval == "batch":
            raise ValueError("LRSchedulerCallback: a scheduler stepped with a metric must use interval='epoch'")

    @property
    def wants_batch_logs(self) -> bool:
        return self.interval == "batch"

    def on_batch_end(self, batch: int, logs: Mapping[str, Any]) -> None:
        self.scheduler.step()

    def on_epoch_end(self, epoch: int, logs: Mapping[str, Any]) -> None:
        if self.interval != "epoch":
            return
        if self._needs_metric:
            key = self.monitor if self.monitor in logs else "loss"
            self.scheduler.step(_monitored(logs, key, "LRSchedulerCallback"))
        else:
            self.scheduler.step()


class CSVLogger(Callback):
    """Append each epoch's logs as a row of a CSV file (header from the first epoch).

    Args:
        path: the CSV file.
        append: keep the rows of an existing file (resuming). Default: False.
    """

    def __init__(self, path: str | os.PathLike, append: bool = False) -> None:
        self.path, self.append = os.fspath(path), append
        self._fields: list[str] | None = None

    def on_train_begin(self, logs=None) -> None:
        self._fields = None
        if self.append and os.path.exists(self.path):
            with open(self.path, newline="", encoding="utf-8") as f:
                self._fields = next(csv.reader(f), None)
        elif os.path.exists(self.path):
            os.remove(self.path)

    def on_epoch_end(self, epoch: int, logs: Mapping[str, Any]) -> None:
        row = {"epoch": epoch, **logs}
        new = self._fields is None
        if new:
            self._fields = list(row)
        with open(self.path, "a", newline="", encoding="utf-8") as f:
            writer = csv.DictWriter(f, fieldnames=self._fields, restval="", extrasaction="ignore")
            if new:
                writer.writeheader()
            writer.writerow(row)


def _isatty(stream) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


class ProgressBar(Callback):
    """A tqdm bar per epoch with the running loss and accuracy; silent when not on a terminal.

    Args:
        quiet: never show anything. Default: False.
        file: the stream to draw on. Default: ``sys.stderr``.

    The bar is disabled when ``quiet`` or when stdout or the stream is not a TTY (logs,
    CI, notebooks capturing output), so it never litters redirected output.
    """

    def __init__(self, quiet: bool = False, file=None) -> None:
        self.quiet = quiet
        self.file = file
        self._bar = None
        self._epochs = 0

    @property
    def enabled(self) -> bool:
        stream = self.file if self.file is not None else sys.stderr
        return not self.quiet and _isatty(stream) and _isatty(sys.stdout)

    @property
    def wants_batch_logs(self) -> bool:
        return self.enabled

    def on_train_begin(self, logs=None) -> None:
        self._epochs = (logs or {}).get("epochs", 0)

    def on_epoch_begin(self, epoch: int, logs=None) -> None:
        if not self.enabled:
            return
        from tqdm import tqdm

        total = (logs or {}).get("batches")
        desc = f"Epoch {epoch + 1}/{self._epochs}" if self._epochs else f"Epoch {epoch + 1}"
        self._bar = tqdm(total=total, desc=desc, file=self.file or sys.stderr, leave=True, dynamic_ncols=True)

    def on_batch_end(self, batch: int, logs: Mapping[str, Any]) -> None:
        if self._bar is not None:
            self._bar.update(1)
            self._bar.set_postfix(_short(logs), refresh=False)

    def on_epoch_end(self, epoch: int, logs: Mapping[str, Any]) -> None:
        if self._bar is not None:
            self._bar.set_postfix(_short({k: v for k, v in logs.items() if k != "time"}), refresh=True)
            self.on_train_end()

    def on_train_end(self, logs=None) -> None:
        # Also reached when an epoch raised: leave the terminal clean.
        if self._bar is not None:
            self._bar.close()
            self._bar = None


def _short(logs: Mapping[str, Any]) -> dict[str, str]:
    names = {"accuracy": "acc", "val_accuracy": "val_acc"}
    return {names.get(k, k): f"{float(v):.4g}" for k, v in logs.items()}
