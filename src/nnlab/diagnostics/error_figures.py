"""Error analysis as figures: the misclassified dev examples as an image grid and a table, the confusion matrix.

The seeds' error analysis starts by *looking* at ~100 dev errors; :func:`plot_misclassified` draws
them (true → predicted, confidence), :func:`misclassified_table` lists them for tagging, and
:func:`plot_confusion` shows which classes are taken for which. The tag counts and the ceiling on
improvement per tag are :func:`nnlab.diagnostics.error_analysis.tag_ceilings`.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from nnlab.models.generative.figures import grey_image_stack


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _name(names: Sequence[str] | None, k: int) -> str:
    return str(names[k]) if names is not None else str(k)


def misclassified_table(rows: Sequence[tuple[int, int, int, float]], class_names: Sequence[str] | None = None,
                        tags: Sequence[Sequence[str]] | None = None) -> str:
    """The rows of :func:`~nnlab.diagnostics.error_analysis.misclassified` as text: index, true, predicted, p, tags."""
    head = f"{'index':>6}  {'true':>6}  {'predicted':>9}  {'p(pred)':>7}" + ("  tags" if tags is not None else "")
    lines = [head]
    for j, (i, t, p, conf) in enumerate(rows):
        line = f"{i:>6}  {_name(class_names, t):>6}  {_name(class_names, p):>9}  {conf:7.3f}"
        if tags is not None:
            line += "  " + ", ".join(tags[j])
        lines.append(line)
    return "\n".join(lines)


def plot_misclassified(images: np.ndarray, rows: Sequence[tuple[int, int, int, float]], path: str,
                       class_names: Sequence[str] | None = None, cols: int = 8, limit: int = 32) -> None:
    """A grid of the first ``limit`` misclassified images, each titled ``true→predicted (p)``.

    Args:
        images: all dev images, (N, H, W), (N, 1, H, W) or flat (N, H·W) with a square H = W.
        rows: ``(index, true, predicted, p)`` rows from ``misclassified``.
    """
    imgs = grey_image_stack(images, "plot_misclassified")
    rows = list(rows)[:limit]
    if not rows:
        raise ValueError("plot_misclassified: no misclassified examples to draw")
    plt = _plt()
    r = (len(rows) + cols - 1) // cols
    fig, axes = plt.subplots(r, cols, figsize=(1.3 * cols, 1.5 * r), squeeze=False)
    for ax in axes.ravel():
        ax.axis("off")
    for ax, (i, t, p, conf) in zip(axes.ravel(), rows):
        ax.imshow(imgs[i], cmap="gray_r")
        ax.set_title(f"{_name(class_names, t)}→{_name(class_names, p)} ({conf:.2f})", fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def plot_confusion(cm: np.ndarray, path: str, class_names: Sequence[str] | None = None, normalize: bool = True) -> None:
    """The confusion matrix (rows: true class, columns: predicted), row-normalized by default, counts printed."""
    cm = np.asarray(cm)
    if cm.ndim != 2 or cm.shape[0] != cm.shape[1]:
        raise ValueError(f"plot_confusion: expected a square (K, K) matrix, got shape {cm.shape}")
    shown = cm / np.maximum(cm.sum(1, keepdims=True), 1) if normalize else cm
    plt = _plt()
    k = len(cm)
    fig, ax = plt.subplots(figsize=(0.45 * k + 2, 0.45 * k + 1.6))
    im = ax.imshow(shown, cmap="Blues")
    names = [_name(class_names, j) for j in range(k)]
    ax.set_xticks(range(k), names, fontsize=8)
    ax.set_yticks(range(k), names, fontsize=8)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    for a in range(k):
        for b in range(k):
            if cm[a, b]:
                ax.text(b, a, str(int(cm[a, b])), ha="center", va="center", fontsize=7,
                        color="white" if shown[a, b] > 0.5 * shown.max() else "black")
    fig.colorbar(im, ax=ax, fraction=0.046)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
