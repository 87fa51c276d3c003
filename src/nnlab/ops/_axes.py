"""Axis helpers shared by the op files: normalized ``dim`` arguments and reduced-gradient shapes."""

from __future__ import annotations

import numpy as np


def normalize_axis(dim, ndim: int, op: str) -> tuple[int, ...] | None:
    """``dim`` (None, int or sequence) as a tuple of non-negative axes, or None for all."""
    if dim is None:
        return None
    dims = (dim,) if isinstance(dim, (int, np.integer)) else tuple(dim)
    out = []
    for d in dims:
        d = int(d)
        if not -max(ndim, 1) <= d < max(ndim, 1):
            raise IndexError(f"{op}: dim {d} is out of range for a tensor with {ndim} dims")
        out.append(d % max(ndim, 1))
    return tuple(out)


def expand_reduced(grad: np.ndarray, shape: tuple[int, ...], axes, keepdim: bool) -> np.ndarray:
    """Reshape the gradient of a reduction so that it broadcasts against the input."""
    if axes is None:
        return np.reshape(grad, (1,) * len(shape)) if not keepdim else grad
    if keepdim:
        return grad
    return np.expand_dims(grad, axes)
