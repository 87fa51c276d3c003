"""Reductions: sum, mean, amax/amin (and max/min with indices), var/std, logsumexp, argmax."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from nnlab.autograd.function import Context, Function
from nnlab.autograd.tensor import Tensor
from nnlab.ops._axes import expand_reduced, normalize_axis


class Sum(Function):
    """y = Σ x over ``axes``; ∂y/∂x = 1 broadcast back."""

    @staticmethod
    def forward(ctx: Context, x, axes, keepdim):
        ctx.shape, ctx.axes, ctx.keepdim = x.shape, axes, keepdim
        return np.sum(x, axis=axes, keepdims=keepdim)

    @staticmethod
    def backward(ctx: Context, grad):
        g = expand_reduced(grad, ctx.shape, ctx.axes, ctx.keepdim)
        return np.broadcast_to(g, ctx.shape), None, None


class Mean(Function):
    """y = (1/n) Σ x over ``axes``; ∂y/∂x = 1/n broadcast back."""

    @staticmethod
    def forward(ctx: Context, x, axes, keepdim):
        ctx.shape, ctx.axes, ctx.keepdim = x.shape, axes, keepdim
        ctx.n = x.size if axes is None else int(np.prod([x.shape[a] for a in axes]))
        return np.mean(x, axis=axes, keepdims=keepdim)

    @staticmethod
    def backward(ctx: Context, grad):
        g = expand_reduced(grad, ctx.shape, ctx.axes, ctx.keepdim)
        return np.broadcast_to(g / ctx.n, ctx.shape), None, None


class AMax(Function):
    """y = max x over ``axes``; the gradient is split evenly among tied maxima (as torch.amax)."""

    @staticmethod
    def forward(ctx: Context, x, axes, keepdim, largest):
        y = np.max(x, axis=axes, keepdims=True) if largest else np.min(x, axis=axes, keepdims=True)
        mask = x == y
        ctx.save_for_backward(mask)
        ctx.axes, ctx.keepdim, ctx.shape = axes, keepdim, x.shape
        return y if keepdim else y.reshape(_reduced_shape(x.shape, axes))

    @staticmethod
    def backward(ctx: Context, grad):
        (mask,) = ctx.saved_tensors
        g = expand_reduced(grad, ctx.shape, ctx.axes, ctx.keepdim)
        count = mask.sum(axis=ctx.axes, keepdims=True)
        return g * mask / count.astype(grad.dtype), None, None, None


class MaxDim(Function):
    """y = x at ``indices`` along one dim (the arg-max or arg-min); the gradient goes to that index only."""

    @staticmethod
    def forward(ctx: Context, x, dim, keepdim, indices):
        ctx.save_for_backward(indices)
        ctx.dim, ctx.keepdim, ctx.shape = dim, keepdim, x.shape
        y = np.take_along_axis(x, indices, axis=dim)
        return y if keepdim else np.squeeze(y, axis=dim)

    @staticmethod
    def backward(ctx: Context, grad):
        (idx,) = ctx.saved_tensors
        g = grad if ctx.keepdim else np.expand_dims(grad, ctx.dim)
        out = np.zeros(ctx.shape, dtype=grad.dtype)
        np.put_along_axis(out, idx, g, axis=ctx.dim)
        return out, None, None, None


class Var(Function):
    """y = Σ (x − x̄)² / (n − correction); ∂y/∂x = 2 (x − x̄) / (n − correction)."""

    @staticmethod
    def forward(ctx: Context, x, axes, correction, keepdim):
        n = x.size if axes is None else int(np.prod([x.shape[a] for a in axes]))
        mu = np.mean(x, axis=axes, keepdims=True)
        d = x - mu
        denom = n - correction
        if denom > 0:
            y = np.sum(d * d, axis=axes, keepdims=keepdim) / x.dtype.type(denom)
        else:  # as in PyTorch: too few elements for the correction gives NaN, not an error
            y = np.full(_reduced_shape(x.shape, axes, keepdim), np.nan, dtype=x.dtype)
        ctx.save_for_backward(d)
        ctx.axes, ctx.keepdim, ctx.shape, ctx.denom = axes, keepdim, x.shape, denom
        return y

    @staticmethod
    def backward(ctx: Context, grad):
        (d,) = ctx.saved_tensors
        g = expand_reduced(grad, ctx.shape, ctx.axes, ctx.keepdim)
        scale = 2 / ctx.denom if ctx.denom > 0 else np.nan
        return g * d * scale, None, None, None


class Std(Function):
    """y = m·√(Σ (x/m − mean(x/m))² / (n − correction)), m = max |x| (the squares cannot overflow).

    With d = (x − x̄)/m and s = y/m: ∂y/∂x = d / ((n − correction)·s), and 0 where y = 0
    (a constant slice), as in PyTorch.
    """

    @staticmethod
    def forward(ctx: Context, x, axes, correction, keepdim):
        n = x.size if axes is None else int(np.prod([x.shape[a] for a in axes]))
        denom = n - correction
        if x.size:
            m = np.max(np.abs(x), axis=axes, keepdims=True)
            m = np.where((m > 0) & np.isfinite(m), m, 1).astype(x.dtype, copy=False)
        else:
            m = np.ones(_reduced_shape(x.shape, axes, True), dtype=x.dtype)
        d = x / m
        d = d - np.mean(d, axis=axes, keepdims=True) if x.size else d
        if denom > 0:
            s = np.sqrt(np.sum(d * d, axis=axes, keepdims=True) / x.dtype.type(denom))
        else:  # as in PyTorch: too few elements for the correction gives NaN
            s = np.full(m.shape, np.nan, dtype=x.dtype)
        y = (m * s).astype(x.dtype, copy=False)
        ctx.save_for_backward(d, s)
        ctx.axes, ctx.keepdim, ctx.shape, ctx.denom = axes, keepdim, x.shape, denom
        return y if keepdim else y.reshape(_reduced_shape(x.shape, axes))

    @staticmethod
    def backward(ctx: Context, grad):
        d, s = ctx.saved_tensors
        g = expand_reduced(grad, ctx.shape, ctx.axes, ctx.keepdim)
        if ctx.denom <= 0:
            return np.full(ctx.shape, np.nan, dtype=d.dtype), None, None, None
        safe = np.where(s > 0, s, 1).astype(d.dtype, copy=False)
        return (g * np.where(s > 0, d / (ctx.denom * safe), 0)).astype(d.dtype, copy=False), None, None, None


class LogSumExp(Function):
    """y = m + ln Σ exp(x − m), m = max x; ∂y/∂x = softmax(x) (0 where every x is −inf)."""

    @staticmethod
    def forward(ctx: Context, x, axes, keepdim):
        m = np.max(x, axis=axes, keepdims=True)
        m = np.where(np.isfinite(m), m, 0).astype(x.dtype)
        e = np.exp(x - m)
        s = np.sum(e, axis=axes, keepdims=True)
        with np.errstate(divide="ignore"):
            y = np.log(s) + m
        ctx.save_for_backward(e, s)
        ctx.axes, ctx.keepdim, ctx.shape = axes, keepdim, x.shape
        return y if keepdim else y.reshape(_reduced_shape(x.shape, axes))

    @staticmethod
    def backward(ctx: Context, grad):
        e, s = ctx.saved_tensors
        g = expand_reduced(grad, ctx.shape, ctx.axes, ctx.keepdim)
        with np.errstate(invalid="ignore", divide="ignore"):
            p = np.where(s > 0, e / np.where(s > 0, s, 1), 0).astype(e.dtype)
        return g * p, None, None


def _reduced_shape(shape, axes, keepdim: bool = False) -> tuple[int, ...]:
    if axes is None:
        return (1,) * len(shape) if keepdim else ()
    if keepdim:
        return tuple(1 if i in axes else n for i, n in enumerate(shape))
    return tuple(n for i, n in enumerate(shape) if i not in axes)


# ---- public functions ---------------------------------------------------------------------


class MaxResult(NamedTuple):
    """``(values, indices)`` as returned by ``max(x, dim)`` / ``min(x, dim)``, like PyTorch."""

    values: Tensor
    indices: Tensor


def sum(x: Tensor, dim=None, keepdim: bool = False) -> Tensor:  # noqa: A001 - PyTorch's name
    """Σ x over ``dim`` (all dims by default); bool and integer tensors sum to int64."""
    if x.array.dtype.kind in "biu" and x.array.dtype != np.int64:
        x = Tensor._wrap(x.array.astype(np.int64))
    return Sum.apply(x, normalize_axis(dim, x.ndim, "sum"), keepdim)


def _require_float(x: Tensor, op: str) -> None:
    if x.array.dtype.kind not in "fc":
        raise TypeError(f"{op}: expected a floating tensor, got dtype {x.dtype}; convert with .float() first")


def mean(x: Tensor, dim=None, keepdim: bool = False) -> Tensor:
    """Arithmetic mean over ``dim`` (all dims by default)."""
    _require_float(x, "mean")
    return Mean.apply(x, normalize_axis(dim, x.ndim, "mean"), keepdim)


def amax(x: Tensor, dim=None, keepdim: bool = False) -> Tensor:
    """Largest value over ``dim`` (all dims by default); ties share the gradient."""
    axes = normalize_axis(dim, x.ndim, "amax")
    _check_nonempty(x, axes, "amax")
    return AMax.apply(x, axes, keepdim, True)


def amin(x: Tensor, dim=None, keepdim: bool = False) -> Tensor:
    """Smallest value over ``dim`` (all dims by default); ties share the gradient."""
    axes = normalize_axis(dim, x.ndim, "amin")
    _check_nonempty(x, axes, "amin")
    return AMax.apply(x, axes, keepdim, False)


def _extremum(x: Tensor, dim, keepdim: bool, largest: bool, name: str):
    if dim is None:
        _check_nonempty(x, None, name)
        return AMax.apply(x, None, False, largest)
    if isinstance(dim, Tensor):  # torch.max(a, b): the elementwise maximum
        from nnlab.ops.elementwise import maximum, minimum

        return maximum(x, dim) if largest else minimum(x, dim)
    if x.ndim == 0:
        raise IndexError(f"{name}: a 0-d tensor has no dim {dim} to reduce over")
    (d,) = normalize_axis(dim, x.ndim, name)
    _check_nonempty(x, (d,), name)
    idx = np.expand_dims(np.argmax(x.array, axis=d) if largest else np.argmin(x.array, axis=d), d)
    values = MaxDim.apply(x, d, keepdim, idx)
    return MaxResult(values, Tensor._wrap(idx if keepdim else np.squeeze(idx, axis=d)))


def max(x: Tensor, dim=None, keepdim: bool = False):  # noqa: A001 - PyTorch's name
    """``max(x)`` → the largest value; ``max(x, dim)`` → ``(values, indices)``; ``max(a, b)`` → maximum."""
    return _extremum(x, dim, keepdim, True, "max")


def min(x: Tensor, dim=None, keepdim: bool = False):  # noqa: A001 - PyTorch's name
    """``min(x)`` → the smallest value; ``min(x, dim)`` → ``(values, indices)``; ``min(a, b)`` → minimum."""
    return _extremum(x, dim, keepdim, False, "min")


def _correction(unbiased, correction) -> int:
    if correction is not None and unbiased is not None:
        raise ValueError("var/std: give either unbiased or correction, not both")
    if correction is not None:
        return correction
    return 1 if unbiased is None or unbiased else 0


def var(x: Tensor, dim=None, unbiased: bool | None = None, keepdim: bool = False, correction: int | None = None):
    """Variance over ``dim``; ``correction=1`` (the default, Bessel's) divides by n − 1."""
    _require_float(x, "var")
    return Var.apply(x, normalize_axis(dim, x.ndim, "var"), _correction(unbiased, correction), keepdim)


def std(x: Tensor, dim=None, unbiased: bool | None = None, keepdim: bool = False, correction: int | None = None):
    """Standard deviation √var (same arguments as :func:`var`), computed without overflow.

    Finite whenever the result is (``std([3e19, -1e19, 0])`` in float32), with a zero
    gradient on a constant input (√ has an infinite slope at 0; PyTorch gives 0 too).
    """
    _require_float(x, "std")
    return Std.apply(x, normalize_axis(dim, x.ndim, "std"), _correction(unbiased, correction), keepdim)


def _check_nonempty(x: Tensor, axes, op: str) -> None:
    """torch's rule for max/argmax: the reduced dims must have elements."""
    if axes is None:
        if x.array.size == 0:
            raise IndexError(f"{op}: the input of shape {x.shape} is empty; specify the reduction dim")
        return
    for a in axes:
        if x.shape[a] == 0:
            raise IndexError(f"{op}: reduction dim {a} of the input of shape {x.shape} has size 0")


def logsumexp(x: Tensor, dim=None, keepdim: bool = False) -> Tensor:
    """ln Σ exp(x) over ``dim``, computed stably by subtracting the max; −inf over an empty dim."""
    _require_float(x, "logsumexp")
    axes = normalize_axis(dim, x.ndim, "logsumexp")
    if x.array.size == 0 or (axes is not None and any(x.shape[a] == 0 for a in axes)):
        from nnlab.ops.elementwise import add

        # ln Σ of nothing = ln 0 = −inf (torch's answer); built from x so that gradients (zeros) flow.
        return add(sum(x, dim, keepdim), float("-inf"))
    return LogSumExp.apply(x, axes, keepdim)


def argmax(x: Tensor, dim=None, keepdim: bool = False) -> Tensor:
    """Index of the largest value (flattened when ``dim`` is None); no gradient."""
    axes = normalize_axis(dim, x.ndim, "argmax")
    _check_nonempty(x, axes, "argmax")
    if dim is None:
        return Tensor._wrap(np.asarray(np.argmax(x.array), dtype=np.int64))
    idx = np.argmax(x.array, axis=axes[0])
    dim = axes[0]
    return Tensor._wrap((np.expand_dims(idx, dim) if keepdim else idx).astype(np.int64))


def argmin(x: Tensor, dim=None, keepdim: bool = False) -> Tensor:
    """Index of the smallest value (flattened when ``dim`` is None); no gradient."""
    axes = normalize_axis(dim, x.ndim, "argmin")
    _check_nonempty(x, axes, "argmin")
    if dim is None:
        return Tensor._wrap(np.asarray(np.argmin(x.array), dtype=np.int64))
    idx = np.argmin(x.array, axis=axes[0])
    dim = axes[0]
    return Tensor._wrap((np.expand_dims(idx, dim) if keepdim else idx).astype(np.int64))
