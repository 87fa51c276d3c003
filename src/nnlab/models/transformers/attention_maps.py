"""Attention maps: capture the attention weights of every ``nn.MultiheadAttention`` in a model
(any layer, any head) and draw them as heatmaps.

Transformer layers call their attention with ``need_weights=False`` (the fast path); while
:func:`capture_attention` is active each attention module is switched to return its
per-head weights, which are recorded, and its caller still gets exactly what it asked for.
Figures are :class:`matplotlib.figure.Figure` objects on an Agg canvas (no pyplot state).
"""

from __future__ import annotations

import inspect
import os
from contextlib import contextmanager
from typing import Any, Iterator, Sequence

import numpy as np

from nnlab import nn
from nnlab.autograd.grad_mode import no_grad
from nnlab.train.plots import save_figure


@contextmanager
def capture_attention(model: nn.Module) -> Iterator[dict[str, list[np.ndarray]]]:
    """Record each attention module's weights while the block runs.

    Yields:
        A dict: module name (e.g. ``"encoder.layers.0.self_attn"``) → list of arrays
        (N, h, L, S), one per call (several per forward pass in step-by-step decoding).
    """
    maps: dict[str, list[np.ndarray]] = {}
    patched = []
    for name, module in model.named_modules():
        if not isinstance(module, nn.MultiheadAttention):
            continue
        original = module.forward
        signature = inspect.signature(original)

        def forward(*args: Any, _orig=original, _sig=signature, _name=name, **kwargs: Any):
            bound = _sig.bind(*args, **kwargs)
            bound.apply_defaults()
            wanted, average = bound.arguments["need_weights"], bound.arguments["average_attn_weights"]
            bound.arguments["need_weights"], bound.arguments["average_attn_weights"] = True, False
            out, weights = _orig(*bound.args, **bound.kwargs)
            per_head = weights.array if weights.ndim == 4 else weights.array[None]
            maps.setdefault(_name, []).append(np.array(per_head))
            if not wanted:
                return out, None
            return out, (weights.mean(dim=-3) if average else weights)

        object.__setattr__(module, "forward", forward)
        patched.append(module)
    try:
        yield maps
    finally:
        for module in patched:
            del module.__dict__["forward"]


def attention_maps(model: nn.Module, *inputs: Any, **kwargs: Any) -> dict[str, np.ndarray]:
    """Run ``model(*inputs, **kwargs)`` in eval mode without gradients; each attention's weights.

    Returns:
        module name → weights (N, h, L, S) of its last call.
    """
    if not any(isinstance(m, nn.MultiheadAttention) for m in model.modules()):
        raise ValueError(f"attention_maps: {type(model).__name__} has no nn.MultiheadAttention module")
    was_training = model.training
    model.eval()
    try:
        with no_grad(), capture_attention(model) as maps:
            model(*inputs, **kwargs)
    finally:
        model.train(was_training)
    return {name: calls[-1] for name, calls in maps.items()}


def plot_attention(weights: np.ndarray, x_labels: Sequence[str] | None = None,
                   y_labels: Sequence[str] | None = None, title: str | None = None,
                   path: str | os.PathLike | None = None, head_titles: Sequence[str] | None = None,
                   xlabel: str = "key", ylabel: str = "query", dpi: int = 100):
    """Heatmap(s) of attention weights: rows are queries, columns are keys.

    Args:
        weights: (L, S) for one map or (h, L, S) for one panel per head.
        x_labels: the S key tokens (default none). y_labels: the L query tokens.
        title: figure title (default none). path: save as an image here (default: don't save).
        head_titles: a title per panel (default "head i").
        xlabel, ylabel: axis names (default "key", "query"). dpi: resolution (default 100).

    Returns:
        The :class:`matplotlib.figure.Figure`.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    w = np.asarray(weights, dtype=np.float64)
    if w.ndim == 2:
        w = w[None]
    if w.ndim != 3:
        raise ValueError(f"plot_attention: expects weights (L, S) or (h, L, S), got shape {np.shape(weights)}")
    h, L, S = w.shape
    for name, labels, n in (("x_labels", x_labels, S), ("y_labels", y_labels, L)):
        if labels is not None and len(labels) != n:
            raise ValueError(f"plot_attention: {len(labels)} {name} for {n} positions (weights shape {w.shape})")
    cols = min(h, 4)
    rows = -(-h // cols)
    side = 0.35 * max(L, S) + 1.5
    fig = Figure(figsize=(side * cols + 1, side * rows + 0.5), dpi=dpi)
    FigureCanvasAgg(fig)
    for i in range(h):
        ax = fig.add_subplot(rows, cols, i + 1)
        image = ax.imshow(w[i], cmap="viridis", vmin=0.0, vmax=max(float(w[i].max()), 1e-12), aspect="auto")
        ax.set_title(head_titles[i] if head_titles is not None else (f"head {i}" if h > 1 else ""), fontsize=9)
        if x_labels is not None:
            ax.set_xticks(range(S))
            ax.set_xticklabels(list(x_labels), rotation=90, fontsize=7)
        if y_labels is not None:
            ax.set_yticks(range(L))
            ax.set_yticklabels(list(y_labels), fontsize=7)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    if path is not None:
        save_figure(fig, path)
    return fig
