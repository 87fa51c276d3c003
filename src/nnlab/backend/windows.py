"""Sliding windows over the spatial dims of an N-d batch, and their adjoint (fold).

These are the low-level helpers under convolution and pooling (im2col / col2im):

- :func:`sliding_windows` returns a read-only *view* of shape (N, C, *out, *kernel) —
  no copy; the matmul or reduction that consumes it decides what to materialize.
- :func:`fold_windows` is its adjoint: it adds every window back onto the input grid
  (overlaps accumulate). It loops over the kernel offsets only (k_h·k_w iterations of a
  strided slice add), never over output positions, so it stays fast.

Spatial padding is the caller's job (:func:`pad_spatial`), so the same helpers serve
zero padding for convolutions and −inf padding for max pooling.
"""

from __future__ import annotations

from itertools import product
from typing import Sequence

import numpy as np
from numpy.lib.stride_tricks import as_strided


def window_output_shape(
    spatial: Sequence[int], kernel: Sequence[int], stride: Sequence[int], dilation: Sequence[int]
) -> tuple[int, ...]:
    """⌊(n − d(k − 1) − 1)/s⌋ + 1 per spatial dim of an (already padded) input."""
    return tuple((n - d * (k - 1) - 1) // s + 1 for n, k, s, d in zip(spatial, kernel, stride, dilation))


def sliding_windows(
    x: np.ndarray, kernel: Sequence[int], stride: Sequence[int], dilation: Sequence[int]
) -> np.ndarray:
    """A read-only view of every window: (N, C, *spatial) → (N, C, *out, *kernel).

    Raises:
        ValueError: when a (dilated) kernel is larger than the input.
    """
    nd = len(kernel)
    spatial = x.shape[2:]
    if len(spatial) != nd:
        raise ValueError(f"sliding_windows: input shape {x.shape} has {len(spatial)} spatial dims, kernel has {nd}")
    out = window_output_shape(spatial, kernel, stride, dilation)
    if any(o <= 0 for o in out):
        raise ValueError(
            f"sliding_windows: kernel {tuple(kernel)} (dilation {tuple(dilation)}) does not fit "
            f"in the (padded) input of spatial size {tuple(spatial)}"
        )
    st = x.strides
    shape = x.shape[:2] + out + tuple(kernel)
    strides = st[:2] + tuple(st[2 + i] * stride[i] for i in range(nd)) + tuple(st[2 + i] * dilation[i] for i in range(nd))
    return as_strided(x, shape=shape, strides=strides, writeable=False)


def fold_windows(
    cols: np.ndarray,
    spatial: Sequence[int],
    kernel: Sequence[int],
    stride: Sequence[int],
    dilation: Sequence[int],
) -> np.ndarray:
    """The adjoint of :func:`sliding_windows`: (N, C, *out, *kernel) → (N, C, *spatial), overlaps summed."""
    nd = len(kernel)
    out = cols.shape[2 : 2 + nd]
    result = np.zeros(cols.shape[:2] + tuple(spatial), dtype=cols.dtype)
    lead = (slice(None), slice(None))
    for offsets in product(*(range(k) for k in kernel)):
        target = tuple(slice(o * d, o * d + s * (n - 1) + 1, s) for o, d, s, n in zip(offsets, dilation, stride, out))
        result[lead + target] += cols[lead + (slice(None),) * nd + offsets]
    return result


def pad_spatial(x: np.ndarray, padding: Sequence[tuple[int, int]], value: float = 0.0) -> np.ndarray:
    """Pad the spatial dims (all but the first two) by (before, after) pairs with a constant."""
    if not any(lo or hi for lo, hi in padding):
        return x
    return np.pad(x, ((0, 0), (0, 0), *padding), mode="constant", constant_values=value)


def unpad_spatial(x: np.ndarray, padding: Sequence[tuple[int, int]]) -> np.ndarray:
    """Crop what :func:`pad_spatial` added."""
    if not any(lo or hi for lo, hi in padding):
        return x
    return x[(slice(None), slice(None)) + tuple(slice(lo, n - hi) for (lo, hi), n in zip(padding, x.shape[2:]))]
