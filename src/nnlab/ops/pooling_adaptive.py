"""Adaptive and global pooling: any input size to a fixed output size.

- adaptive average / max pooling (PyTorch's ``adaptive_*_pool1d/2d/3d``): output cell i of
  an axis of length n pools the bin [⌊i·n/out⌋, ⌈(i+1)·n/out⌉);
- global average / max pooling (a classifier head: (N, C, H, W) → (N, C)).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nnlab.autograd.function import Context, Function
from nnlab.autograd.tensor import Tensor
from nnlab.ops.movement import reshape
from nnlab.ops.pooling import (
    MaxPool,
    batched,
    check_input,
    flat_indices,
    pool_geometry,
    tournament,
    unbatched,
)
from nnlab.ops.reduce import mean


# ---- adaptive pooling: bins start = ⌊i·n/out⌋, end = ⌈(i+1)·n/out⌉ ------------------------------


def adaptive_bins(n: int, out: int) -> tuple[np.ndarray, np.ndarray]:
    i = np.arange(out)
    return (i * n) // out, -((-(i + 1) * n) // out)


@dataclass(frozen=True)
class BinAxis:
    """One axis of an adaptive pooling, as taps: tap j of bin o reads min(start_o + j, end_o − 1).

    Short bins repeat their last element; a repeat never wins a strict ``>``, so the
    winner is still the bin's first maximum.
    """

    n: int
    o: int

    def table(self) -> np.ndarray:
        start, end = adaptive_bins(self.n, self.o)
        k = int(np.max(end - start))
        return np.minimum(start[:, None] + np.arange(k)[None, :], end[:, None] - 1)

    def taps(self, a: np.ndarray, axis: int) -> list[np.ndarray]:
        t = self.table()
        return [np.take(a, t[:, j], axis=axis) for j in range(t.shape[1])]


class AdaptiveMaxPool(Function):
    """y = max over each adaptive bin; ∂L/∂x gets g at each bin's first max (bins may overlap: summed)."""

    @staticmethod
    def forward(ctx: Context, x, axes: list[BinAxis], indices_out: list | None):
        y, sels = tournament(x, axes)
        spatial = x.shape[2:]
        flat = flat_indices(sels, [a.table() for a in axes], x.shape[:2], y.shape[2:], spatial, [0] * len(axes))
        ctx.flat, ctx.x_shape = flat, x.shape
        if indices_out is not None:
            indices_out.append(flat)
        return y

    @staticmethod
    def backward(ctx: Context, grad):
        n, c = ctx.x_shape[:2]
        plane = int(np.prod(ctx.x_shape[2:]))
        where = ctx.flat + (np.arange(n * c) * plane).reshape((n, c) + (1,) * (ctx.flat.ndim - 2))
        gx = np.zeros(n * c * plane, dtype=grad.dtype)
        np.add.at(gx, where.ravel(), grad.ravel())
        return gx.reshape(ctx.x_shape), None, None


def _along(x: np.ndarray, m: np.ndarray, axis: int) -> np.ndarray:
    """Contract ``x``'s ``axis`` with the columns of ``m``: result[..., i, ...] = Σ_j m[i, j] x[..., j, ...]."""
    return np.moveaxis(np.matmul(np.moveaxis(x, axis, -1), m.T), -1, axis)


class AdaptiveAvgPool(Function):
    """y = P_1 ⋯ P_d x, one averaging matrix P_i (out_i × n_i, row o = 1/|bin o| on bin o) per axis.

    A box average is separable, so the bins' means are a product of small matmuls;
    ∂L/∂x applies the transposes: Pᵢᵀ along each axis.
    """

    @staticmethod
    def forward(ctx: Context, x, mats: list):
        ctx.mats = mats
        for i, m in enumerate(mats):
            if m is not None:
                x = _along(x, m, 2 + i)
        return np.ascontiguousarray(x)

    @staticmethod
    def backward(ctx: Context, grad):
        for i, m in enumerate(ctx.mats):
            if m is not None:
                grad = _along(grad, m.T, 2 + i)
        return grad, None


def adaptive_output_size(op: str, output_size, spatial: tuple[int, ...]) -> tuple[int, ...]:
    """``output_size`` as a tuple; None keeps that input size."""
    nd = len(spatial)
    sizes = (output_size,) * nd if output_size is None or isinstance(output_size, (int, np.integer)) else tuple(output_size)
    if len(sizes) == 1:
        sizes = sizes * nd
    if len(sizes) != nd:
        raise ValueError(f"{op}: output_size must be an int or a tuple of {nd} ints (or None), got {output_size!r}")
    out = tuple(n if o is None else int(o) for o, n in zip(sizes, spatial))
    if any(o <= 0 for o in out):
        raise ValueError(f"{op}: output_size must be positive, got {output_size!r}")
    return out


def adaptive_avg_pool_nd(op: str, nd: int, input: Tensor, output_size) -> Tensor:
    x, unb = batched(op, input, nd)
    out = adaptive_output_size(op, output_size, x.shape[2:])
    mats = []
    for n, o in zip(x.shape[2:], out):
        if n == o:
            mats.append(None)
            continue
        start, end = adaptive_bins(n, o)
        j = np.arange(n)
        inside = (j[None, :] >= start[:, None]) & (j[None, :] < end[:, None])
        mats.append((inside / (end - start)[:, None]).astype(x.array.dtype))
    return unbatched(AdaptiveAvgPool.apply(x, mats), unb)


def adaptive_max_pool_nd(op: str, nd: int, input: Tensor, output_size, return_indices: bool):
    x, unb = batched(op, input, nd)
    spatial = x.shape[2:]
    out = adaptive_output_size(op, output_size, spatial)
    box: list | None = [] if return_indices else None
    if all(n % o == 0 for n, o in zip(spatial, out)):
        # equal bins: a plain max pooling with kernel = stride = n/out (no gather, no scatter-add)
        k = tuple(n // o for n, o in zip(spatial, out))
        y = MaxPool.apply(x, pool_geometry(op, x.shape, nd, k, k, 0, 1, False), box)
    else:
        y = AdaptiveMaxPool.apply(x, [BinAxis(n, o) for n, o in zip(spatial, out)], box)
    y = unbatched(y, unb)
    if not return_indices:
        return y
    return y, Tensor._wrap(box[0][0] if unb else box[0])


_ADAPTIVE_DOC = """y[n, c, o] = {kind} of x over bin o: start = ⌊o·n/out⌋, end = ⌈(o+1)·n/out⌉ along each axis.

    Args:
        input: (N, C, {dims}) or unbatched (C, {dims}), floating.
        output_size: the output's spatial size (int or tuple; None keeps that input size).{ret}

    Shape:
        output (N, C, {outs}) = output_size.
    """


def adaptive_avg_pool1d(input: Tensor, output_size) -> Tensor:
    return adaptive_avg_pool_nd("adaptive_avg_pool1d", 1, input, output_size)


def adaptive_avg_pool2d(input: Tensor, output_size) -> Tensor:
    return adaptive_avg_pool_nd("adaptive_avg_pool2d", 2, input, output_size)


def adaptive_avg_pool3d(input: Tensor, output_size) -> Tensor:
    return adaptive_avg_pool_nd("adaptive_avg_pool3d", 3, input, output_size)


def adaptive_max_pool1d(input: Tensor, output_size, return_indices: bool = False):
    return adaptive_max_pool_nd("adaptive_max_pool1d", 1, input, output_size, return_indices)


def adaptive_max_pool2d(input: Tensor, output_size, return_indices: bool = False):
    return adaptive_max_pool_nd("adaptive_max_pool2d", 2, input, output_size, return_indices)


def adaptive_max_pool3d(input: Tensor, output_size, return_indices: bool = False):
    return adaptive_max_pool_nd("adaptive_max_pool3d", 3, input, output_size, return_indices)


_RET = "\n        return_indices: also return each max's flat index within its input plane (default False)."
_MAX_KIND = "max (first max on ties)"
for _f, _kind, _dims, _outs, _ret in (
    (adaptive_avg_pool1d, "mean", "L", "L_out", ""),
    (adaptive_avg_pool2d, "mean", "H, W", "H_out, W_out", ""),
    (adaptive_avg_pool3d, "mean", "D, H, W", "D_out, H_out, W_out", ""),
    (adaptive_max_pool1d, _MAX_KIND, "L", "L_out", _RET),
    (adaptive_max_pool2d, _MAX_KIND, "H, W", "H_out, W_out", _RET),
    (adaptive_max_pool3d, _MAX_KIND, "D, H, W", "D_out, H_out, W_out", _RET),
):
    _f.__doc__ = _ADAPTIVE_DOC.format(kind=_kind, dims=_dims, outs=_outs, ret=_ret)


# ---- global pooling ---------------------------------------------------------------------------


def global_avg_pool2d(input: Tensor, keepdim: bool = False) -> Tensor:
    """y[n, c] = mean over (h, w) of x[n, c, h, w] — ``adaptive_avg_pool2d(x, 1)`` flattened.

    Args:
        input: (N, C, H, W) or unbatched (C, H, W), floating.
        keepdim: keep the pooled dims as size 1, (N, C, 1, 1) (default False: (N, C), ready for a Linear).
    """
    check_input("global_avg_pool2d", input, 2)
    return mean(input, dim=(-2, -1), keepdim=keepdim)


def global_max_pool2d(input: Tensor, keepdim: bool = False) -> Tensor:
    """y[n, c] = max over (h, w) of x[n, c, h, w]; the gradient goes to the first max only.

    Unlike ``amax`` (which splits the gradient among ties) this is max *pooling*:
    ``adaptive_max_pool2d(x, 1)`` flattened.

    Args:
        input: (N, C, H, W) or unbatched (C, H, W), floating.
        keepdim: keep the pooled dims as size 1 (default False: (N, C)).
    """
    y = adaptive_max_pool2d(input, 1)
    return y if keepdim else reshape(y, tuple(y.shape[:-2]))


__all__ = [
    "adaptive_avg_pool1d", "adaptive_avg_pool2d", "adaptive_avg_pool3d", "adaptive_max_pool1d", "adaptive_max_pool2d",
    "adaptive_max_pool3d", "global_avg_pool2d", "global_max_pool2d",
]
