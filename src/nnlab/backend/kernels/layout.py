"""Copies and shifted sums of the convolutions, on every core.

These are the memory-bound passes of the shifted-matmul convolution
(:mod:`nnlab.ops.conv_shift`) and of im2col: moving a batch between the batch-major
layout (N, C, H, W) and the channel-major padded layout (C, N·H_p·W_p) the matrix
products want, stacking the shifted copies of the input, and summing the kernel rows'
products at their shifts. The references are the NumPy slicing in ``conv_shift.py``.
"""

from __future__ import annotations

import numpy as np
from numba import prange

from nnlab.backend.kernels._jit import jit


@jit
def to_channel_major(x, out, offset, hp, wp, top, left):  # pragma: no cover - compiled
    """out[c, offset + (n·H_p + a)·W_p + b] = x[n, c, a − top, b − left], zero outside x.

    x is (N, C, H, W); ``out`` is 2-D (C, ≥ offset + N·H_p·W_p); every position of the
    padded grid is written (zero padding included), nothing before ``offset``.
    """
    n, c, h, w = x.shape
    for k in prange(c * n):
        ci = k // n
        ni = k - ci * n
        base = offset + ni * hp * wp
        for a in range(hp):
            row = out[ci, base + a * wp:base + (a + 1) * wp]
            ia = a - top
            if ia < 0 or ia >= h:
                for b in range(wp):
                    row[b] = 0
                continue
            src = x[ni, ci, ia]
            for b in range(left):
                row[b] = 0
            inner = row[left:left + w]
            for b in range(w):
                inner[b] = src[b]
            tail = row[left + w:]
            for b in range(tail.shape[0]):
                tail[b] = 0


@jit
def from_channel_major(src, n, hp, wp, top, left, out):  # pragma: no cover - compiled
    """out[n, c, a, b] = src[c, (n·H_p + a + top)·W_p + b + left]: crop a padded grid back to (N, C, H_o, W_o)."""
    _, c, ho, wo = out.shape
    for k in prange(n * c):
        ni = k // c
        ci = k - ni * c
        for a in range(ho):
            start = (ni * hp + a + top) * wp + left
            s = src[ci, start:start + wo]
            o = out[ni, ci, a]
            for b in range(wo):
                o[b] = s[b]


@jit
def stack_shifts(flat, start, step, kl, width, cols):  # pragma: no cover - compiled
    """cols[j·C + c, q] = flat[c, start + j·step + q] for j < kl, q < width (the stacked shifted columns)."""
    c = flat.shape[0]
    for r in prange(kl * c):
        j = r // c
        ci = r - j * c
        src0 = start + j * step
        s = flat[ci, src0:src0 + width]
        o = cols[r]
        for q in range(width):
            o[q] = s[q]


@jit
def shifted_sum(r, f, bases, m, out, col0):  # pragma: no cover - compiled
    """out[i, col0 + q] = Σ_g r[g·f + i, bases[g] + q] for i < f, q < m: the kernel rows' products at their shifts.

    Rows are taken as 1-D slices and indexed by the loop counter alone: an index computed
    as ``col0 + q`` makes Numba check it for wrap-around and stops LLVM vectorizing (10× slower).
    """
    groups = bases.shape[0]
    for i in prange(f):
        o = out[i, col0:col0 + m]
        s = r[i, bases[0]:bases[0] + m]
        for q in range(m):
            o[q] = s[q]
        for g in range(1, groups):
            s = r[g * f + i, bases[g]:bases[g] + m]
            for q in range(m):
                o[q] += s[q]


def channel_major(x: np.ndarray, pads: tuple) -> np.ndarray:
    """(N, C, H, W) → zero-padded (C, N, H_p, W_p) in one parallel pass (the reference: ``conv_shift._channel_major``)."""
    n, c, h, w = x.shape
    (top, bottom), (left, right) = pads
    hp, wp = h + top + bottom, w + left + right
    out = np.empty((c, n * hp * wp), dtype=x.dtype)
    to_channel_major(np.ascontiguousarray(x), out, 0, hp, wp, top, left)
    return out.reshape(c, n, hp, wp)
