"""Figures of generative models: grids of images (samples, reconstructions, interpolations) and 2-D point clouds.

Built with :class:`matplotlib.figure.Figure` on an Agg canvas, as ``nnlab.train.plot_history``
does: no pyplot, no global backend switch.
"""

from __future__ import annotations

import os
from typing import Any, Sequence

import numpy as np

__all__ = ["save_image_grid", "save_point_clouds", "grey_image_stack"]


def grey_image_stack(images: Any, op: str) -> np.ndarray:
    """Grey images as :math:`(N, H, W)` float64 from :math:`(N, H, W)`, :math:`(N, 1, H, W)` or square flat :math:`(N, H·W)`.

    Args:
        images: the images. op: the caller's name, for errors.
    """
    x = np.asarray(images, dtype=np.float64)
    if x.ndim == 2:
        side = int(round(np.sqrt(x.shape[1])))
        if side * side != x.shape[1]:
            raise ValueError(f"{op}: flat images need a square number of pixels, got {x.shape[1]}")
        x = x.reshape(len(x), side, side)
    elif x.ndim == 4 and x.shape[1] == 1:
        x = x[:, 0]
    if x.ndim != 3 or len(x) == 0:
        raise ValueError(f"{op}: expected (N, H, W), (N, 1, H, W) or (N, H*W) images, got {np.shape(images)}")
    return x


def _figure(width: float, height: float, dpi: int):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=dpi)
    FigureCanvasAgg(fig)
    return fig


def save_image_grid(images: Any, path: str | os.PathLike, ncols: int = 10, title: str | None = None,
                    row_labels: Sequence[str] | None = None, dpi: int = 100) -> str:
    """Save grey images as a grid (rows of ``ncols``); values are shown on a [0, 1] scale.

    Args:
        images: :math:`(N, H, W)`, :math:`(N, 1, H, W)` or square flat :math:`(N, H·W)` arrays.
        path: the image file (``.png`` …). ncols: images per row. Default: 10.
        title: the figure's title. row_labels: one label per row (e.g. "real", "reconstructed").
    """
    x = grey_image_stack(images, "save_image_grid")
    ncols = max(1, min(int(ncols), len(x)))
    nrows = -(-len(x) // ncols)
    h, w = x.shape[1:]
    # One mosaic, one imshow: a subplot per image costs ~50 ms each in matplotlib.
    mosaic = np.full((nrows * (h + 1) + 1, ncols * (w + 1) + 1), np.nan)
    for i, img in enumerate(x):
        r, c = divmod(i, ncols)
        mosaic[1 + r * (h + 1): 1 + r * (h + 1) + h, 1 + c * (w + 1): 1 + c * (w + 1) + w] = img
    scale = max(8, h) / 8
    fig = _figure(0.8 * ncols * scale + (0.8 if row_labels else 0.2), 0.8 * nrows * scale + (0.5 if title else 0.2), dpi)
    ax = fig.add_axes((0.12 if row_labels else 0.02, 0.02, 0.86 if row_labels else 0.96, 0.86 if title else 0.96))
    ax.imshow(np.ma.masked_invalid(mosaic), cmap="gray_r", vmin=0.0, vmax=1.0, interpolation="nearest")
    ax.set_xticks([])
    if row_labels:
        ax.set_yticks([1 + r * (h + 1) + h / 2 for r in range(min(nrows, len(row_labels)))])
        ax.set_yticklabels(list(row_labels)[:nrows], fontsize=8)
    else:
        ax.set_yticks([])
    if title:
        fig.suptitle(title, fontsize=9)
    fig.savefig(os.fspath(path))
    return os.fspath(path)


def save_point_clouds(clouds: Sequence[Any], titles: Sequence[str], path: str | os.PathLike,
                      reference: Any | None = None, dpi: int = 100) -> str:
    """Save 2-D point clouds side by side (e.g. GAN samples at several epochs), over optional reference points."""
    if len(clouds) != len(titles) or not clouds:
        raise ValueError(f"save_point_clouds: needs one title per cloud, got {len(clouds)} clouds and {len(titles)} titles")
    fig = _figure(3 * len(clouds), 3.2, dpi)
    for i, (pts, title) in enumerate(zip(clouds, titles)):
        ax = fig.add_subplot(1, len(clouds), i + 1)
        if reference is not None:
            ref = np.asarray(reference)
            ax.scatter(ref[:, 0], ref[:, 1], s=30, c="tab:red", marker="x", label="modes")
        pts = np.asarray(pts)
        ax.scatter(pts[:, 0], pts[:, 1], s=2, alpha=0.4)
        ax.set_xlim(-3, 3)
        ax.set_ylim(-3, 3)
        ax.set_aspect("equal")
        ax.set_title(title, fontsize=9)
    fig.savefig(os.fspath(path))
    return os.fspath(path)
