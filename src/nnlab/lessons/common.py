"""What every lesson shares: training a model on arrays through the one ``Trainer``, and accuracy.

The lessons run small, seeded experiments; each trains through :class:`nnlab.train.Trainer`
(quiet, no metrics, full batch unless a batch size is given), so a lesson's numbers come
from the same loop as any other model's in nnlab.
"""

from __future__ import annotations

import time
from typing import Any, Callable, Iterable

import numpy as np

from nnlab.autograd.grad_mode import no_grad
from nnlab.backend import manual_seed
from nnlab.data import DataLoader, TensorDataset
from nnlab.nn.module import Module
from nnlab.ops.creation import from_numpy
from nnlab.train import History, Trainer
from nnlab.train.callbacks import Callback

__all__ = ["fit_arrays", "predict_array", "binary_accuracy", "seeded", "Timing"]


def seeded(seed: int) -> int:
    """Reset nnlab's global generator to ``seed`` (weights, dropout masks, shuffling) and return it."""
    manual_seed(seed)
    return seed


def fit_arrays(model: Module, X: np.ndarray, y: np.ndarray, loss_fn: Callable, optimizer: Any, epochs: int,
               batch_size: int | None = None, shuffle: bool = True, callbacks: Iterable[Callback] = (),
               step_fn: Callable | None = None) -> History:
    """Train ``model`` on the arrays (X, y) with ``Trainer`` for ``epochs`` epochs; returns the History.

    Args:
        model: the module to train (called as ``model(x)``).
        X: inputs, (N, ...). y: targets, (N, ...).
        loss_fn: ``loss_fn(output, target) -> scalar``.
        optimizer: an ``nnlab.optim`` optimizer over the model's parameters.
        epochs: passes over the data.
        batch_size: samples per step (default: the whole set, full-batch gradient descent).
        shuffle: reshuffle every epoch (seeded generator); irrelevant for full batches.
        callbacks: Trainer callbacks (e.g. a probe recording a hidden layer each epoch).
        step_fn: a Trainer step function replacing forward + loss (see ``Trainer``).
    """
    n = len(X)
    loader = DataLoader(TensorDataset(from_numpy(np.asarray(X)), from_numpy(np.asarray(y))),
                        batch_size=n if batch_size is None else batch_size, shuffle=shuffle and batch_size is not None)
    trainer = Trainer(model, loss_fn, optimizer, metrics=(), callbacks=list(callbacks), quiet=True,
                      step_fn=step_fn)
    return trainer.fit(loader, epochs=epochs)


def predict_array(model: Module, X: np.ndarray, train_mode: bool = False) -> np.ndarray:
    """``model(X)`` as a NumPy array, without gradients, in eval mode (or train mode when asked)."""
    was = model.training
    model.train(train_mode)
    with no_grad():
        out = model(from_numpy(np.asarray(X))).numpy()
    model.train(was)
    return out


def binary_accuracy(logits: np.ndarray, y: np.ndarray) -> float:
    """Fraction of samples where ``logits > 0`` agrees with the 0/1 label."""
    return float(np.mean((np.asarray(logits).reshape(-1) > 0) == (np.asarray(y).reshape(-1) > 0.5)))


class Timing:
    """Wall and CPU seconds of a ``with`` block (the lessons report both: the machine may be shared).

    Example: ``with Timing() as t: run()`` then ``print(t)`` → ``"12.3 s wall, 4.5 s CPU"``; or
    ``t = Timing.start()`` … ``print(t.stop())``.
    """

    @classmethod
    def start(cls) -> "Timing":
        """A running Timing (``__enter__`` already called)."""
        return cls().__enter__()

    def stop(self) -> "Timing":
        """Record the elapsed times; returns self."""
        self.__exit__()
        return self

    def __enter__(self) -> "Timing":
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        self.wall_s = self.cpu_s = 0.0
        return self

    def __exit__(self, *exc) -> None:
        self.wall_s, self.cpu_s = time.perf_counter() - self.wall, time.process_time() - self.cpu

    def __str__(self) -> str:
        return f"{self.wall_s:.1f} s wall, {self.cpu_s:.1f} s CPU"
