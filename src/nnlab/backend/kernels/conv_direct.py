"""Direct 2-D convolution for few input channels (first layers), stride 1, one group.

When C·k_h·k_w is small (LeNet's 1→6 5×5 conv, a 3→32 3×3 stem) im2col + GEMM is slow:
the matrix product's inner dimension is 25–27, so BLAS runs far below its peak, and the
column matrix is ∏k times the input. Here each sample's input is zero-padded into a flat
plane of width W_p (a small scratch array), and every output is a weighted sum of the
plane at fixed flat distances o = u·d_h·W_p + v·d_w:

    y_full[f, q] = b[f] + Σ_c Σ_u Σ_v w[f, c, u, v] · x_p[c, q + u·d_h·W_p + v·d_w],  q < L,

with L = (H_o − 1)·W_p + W_o; position q = i·W_p + j is output (i, j) for j < W_o (the
other columns are computed and dropped). The inner loop runs over contiguous q, into an
accumulator of a few rows that stays in L1, and vectorizes. The backward:

- ∂L/∂w[f, c, u, v] = Σ_n Σ_q g_full[n, f, q] · x_p[n, c, q + o_uv], with g_full the output
  gradient zero-filled to width W_p: dot products over q (vectorized in the input dtype
  over a block of rows), summed over blocks and samples in float64.
- ∂L/∂x is the forward kernel run on the output gradient, placed with offset
  ((k_h − 1)·d_h − p_top, (k_w − 1)·d_w − p_left) into a plane of H + (k_h − 1)·d_h rows,
  with the kernel flipped and its two channel axes swapped (a "full" correlation).

The placement (``top``, ``left``) may be negative: the rows/columns before it are cut,
which is what the input gradient needs when the padding exceeds the kernel's reach.
Every kernel runs ``prange`` over the batch: serial on one thread, split across threads
when there are more. The reference is :class:`nnlab.ops.conv.ConvNd` (im2col).
"""

from __future__ import annotations

import numba
import numpy as np
from numba import prange

from nnlab.backend.kernels._jit import jit

#: Elements of one accumulator block (whole rows of the padded plane): 4 KiB of float32.
BLOCK = 1024


@jit(parallel=False)
def place(x, top, left, hp, wp, out):  # pragma: no cover - compiled
    """out[c, a·W_p + b] = x[c, a − top, b − left] (zero outside x) for a < H_p, b < W_p; x is (C, H, W)."""
    c, h, w = x.shape
    lo, hi = min(max(left, 0), wp), min(max(left + w, 0), wp)  # the columns of out that x covers
    for ci in range(c):
        for a in range(hp):
            row = out[ci, a * wp:(a + 1) * wp]
            ia = a - top
            if ia < 0 or ia >= h:
                for b in range(wp):
                    row[b] = 0
                continue
            for b in range(lo):
                row[b] = 0
            src = x[ci, ia, lo - left:hi - left]
            inner = row[lo:hi]
            for b in range(hi - lo):
                inner[b] = src[b]
            for b in range(hi, wp):
                row[b] = 0


@jit(parallel=False)
def group(left):  # pragma: no cover - compiled
    """Taps of a kernel row done in one pass: 3 at a time (4 as 2 + 2), then what is left."""
    return 2 if left == 4 else min(3, left)


@jit(parallel=False)
def axpy_taps(acc, src, start, step, w0, w1, w2, count, m):  # pragma: no cover - compiled
    """acc[q] += Σ_{t < count} w_t · src[start + t·step + q] for q < m (count ≤ 3 taps of one kernel row).

    Several taps per pass over the accumulator: one load and store of acc serves ``count``
    fused multiply-adds (LeNet's 5×5 forward 2.8 → 1.8 ms against one tap per pass).
    """
    s0 = src[start:start + m]
    if count == 3:
        s1 = src[start + step:start + step + m]
        s2 = src[start + 2 * step:start + 2 * step + m]
        for q in range(m):
            acc[q] += w0 * s0[q] + w1 * s1[q] + w2 * s2[q]
    elif count == 2:
        s1 = src[start + step:start + step + m]
        for q in range(m):
            acc[q] += w0 * s0[q] + w1 * s1[q]
    else:
        for q in range(m):
            acc[q] += w0 * s0[q]


@jit(parallel=False)
def dot_taps(g, src, start, step, count, m):  # pragma: no cover - compiled
    """(Σ_q g[q]·src[start + t·step + q] for t = 0, 1, 2), q < m; taps t ≥ count give 0."""
    s0 = src[start:start + m]
    t0 = g[0] * s0[0]
    t1 = t0 * 0
    t2 = t0 * 0
    if count == 3:
        s1 = src[start + step:start + step + m]
        s2 = src[start + 2 * step:start + 2 * step + m]
        t1 = g[0] * s1[0]
        t2 = g[0] * s2[0]
        for q in range(1, m):
            t0 += g[q] * s0[q]
            t1 += g[q] * s1[q]
            t2 += g[q] * s2[q]
    elif count == 2:
        s1 = src[start + step:start + step + m]
        t1 = g[0] * s1[0]
        for q in range(1, m):
            t0 += g[q] * s0[q]
            t1 += g[q] * s1[q]
    else:
        for q in range(1, m):
            t0 += g[q] * s0[q]
    return t0, t1, t2


@jit
def direct_conv2d_forward(x, w, b, top, left, hp, wp, dh, dw, y):  # pragma: no cover - compiled
    """y[n, f, i, j] = b[f] + Σ_{c,u,v} w[f, c, u, v]·x_p[n, c, i + u·d_h, j + v·d_w] (x placed by :func:`place`).

    x: (N, C, H, W); w: (F, C, k_h, k_w); b: (F,) (zeros for no bias); y: (N, F, H_o, W_o) with
    H_o = H_p − (k_h − 1)·d_h and W_o = W_p − (k_w − 1)·d_w.
    """
    n, c = x.shape[0], x.shape[1]
    f, kh, kw = w.shape[0], w.shape[2], w.shape[3]
    ho, wo = y.shape[2], y.shape[3]
    length = (ho - 1) * wp + wo
    rows = max(1, BLOCK // wp)
    for s in prange(n):
        plane = np.empty((c, hp * wp), dtype=x.dtype)
        place(x[s], top, left, hp, wp, plane)
        acc = np.empty(rows * wp, dtype=x.dtype)
        for i0 in range(0, ho, rows):
            q0 = i0 * wp
            m = min(rows * wp, length - q0)
            for fi in range(f):
                bias = b[fi]
                for q in range(m):
                    acc[q] = bias
                for ci in range(c):
                    src_c = plane[ci]
                    for u in range(kh):
                        wr = w[fi, ci, u]
                        v = 0
                        while v < kw:
                            k = group(kw - v)
                            axpy_taps(acc, src_c, q0 + u * dh * wp + v * dw, dw, wr[v], wr[min(v + 1, kw - 1)],
                                      wr[min(v + 2, kw - 1)], k, m)
                            v += k
                for r in range(min(rows, ho - i0)):
                    out = y[s, fi, i0 + r]
                    part = acc[r * wp:r * wp + wo]
                    for j in range(wo):
                        out[j] = part[j]


@jit
def direct_conv2d_weight_grad(x, g, top, left, hp, wp, dh, dw, kh, kw, partial):  # pragma: no cover - compiled
    """partial[t, f, c, u, v] = Σ_{n in chunk t} Σ_{i,j} g[n, f, i, j]·x_p[n, c, i + u·d_h, j + v·d_w] (float64).

    The batch is cut into ``partial.shape[0]`` chunks, one per thread; the caller sums them.
    """
    n, c = x.shape[0], x.shape[1]
    f, ho, wo = g.shape[1], g.shape[2], g.shape[3]
    length = (ho - 1) * wp + wo
    rows = max(1, BLOCK // wp)
    chunks = partial.shape[0]
    for t in prange(chunks):
        acc = partial[t]
        for fi in range(f):
            for ci in range(c):
                for u in range(kh):
                    for v in range(kw):
                        acc[fi, ci, u, v] = 0.0
        plane = np.empty((c, hp * wp), dtype=x.dtype)
        gfull = np.zeros((f, ho * wp), dtype=g.dtype)
        for s in range(t * n // chunks, (t + 1) * n // chunks):
            place(x[s], top, left, hp, wp, plane)
            for fi in range(f):
                for i in range(ho):
                    src = g[s, fi, i]
                    dst = gfull[fi, i * wp:i * wp + wo]
                    for j in range(wo):
                        dst[j] = src[j]
            for i0 in range(0, ho, rows):
                q0 = i0 * wp
                m = min(rows * wp, length - q0)
                for fi in range(f):
                    gb = gfull[fi, q0:q0 + m]
                    for ci in range(c):
                        src_c = plane[ci]
                        for u in range(kh):
                            ar = acc[fi, ci, u]
                            v = 0
                            while v < kw:
                                k = group(kw - v)
                                t0, t1, t2 = dot_taps(gb, src_c, q0 + u * dh * wp + v * dw, dw, k, m)
                                ar[v] += t0
                                if k > 1:
                                    ar[v + 1] += t1
                                if k > 2:
                                    ar[v + 2] += t2
                                v += k


def direct_conv2d(x: np.ndarray, w: np.ndarray, b: np.ndarray | None, pads: tuple, dilation: tuple) -> np.ndarray:
    """(N, C, H, W) ⊛ (F, C, k_h, k_w) (+ b) → (N, F, H_o, W_o), stride 1, zero padding ``pads`` = ((top, bottom), (left, right))."""
    n, _, h, wd = x.shape
    (top, bottom), (left, right) = pads
    dh, dw = dilation
    hp, wp = h + top + bottom, wd + left + right
    ho, wo = hp - (w.shape[2] - 1) * dh, wp - (w.shape[3] - 1) * dw
    y = np.empty((n, w.shape[0], ho, wo), dtype=x.dtype)
    bias = np.zeros(w.shape[0], dtype=x.dtype) if b is None else np.ascontiguousarray(b)
    direct_conv2d_forward(np.ascontiguousarray(x), np.ascontiguousarray(w), bias, top, left, hp, wp, dh, dw, y)
    return y


def direct_conv2d_input_grad(g: np.ndarray, w: np.ndarray, pads: tuple, dilation: tuple, shape: tuple) -> np.ndarray:
    """∂L/∂x (``shape`` = (N, C, H, W)) of :func:`direct_conv2d` from the output gradient g (N, F, H_o, W_o).

    The forward kernel on g placed at ((k_h − 1)·d_h − top, (k_w − 1)·d_w − left) in an
    (H + (k_h − 1)·d_h) × (W + (k_w − 1)·d_w) plane, with the flipped, transposed kernel.
    """
    _, _, h, wd = shape
    (top, _), (left, _) = pads
    dh, dw = dilation
    reach_h, reach_w = (w.shape[2] - 1) * dh, (w.shape[3] - 1) * dw
    flipped = np.ascontiguousarray(w[:, :, ::-1, ::-1].transpose(1, 0, 2, 3))
    gx = np.empty(shape, dtype=g.dtype)
    direct_conv2d_forward(np.ascontiguousarray(g), flipped, np.zeros(shape[1], dtype=g.dtype),
                          reach_h - top, reach_w - left, h + reach_h, wd + reach_w, dh, dw, gx)
    return gx


def direct_conv2d_weights(x: np.ndarray, g: np.ndarray, pads: tuple, dilation: tuple, kernel: tuple) -> np.ndarray:
    """∂L/∂w (F, C, k_h, k_w) of :func:`direct_conv2d`, accumulated in float64 and returned in x's dtype."""
    n, c, h, wd = x.shape
    (top, bottom), (left, right) = pads
    chunks = max(1, min(n, numba.get_num_threads()))
    partial = np.empty((chunks, g.shape[1], c) + tuple(kernel), dtype=np.float64)
    direct_conv2d_weight_grad(np.ascontiguousarray(x), np.ascontiguousarray(g), top, left, h + top + bottom,
                              wd + left + right, *dilation, *kernel, partial)
    return partial.sum(axis=0).astype(x.dtype)
