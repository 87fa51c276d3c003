"""``plot_history``: loss and metric curves of a run, train vs dev, saved as an image.

Figures are built with :class:`matplotlib.figure.Figure` on an Agg canvas, never through
``pyplot``: no global backend switch, no window, nothing left open in a user's session.
"""

from __future__ import annotations

import math
import os
from typing import Sequence

from nnlab.io.atomic import atomic_open
from nnlab.train.history import History

__all__ = ["plot_history", "save_figure", "new_figure"]


def _panels(history: History, metrics: Sequence[str] | None) -> list[str]:
    if metrics is None:
        metrics = ["loss"] + [k for k in history.keys()
                              if k not in ("loss", "lr", "time") and not k.startswith("val_")]
    panels = [m for m in metrics if m in history or f"val_{m}" in history]
    if not panels:
        raise ValueError(f"plot_history: none of {list(metrics)} was recorded; available: {sorted(history.keys())}")
    return panels


def plot_history(
    history: History,
    path: str | os.PathLike,
    metrics: Sequence[str] | None = None,
    title: str | None = None,
    dpi: int = 100,
) -> str:
    """Save one panel per quantity (loss, accuracy, ...) with its train and ``val_`` curves.

    Args:
        history: a :class:`History` (e.g. from ``Trainer.fit``).
        path: the image file; the extension picks the format (``.png``, ``.svg``, ``.pdf``).
        metrics: the quantities to plot. Default: None (``loss`` and every recorded
            metric other than ``lr`` and ``time``).
        title: a title over the figure. Default: None.
        dpi: resolution of raster formats. Default: 100.

    Returns:
        The path written.
    """
    panels = _panels(history, metrics)
    fig = new_figure(5 * len(panels), 4, dpi=dpi)
    epochs = [e + 1 for e in history.epoch]
    for i, name in enumerate(panels):
        ax = fig.add_subplot(1, len(panels), i + 1)
        for key, label, style in ((name, "train", "-o"), (f"val_{name}", "dev", "-s")):
            if key in history and not all(math.isnan(v) for v in history[key]):
                ax.plot(epochs, history[key], style, markersize=3, label=label)
        ax.set_xlabel("epoch")
        ax.set_ylabel(name)
        ax.set_title(name)
        ax.grid(True, alpha=0.3)
        ax.legend()
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    path = os.fspath(path)
    save_figure(fig, path)
    return path


def new_figure(width: float, height: float, dpi: int = 100):
    """A matplotlib ``Figure`` of ``width`` × ``height`` inches on the Agg canvas (no GUI backend, no pyplot state)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=dpi)
    FigureCanvasAgg(fig)
    return fig


def save_figure(fig, path: str | os.PathLike, **kwargs) -> None:
    """``fig.savefig(path)``, atomically (the format from the extension, PNG without one)."""
    path = os.fspath(path)
    fmt = os.path.splitext(path)[1][1:].lower() or "png"
    with atomic_open(path, "wb") as f:
        fig.savefig(f, format=fmt, **kwargs)
