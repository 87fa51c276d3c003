"""Learning curves against training-set size and regularization sweeps: bias and variance as figures.

- :func:`learning_curve` trains on growing nested subsets of the training set: training error
  rises (a small set is easy to fit), dev error falls (more data cuts variance), and the two meet
  near the model's bias — the seeds' picture of what more data can and cannot buy.
- :func:`regularization_sweep` trains once per strength λ (or dropout rate): with little
  regularization the training error is low and the dev error high (variance), with a lot both are
  high (bias), and the dev error is lowest in between — a U.

Both return a :class:`Curve` of measured errors, drawn by :func:`plot_curve`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

from nnlab.diagnostics.quickfit import error_rate


@dataclass
class Curve:
    """Training and dev error (averaged over seeds) at each value of ``x`` (set size or λ)."""

    x: list[float]
    train_error: list[float]
    dev_error: list[float]
    xlabel: str

    @property
    def best(self) -> float:
        """The x with the lowest dev error."""
        return self.x[int(np.argmin(self.dev_error))]

    def table(self) -> str:
        rows = [f"{self.xlabel:>14}  train error  dev error"]
        rows += [f"{x:>14.4g}  {tr * 100:9.2f} %  {dv * 100:7.2f} %"
                 for x, tr, dv in zip(self.x, self.train_error, self.dev_error)]
        return "\n".join(rows)


def _subset_order(y: np.ndarray, seed: int) -> np.ndarray:
    """A permutation whose every prefix holds the classes in (nearly) their overall proportions."""
    rng = np.random.default_rng(seed)
    keys = np.empty(len(y))
    for c in np.unique(y):
        idx = rng.permutation(np.flatnonzero(y == c))
        keys[idx] = (np.arange(len(idx)) + rng.random()) / len(idx)  # rank within the class, spread over [0, 1)
    return np.argsort(keys, kind="stable")


def learning_curve(fit: Callable[[np.ndarray, np.ndarray, int], object], X, y, X_dev, y_dev,
                   sizes: Sequence[int], seeds: int = 1) -> Curve:
    """Train and dev error after training on the first ``m`` examples of a stratified order, for each m.

    Args:
        fit: ``fit(X_m, y_m, seed) -> model`` (a Module whose argmax output is the class).
        X, y: the training set; X_dev, y_dev: the dev set.
        sizes: training-set sizes, each ≤ len(y); subsets are nested (each contains the smaller ones).
        seeds: repetitions with different subsets and initializations, averaged. Default: 1.
    """
    y = np.asarray(y)
    bad = [m for m in sizes if not 0 < m <= len(y)]
    if bad:
        raise ValueError(f"learning_curve: sizes must be in [1, {len(y)}], got {bad}")
    train, dev = np.zeros(len(sizes)), np.zeros(len(sizes))
    for s in range(seeds):
        order = _subset_order(y, s)
        for i, m in enumerate(sizes):
            idx = order[:m]
            model = fit(X[idx], y[idx], s)
            train[i] += error_rate(model, X[idx], y[idx]) / seeds
            dev[i] += error_rate(model, X_dev, y_dev) / seeds
    return Curve([float(m) for m in sizes], train.tolist(), dev.tolist(), "training examples")


def regularization_sweep(fit: Callable[[np.ndarray, np.ndarray, float, int], object], X, y, X_dev, y_dev,
                         values: Sequence[float], seeds: int = 1, name: str = "lambda") -> Curve:
    """Train and dev error for each regularization strength.

    Args:
        fit: ``fit(X, y, value, seed) -> model``, e.g. an MLP with ``weight_decay=value``.
        values: the strengths (λ, or dropout rates), increasing.
        seeds: initializations averaged per value. Default: 1.
        name: the x-axis label. Default: ``"lambda"``.
    """
    if len(values) < 3:
        raise ValueError(f"regularization_sweep: need at least 3 values to see a trade-off, got {list(values)}")
    train, dev = np.zeros(len(values)), np.zeros(len(values))
    for i, v in enumerate(values):
        for s in range(seeds):
            model = fit(X, y, v, s)
            train[i] += error_rate(model, X, y) / seeds
            dev[i] += error_rate(model, X_dev, y_dev) / seeds
    return Curve([float(v) for v in values], train.tolist(), dev.tolist(), name)


def plot_curve(curve: Curve, path: str, title: str = "", logx: bool = False) -> None:
    """Training and dev error against ``curve.x``, the best x marked."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 3.4))
    x = np.asarray(curve.x)
    if logx:  # a zero strength sits one decade left of the smallest positive one
        pos = x[x > 0]
        x = np.where(x > 0, x, pos.min() / 10 if pos.size else 1.0)
        ax.set_xscale("log")
    ax.plot(x, np.asarray(curve.train_error) * 100, "o-", label="training error")
    ax.plot(x, np.asarray(curve.dev_error) * 100, "s-", label="dev error")
    ax.axvline(x[int(np.argmin(curve.dev_error))], color="grey", ls=":", lw=1)
    ax.set_xlabel(curve.xlabel + (" (0 drawn one decade left)" if logx and 0 in curve.x else ""))
    ax.set_ylabel("error (%)")
    ax.set_title(title)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
