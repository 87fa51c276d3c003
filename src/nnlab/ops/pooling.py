"""Max and average pooling over 1, 2 or 3 spatial dims, with PyTorch's semantics.

One N-d implementation serves ``max_pool1d/2d/3d`` and ``avg_pool1d/2d/3d``. A pooling
window is a box, so both reductions are *separable*: reduce the last spatial axis
over its k taps, then the one before it, and so on. That costs k_h + k_w strided
array ops per call instead of k_h·k_w, touches no Python loop over positions, and
each tap is a strided view (no im2col copy).

Max pooling picks the **first** maximum of each window in row-major window order
(PyTorch's rule); reducing the last axis first with a strict ``>`` gives exactly
that order, because the first maximum in row-major order is the first row holding
the window's maximum, and within it the first column. The backward pass routes each
window's gradient to that one position; overlapping windows (stride < kernel)
accumulate.

Adaptive pooling (:mod:`nnlab.ops.pooling_adaptive`) reuses the tap tournament and the
index bookkeeping here with variable-size bins.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from nnlab.autograd.function import Context, Function
from nnlab.autograd.grad_mode import is_grad_enabled
from nnlab.autograd.tensor import Tensor
from nnlab.backend import kernels
from nnlab.backend.windows import pad_spatial, unpad_spatial
from nnlab.ops.movement import reshape

IntOrTuple = int | Sequence[int]


def ntuple(value: IntOrTuple, nd: int, name: str, op: str) -> tuple[int, ...]:
    """``value`` as an ``nd``-tuple of ints (an int or a 1-tuple is repeated, as in PyTorch)."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return (int(value),) * nd
    try:
        t = tuple(int(v) for v in value)
    except TypeError:
        raise TypeError(f"{op}: {name} must be an int or a tuple of {nd} ints, got {value!r}") from None
    if len(t) == 1:
        return t * nd
    if len(t) != nd:
        raise ValueError(f"{op}: {name} must be an int or a tuple of {nd} ints, got {value!r}")
    return t


def pooled_size(n: int, k: int, s: int, p: int, d: int, ceil_mode: bool) -> int:
    """⌊ or ⌈(n + 2p − d(k−1) − 1)/s⌉ + 1 (PyTorch's rule).

    In ceil mode the last window must start inside the input or the left padding.
    """
    span = n + 2 * p - d * (k - 1) - 1
    out = (span + (s - 1 if ceil_mode else 0)) // s + 1
    if ceil_mode and (out - 1) * s >= n + p:
        out -= 1
    return out


@dataclass(frozen=True)
class TapAxis:
    """One spatial axis of a pooling: window j of output o reads padded position o·s + j·d."""

    n: int  # padded length
    k: int
    s: int
    d: int
    o: int

    def taps(self, a: np.ndarray, axis: int) -> list[np.ndarray]:
        lead = (slice(None),) * axis
        last = self.s * (self.o - 1) + 1
        return [a[lead + (slice(j * self.d, j * self.d + last, self.s),)] for j in range(self.k)]

    def table(self) -> np.ndarray:
        """(o, k) padded input positions of every tap."""
        return np.arange(self.o)[:, None] * self.s + np.arange(self.k)[None, :] * self.d

    @property
    def disjoint(self) -> bool:
        return self.d * (self.k - 1) + 1 <= self.s

    @property
    def tiles(self) -> bool:
        """Windows cover every position exactly once (so a scatter needs no zero fill)."""
        return self.d == 1 and self.k == self.s and self.o * self.k == self.n


@dataclass(frozen=True)
class PoolGeometry:
    """Kernel, stride, padding and dilation of an N-d pooling, with its output size."""

    spatial: tuple[int, ...]
    kernel: tuple[int, ...]
    stride: tuple[int, ...]
    padding: tuple[int, ...]
    dilation: tuple[int, ...]
    out: tuple[int, ...]
    pads: tuple[tuple[int, int], ...]  # (before, after); after includes what ceil mode needs

    @property
    def axes(self) -> list[TapAxis]:
        return [
            TapAxis(n + lo + hi, k, s, d, o)
            for n, k, s, d, o, (lo, hi) in zip(self.spatial, self.kernel, self.stride, self.dilation, self.out, self.pads)
        ]


def pool_geometry(
    op: str, shape: tuple[int, ...], nd: int, kernel_size, stride, padding, dilation, ceil_mode: bool
) -> PoolGeometry:
    """Validate the arguments as PyTorch does and compute the output size; ``shape`` is (N, C, *spatial)."""
    k = ntuple(kernel_size, nd, "kernel_size", op)
    no_stride = stride is None or (isinstance(stride, (tuple, list)) and len(stride) == 0)
    s = k if no_stride else ntuple(stride, nd, "stride", op)
    p = ntuple(padding, nd, "padding", op)
    d = ntuple(dilation, nd, "dilation", op)
    if any(v <= 0 for v in k):
        raise ValueError(f"{op}: kernel_size must be positive, got {k}")
    if any(v <= 0 for v in s):
        raise ValueError(f"{op}: stride must be positive, got {s}")
    if any(v <= 0 for v in d):
        raise ValueError(f"{op}: dilation must be positive, got {d}")
    if any(v < 0 for v in p):
        raise ValueError(f"{op}: padding must be non-negative, got {p}")
    if any(pi > ki // 2 for pi, ki in zip(p, k)):
        raise ValueError(f"{op}: padding should be at most half of kernel size, got padding={p} and kernel_size={k}")
    spatial = tuple(shape[2:])
    out = tuple(pooled_size(*args, ceil_mode) for args in zip(spatial, k, s, p, d))
    if any(o <= 0 for o in out):
        raise ValueError(
            f"{op}: input of spatial size {spatial} is too small for kernel_size={k} (stride={s}, padding={p}, "
            f"dilation={d}): the output size would be {out}"
        )
    # the right side gets p, or more where ceil mode's last window reaches past it
    pads = tuple(
        (pi, max(pi, (o - 1) * si + di * (ki - 1) + 1 - n - pi)) for n, ki, si, pi, di, o in zip(spatial, k, s, p, d, out)
    )
    return PoolGeometry(spatial, k, s, p, d, out, pads)


def check_input(op: str, x: Tensor, nd: int) -> None:
    """A floating (N, C, *spatial) or unbatched (C, *spatial) input with ``nd`` spatial dims."""
    if x.ndim not in (nd + 1, nd + 2):
        raise ValueError(
            f"{op}: expected a {nd + 1}-D (unbatched) or {nd + 2}-D (batched) input, got shape {tuple(x.shape)}"
        )
    if x.array.dtype.kind != "f":
        raise TypeError(f"{op}: expected a floating-point input, got dtype {x.array.dtype}")


def batched(op: str, x: Tensor, nd: int) -> tuple[Tensor, bool]:
    """(N, C, *spatial) as is, (C, *spatial) with a batch dim of 1 added (and a flag saying so)."""
    check_input(op, x, nd)
    if x.ndim == nd + 1:
        return reshape(x, (1,) + tuple(x.shape)), True
    return x, False


def unbatched(y: Tensor, was_unbatched: bool) -> Tensor:
    return reshape(y, tuple(y.shape[1:])) if was_unbatched else y


# ---- the separable reductions and their adjoints ---------------------------------------------


def tap_max(taps: list[np.ndarray], track: bool = True) -> tuple[np.ndarray, np.ndarray | None]:
    """Elementwise max over the taps and, when ``track``, which tap won.

    On ties the first tap wins; a NaN propagates and its tap wins, the last NaN when there are
    several — PyTorch's scan rule ``v > best or isnan(v)``, so the gradient goes where PyTorch sends it.
    """
    if len(taps) == 1:
        return np.array(taps[0]), None
    best = np.maximum(taps[0], taps[1])
    if not track:  # inference: no winners to remember
        for t in taps[2:]:
            np.maximum(best, t, out=best)
        return best, None
    sel = (np.greater(taps[1], taps[0]) | np.isnan(taps[1])).view(np.uint8)  # a tap number, not a mask
    if len(taps) > 2:
        dt = np.dtype(np.uint8 if len(taps) <= 256 else np.int32)
        sel = sel.astype(dt)
        better = np.empty(best.shape, dtype=bool)
        for j in range(2, len(taps)):
            np.greater(taps[j], best, out=better)
            better |= np.isnan(taps[j])
            # j exceeds every earlier tap number, so "j where better" is max(sel, j·better):
            # two cheap integer ops instead of a masked copy
            np.maximum(sel, better.astype(dt) * dt.type(j), out=sel)
            np.maximum(best, taps[j], out=best)
    return best, sel


def tap_sum(taps: list[np.ndarray]) -> np.ndarray:
    total = np.array(taps[0])
    for t in taps[1:]:
        total += t
    return total


def scatter_taps(grad: np.ndarray, axis: int, ax: TapAxis, sel: np.ndarray | None, mode: str) -> np.ndarray:
    """Adjoint of one axis' reduction: send ``grad`` back to the taps along ``axis``.

    ``mode="max"`` sends each output's gradient to its winning tap ``sel``; ``mode="sum"``
    to every tap. Overlapping windows accumulate.
    """
    shape = list(grad.shape)
    shape[axis] = ax.n
    out = np.empty(shape, dtype=grad.dtype) if ax.tiles else np.zeros(shape, dtype=grad.dtype)
    targets = ax.taps(out, axis)
    if mode == "sum":
        for t in targets:
            if ax.disjoint:
                np.copyto(t, grad)
            else:
                t += grad
        return out
    if sel is None:  # one tap
        np.copyto(targets[0], grad)
    elif ax.disjoint and ax.k == 2:
        # g·[sel] and g − g·[sel] are exact, and two ops cheaper than masking twice
        np.multiply(grad, sel, out=targets[1])
        np.subtract(grad, targets[1], out=targets[0])
    elif ax.disjoint:
        for j, t in enumerate(targets):
            np.multiply(grad, sel == j, out=t)
    else:
        np.multiply(grad, sel == 0, out=targets[0])  # the first tap's targets never overlap each other
        hit = np.empty_like(grad)
        for j, t in enumerate(targets[1:], 1):
            np.multiply(grad, sel == j, out=hit)
            t += hit
    return out


def flat_indices(sels: list, tables: list[np.ndarray], batch: tuple[int, int], out: tuple[int, ...],
                 spatial: tuple[int, ...], offsets: Sequence[int]) -> np.ndarray:
    """Flat index into each (unpadded) input plane of every window's winner, as PyTorch returns them.

    ``sels[i]`` is the winning tap along spatial axis i, defined over the array that axis
    was reduced from (axes before i still at input resolution); ``tables[i]`` maps
    (output, tap) to a padded position, and ``offsets[i]`` is the padding before it.
    """
    nd = len(out)
    full = batch + out
    grid = [np.arange(n).reshape((-1,) + (1,) * (len(full) - 1 - a)) for a, n in enumerate(full)]
    pos: list[np.ndarray] = []
    for i in range(nd):
        sel = sels[i]
        j = np.zeros((), dtype=np.intp) if sel is None else sel[tuple(grid[:2]) + tuple(pos) + tuple(grid[2 + i :])]
        pos.append(tables[i][grid[2 + i], j])
    flat = np.zeros(full, dtype=np.int64)
    for i in range(nd):
        u = pos[i] - offsets[i]
        # A winner in the padding (a window whose taps are all padding or -inf): PyTorch reports the
        # window's first tap at or after 0, stepping by the dilation; never a negative index.
        table = tables[i][grid[2 + i], :]
        first = table[..., 0] - offsets[i]
        step = table[..., 1] - table[..., 0] if table.shape[-1] > 1 else np.ones_like(first)
        step = np.maximum(step, 1)
        first = np.where(first < 0, first + step * ((step - 1 - first) // step), first)  # ceil(−first / step) steps
        u = np.where((u < 0) | (u >= spatial[i]), first, u)
        flat = flat * spatial[i] + u
    return flat


def tournament(x: np.ndarray, axes: list, track: bool = True) -> tuple[np.ndarray, list]:
    """Max over each window, last spatial axis first; returns the result and the per-axis winners."""
    nd = len(axes)
    sels: list = [None] * nd
    cur = x
    for i in reversed(range(nd)):
        cur, sels[i] = tap_max(axes[i].taps(cur, 2 + i), track)
    return cur, sels


class MaxPool(Function):
    """y = max over each window of x (padded with −inf); ∂L/∂x gets g at each window's first max.

    Backward, one axis at a time in reverse order of the forward reduction: the gradient of
    an axis' tap-max is g routed to the winning tap of that axis (``scatter_taps``); the
    composition routes g to the window's single winner. Overlaps sum.
    """

    @staticmethod
    def forward(ctx: Context, x, geom: PoolGeometry, indices_out: list | None):
        k, ctx.fast_taps = kernels.fast(), None
        needs_grad = ctx.needs_input_grad[0] and is_grad_enabled()
        if (k is not None and len(geom.kernel) == 2 and indices_out is None and kernels.worth_it(x)
                and k.is_2x2(geom.kernel, geom.stride, geom.padding, geom.dilation, x.shape[2:], geom.out)):
            y, ctx.fast_taps = k.max_pool2d(x, needs_grad)
            return y
        x_pad = pad_spatial(x, geom.pads, value=-np.inf)
        axes = geom.axes
        track = indices_out is not None or needs_grad
        y, sels = tournament(x_pad, axes, track)
        ctx.sels, ctx.geom = sels, geom
        if indices_out is not None:
            indices_out.append(
                flat_indices(sels, [a.table() for a in axes], x.shape[:2], geom.out, geom.spatial, geom.padding)
            )
        return y

    @staticmethod
    def backward(ctx: Context, grad):
        if ctx.fast_taps is not None:  # the 2×2 kernel's recorded winning taps
            return kernels.numba_kernels().max_pool2d_grad(grad, ctx.fast_taps), None, None
        g = grad
        for i, ax in enumerate(ctx.geom.axes):
            g = scatter_taps(g, 2 + i, ax, ctx.sels[i], "max")
        return unpad_spatial(g, ctx.geom.pads), None, None


class AvgPool(Function):
    """y = Σ_window x / divisor (zero padding); ∂L/∂x = Σ over the windows covering x of g/divisor."""

    @staticmethod
    def forward(ctx: Context, x, geom: PoolGeometry, divisor: np.ndarray):
        cur = pad_spatial(x, geom.pads, value=0.0)
        axes = geom.axes
        for i in reversed(range(len(axes))):
            cur = tap_sum(axes[i].taps(cur, 2 + i))
        ctx.geom, ctx.divisor = geom, divisor
        return np.divide(cur, divisor, out=cur)

    @staticmethod
    def backward(ctx: Context, grad):
        g = grad / ctx.divisor
        for i, ax in enumerate(ctx.geom.axes):
            g = scatter_taps(g, 2 + i, ax, None, "sum")
        return unpad_spatial(g, ctx.geom.pads), None, None


def avg_divisor(geom: PoolGeometry, count_include_pad: bool, divisor_override, dtype) -> np.ndarray:
    """PyTorch's divisor per window: the window clipped to the padded input, or to the input alone."""
    if divisor_override is not None:
        return np.asarray(divisor_override, dtype=dtype)
    nd = len(geom.out)
    div = np.ones((1, 1) + (1,) * nd, dtype=np.int64)
    for i, (n, k, s, p, o) in enumerate(zip(geom.spatial, geom.kernel, geom.stride, geom.padding, geom.out)):
        start = np.arange(o) * s - p
        end = np.minimum(start + k, n + p)
        size = end - start if count_include_pad else np.minimum(end, n) - np.maximum(start, 0)
        div = div * size.reshape((-1,) + (1,) * (nd - 1 - i))
    return div.astype(dtype)


# ---- public functions -------------------------------------------------------------------------


def max_pool_nd(op: str, nd: int, input: Tensor, kernel_size, stride, padding, dilation, ceil_mode, return_indices):
    x, unb = batched(op, input, nd)
    geom = pool_geometry(op, x.shape, nd, kernel_size, stride, padding, dilation, ceil_mode)
    box: list | None = [] if return_indices else None
    y = unbatched(MaxPool.apply(x, geom, box), unb)
    if not return_indices:
        return y
    idx = box[0][0] if unb else box[0]
    return y, Tensor._wrap(idx)


def avg_pool_nd(op: str, nd: int, input: Tensor, kernel_size, stride, padding, ceil_mode, count_include_pad,
                divisor_override=None) -> Tensor:
    x, unb = batched(op, input, nd)
    geom = pool_geometry(op, x.shape, nd, kernel_size, stride, padding, 1, ceil_mode)
    if divisor_override is not None and divisor_override == 0:
        raise ValueError(f"{op}: divisor_override must be non-zero, got {divisor_override}")
    divisor = avg_divisor(geom, count_include_pad, divisor_override, x.array.dtype)
    return unbatched(AvgPool.apply(x, geom, divisor), unb)


_MAX_DOC = """y[n, c, o] = max over the window of o of x (padded with −inf); the gradient goes to the window's first max.

    Args:
        input: (N, C, {dims}) or unbatched (C, {dims}), floating.
        kernel_size: window size k (int or tuple).
        stride: window step s (default: kernel_size).
        padding: implicit −inf padding p on both sides, at most k/2 (default 0).
        dilation: spacing d between window elements (default 1).
        ceil_mode: round the output size up instead of down (default False).
        return_indices: also return the flat index of each max within its input plane (default False).

    Shape:
        output (N, C, {outs}) with each out = ⌊(n + 2p − d(k−1) − 1)/s⌋ + 1 (⌈⌉ in ceil mode).
    """

_AVG_DOC = """y[n, c, o] = Σ_window x / divisor (zero padding).

    The divisor is ``divisor_override`` when given, else the window size clipped to the
    padded input (``count_include_pad=True``) or the number of real input elements in it.

    Args:
        input: (N, C, {dims}) or unbatched (C, {dims}), floating.
        kernel_size: window size k; stride: step s (default kernel_size); padding: p ≤ k/2 (default 0).
        ceil_mode: round the output size up (default False).
        count_include_pad: count the zero padding in the divisor (default True).{override}

    Shape:
        output (N, C, {outs}) with each out = ⌊(n + 2p − k)/s⌋ + 1 (⌈⌉ in ceil mode).
    """


def max_pool1d(input: Tensor, kernel_size: IntOrTuple, stride=None, padding: IntOrTuple = 0, dilation: IntOrTuple = 1,
               ceil_mode: bool = False, return_indices: bool = False):
    return max_pool_nd("max_pool1d", 1, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def max_pool2d(input: Tensor, kernel_size: IntOrTuple, stride=None, padding: IntOrTuple = 0, dilation: IntOrTuple = 1,
               ceil_mode: bool = False, return_indices: bool = False):
    return max_pool_nd("max_pool2d", 2, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def max_pool3d(input: Tensor, kernel_size: IntOrTuple, stride=None, padding: IntOrTuple = 0, dilation: IntOrTuple = 1,
               ceil_mode: bool = False, return_indices: bool = False):
    return max_pool_nd("max_pool3d", 3, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def avg_pool1d(input: Tensor, kernel_size: IntOrTuple, stride=None, padding: IntOrTuple = 0, ceil_mode: bool = False,
               count_include_pad: bool = True) -> Tensor:
    return avg_pool_nd("avg_pool1d", 1, input, kernel_size, stride, padding, ceil_mode, count_include_pad)


def avg_pool2d(input: Tensor, kernel_size: IntOrTuple, stride=None, padding: IntOrTuple = 0, ceil_mode: bool = False,
               count_include_pad: bool = True, divisor_override: int | None = None) -> Tensor:
    return avg_pool_nd("avg_pool2d", 2, input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override)


def avg_pool3d(input: Tensor, kernel_size: IntOrTuple, stride=None, padding: IntOrTuple = 0, ceil_mode: bool = False,
               count_include_pad: bool = True, divisor_override: int | None = None) -> Tensor:
    return avg_pool_nd("avg_pool3d", 3, input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override)


_OVERRIDE = "\n        divisor_override: a fixed divisor for every window instead (default None)."
# The six share their documentation; only the dims differ (and avg_pool1d has no divisor_override, as in PyTorch).
for _f, _doc, _dims, _outs, _ov in (
    (max_pool1d, _MAX_DOC, "L", "L_out", ""),
    (max_pool2d, _MAX_DOC, "H, W", "H_out, W_out", ""),
    (max_pool3d, _MAX_DOC, "D, H, W", "D_out, H_out, W_out", ""),
    (avg_pool1d, _AVG_DOC, "L", "L_out", ""),
    (avg_pool2d, _AVG_DOC, "H, W", "H_out, W_out", _OVERRIDE),
    (avg_pool3d, _AVG_DOC, "D, H, W", "D_out, H_out, W_out", _OVERRIDE),
):
    _f.__doc__ = _doc.format(dims=_dims, outs=_outs, override=_ov)

__all__ = ["max_pool1d", "max_pool2d", "max_pool3d", "avg_pool1d", "avg_pool2d", "avg_pool3d"]
