"""Which hyperparameters matter: an importance estimate from the trials, and the results table and plots.

Importance of a hyperparameter h is the share of the score's variance that h alone explains,
the correlation ratio η²_h = Σ_b n_b (ȳ_b − ȳ)² / Σ_i (y_i − ȳ)², where the trials are grouped
into ``bins`` quantile bins of h on its own scale (log10 for log ranges, one group per option
for a choice). The η² are then normalized to sum to 1. With random search every trial varies
every hyperparameter at once, so one set of trials estimates them all — the seeds' tuning
order (learning rate first) should come out on top for a real network.
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np

from nnlab.tune.search import SearchResult
from nnlab.tune.spaces import Choice, IntRange, LogUniform, OneMinusLog, Space


def _scale(space: Space | None, values: list) -> np.ndarray | None:
    if isinstance(space, Choice) or not all(isinstance(v, (int, float)) for v in values):
        return None
    x = np.asarray(values, dtype=float)
    if isinstance(space, LogUniform) or (isinstance(space, IntRange) and space.log):
        return np.log10(x)
    if isinstance(space, OneMinusLog):
        return np.log10(1.0 - x)
    return x


def _groups(space: Space | None, values: list, bins: int) -> np.ndarray:
    x = _scale(space, values)
    if x is None:
        options = sorted({str(v) for v in values})
        return np.array([options.index(str(v)) for v in values])
    edges = np.quantile(x, np.linspace(0, 1, bins + 1)[1:-1])
    return np.searchsorted(edges, x, side="right")


def importance(result: SearchResult, bins: int = 4) -> dict[str, float]:
    """Each hyperparameter's normalized η² (share of the score variance it explains), largest first.

    Args:
        result: a search's trials (random search or a study, at least ``2 * bins`` trials).
        bins: quantile bins per continuous hyperparameter. Default: 4.
    """
    trials = [t for t in result.trials if math.isfinite(t.value)]
    if len(trials) < 2 * bins:
        raise ValueError(f"importance: need at least {2 * bins} finished trials for {bins} bins, got {len(trials)}")
    y = np.array([t.value for t in trials], dtype=float)
    total = float(((y - y.mean()) ** 2).sum())
    names = list(result.space) or list(trials[0].params)
    raw = {}
    for n in names:
        g = _groups(result.space.get(n), [t.params[n] for t in trials], bins)
        between = sum(float((g == b).sum()) * (y[g == b].mean() - y.mean()) ** 2 for b in np.unique(g))
        raw[n] = between / total if total > 0 else 0.0
    s = sum(raw.values()) or 1.0
    return dict(sorted(((n, float(v / s)) for n, v in raw.items()), key=lambda kv: -kv[1]))


def results_table(result: SearchResult, top: int | None = None, extras: Sequence[str] = ()) -> str:
    """The trials as a text table, best first: number, score, each hyperparameter, chosen extras."""
    names = list(result.space) or (list(result.trials[0].params) if result.trials else [])
    rows = result.top(top or len(result.trials))
    head = ["trial", "score", *names, *extras]
    body = [[str(t.number), f"{t.value:.4g}", *(_fmt(t.params[n]) for n in names),
             *(_fmt(t.extra.get(e, float("nan"))) for e in extras)] for t in rows]
    widths = [max(len(r[i]) for r in [head, *body]) for i in range(len(head))]
    lines = ["  ".join(c.rjust(w) for c, w in zip(r, widths)) for r in [head, *body]]
    return "\n".join(lines)


def _fmt(v) -> str:
    return f"{v:.4g}" if isinstance(v, float) else str(v)


def plot_search(result: SearchResult, path: str) -> None:
    """Score against each hyperparameter (log axes for log ranges) and best-so-far against trials."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(result.space) or list(result.trials[0].params)
    fig, axes = plt.subplots(1, len(names) + 1, figsize=(3.6 * (len(names) + 1), 3.2))
    y = [t.value for t in result.trials]
    for ax, n in zip(axes, names):
        vals = [t.params[n] for t in result.trials]
        space = result.space.get(n)
        ax.scatter([str(v) for v in vals] if isinstance(space, Choice) else vals, y, s=14)
        if isinstance(space, LogUniform):
            ax.set_xscale("log")
        ax.set_xlabel(n)
        ax.set_ylabel("score")
    axes[-1].plot(np.arange(1, len(y) + 1), result.best_so_far(), marker=".")
    axes[-1].set_xlabel("trial")
    axes[-1].set_ylabel(f"best so far ({result.direction})")
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
