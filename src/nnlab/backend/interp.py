"""Source indices and weights of 1-d resampling, with PyTorch's coordinate rules.

One place for the index arithmetic behind ``F.interpolate`` (nearest, bilinear) and
the NumPy preprocessing ``nnlab.data.resize_bilinear``. Resampling a 2-d image is
separable: with the (n_out, n_in) matrices ``R_h`` and ``R_w`` of this module the
result is ``R_h @ x @ R_wᵀ`` per plane, and its adjoint (the backward) is
``R_hᵀ @ g @ R_w``.

PyTorch's rules (ATen ``UpSample.h``), reproduced here:

- ``scale``: the user's ``scale_factor`` (output/input). When given, the source step
  is ``1/scale``; otherwise ``n_in/n_out``.
- a dim whose size does not change is copied, in both modes, whatever the scale.
- nearest: ``src = min(floor(dst · step), n_in − 1)``, always computed in float32;
  ``n_out == 2·n_in`` halves the index exactly.
- linear, ``align_corners=True``: ``src = dst · (n_in − 1)/(n_out − 1)`` (0 when n_out = 1);
  ``align_corners=False``: ``src = max(step · (dst + ½) − ½, 0)`` (pixel centres aligned).
  Then ``i0 = min(floor(src), n_in − 1)``, ``i1 = min(i0 + 1, n_in − 1)``,
  ``λ = clamp(src − i0, 0, 1)``, weights ``1 − λ`` on ``i0`` and ``λ`` on ``i1``. The
  arithmetic runs in float64 for float64 data and in float32 otherwise, as ATen's
  ``opmath`` type does.
"""

from __future__ import annotations

import numpy as np


def _step(n_in: int, n_out: int, scale: float | None, dtype: np.dtype) -> np.ndarray:
    """PyTorch's ``compute_scales_value``: 1/scale when a positive scale is given, else n_in/n_out."""
    if scale is not None and scale > 0:
        return np.asarray(1.0 / scale, dtype=dtype)
    return np.asarray(n_in, dtype=dtype) / np.asarray(n_out, dtype=dtype)


def nearest_indices(n_in: int, n_out: int, scale: float | None = None) -> np.ndarray:
    """The input index each of ``n_out`` outputs copies (mode ``'nearest'``), as int64."""
    dst = np.arange(n_out, dtype=np.int64)
    if n_out == n_in:
        return dst
    if n_out == 2 * n_in:
        return dst >> 1
    step = _step(n_in, n_out, scale, np.dtype(np.float32))
    src = np.floor(dst.astype(np.float32) * step).astype(np.int64)
    return np.minimum(src, n_in - 1)


def linear_indices_weights(
    n_in: int, n_out: int, align_corners: bool, scale: float | None = None, dtype=np.float32
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(i0, i1, λ)`` for linear interpolation: output j = (1 − λ_j)·x[i0_j] + λ_j·x[i1_j].

    Args:
        n_in: input length.
        n_out: output length.
        align_corners: PyTorch's flag (corner pixel centres map onto each other).
        scale: the user's scale factor (output/input), or None to use the sizes.
        dtype: dtype of the returned weights; the arithmetic is float64 for float64, else float32.

    Returns:
        int64 arrays i0 and i1 and the weights λ, each of length n_out.
    """
    ct = np.dtype(np.float64) if np.dtype(dtype) == np.float64 else np.dtype(np.float32)
    dst = np.arange(n_out, dtype=ct)
    if n_out == n_in:  # ATen copies an unresized dim whatever the scale factor says
        i0 = np.arange(n_in, dtype=np.int64)
        return i0, np.minimum(i0 + 1, n_in - 1), np.zeros(n_out, dtype=dtype)
    if align_corners:
        step = np.asarray(n_in - 1, dtype=ct) / np.asarray(n_out - 1, dtype=ct) if n_out > 1 else np.zeros((), ct)
        src = dst * step
    else:
        src = np.maximum(_step(n_in, n_out, scale, ct) * (dst + 0.5) - 0.5, 0)
    i0 = np.minimum(np.floor(src).astype(np.int64), n_in - 1)
    i1 = np.minimum(i0 + 1, n_in - 1)
    lam = np.clip(src - i0.astype(ct), 0, 1)
    return i0, i1, lam.astype(dtype, copy=False)


def interp_matrix(
    n_in: int,
    n_out: int,
    mode: str = "linear",
    align_corners: bool = False,
    scale: float | None = None,
    dtype=np.float32,
) -> np.ndarray:
    """The (n_out, n_in) matrix R with ``y = R @ x`` for 1-d resampling along one axis.

    Args:
        n_in: input length.
        n_out: output length.
        mode: ``'linear'`` (two weights per row) or ``'nearest'`` (a single 1 per row).
        align_corners: see :func:`linear_indices_weights` (ignored for nearest).
        scale: the user's scale factor (output/input), or None.
        dtype: the matrix's dtype.
    """
    rows = np.arange(n_out)
    m = np.zeros((n_out, n_in), dtype=dtype)
    if mode == "nearest":
        m[rows, nearest_indices(n_in, n_out, scale)] = 1
        return m
    if mode != "linear":
        raise ValueError(f"interp_matrix: mode must be 'linear' or 'nearest', got {mode!r}")
    i0, i1, lam = linear_indices_weights(n_in, n_out, align_corners, scale, dtype)
    # Two separate additions: (row, i0) pairs are unique, so are (row, i1) pairs, and
    # where i0 == i1 (the last input pixel) the two weights add up to 1.
    m[rows, i0] += 1 - lam
    m[rows, i1] += lam
    return m
