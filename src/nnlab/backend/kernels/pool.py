"""2-D max pooling forward and backward, one parallel loop over the (sample, channel) planes.

The reference is the separable tournament of :class:`nnlab.ops.pooling.MaxPool`. Here each
output keeps the flat index (row·W + column) of its window's first maximum, scanning the
window row by row, which is the element the tournament routes the gradient to; padding
never wins (a window's first real element starts as its best).
"""

from __future__ import annotations

import numpy as np
from numba import prange

from nnlab.backend.kernels._jit import jit


@jit
def max_pool2d_forward(x, kh, kw, sh, sw, ph, pw, dh, dw, ho, wo, y, arg):  # pragma: no cover - compiled
    """y[p, i·W_o + j] = max of plane p's window (i, j); arg holds its flat input index (x: (P, H, W))."""
    planes, h, w = x.shape
    for p in prange(planes):
        plane = x[p]
        yo = y[p]
        ao = arg[p]
        for i in range(ho):
            for j in range(wo):
                best = plane[0, 0]
                at = -1
                for a in range(kh):
                    r = i * sh - ph + a * dh
                    if r < 0 or r >= h:
                        continue
                    for b in range(kw):
                        col = j * sw - pw + b * dw
                        if col < 0 or col >= w:
                            continue
                        v = plane[r, col]
                        if at < 0 or v > best or (v != v and best == best):
                            best = v
                            at = r * w + col
                yo[i * wo + j] = best
                ao[i * wo + j] = at


@jit
def max_pool2d_backward(g, arg, gx):  # pragma: no cover - compiled
    """gx[p, arg[p, o]] += g[p, o]: each output's gradient to its window's maximum (overlaps add); gx starts at 0."""
    planes, outs = g.shape
    for p in prange(planes):
        go = g[p]
        ao = arg[p]
        target = gx[p]
        for o in range(outs):
            target[ao[o]] += go[o]


def max_pool2d(x: np.ndarray, kernel: tuple, stride: tuple, padding: tuple, dilation: tuple,
               out: tuple) -> tuple[np.ndarray, np.ndarray]:
    """(N, C, H, W) → y (N, C, H_o, W_o) and the flat argmax (N·C, H_o·W_o) int32 for :func:`max_pool2d_grad`."""
    n, c, h, w = x.shape
    ho, wo = out
    y = np.empty((n * c, ho * wo), dtype=x.dtype)
    arg = np.empty((n * c, ho * wo), dtype=np.int32)
    max_pool2d_forward(np.ascontiguousarray(x).reshape(n * c, h, w), *kernel, *stride, *padding, *dilation,
                       ho, wo, y, arg)
    return y.reshape(n, c, ho, wo), arg


def max_pool2d_grad(grad: np.ndarray, arg: np.ndarray, shape: tuple) -> np.ndarray:
    """The input gradient (shape ``shape`` = (N, C, H, W)) of :func:`max_pool2d`."""
    n, c, h, w = shape
    gx = np.zeros((n * c, h * w), dtype=grad.dtype)
    max_pool2d_backward(np.ascontiguousarray(grad).reshape(n * c, -1), arg, gx)
    return gx.reshape(shape)
