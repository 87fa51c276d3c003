"""Argument checks shared by the ops: integers, indices and padding widths, refused as torch refuses them."""

from __future__ import annotations

import numpy as np


def check_int(op: str, name: str, value, minimum: int = 0) -> int:
    """``value`` as an int, refusing bools, floats and values below ``minimum`` with the op named."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{op}: {name} must be an integer, got {type(value).__name__} {value!r}")
    if value < minimum:
        raise ValueError(f"{op}: {name} must be at least {minimum}, got {value}")
    return int(value)


def check_index(op: str, idx: np.ndarray, size: int, dim: int) -> None:
    """Integer indices in [0, size): negative ones would wrap and floats truncate in NumPy; torch refuses both."""
    if idx.dtype.kind not in "iu":
        raise TypeError(f"{op}: index must be an integer tensor, got dtype {idx.dtype}")
    if idx.size and (idx.min() < 0 or idx.max() >= size):
        bad = int(idx.min()) if idx.min() < 0 else int(idx.max())
        raise IndexError(f"{op}: index {bad} is out of range for dim {dim} of size {size} (indices must be in "
                         f"[0, {size}))")


def check_pad_widths(widths, mode: str, shape: tuple[int, ...]) -> None:
    """Padding that torch accepts for ``mode``: reflection inside the input, one circular wrap, a non-empty dim to replicate."""
    for axis, (lo, hi) in enumerate(widths):
        # As torch: a reflection must fit inside the input (NumPy would reflect repeatedly),
        # a circular pad may wrap at most once, and replicate needs an element to repeat.
        size = shape[axis]
        if mode == "reflect" and (lo or hi) and max(lo, hi) >= size:
            raise ValueError(f"pad: reflect padding ({lo}, {hi}) must be smaller than the size {size} of dim {axis} "
                             f"(input shape {shape})")
        if mode == "circular" and max(lo, hi) > size:
            raise ValueError(f"pad: circular padding ({lo}, {hi}) must be at most the size {size} of dim {axis} "
                             f"(input shape {shape})")
        if mode == "replicate" and (lo or hi) and size == 0:
            raise ValueError(f"pad: replicate padding needs a non-empty dim {axis} (input shape {shape})")
