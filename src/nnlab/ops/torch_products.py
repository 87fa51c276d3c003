"""``torch``'s products and stacking under its names: einsum, bmm/mm/mv/dot, outer, tensordot, cross,
cdist, inner, meshgrid, broadcast_tensors, h/v/dstack.

Each is a composition of existing differentiable ops, except ``einsum`` (one ``Function``
whose backward is an einsum per operand).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from nnlab.autograd.function import Function
from nnlab.autograd.tensor import Tensor
from nnlab.ops import elementwise as ew, linalg, movement as mvm
from nnlab.ops.norms import norm


class Einsum(Function):
    """y = einsum(spec, *xs); ∂L/∂x_k = einsum(out, others → sub_k) of the gradient, broadcast over
    letters that only x_k has (they were summed away)."""

    @staticmethod
    def forward(ctx, spec, *xs):
        ctx.spec, ctx.xs = spec, xs
        return np.einsum(spec, *xs, optimize=len(xs) > 2)

    @staticmethod
    def backward(ctx, grad):
        ins, out = ctx.spec.split("->")
        subs = ins.split(",")
        grads = [None]
        for k, (sk, xk) in enumerate(zip(subs, ctx.xs)):
            if not ctx.needs_input_grad[k + 1]:
                grads.append(None)
                continue
            others = [s for j, s in enumerate(subs) if j != k]
            known = set(out).union(*others) if others else set(out)
            kept = "".join(c for c in sk if c in known)
            operands = [grad] + [x for j, x in enumerate(ctx.xs) if j != k]
            g = np.einsum(",".join([out] + others) + "->" + kept, *operands)
            if kept != sk:  # letters summed away by x_k alone come back by broadcasting
                g = g.reshape([1 if c not in kept else xk.shape[sk.index(c)] for c in sk])
                g = np.broadcast_to(g, xk.shape)
            grads.append(np.ascontiguousarray(g))
        return tuple(grads)


def einsum(equation: str, *operands_) -> Tensor:
    """Einstein summation (explicit or implicit output; no ``...`` and no repeated letters in one operand)."""
    if len(operands_) == 1 and isinstance(operands_[0], (list, tuple)):
        operands_ = tuple(operands_[0])
    spec = equation.replace(" ", "")
    if "..." in spec:
        raise ValueError("einsum: '...' is not supported; name every dim with a letter (or use matmul)")
    if "->" not in spec:
        letters = spec.replace(",", "")
        spec += "->" + "".join(sorted(c for c in set(letters) if letters.count(c) == 1))
    subs = spec.split("->")[0].split(",")
    if len(subs) != len(operands_):
        raise ValueError(f"einsum: {equation!r} names {len(subs)} operands, got {len(operands_)}")
    for s, x in zip(subs, operands_):
        if len(set(s)) != len(s):
            raise ValueError(f"einsum: repeated letter in {s!r} (a diagonal) is not supported; use diag()")
        if len(s) != x.ndim:
            raise ValueError(f"einsum: {s!r} names {len(s)} dims, the operand has shape {tuple(x.shape)}")
    return Einsum.apply(spec, *operands_)


def _fixed_rank_matmul(op: str, a: Tensor, b: Tensor, ranks: tuple[int, int]) -> Tensor:
    if (a.ndim, b.ndim) != ranks:
        raise RuntimeError(f"{op}: expected {ranks[0]}-D and {ranks[1]}-D tensors, got shapes "
                           f"{tuple(a.shape)} and {tuple(b.shape)}")
    return linalg.matmul(a, b)


def bmm(a: Tensor, b: Tensor) -> Tensor:
    """Batched matrix product of (B, n, m) and (B, m, p)."""
    return _fixed_rank_matmul("bmm", a, b, (3, 3))


def mm(a: Tensor, b: Tensor) -> Tensor:
    return _fixed_rank_matmul("mm", a, b, (2, 2))


def mv(a: Tensor, v: Tensor) -> Tensor:
    return _fixed_rank_matmul("mv", a, v, (2, 1))


def dot(a: Tensor, b: Tensor) -> Tensor:
    return _fixed_rank_matmul("dot", a, b, (1, 1))


def outer(a: Tensor, b: Tensor) -> Tensor:
    return ew.mul(mvm.unsqueeze(a, 1), mvm.unsqueeze(b, 0))


def addmm(input: Tensor, mat1: Tensor, mat2: Tensor, beta: float = 1, alpha: float = 1) -> Tensor:
    return ew.add(ew.mul(input, beta), ew.mul(linalg.matmul(mat1, mat2), alpha))


def baddbmm(input: Tensor, b1: Tensor, b2: Tensor, beta: float = 1, alpha: float = 1) -> Tensor:
    return ew.add(ew.mul(input, beta), ew.mul(bmm(b1, b2), alpha))


def tensordot(a: Tensor, b: Tensor, dims=2) -> Tensor:
    letters = "abcdefghijklmnopqrstuvwxyz"
    if isinstance(dims, int):
        dims = (list(range(a.ndim - dims, a.ndim)), list(range(dims)))
    da, db = [d % a.ndim for d in dims[0]], [d % b.ndim for d in dims[1]]
    sa = list(letters[:a.ndim])
    sb = list(letters[a.ndim:a.ndim + b.ndim])
    for i, j in zip(da, db):
        sb[j] = sa[i]
    out = [c for i, c in enumerate(sa) if i not in da] + [c for j, c in enumerate(sb) if j not in db]
    return einsum("".join(sa) + "," + "".join(sb) + "->" + "".join(out), a, b)


def cross(a: Tensor, b: Tensor, dim: int = -1) -> Tensor:
    def at(x, order):
        return mvm.index_select(x, dim, Tensor._wrap(np.array(order)))

    return ew.sub(ew.mul(at(a, [1, 2, 0]), at(b, [2, 0, 1])), ew.mul(at(a, [2, 0, 1]), at(b, [1, 2, 0])))


def cdist(x1: Tensor, x2: Tensor, p: float = 2.0) -> Tensor:
    """Pairwise p-norm distances between the rows of x1 (…, P, M) and x2 (…, R, M)."""
    d = ew.sub(mvm.unsqueeze(x1, -2), mvm.unsqueeze(x2, -3))
    return norm(d, p, dim=-1)


def meshgrid(*tensors, indexing: str = "ij") -> tuple[Tensor, ...]:
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing not in ("ij", "xy"):
        raise ValueError(f"meshgrid: indexing must be 'ij' or 'xy', got {indexing!r}")
    ts = list(tensors)
    if indexing == "xy" and len(ts) >= 2:
        ts[0], ts[1] = ts[1], ts[0]
    shape = tuple(t.shape[0] for t in ts)
    grids = []
    for i, t in enumerate(ts):
        view = [1] * len(ts)
        view[i] = shape[i]
        grids.append(mvm.expand(mvm.reshape(t, *view), *shape))
    if indexing == "xy" and len(ts) >= 2:
        grids = [mvm.transpose(g, 0, 1) for g in grids]
        grids[0], grids[1] = grids[1], grids[0]
    return tuple(grids)


def broadcast_tensors(*tensors) -> tuple[Tensor, ...]:
    shape = np.broadcast_shapes(*[t.shape for t in tensors])
    return tuple(mvm.expand(t, *shape) for t in tensors)


def hstack(tensors: Sequence[Tensor]) -> Tensor:
    return mvm.cat(tensors, 0 if tensors[0].ndim == 1 else 1)


def vstack(tensors: Sequence[Tensor]) -> Tensor:
    return mvm.cat([t if t.ndim > 1 else mvm.unsqueeze(t, 0) for t in tensors], 0)


def dstack(tensors: Sequence[Tensor]) -> Tensor:
    def three(t):
        return mvm.reshape(t, 1, -1, 1) if t.ndim == 1 else (mvm.unsqueeze(t, 2) if t.ndim == 2 else t)

    return mvm.cat([three(t) for t in tensors], 2)


def inner(a: Tensor, b: Tensor) -> Tensor:
    """Σ over the last dims of a and b (torch.inner)."""
    if a.ndim == 0 or b.ndim == 0:
        return ew.mul(a, b)
    return tensordot(a, b, dims=([-1], [-1]))
