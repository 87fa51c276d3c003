"""Ops whose outputs are copies of input elements: sort, topk, flip, roll, narrow, repeat, diag, ...

One ``Function`` serves them all: :class:`Select` gathers ``x.ravel()[idx]`` for an
integer index array ``idx`` computed by NumPy on the positions ``arange(x.size)``; its
backward scatters the gradient back with ``bincount`` (so a repeated element gets the
sum of its gradients). Each public op only says which positions it picks.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from nnlab.autograd.function import Function
from nnlab.autograd.tensor import Tensor
from nnlab.ops import elementwise as ew, movement as mv


class Select(Function):
    """y = x.ravel()[idx];  ∂L/∂x[j] = Σ_{k: idx[k] = j} ∂L/∂y[k]."""

    @staticmethod
    def forward(ctx, x, idx):
        ctx.idx, ctx.shape = idx, x.shape
        return x.reshape(-1)[idx]

    @staticmethod
    def backward(ctx, grad):
        size = int(np.prod(ctx.shape))
        g = np.bincount(ctx.idx.ravel(), weights=grad.ravel().astype(np.float64), minlength=size)
        return g.astype(grad.dtype).reshape(ctx.shape), None


def _positions(x: Tensor) -> np.ndarray:
    return np.arange(x.array.size, dtype=np.int64).reshape(x.shape)


def select_by(x: Tensor, fn) -> Tensor:
    """The elements of ``x`` at ``fn(positions)``, differentiably."""
    return Select.apply(x, fn(_positions(x)))


class SortResult(NamedTuple):
    values: Tensor
    indices: Tensor


def _dim(x: Tensor, dim: int, op: str) -> int:
    nd = max(x.ndim, 1)
    if not -nd <= dim < nd:
        raise IndexError(f"{op}: dim {dim} is out of range for a tensor of {x.ndim} dims")
    return dim % nd


def _along(x: Tensor, order: np.ndarray, dim: int) -> Tensor:
    return select_by(x, lambda p: np.take_along_axis(p, order, axis=dim))


def sort(x: Tensor, dim: int = -1, descending: bool = False, stable: bool = False) -> SortResult:
    """(values, indices) sorted along ``dim``; gradients flow to the values' sources."""
    dim = _dim(x, dim, "sort")
    order = argsort(x, dim, descending).array
    return SortResult(_along(x, order, dim), Tensor._wrap(order))


def argsort(x: Tensor, dim: int = -1, descending: bool = False, stable: bool = False) -> Tensor:
    """Indices that sort ``x`` along ``dim`` (stable, so ties keep their order)."""
    dim = _dim(x, dim, "argsort")
    a = x.array
    order = np.argsort(-a if descending and a.dtype.kind != "b" else a, axis=dim, kind="stable")
    if descending and a.dtype.kind == "b":
        order = np.argsort(~a, axis=dim, kind="stable")
    return Tensor._wrap(order.astype(np.int64))


def topk(x: Tensor, k: int, dim: int = -1, largest: bool = True, sorted: bool = True) -> SortResult:  # noqa: A002
    """The ``k`` largest (or smallest) values along ``dim`` and their indices."""
    dim = _dim(x, dim, "topk")
    if not 0 <= k <= x.shape[dim]:
        raise RuntimeError(f"topk: k={k} is out of range for dim {dim} of size {x.shape[dim]}")
    order = np.take(argsort(x, dim, descending=largest).array, np.arange(k), axis=dim)
    return SortResult(_along(x, order, dim), Tensor._wrap(order))


def kthvalue(x: Tensor, k: int, dim: int = -1, keepdim: bool = False) -> SortResult:
    """The k-th smallest value (1-based) along ``dim`` and its index."""
    dim = _dim(x, dim, "kthvalue")
    if not 1 <= k <= x.shape[dim]:
        raise RuntimeError(f"kthvalue: k={k} is out of range for dim {dim} of size {x.shape[dim]}")
    order = np.take(argsort(x, dim).array, [k - 1], axis=dim)
    values, idx = _along(x, order, dim), Tensor._wrap(order)
    return SortResult(values, idx) if keepdim else SortResult(mv.squeeze(values, dim), mv.squeeze(idx, dim))


def median(x: Tensor, dim: int | None = None, keepdim: bool = False):
    """The lower median (PyTorch's): of all values, or (values, indices) along ``dim``."""
    if dim is None:
        flat = mv.reshape(x, -1)
        return kthvalue(flat, (flat.shape[0] + 1) // 2, 0).values
    return kthvalue(x, (x.shape[_dim(x, dim, "median")] + 1) // 2, dim, keepdim)


def flip(x: Tensor, dims) -> Tensor:
    dims = (dims,) if isinstance(dims, int) else tuple(dims)
    return select_by(x, lambda p: np.flip(p, axis=dims).copy())


def roll(x: Tensor, shifts, dims=None) -> Tensor:
    return select_by(x, lambda p: np.roll(p, shifts, axis=dims))


def narrow(x: Tensor, dim: int, start: int, length: int) -> Tensor:
    """x sliced to [start, start + length) along ``dim``: a view, sharing memory and version counter (as PyTorch)."""
    dim = _dim(x, dim, "narrow")
    if start < 0:
        start += x.shape[dim]
    if not (0 <= start and start + length <= x.shape[dim]):
        raise IndexError(f"narrow: [{start}, {start + length}) is out of range for dim {dim} of size {x.shape[dim]}")
    return x[(slice(None),) * dim + (slice(start, start + length),)]


def repeat(x: Tensor, *sizes) -> Tensor:
    """PyTorch's ``repeat``: tile the tensor ``sizes`` times along each dim (leading dims added)."""
    sizes = mv._shape_arg(sizes)
    if len(sizes) < x.ndim:
        raise RuntimeError(f"repeat: got {len(sizes)} repeat counts for a tensor of {x.ndim} dims")
    return select_by(x, lambda p: np.tile(p, sizes))


def tile(x: Tensor, dims) -> Tensor:
    dims = tuple(dims)
    return select_by(x, lambda p: np.tile(p, (1,) * (x.ndim - len(dims)) + dims))


def repeat_interleave(x: Tensor, repeats, dim: int | None = None) -> Tensor:
    reps = repeats.array if isinstance(repeats, Tensor) else repeats
    if dim is None:
        return select_by(x, lambda p: np.repeat(p.reshape(-1), reps))
    return select_by(x, lambda p: np.repeat(p, reps, axis=_dim(x, dim, "repeat_interleave")))


def take(x: Tensor, index) -> Tensor:
    idx = index.array if isinstance(index, Tensor) else np.asarray(index)
    return select_by(x, lambda p: p.reshape(-1)[idx])


def take_along_dim(x: Tensor, indices, dim: int | None = None) -> Tensor:
    idx = indices.array if isinstance(indices, Tensor) else np.asarray(indices)
    if dim is None:
        return select_by(x, lambda p: np.take_along_axis(p.reshape(-1), idx.reshape(-1), 0))
    return select_by(x, lambda p: np.take_along_axis(p, idx, axis=dim))


def t(x: Tensor) -> Tensor:
    """The transpose of a tensor of at most 2 dims."""
    if x.ndim > 2:
        raise RuntimeError(f"t: expects a tensor with <= 2 dimensions, got {x.ndim}; use transpose(dim0, dim1)")
    return x if x.ndim < 2 else mv.transpose(x, 0, 1)


def diag(x: Tensor, diagonal: int = 0) -> Tensor:
    """A vector's diagonal matrix, or a matrix's ``diagonal``-th diagonal."""
    if x.ndim == 2:
        return select_by(x, lambda p: np.diagonal(p, diagonal).copy())
    if x.ndim != 1:
        raise RuntimeError(f"diag: expected a 1-D or 2-D tensor, got {x.ndim} dims")
    n = x.shape[0] + abs(diagonal)
    eye = Tensor._wrap(np.eye(n, k=diagonal, dtype=x.dtype))
    return ew.mul(mv.unsqueeze(_shifted(x, diagonal, n), 1), eye)


def _shifted(x: Tensor, k: int, n: int) -> Tensor:
    """Row r of diag(x, k) holds x[r] (k ≥ 0) or x[r + k] (k < 0): x padded to n rows accordingly."""
    return mv.pad(x, [0, n - x.shape[0]]) if k >= 0 else mv.pad(x, [-k, 0])


def tril(x: Tensor, diagonal: int = 0) -> Tensor:
    mask = np.tril(np.ones(x.shape[-2:], dtype=bool), diagonal)
    return ew.where(Tensor._wrap(mask), x, Tensor._wrap(np.zeros((), dtype=x.dtype)))


def triu(x: Tensor, diagonal: int = 0) -> Tensor:
    mask = np.triu(np.ones(x.shape[-2:], dtype=bool), diagonal)
    return ew.where(Tensor._wrap(mask), x, Tensor._wrap(np.zeros((), dtype=x.dtype)))


def diagonal(x: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    return select_by(x, lambda p: np.diagonal(p, offset, dim1, dim2).copy())


def movedim(x: Tensor, source, destination) -> Tensor:
    """Dims ``source`` moved to ``destination``, the others in order: a permutation, hence a view (as PyTorch)."""
    src = [_dim(x, d, "movedim") for d in ((source,) if isinstance(source, int) else source)]
    dst = [_dim(x, d, "movedim") for d in ((destination,) if isinstance(destination, int) else destination)]
    if len(src) != len(dst):
        raise ValueError(f"movedim: source {source} and destination {destination} differ in length")
    order = [d for d in range(x.ndim) if d not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return mv.permute(x, tuple(order))


def masked_select(x: Tensor, mask) -> Tensor:
    """The elements of ``x`` where ``mask`` (broadcast) is True, as a 1-D tensor."""
    m = mask.array if isinstance(mask, Tensor) else np.asarray(mask)
    return select_by(x, lambda p: np.broadcast_to(p, np.broadcast_shapes(p.shape, m.shape))[
        np.broadcast_to(m, np.broadcast_shapes(p.shape, m.shape))])


def rot90(x: Tensor, k: int = 1, dims=(0, 1)) -> Tensor:
    return select_by(x, lambda p: np.rot90(p, k, axes=tuple(dims)).copy())


def fliplr(x: Tensor) -> Tensor:
    return flip(x, [1])


def flipud(x: Tensor) -> Tensor:
    return flip(x, [0])


def trace(x: Tensor) -> Tensor:
    return diagonal(x).sum()
