"""The learning-rate range test (Smith 2017; fast.ai's ``lr_find``), run through the Trainer.

The rate grows exponentially from ``start_lr`` to ``end_lr`` over ``num_iter`` batches,
one optimizer step each: lr_k = start_lr·(end_lr/start_lr)^(k/(num_iter−1)). The loss
is smoothed with an exponential moving average (bias-corrected) and the test stops once
it exceeds ``diverge_th`` × the best smoothed loss. The model's and optimizer's states
are restored afterwards. The suggestion is the rate where the smoothed loss falls
fastest (steepest negative slope against log lr); ``plot`` draws the curve.
"""

from __future__ import annotations

import copy
import itertools
import math
import os
from dataclasses import dataclass, field
from typing import Any, Iterable

import numpy as np

from nnlab.train.trainer import Trainer, _split


@dataclass
class LRFinderResult:
    """The range test's record: the rates tried, the raw and smoothed losses, the suggestion."""

    lrs: list[float] = field(default_factory=list)
    losses: list[float] = field(default_factory=list)
    smoothed: list[float] = field(default_factory=list)

    @property
    def suggestion(self) -> float:
        """The rate at the steepest descent of the smoothed loss (over log lr)."""
        if len(self.smoothed) < 3:
            raise ValueError(f"lr_find: only {len(self.smoothed)} steps recorded; need at least 3 for a suggestion")
        slopes = np.gradient(np.array(self.smoothed), np.log(np.array(self.lrs)))
        return float(self.lrs[int(np.argmin(slopes))])

    def plot(self, path: str | os.PathLike, dpi: int = 100) -> str:
        """Save the loss-versus-rate curve (log x axis) with the suggestion marked; returns the path."""
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        fig = Figure(figsize=(6, 4), dpi=dpi)
        FigureCanvasAgg(fig)
        ax = fig.add_subplot(1, 1, 1)
        ax.plot(self.lrs, self.losses, alpha=0.3, label="loss")
        ax.plot(self.lrs, self.smoothed, label="smoothed loss")
        ax.axvline(self.suggestion, color="red", linestyle="--", label=f"suggested lr {self.suggestion:.2e}")
        ax.set_xscale("log")
        ax.set_xlabel("learning rate")
        ax.set_ylabel("loss")
        ax.grid(True, alpha=0.3)
        ax.legend()
        fig.tight_layout()
        path = os.fspath(path)
        fig.savefig(path)
        return path


def lr_find(model, loss_fn, optimizer, loader: Iterable, start_lr: float = 1e-7, end_lr: float = 10.0,
            num_iter: int = 100, smooth: float = 0.98, diverge_th: float = 4.0) -> LRFinderResult:
    """Run the range test over batches of ``loader`` (cycled if shorter than ``num_iter``).

    Args:
        model, loss_fn, optimizer: as for :class:`Trainer`; their states are restored at the end.
        loader: batches ``(inputs..., target)``.
        start_lr, end_lr: the range of rates. Defaults: 1e-7, 10.
        num_iter: steps (batches). Default: 100.
        smooth: β of the loss's moving average. Default: 0.98.
        diverge_th: stop when the smoothed loss exceeds this × its best. Default: 4.

    Returns:
        an :class:`LRFinderResult`.
    """
    if not 0 < start_lr < end_lr:
        raise ValueError(f"lr_find: need 0 < start_lr < end_lr, got {start_lr}, {end_lr}")
    if num_iter < 3:
        raise ValueError(f"lr_find: num_iter must be at least 3, got {num_iter}")
    saved_model = copy.deepcopy(model.state_dict())
    saved_opt = copy.deepcopy(optimizer.state_dict())
    result = LRFinderResult()
    factor = (end_lr / start_lr) ** (1.0 / (num_iter - 1))
    state = {"avg": 0.0, "best": math.inf, "stop": False}

    def step(trainer: Trainer, batch: Any):
        k = len(result.lrs)
        lr = start_lr * factor ** k
        for group in optimizer.param_groups:
            group["lr"] = lr
        inputs, target = _split(batch)
        loss = loss_fn(model(*inputs), target)
        value = float(loss.item())
        state["avg"] = smooth * state["avg"] + (1 - smooth) * value
        smoothed = state["avg"] / (1 - smooth ** (k + 1))
        result.lrs.append(lr)
        result.losses.append(value)
        result.smoothed.append(smoothed)
        state["best"] = min(state["best"], smoothed)
        if not math.isfinite(smoothed) or smoothed > diverge_th * state["best"]:
            state["stop"] = True
        return loss

    def batches():
        for batch in itertools.islice(itertools.cycle(loader), num_iter):
            if state["stop"]:
                return
            yield batch

    try:
        Trainer(model, optimizer=optimizer, step_fn=step, quiet=True).fit(_Lazy(batches), epochs=1)
    finally:
        model.load_state_dict(saved_model)
        optimizer.load_state_dict(saved_opt)
    return result


class _Lazy:
    """An iterable over a generator function (the batches stop as soon as the loss diverges)."""

    def __init__(self, make):
        self.make = make

    def __iter__(self):
        return self.make()
