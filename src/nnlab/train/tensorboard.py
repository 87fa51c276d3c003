"""TensorBoard logging: a small ``SummaryWriter`` and the ``TensorBoard`` callback for the Trainer.

The event files are written by tensorboardX (the ``tensorboard`` extra,
``pip install nnlab[tensorboard]``), the writer PyTorch's own ``SummaryWriter`` grew
out of, so any TensorBoard reads them::

    trainer = Trainer(model, loss_fn, opt, callbacks=[TensorBoard("runs/tb/lenet")])
    trainer.fit(train_loader, dev_loader, epochs=10)
    # tensorboard --logdir runs/tb

Per epoch the callback writes every number of the epoch logs (``loss``, ``accuracy``,
``val_*``, ``lr``, ``time``) as a scalar, and (with ``histograms=True``) a histogram of
every parameter and of its last gradient. ``SummaryWriter`` adds images, matplotlib
figures (the examples' plots) and the hyperparameters of a tuning study.
"""

from __future__ import annotations

import os
from typing import Any, Mapping

import numpy as np

from nnlab.autograd.tensor import Tensor
from nnlab.train.callbacks import Callback

__all__ = ["SummaryWriter", "TensorBoard"]


def _writer_class():
    try:
        from tensorboardX import SummaryWriter as _TBX
    except ImportError as exc:  # pragma: no cover - the extra is part of the test install
        raise ImportError("nnlab.train.tensorboard needs tensorboardX: pip install 'nnlab[tensorboard]'") from exc
    return _TBX


def _numpy(x: Any) -> np.ndarray:
    return x.array if isinstance(x, Tensor) else np.asarray(x)


class SummaryWriter:
    """Write TensorBoard event files into ``log_dir`` (scalars, histograms, images, figures, hparams).

    Args:
        log_dir: the run's folder (created if missing); point ``tensorboard --logdir``
            at it or at its parent to compare runs.
        flush_secs: how often pending events reach the disk. Default: 10.

    Values may be Python numbers, NumPy arrays or nnlab Tensors.
    """

    def __init__(self, log_dir: str | os.PathLike, flush_secs: int = 10) -> None:
        self.log_dir = os.fspath(log_dir)
        os.makedirs(self.log_dir, exist_ok=True)
        self._writer = _writer_class()(logdir=self.log_dir, flush_secs=flush_secs)

    def add_scalar(self, tag: str, value: Any, step: int) -> None:
        """One point of the curve ``tag``."""
        arr = _numpy(value)
        if arr.size != 1:
            raise ValueError(f"SummaryWriter.add_scalar: {tag!r} must be a single number, got shape {arr.shape}")
        self._writer.add_scalar(tag, float(arr.reshape(())), global_step=int(step))

    def add_scalars(self, values: Mapping[str, Any], step: int, prefix: str = "") -> None:
        """Every number of ``values`` as its own scalar ``prefix + key``."""
        for k, v in values.items():
            self.add_scalar(prefix + k, v, step)

    def add_histogram(self, tag: str, values: Any, step: int) -> None:
        """The distribution of ``values`` (any shape) at ``step``."""
        arr = np.asarray(_numpy(values), dtype=np.float64).reshape(-1)
        if arr.size == 0:
            raise ValueError(f"SummaryWriter.add_histogram: {tag!r} has no values")
        self._writer.add_histogram(tag, arr, global_step=int(step))

    def add_image(self, tag: str, image: Any, step: int, dataformats: str = "CHW") -> None:
        """An image: floats in [0, 1] or uint8, laid out as ``dataformats`` (CHW, HWC or HW)."""
        arr = _numpy(image)
        if arr.ndim != len(dataformats):
            raise ValueError(f"SummaryWriter.add_image: {tag!r} has shape {arr.shape}, "
                             f"which does not match dataformats {dataformats!r}")
        self._writer.add_image(tag, arr, global_step=int(step), dataformats=dataformats)

    def add_figure(self, tag: str, figure, step: int) -> None:
        """A matplotlib figure (rendered to an image, then closed)."""
        self._writer.add_figure(tag, figure, global_step=int(step), close=True)

    def add_hparams(self, hparams: Mapping[str, Any], metrics: Mapping[str, float], name: str | None = None) -> None:
        """One trial of a study: its hyperparameters and final metrics, for TensorBoard's HPARAMS tab.

        Written, as PyTorch and tensorboardX do, to a subfolder ``name`` (default: a
        timestamp) of ``log_dir`` so that each trial is one row.
        """
        clean = {k: (v if isinstance(v, (bool, str, int, float)) else str(v)) for k, v in hparams.items()}
        self._writer.add_hparams(clean, {k: float(v) for k, v in metrics.items()}, name=name)

    def flush(self) -> None:
        self._writer.flush()

    def close(self) -> None:
        self._writer.close()

    def __enter__(self) -> "SummaryWriter":
        return self

    def __exit__(self, *exc) -> bool:
        self.close()
        return False


class TensorBoard(Callback):
    """Log the Trainer's epoch numbers (and weight / gradient histograms) to TensorBoard.

    Args:
        log_dir: the event files' folder.
        histograms: also write a histogram of each parameter (``weights/<name>``) and of
            its gradient (``grads/<name>``, the last batch's) every epoch. Default: True.
        hparams: hyperparameters of the run; with them, the last epoch's logs are
            written as the run's metrics for the HPARAMS tab at the end of training.
            Default: None.
        writer: an existing :class:`SummaryWriter` to write through (not closed at the
            end). Default: None (one is opened on ``log_dir``).

    Scalars are written at step = the epoch number, under the log's own name
    (``loss``, ``val_accuracy``, ``lr``...).
    """

    def __init__(self, log_dir: str | os.PathLike = "runs/tensorboard", histograms: bool = True,
                 hparams: Mapping[str, Any] | None = None, writer: SummaryWriter | None = None) -> None:
        self.log_dir = os.fspath(log_dir)
        self.histograms = histograms
        self.hparams = dict(hparams) if hparams else None
        self._own_writer = writer is None
        self.writer = writer
        self._last: dict[str, float] = {}

    def on_train_begin(self, logs=None) -> None:
        if self.writer is None:
            self.writer = SummaryWriter(self.log_dir)

    def on_epoch_end(self, epoch: int, logs: Mapping[str, Any]) -> None:
        numbers = {k: float(v) for k, v in logs.items() if isinstance(v, (int, float, np.floating, np.integer))}
        self.writer.add_scalars(numbers, epoch)
        self._last = numbers
        if self.histograms and self.model is not None:
            for name, p in self.model.named_parameters():
                self.writer.add_histogram(f"weights/{name}", p.array, epoch)
                if p.grad is not None:
                    self.writer.add_histogram(f"grads/{name}", p.grad.array, epoch)
        self.writer.flush()

    def on_train_end(self, logs=None) -> None:
        if self.writer is None:
            return
        if self.hparams:
            self.writer.add_hparams(self.hparams, {f"hparam/{k}": v for k, v in self._last.items()}, name="hparams")
        if self._own_writer:
            self.writer.close()
            self.writer = None
        else:
            self.writer.flush()
