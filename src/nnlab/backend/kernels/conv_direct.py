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

#: Elements of one accumulator row block (whole rows of the padded plane): 4 KiB of float32 per filter.
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
def block_weights(w, f0, nf, ci, u, v, count, wb):  # pragma: no cover - compiled
    """wb[a, t] = w[f0 + a, ci, u, v + t] for a < nf, t < count, else 0 (absent filters and taps weigh nothing)."""
    for a in range(wb.shape[0]):
        for t in range(3):
            wb[a, t] = w[f0 + a, ci, u, v + t] if a < nf and t < count else 0


@jit(parallel=False)
def axpy4(a0, a1, a2, a3, src, o0, o1, o2, wb, m):  # pragma: no cover - compiled
    """a_i[q] += Σ_t wb[i, t]·src[o_t + q] for 4 filters i and 3 taps t, q < m.

    Each load of the input serves 4 filters and each load and store of an accumulator 3
    taps, with the 12 weights in registers: per multiply-add far fewer memory operations
    than one filter and one tap per pass (LeNet's 5×5 forward at batch 256, one thread: 2.8 → 1.5 – 1.9 ms).
    """
    s0, s1, s2 = src[o0:o0 + m], src[o1:o1 + m], src[o2:o2 + m]
    w00, w01, w02, w10, w11, w12 = wb[0, 0], wb[0, 1], wb[0, 2], wb[1, 0], wb[1, 1], wb[1, 2]
    w20, w21, w22, w30, w31, w32 = wb[2, 0], wb[2, 1], wb[2, 2], wb[3, 0], wb[3, 1], wb[3, 2]
    for q in range(m):
        x0, x1, x2 = s0[q], s1[q], s2[q]
        a0[q] += w00 * x0 + w01 * x1 + w02 * x2
        a1[q] += w10 * x0 + w11 * x1 + w12 * x2
        a2[q] += w20 * x0 + w21 * x1 + w22 * x2
        a3[q] += w30 * x0 + w31 * x1 + w32 * x2


@jit(parallel=False)
def axpy2(a0, a1, src, o0, o1, o2, wb, m):  # pragma: no cover - compiled
    """:func:`axpy4` for 2 filters (the last block of F = 6, or fewer).

    A cut-down copy on purpose: running 4 filters as two of these instead of one :func:`axpy4`
    made the forward 10 – 20 % slower (3→8 and 3→16 3×3 layers, one thread).
    """
    s0, s1, s2 = src[o0:o0 + m], src[o1:o1 + m], src[o2:o2 + m]
    w00, w01, w02, w10, w11, w12 = wb[0, 0], wb[0, 1], wb[0, 2], wb[1, 0], wb[1, 1], wb[1, 2]
    for q in range(m):
        x0, x1, x2 = s0[q], s1[q], s2[q]
        a0[q] += w00 * x0 + w01 * x1 + w02 * x2
        a1[q] += w10 * x0 + w11 * x1 + w12 * x2


@jit(parallel=False)
def dots4(g0, g1, g2, g3, src, o0, o1, o2, m, out):  # pragma: no cover - compiled
    """out[i, t] = Σ_q g_i[q]·src[o_t + q], q < m: 4 filters' output gradients against 3 input taps, 12 sums at once.
    """
    s0, s1, s2 = src[o0:o0 + m], src[o1:o1 + m], src[o2:o2 + m]
    out[:] = 0
    t00 = t01 = t02 = t10 = t11 = t12 = t20 = t21 = t22 = t30 = t31 = t32 = out[0, 0]
    for q in range(m):
        x0, x1, x2 = s0[q], s1[q], s2[q]
        h0, h1, h2, h3 = g0[q], g1[q], g2[q], g3[q]
        t00 += h0 * x0
        t01 += h0 * x1
        t02 += h0 * x2
        t10 += h1 * x0
        t11 += h1 * x1
        t12 += h1 * x2
        t20 += h2 * x0
        t21 += h2 * x1
        t22 += h2 * x2
        t30 += h3 * x0
        t31 += h3 * x1
        t32 += h3 * x2
    out[0, 0], out[0, 1], out[0, 2], out[1, 0], out[1, 1], out[1, 2] = t00, t01, t02, t10, t11, t12
    out[2, 0], out[2, 1], out[2, 2], out[3, 0], out[3, 1], out[3, 2] = t20, t21, t22, t30, t31, t32


@jit(parallel=False)
def dots2(g0, g1, src, o0, o1, o2, m, out):  # pragma: no cover - compiled
    """:func:`dots4` for 2 filters.

    A cut-down copy on purpose: 4 filters as two of these instead of one :func:`dots4` made the
    weight gradient 30 – 40 % slower (each input load then serves 2 filters, not 4).
    """
    s0, s1, s2 = src[o0:o0 + m], src[o1:o1 + m], src[o2:o2 + m]
    out[:] = 0
    t00 = t01 = t02 = t10 = t11 = t12 = out[0, 0]
    for q in range(m):
        x0, x1, x2 = s0[q], s1[q], s2[q]
        h0, h1 = g0[q], g1[q]
        t00 += h0 * x0
        t01 += h0 * x1
        t02 += h0 * x2
        t10 += h1 * x0
        t11 += h1 * x1
        t12 += h1 * x2
    out[0, 0], out[0, 1], out[0, 2], out[1, 0], out[1, 1], out[1, 2] = t00, t01, t02, t10, t11, t12


@jit
def direct_conv2d_forward(x, w, b, top, left, hp, wp, dh, dw, y):  # pragma: no cover - compiled
    """y[n, f, i, j] = b[f] + Σ_{c,u,v} w[f, c, u, v]·x_p[n, c, i + u·d_h, j + v·d_w] (x placed by :func:`place`).

    x: (N, C, H, W); w: (F, C, k_h, k_w); b: (F,) (zeros for no bias); y: (N, F, H_o, W_o) with
    H_o = H_p − (k_h − 1)·d_h and W_o = W_p − (k_w − 1)·d_w. Filters go 4 at a time (then 2),
    a kernel row's taps 3 at a time; rows 4 and 5 of the accumulator catch absent filters.
    """
    n, c = x.shape[0], x.shape[1]
    f, kh, kw = w.shape[0], w.shape[2], w.shape[3]
    ho, wo = y.shape[2], y.shape[3]
    length = (ho - 1) * wp + wo
    rows = max(1, BLOCK // wp)
    for s in prange(n):
        plane = np.empty((c, hp * wp), dtype=x.dtype)
        place(x[s], top, left, hp, wp, plane)
        acc = np.empty((6, rows * wp), dtype=x.dtype)
        wb = np.empty((4, 3), dtype=x.dtype)
        for i0 in range(0, ho, rows):
            q0 = i0 * wp
            m = min(rows * wp, length - q0)
            for f0 in range(0, f, 4):
                nf = min(4, f - f0)
                for a in range(6):
                    acc[a, :m] = b[f0 + a] if a < nf else 0
                for ci in range(c):
                    src = plane[ci]
                    for u in range(kh):
                        v = 0
                        while v < kw:
                            k = group(kw - v)
                            o0 = q0 + u * dh * wp + v * dw
                            block_weights(w, f0, nf, ci, u, v, k, wb)
                            o1, o2 = o0 + dw * min(k - 1, 1), o0 + dw * min(k - 1, 2)
                            if nf > 2:
                                axpy4(acc[0], acc[1], acc[2], acc[3 if nf > 3 else 4], src, o0, o1, o2, wb, m)
                            else:
                                axpy2(acc[0], acc[1 if nf > 1 else 5], src, o0, o1, o2, wb, m)
                            v += k
                for a in range(nf):
                    for r in range(min(rows, ho - i0)):
                        out = y[s, f0 + a, i0 + r]
                        part = acc[a, r * wp:r * wp + wo]
                        for j in range(wo):
                            out[j] = part[j]


@jit
def direct_conv2d_weight_grad(x, g, top, left, hp, wp, dh, dw, kh, kw, partial):  # pragma: no cover - compiled
    """partial[t, f, c, u, v] = Σ_{n in chunk t} Σ_{i,j} g[n, f, i, j]·x_p[n, c, i + u·d_h, j + v·d_w] (float64).

    The batch is cut into ``partial.shape[0]`` chunks, one per thread; the caller sums them.
    Each sum runs in the input dtype over a block of ≤ BLOCK positions (vectorized), and the
    blocks and samples add up in float64. g is copied into rows of width W_p (zeros past W_o)
    plus one zero row for absent filters.
    """
    n, c = x.shape[0], x.shape[1]
    f, ho, wo = g.shape[1], g.shape[2], g.shape[3]
    length = (ho - 1) * wp + wo
    rows = max(1, BLOCK // wp)
    chunks = partial.shape[0]
    for t in prange(chunks):
        acc = partial[t]
        acc[...] = 0.0
        plane = np.empty((c, hp * wp), dtype=x.dtype)
        gfull = np.zeros((f + 1, ho * wp), dtype=g.dtype)
        sums = np.empty((4, 3), dtype=g.dtype)
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
                for f0 in range(0, f, 4):
                    nf = min(4, f - f0)
                    rows_g = [gfull[min(f0 + a, f) if a < nf else f, q0:q0 + m] for a in range(4)]
                    for ci in range(c):
                        src = plane[ci]
                        for u in range(kh):
                            v = 0
                            while v < kw:
                                k = group(kw - v)
                                o0 = q0 + u * dh * wp + v * dw
                                o1, o2 = o0 + dw * min(k - 1, 1), o0 + dw * min(k - 1, 2)
                                if nf > 2:
                                    dots4(rows_g[0], rows_g[1], rows_g[2], rows_g[3], src, o0, o1, o2, m, sums)
                                else:
                                    dots2(rows_g[0], rows_g[1], src, o0, o1, o2, m, sums)
                                for a in range(nf):
                                    for tap in range(k):
                                        acc[f0 + a, ci, u, v + tap] += sums[a, tap]
                                v += k


def direct_conv2d(x: np.ndarray, w: np.ndarray, b: np.ndarray | None, pads: tuple, dilation: tuple) -> np.ndarray:
    """(N, C, H, W) ⊛ (F, C, k_h, k_w) (+ b) → (N, F, H_o, W_o), stride 1.

    ``pads`` = ((top, bottom), (left, right)) zero padding; ``dilation`` = (d_h, d_w).
    """
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
