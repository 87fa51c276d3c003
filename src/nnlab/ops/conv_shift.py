"""Stride-1 convolution without im2col: matmuls on shifted flat views of the padded input.

With the padded input laid out channel-major as (C, N, *S_p) and flattened to
X ∈ ℝ^{C × N·∏S_p}, the input under kernel offset k of every output position sits at
a fixed distance o_k = Σ_i k_i·d_i·∏_{j>i} S_p,j further along the flat axis. So

    Y[:, q] = Σ_k W_k · X[:, q + o_k]        (W_k = W[:, :, k], an F × C matrix)

for every flat position q < L = N·∏S_p − max_k o_k. The offsets along the kernel's last
dim are j·d (j < k_last): stacking those k_last shifted copies of X gives a small column
matrix X_r (k_last·C rows, a third of im2col's for a 3×3 kernel), and each kernel *row*
g (all leading kernel indices) is then one matmul of W_g (F × k_last·C) with the view of
X_r at the row's base offset b_g. The G row products are done as one tall matmul and
summed at their shifts. Positions q whose coordinates fall in the padding are computed
and thrown away; that waste is the fraction of padding in the grid, which is why
:func:`use_shift_conv` picks this path only for feature maps large against the padding
(and enough input channels for the matmuls to be efficient).

Backward, with G the output gradient zero-filled into the same padded grid:
∂L/∂W_g = G[:, :L] · X_r[:, b_g : b_g + L]ᵀ, and ∂L/∂X_pad is the full correlation of G
with the flipped, transposed kernel — the forward's own algorithm run on G behind
o_max zeros — then the padding is cropped (the adjoint of the zero padding). Measured
on a 32-channel 3×3 layer on 32×32, batch 32, forward plus backward on 2 cores: 19 ms,
against 34 ms by im2col. Only the padded input is kept for backward; the stacked columns
and row products are temporaries made a block of the flat axis at a time (:data:`CHUNK_ELEMENTS`).
"""

from __future__ import annotations

import math

import numpy as np

from nnlab.autograd.function import Context, Function
from nnlab.backend import kernels
from nnlab.ops._conv_util import bias_view, spatial_sum

#: Use the shifted matmuls only when at least this fraction of the padded grid is output.
MIN_VALID_FRACTION = 0.75
#: ... and the input has at least this many channels (the inner dimension of each matmul).
MIN_CHANNELS = 16
#: Elements of one block of stacked columns (2 MiB of float32). Small enough that a block and its row
#: products stay in a core's L2 cache (2 MiB here) while they are filled, multiplied and summed: on a
#: 32-channel 3×3 layer on 32×32, batch 32, forward 7.7 → 6.7 ms and backward 15.8 → 12.6 ms against
#: one 64 MiB block (small ResNet step 187 → 172 ms). It also bounds the temporaries of a large layer.
CHUNK_ELEMENTS = 1 << 19


def use_shift_conv(channels: int, stride: tuple, groups: int, out: tuple, padded: tuple) -> bool:
    """Whether :class:`ShiftConvNd` beats im2col for this geometry (see the module docstring)."""
    if groups != 1 or channels < MIN_CHANNELS or any(s != 1 for s in stride):
        return False
    return math.prod(out) >= MIN_VALID_FRACTION * math.prod(padded)


def _row_bases(kernel: tuple, dilation: tuple, padded: tuple) -> list[int]:
    """Flat distance of the first offset of each kernel row (all kernel dims but the last, row-major)."""
    strides = [math.prod(padded[i + 1:]) for i in range(len(padded))]
    if len(kernel) == 1:
        return [0]
    grids = np.meshgrid(*[np.arange(k) * d * s for k, d, s in zip(kernel[:-1], dilation[:-1], strides[:-1])],
                        indexing="ij")
    return [int(v) for v in sum(grids).reshape(-1)]


def _row_weights(w: np.ndarray) -> np.ndarray:
    """(F, C, *k) → (G, F, k_last·C), one matrix per kernel row g: entry [g, f, j·C + c] = w[f, c, g, j]."""
    f, c, kl = w.shape[0], w.shape[1], w.shape[-1]
    rows = math.prod(w.shape[2:-1])
    return np.ascontiguousarray(w.reshape(f, c, rows, kl).transpose(2, 0, 3, 1)).reshape(rows, f, kl * c)


def _row_columns(flat: np.ndarray, step: int, kl: int, width: int) -> np.ndarray:
    """(C, T) → (k_last·C, width): the ``kl`` shifts along the last kernel dim stacked (a view when kl = 1)."""
    c = flat.shape[0]
    if kl == 1:
        return flat[:, :width]
    cols = np.empty((kl * c, width), dtype=flat.dtype)
    for j in range(kl):
        cols[j * c:(j + 1) * c] = flat[:, j * step:j * step + width]
    return cols


def _stacked_columns(flat: np.ndarray, start: int, step: int, kl: int, width: int) -> np.ndarray:
    """:func:`_row_columns` of ``flat[:, start:]``, by the parallel kernel when the fast kernels are on."""
    k = kernels.fast_copies()
    if k is None or kl == 1 or not kernels.worth_it(flat):
        return _row_columns(flat[:, start:], step, kl, width)
    cols = np.empty((kl * flat.shape[0], width), dtype=flat.dtype)
    k.stack_shifts(flat, start, step, kl, width, cols)
    return cols


def _chunks(length: int, rows: int):
    """(start, stop) spans of the flat axis, so that a column block of ``rows`` rows stays ≤ CHUNK_ELEMENTS."""
    width = max(1, CHUNK_ELEMENTS // rows)
    return [(start, min(length, start + width)) for start in range(0, length, width)]


def _shifted_matmuls(src: np.ndarray, wg: np.ndarray, bases: list[int], step: int, kl: int, out: np.ndarray) -> None:
    """out[:, q] = Σ_g wg[g] · cols[:, bases[g] + q] for q < out.shape[1] (cols from :func:`_row_columns`).

    All kernel rows in one product R = [wg[0]; wg[1]; …] · cols (G·F rows: one tall matmul
    runs ~30 % faster than G short ones), then the G row blocks of R are summed at their
    shifts — a block of the flat axis at a time, so the columns and R stay bounded.
    """
    f, stacked = wg.shape[1], wg.reshape(-1, wg.shape[2])
    k = kernels.fast_copies()
    fast = k is not None and len(bases) > 1 and kernels.worth_it(src) and out.dtype == src.dtype
    offsets = np.asarray(bases, dtype=np.int64)
    for start, stop in _chunks(out.shape[1], wg.shape[2]):
        m, target = stop - start, out[:, start:stop]
        cols = _stacked_columns(src, start, step, kl, m + bases[-1])
        if len(bases) == 1:
            np.matmul(wg[0], cols[:, :m], out=target)
            continue
        r = np.matmul(stacked, cols)
        if fast:
            k.shifted_sum(r, f, offsets, m, out, start)
            continue
        np.add(r[:f, bases[0]:bases[0] + m], r[f:2 * f, bases[1]:bases[1] + m], out=target)
        for g in range(2, len(bases)):
            target += r[g * f:(g + 1) * f, bases[g]:bases[g] + m]


def _channel_major(x: np.ndarray, pads: tuple) -> np.ndarray:
    """(N, C, *S) → zero-padded (C, N, *S_p), one copy."""
    k = kernels.fast_copies()
    if k is not None and x.ndim == 4 and kernels.worth_it(x):
        return k.channel_major(x, pads)
    n, c = x.shape[:2]
    padded = tuple(s + lo + hi for s, (lo, hi) in zip(x.shape[2:], pads))
    out = np.zeros((c, n) + padded, dtype=x.dtype)
    out[(slice(None), slice(None)) + tuple(slice(lo, lo + s) for s, (lo, _) in zip(x.shape[2:], pads))] = \
        np.swapaxes(x, 0, 1)
    return out


def _batch_major(t: np.ndarray, window: tuple) -> np.ndarray:
    """(C, N, *S_p) → contiguous (N, C, *window-cropped S): ``window`` is one slice per spatial dim."""
    k = kernels.fast_copies()
    if k is not None and t.ndim == 4 and kernels.worth_it(t):
        c, n, hp, wp = t.shape
        rows, cols = range(hp)[window[0]], range(wp)[window[1]]
        out = np.empty((n, c, len(rows), len(cols)), dtype=t.dtype)
        k.from_channel_major(t.reshape(c, -1), n, hp, wp, rows.start, cols.start, out)
        return out
    return np.ascontiguousarray(np.swapaxes(t[(slice(None), slice(None)) + window], 0, 1))


def _output_grid(grad: np.ndarray, reach: int, padded: tuple) -> np.ndarray:
    """(N, F, *out) → (F, reach + N·∏S_p): the output gradient in the padded grid, behind ``reach`` zeros."""
    n, f = grad.shape[:2]
    gext = np.empty((f, reach + n * math.prod(padded)), dtype=grad.dtype)
    k = kernels.fast_copies()
    if k is not None and grad.ndim == 4 and kernels.worth_it(grad):
        gext[:, :reach] = 0
        k.to_channel_major(grad, gext, reach, padded[0], padded[1], 0, 0)
        return gext
    gext[...] = 0
    grid = gext[:, reach:].reshape((f, n) + padded)
    grid[(slice(None), slice(None)) + tuple(slice(0, o) for o in grad.shape[2:])] = np.swapaxes(grad, 0, 1)
    return gext


class ShiftConvNd(Function):
    """y[n, f] = b[f] + Σ_{c, k} W[f, c, k]·x_pad[n, c, p + d·k] (stride 1, one group) by shifted matmuls.

    Same result as :class:`nnlab.ops.conv.ConvNd` with stride 1 and ``groups=1``; the
    derivation of forward and backward is in the module docstring.
    """

    @staticmethod
    def forward(ctx: Context, x, w, b, pads, dilation):
        n, f = x.shape[0], w.shape[0]
        kernel = w.shape[2:]
        x_pad = _channel_major(x, pads)
        padded = x_pad.shape[2:]
        out = tuple(p - d * (k - 1) for p, k, d in zip(padded, kernel, dilation))
        bases, step = _row_bases(kernel, dilation, padded), dilation[-1]
        flat = x_pad.reshape(x_pad.shape[0], -1)
        length = flat.shape[1] - (bases[-1] + step * (kernel[-1] - 1))
        y = np.empty((f, flat.shape[1]), dtype=x.dtype)
        _shifted_matmuls(flat, _row_weights(w), bases, step, kernel[-1], y[:, :length])
        y = _batch_major(y.reshape((f, n) + padded), tuple(slice(0, o) for o in out))
        if b is not None:
            y += bias_view(b, len(out))
        ctx.save_for_backward(x_pad, w)
        ctx.geometry = (pads, out, bases, step, length)
        return y

    @staticmethod
    def backward(ctx: Context, grad):
        x_pad, w = ctx.saved_tensors
        pads, out, bases, step, length = ctx.geometry
        c, n = x_pad.shape[:2]
        padded, kernel, f = x_pad.shape[2:], w.shape[2:], w.shape[0]
        reach = bases[-1] + step * (kernel[-1] - 1)  # o_max, the flat distance of the last offset
        gx = gw = gb = None
        if ctx.needs_input_grad[0] or ctx.needs_input_grad[1]:
            # The output gradient in the padded grid, behind o_max zeros (the full correlation's margin).
            gext = _output_grid(grad, reach, padded)
            gf = gext[:, reach:reach + length]
            if ctx.needs_input_grad[1]:
                flat = x_pad.reshape(c, -1)
                # (∂L/∂W_g)ᵀ = cols_g · gfᵀ with gfᵀ made contiguous once for the G products: OpenBLAS
                # runs this ~25 % faster than gf · cols_gᵀ, and ~15 % faster than with gfᵀ a strided view.
                gwt = np.zeros((len(bases), kernel[-1] * c, f), dtype=grad.dtype)
                for start, stop in _chunks(length, kernel[-1] * c):
                    cols = _stacked_columns(flat, start, step, kernel[-1], stop - start + bases[-1])
                    gft = np.ascontiguousarray(gf[:, start:stop].T)
                    for g, base in enumerate(bases):
                        gwt[g] += cols[:, base:base + stop - start] @ gft
                gw = np.ascontiguousarray(gwt.reshape(len(bases), kernel[-1], c, f).transpose(3, 2, 0, 1))
                gw = gw.reshape(w.shape)
            if ctx.needs_input_grad[0]:
                # ∂L/∂x_pad = the output gradient correlated with the flipped, transposed kernel.
                flipped = np.swapaxes(w[(slice(None), slice(None)) + (slice(None, None, -1),) * len(kernel)], 0, 1)
                gflat = np.empty((c, n * math.prod(padded)), dtype=grad.dtype)
                _shifted_matmuls(gext, _row_weights(flipped), bases, step, kernel[-1], gflat)
                window = tuple(slice(lo, p - hi) for p, (lo, hi) in zip(padded, pads))
                gx = _batch_major(gflat.reshape(x_pad.shape), window)
        if ctx.needs_input_grad[2]:
            gb = spatial_sum(grad)
        return gx, gw, gb, None, None
