"""Bias helpers shared by every convolution Function (im2col, shifted, pointwise, transposed)."""

from __future__ import annotations

import numpy as np


def spatial_sum(g: np.ndarray) -> np.ndarray:
    """Σ over batch and spatial dims: the bias gradient of an (N, C, *S) output."""
    return g.sum(axis=(0,) + tuple(range(2, g.ndim)))


def bias_view(b: np.ndarray, nd: int) -> np.ndarray:
    """A (C,) bias as (1, C, 1, …, 1), broadcasting against an (N, C, *S) output with ``nd`` spatial dims."""
    return b.reshape((1, -1) + (1,) * nd)
