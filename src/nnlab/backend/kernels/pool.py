"""2×2, stride-2 max pooling forward and backward (no padding or dilation), one loop over the planes.

The reference is the separable tournament of :class:`nnlab.ops.pooling.MaxPool`, which serves
every other geometry. When a backward can follow, the forward also records which of the four
taps won (one int8 per output, PyTorch's scan rule: larger or NaN replaces, so ties go to the
first tap and a NaN window to its last NaN); the backward writes each output's gradient there
and zeros at the other taps. Without a graph (inference) the forward keeps nothing.

Why only 2×2 / stride 2, the pooling of LeNet, VGG and U-Net: with the window fixed, the four
taps of an output are read together and the loops vectorize; a general loop over the taps
(tried: any kernel, stride, padding and dilation, one index per output) was a branchy scalar
loop, 2.6× slower than the NumPy reference forward. Measured, one thread, (64, 6, 28, 28)
float32 (LeNet's first pooling at batch 64): forward 0.09 ms (0.13 with the taps recorded)
against 0.22 ms for the reference, backward 0.17 against ≈ 0.5 ms. Finding the winner again in
the backward from x and y, without recorded taps, was 0.6 ms (its compare-and-mask chain did not
vectorize well).
"""

from __future__ import annotations

import numpy as np
from numba import prange

from nnlab.backend.kernels._jit import jit


@jit
def max_pool2x2_forward(x, y):  # pragma: no cover - compiled
    """y[p, i, j] = max(x[p, 2i:2i+2, 2j:2j+2]), NaN winning (x: (P, H, W), y: (P, H//2, W//2))."""
    planes, ho, wo = y.shape
    for p in prange(planes):
        for i in range(ho):
            r0 = x[p, 2 * i]
            r1 = x[p, 2 * i + 1]
            yo = y[p, i]
            for j in range(wo):
                a = r0[2 * j]
                b = r0[2 * j + 1]
                c = r1[2 * j]
                d = r1[2 * j + 1]
                top = a if (a >= b) | (a != a) else b
                bottom = c if (c >= d) | (c != c) else d
                yo[j] = top if (top >= bottom) | (top != top) else bottom


@jit
def max_pool2x2_forward_tracked(x, y, code):  # pragma: no cover - compiled
    """:func:`max_pool2x2_forward` that also records which tap won: code[p, i, j] ∈ {0, 1, 2, 3} (row-major).

    The taps are scanned as PyTorch scans a window: a tap replaces the best when it is larger or
    NaN, so ties go to the first tap and a NaN window to its last NaN.
    """
    planes, ho, wo = y.shape
    for p in prange(planes):
        for i in range(ho):
            r0 = x[p, 2 * i]
            r1 = x[p, 2 * i + 1]
            yo = y[p, i]
            co = code[p, i]
            for j in range(wo):
                best = r0[2 * j]
                k = 0
                v = r0[2 * j + 1]
                t = (v > best) | (v != v)
                best = v if t else best
                k = 1 if t else k
                v = r1[2 * j]
                t = (v > best) | (v != v)
                best = v if t else best
                k = 2 if t else k
                v = r1[2 * j + 1]
                t = (v > best) | (v != v)
                best = v if t else best
                k = 3 if t else k
                yo[j] = best
                co[j] = k


@jit
def max_pool2x2_backward(code, g, gx):  # pragma: no cover - compiled
    """gx[p, window (i, j)] = g[p, i, j] at the tap code[p, i, j] names, 0 at the window's other taps.

    The loop runs over input columns (contiguous stores); one over output columns, storing two
    columns of two rows per step, vectorized into interleaved stores measured 4× slower.
    """
    planes, ho, wo = g.shape
    for p in prange(planes):
        for i in range(ho):
            go = g[p, i]
            co = code[p, i]
            t0 = gx[p, 2 * i]
            t1 = gx[p, 2 * i + 1]
            for c in range(2 * wo):
                j = c >> 1
                k = co[j]
                gg = go[j]
                z = gg - gg
                parity = c & 1
                t0[c] = gg if k == parity else z
                t1[c] = gg if k == 2 + parity else z


def is_2x2(kernel: tuple, stride: tuple, padding: tuple, dilation: tuple, spatial: tuple, out: tuple) -> bool:
    """Whether a 2-D max pooling is the 2×2, stride-2, unpadded, floor-mode case these kernels handle."""
    return (tuple(kernel) == (2, 2) and tuple(stride) == (2, 2) and tuple(padding) == (0, 0)
            and tuple(dilation) == (1, 1) and tuple(out) == (spatial[0] // 2, spatial[1] // 2))


def max_pool2d(x: np.ndarray, track: bool) -> tuple[np.ndarray, tuple | None]:
    """(N, C, H, W) → the 2×2 / stride-2 maxima (N, C, H//2, W//2) and, with ``track``, what
    :func:`max_pool2d_grad` needs (the winning taps, int8, and the input's shape)."""
    n, c, h, w = x.shape
    x3 = np.ascontiguousarray(x).reshape(n * c, h, w)
    y = np.empty((n * c, h // 2, w // 2), dtype=x.dtype)
    if not track:
        max_pool2x2_forward(x3, y)
        return y.reshape(n, c, h // 2, w // 2), None
    code = np.empty(y.shape, dtype=np.int8)
    max_pool2x2_forward_tracked(x3, y, code)
    return y.reshape(n, c, h // 2, w // 2), (code, x.shape)


def max_pool2d_grad(grad: np.ndarray, saved: tuple) -> np.ndarray:
    """The input gradient of :func:`max_pool2d` (``saved``: its second result)."""
    code, shape = saved
    n, c, h, w = shape
    # An odd last row or column is in no window: its gradient is 0.
    gx = (np.empty if h % 2 == 0 and w % 2 == 0 else np.zeros)((n * c, h, w), dtype=grad.dtype)
    max_pool2x2_backward(code, np.ascontiguousarray(grad).reshape(code.shape), gx)
    return gx.reshape(shape)
