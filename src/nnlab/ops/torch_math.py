"""More of ``torch``'s math, under its names: unary functions, cumsum/prod/norm, einsum, products.

Each differentiable op is a ``Function`` with its derivative beside it or a composition
of existing ops; comparisons, logical ops and tests (``isnan``, ``allclose``) carry no
gradient, as in PyTorch.
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np

from nnlab.autograd.function import Function
from nnlab.autograd.tensor import Tensor
from nnlab.ops import elementwise as ew, linalg, movement as mvm, reduce as rd
from nnlab.ops._util import as_float, operands


def _erf(x: np.ndarray) -> np.ndarray:
    return np.vectorize(math.erf, otypes=[x.dtype])(x) if x.size else x.copy()


class Unary(Function):
    """y = f(x) for the elementwise function named by ``kind``; ∂y/∂x from the table below."""

    FORWARD = {
        "log1p": np.log1p, "expm1": np.expm1, "log2": np.log2, "log10": np.log10, "tan": np.tan,
        "reciprocal": np.reciprocal, "rsqrt": lambda x: 1 / np.sqrt(x), "square": np.square, "erf": _erf,
        "sinh": np.sinh, "cosh": np.cosh, "asin": np.arcsin, "acos": np.arccos, "atan": np.arctan,
    }
    DERIVATIVE = {
        "log1p": lambda x, y: 1 / (1 + x), "expm1": lambda x, y: y + 1, "log2": lambda x, y: 1 / (x * math.log(2)),
        "log10": lambda x, y: 1 / (x * math.log(10)), "tan": lambda x, y: 1 + y * y,
        "reciprocal": lambda x, y: -y * y, "rsqrt": lambda x, y: -0.5 * y ** 3, "square": lambda x, y: 2 * x,
        "erf": lambda x, y: 2 / math.sqrt(math.pi) * np.exp(-x * x), "sinh": lambda x, y: np.cosh(x),
        "cosh": lambda x, y: np.sinh(x), "asin": lambda x, y: 1 / np.sqrt(1 - x * x),
        "acos": lambda x, y: -1 / np.sqrt(1 - x * x), "atan": lambda x, y: 1 / (1 + x * x),
    }

    @staticmethod
    def forward(ctx, x, kind):
        y = Unary.FORWARD[kind](x)
        ctx.save_for_backward(x, y)
        ctx.kind = kind
        return y

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        return (grad * Unary.DERIVATIVE[ctx.kind](x, y)).astype(grad.dtype, copy=False), None


def _unary(kind: str):
    def fn(x: Tensor) -> Tensor:
        return Unary.apply(as_float(x), kind)

    fn.__name__ = kind
    fn.__doc__ = f"Elementwise {kind}(x), differentiable."
    return fn


log1p, expm1, log2, log10, tan = (_unary(k) for k in ("log1p", "expm1", "log2", "log10", "tan"))
reciprocal, rsqrt, square, erf = (_unary(k) for k in ("reciprocal", "rsqrt", "square", "erf"))
sinh, cosh, asin, acos, atan = (_unary(k) for k in ("sinh", "cosh", "asin", "acos", "atan"))


class Atan2(Function):
    """y = atan2(a, b); ∂y/∂a = b/(a²+b²), ∂y/∂b = −a/(a²+b²)."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return np.arctan2(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        r = a * a + b * b
        return grad * b / r, -grad * a / r


def atan2(a, b) -> Tensor:
    return Atan2.apply(*operands(a, b))


def _no_grad(fn):
    """Piecewise-constant ops (floor, round, ...): values only, as PyTorch's zero gradient."""

    def op(x: Tensor, *args, **kwargs) -> Tensor:
        return Tensor._wrap(np.asarray(fn(x.data, *args, **kwargs)))

    op.__name__ = fn.__name__
    return op


floor, ceil, trunc = _no_grad(np.floor), _no_grad(np.ceil), _no_grad(np.trunc)


def round(x: Tensor, decimals: int = 0) -> Tensor:  # noqa: A001 - PyTorch's name
    """Round half to even, as PyTorch; no gradient."""
    return Tensor._wrap(np.round(x.data, decimals))


def frac(x: Tensor) -> Tensor:
    """x − trunc(x); gradient 1."""
    return ew.sub(x, trunc(x))


def remainder(a, b) -> Tensor:
    """a − floor(a/b)·b (sign of b, Python's %)."""
    a, b = operands(a, b)
    return ew.sub(a, ew.mul(Tensor._wrap(np.floor_divide(a.data, b.data)), b))


def fmod(a, b) -> Tensor:
    """a − trunc(a/b)·b (sign of a, C's fmod)."""
    a, b = operands(a, b)
    return ew.sub(a, ew.mul(Tensor._wrap(np.trunc(a.data / b.data).astype(a.dtype)), b))


def hypot(a, b) -> Tensor:
    return ew.sqrt(ew.add(ew.mul(a, a), ew.mul(b, b)))


def lerp(start: Tensor, end, weight) -> Tensor:
    return ew.add(start, ew.mul(weight, ew.sub(end, start)))


def nan_to_num(x: Tensor, nan: float = 0.0, posinf: float | None = None, neginf: float | None = None) -> Tensor:
    finite = np.isfinite(x.data)
    clean = np.nan_to_num(x.data, nan=nan, posinf=posinf, neginf=neginf)
    return ew.where(Tensor._wrap(finite), x, Tensor._wrap(clean))


# ---- scans and reductions ---------------------------------------------------------------


class CumSum(Function):
    """y_i = Σ_{j≤i} x_j along dim; ∂L/∂x_j = Σ_{i≥j} ∂L/∂y_i (a reversed cumulative sum)."""

    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        return np.cumsum(x, axis=dim)

    @staticmethod
    def backward(ctx, grad):
        d = ctx.dim
        return np.flip(np.cumsum(np.flip(grad, d), axis=d), d), None


def cumsum(x: Tensor, dim: int, dtype=None) -> Tensor:
    x = x if dtype is None else x.to(dtype)
    if x.dtype.kind in "biu":
        return Tensor._wrap(np.cumsum(x.data.astype(np.int64), axis=dim))
    return CumSum.apply(x, dim)


class Prod(Function):
    """y = Π_i x_i along dim; ∂y/∂x_i = Π_{j≠i} x_j (exclusive products from both sides, exact with zeros)."""

    @staticmethod
    def forward(ctx, x, dim, keepdim):
        ctx.save_for_backward(x)
        ctx.dim, ctx.keepdim = dim, keepdim
        return np.prod(x, axis=dim, keepdims=keepdim)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        d = ctx.dim
        if d is None:
            x_flat, shape = x.reshape(-1), x.shape
            return (grad * _others(x_flat, 0)).reshape(shape), None, None
        if not ctx.keepdim:
            grad = np.expand_dims(grad, d)
        return grad * _others(x, d), None, None


def _others(x: np.ndarray, d: int) -> np.ndarray:
    ones = np.ones_like(np.take(x, [0], axis=d))
    left = np.cumprod(np.concatenate([ones, np.take(x, np.arange(x.shape[d] - 1), axis=d)], axis=d), axis=d)
    rev = np.flip(x, d)
    right = np.flip(np.cumprod(np.concatenate([ones, np.take(rev, np.arange(x.shape[d] - 1), axis=d)], axis=d),
                               axis=d), d)
    return left * right


def prod(x: Tensor, dim: int | None = None, keepdim: bool = False, dtype=None) -> Tensor:
    x = x if dtype is None else x.to(dtype)
    if x.dtype.kind in "biu":
        return Tensor._wrap(np.prod(x.data.astype(np.int64), axis=dim, keepdims=keepdim))
    return Prod.apply(x, dim, keepdim)


def norm(x: Tensor, p="fro", dim=None, keepdim: bool = False) -> Tensor:
    """The p-norm over ``dim`` (all elements by default): (Σ|x|^p)^(1/p); 'fro' = 2, inf = max |x|."""
    if p in ("fro", 2, 2.0):
        return ew.sqrt(rd.sum(ew.mul(x, x), dim, keepdim))
    if p in (math.inf, "inf"):
        return rd.amax(ew.abs(x), dim, keepdim)
    if p in (-math.inf, "-inf"):
        return rd.amin(ew.abs(x), dim, keepdim)
    if p == 1:
        return rd.sum(ew.abs(x), dim, keepdim)
    if isinstance(p, str):
        raise ValueError(f"norm: unsupported norm type {p!r}; use 'fro', a number or inf")
    return ew.pow(rd.sum(ew.pow(ew.abs(x), p), dim, keepdim), 1.0 / p)


def std_mean(x: Tensor, dim=None, unbiased=None, keepdim: bool = False, correction=None):
    return rd.std(x, dim, unbiased, keepdim, correction), rd.mean(x, dim, keepdim)


def var_mean(x: Tensor, dim=None, unbiased=None, keepdim: bool = False, correction=None):
    return rd.var(x, dim, unbiased, keepdim, correction), rd.mean(x, dim, keepdim)


def diff(x: Tensor, n: int = 1, dim: int = -1) -> Tensor:
    for _ in range(n):
        length = x.shape[dim]
        hi = mvm.getitem(x, (slice(None),) * (dim % x.ndim) + (slice(1, length),))
        lo = mvm.getitem(x, (slice(None),) * (dim % x.ndim) + (slice(0, length - 1),))
        x = ew.sub(hi, lo)
    return x


# ---- products ----------------------------------------------------------------------------


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


def logspace(start: float, end: float, steps: int, base: float = 10.0, dtype=None) -> Tensor:
    from nnlab.backend import as_dtype

    return Tensor._wrap((base ** np.linspace(start, end, steps)).astype(as_dtype(dtype)))


def searchsorted(sorted_sequence, values, right: bool = False, side: str | None = None) -> Tensor:
    """Insertion indices of ``values`` into the last dim of ``sorted_sequence`` (no gradient)."""
    seq = sorted_sequence.data if isinstance(sorted_sequence, Tensor) else np.asarray(sorted_sequence)
    vals = values.data if isinstance(values, Tensor) else np.asarray(values)
    how = side or ("right" if right else "left")
    if seq.ndim == 1:
        return Tensor._wrap(np.searchsorted(seq, vals, side=how).astype(np.int64))
    rows = [np.searchsorted(s, v, side=how) for s, v in zip(seq.reshape(-1, seq.shape[-1]),
                                                             vals.reshape(-1, vals.shape[-1]))]
    return Tensor._wrap(np.array(rows, dtype=np.int64).reshape(vals.shape))
