"""Helpers shared by the op files: lifting Python scalars, normalizing axes."""

from __future__ import annotations

from typing import Any

import numpy as np

from nnlab.autograd.tensor import Tensor
from nnlab.backend import get_default_dtype


def lift(other: Any, ref: Tensor) -> Any:
    """Prepare a non-Tensor operand of a binary op with ``ref``.

    Python scalars stay scalars (NumPy keeps ``ref``'s float32 under NEP 50) except a
    Python float meeting an integer tensor, which becomes the default float dtype, as
    in PyTorch. Lists become arrays of ``ref``'s floating dtype. Tensors pass through.
    """
    if isinstance(other, Tensor):
        return other
    if isinstance(other, float) and ref.data.dtype.kind in "iub":
        return np.asarray(other, dtype=get_default_dtype())
    if isinstance(other, (bool, int, float, np.ndarray, np.generic)):
        return other
    arr = np.asarray(other)
    if arr.dtype == np.float64:
        arr = arr.astype(ref.data.dtype if ref.data.dtype.kind == "f" else get_default_dtype())
    return arr


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
