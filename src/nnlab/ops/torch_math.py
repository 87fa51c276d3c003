"""More of ``torch``'s math, under its names: unary functions, cumsum/prod/norm, diff, logspace, searchsorted.

Each differentiable op is a ``Function`` with its derivative beside it or a composition
of existing ops; comparisons, logical ops and tests (``isnan``, ``allclose``) carry no
gradient, as in PyTorch.
"""

from __future__ import annotations

import math
import numpy as np

from nnlab.autograd.function import Function
from nnlab.autograd.tensor import Tensor
from nnlab.ops import elementwise as ew, movement as mvm, reduce as rd
from nnlab.ops._promotion import as_float, operands


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
        return Tensor._wrap(np.asarray(fn(x.array, *args, **kwargs)))

    op.__name__ = fn.__name__
    return op


floor, ceil, trunc = _no_grad(np.floor), _no_grad(np.ceil), _no_grad(np.trunc)


def round(x: Tensor, decimals: int = 0) -> Tensor:  # noqa: A001 - PyTorch's name
    """Round half to even, as PyTorch; no gradient."""
    return Tensor._wrap(np.round(x.array, decimals))


def frac(x: Tensor) -> Tensor:
    """x − trunc(x); gradient 1."""
    return ew.sub(x, trunc(x))


def remainder(a, b) -> Tensor:
    """a − floor(a/b)·b (sign of b, Python's %)."""
    a, b = operands(a, b)
    return ew.sub(a, ew.mul(Tensor._wrap(np.floor_divide(a.array, b.array)), b))


def fmod(a, b) -> Tensor:
    """a − trunc(a/b)·b (sign of a, C's fmod)."""
    a, b = operands(a, b)
    return ew.sub(a, ew.mul(Tensor._wrap(np.trunc(a.array / b.array).astype(a.dtype)), b))


def hypot(a, b) -> Tensor:
    return ew.sqrt(ew.add(ew.mul(a, a), ew.mul(b, b)))


def lerp(start: Tensor, end, weight) -> Tensor:
    return ew.add(start, ew.mul(weight, ew.sub(end, start)))


def nan_to_num(x: Tensor, nan: float = 0.0, posinf: float | None = None, neginf: float | None = None) -> Tensor:
    finite = np.isfinite(x.array)
    clean = np.nan_to_num(x.array, nan=nan, posinf=posinf, neginf=neginf)
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
        return Tensor._wrap(np.cumsum(x.array.astype(np.int64), axis=dim))
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
        return Tensor._wrap(np.prod(x.array.astype(np.int64), axis=dim, keepdims=keepdim))
    return Prod.apply(x, dim, keepdim)


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


def logspace(start: float, end: float, steps: int, base: float = 10.0, dtype=None) -> Tensor:
    from nnlab.backend import as_dtype

    return Tensor._wrap((base ** np.linspace(start, end, steps)).astype(as_dtype(dtype)))


def searchsorted(sorted_sequence, values, right: bool = False, side: str | None = None) -> Tensor:
    """Insertion indices of ``values`` into the last dim of ``sorted_sequence`` (no gradient)."""
    seq = sorted_sequence.array if isinstance(sorted_sequence, Tensor) else np.asarray(sorted_sequence)
    vals = values.array if isinstance(values, Tensor) else np.asarray(values)
    how = side or ("right" if right else "left")
    if seq.ndim == 1:
        return Tensor._wrap(np.searchsorted(seq, vals, side=how).astype(np.int64))
    rows = [np.searchsorted(s, v, side=how) for s, v in zip(seq.reshape(-1, seq.shape[-1]),
                                                             vals.reshape(-1, vals.shape[-1]))]
    return Tensor._wrap(np.array(rows, dtype=np.int64).reshape(vals.shape))
