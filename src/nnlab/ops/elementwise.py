"""Elementwise primitives: arithmetic, exp/log family, abs, maximum/minimum, clip, where.

Every binary op broadcasts like NumPy; its ``backward`` returns gradients of the
broadcast shape and the engine sums them back to each input's shape.
"""

from __future__ import annotations

import numpy as np

from nnlab.autograd.function import Context, Function
from nnlab.autograd.tensor import Tensor
from nnlab.ops._util import lift


class Add(Function):
    """y = a + b; ∂y/∂a = ∂y/∂b = 1."""

    @staticmethod
    def forward(ctx: Context, a, b):
        return a + b

    @staticmethod
    def backward(ctx: Context, grad):
        return grad, grad


class Sub(Function):
    """y = a − b; ∂y/∂a = 1, ∂y/∂b = −1."""

    @staticmethod
    def forward(ctx: Context, a, b):
        return a - b

    @staticmethod
    def backward(ctx: Context, grad):
        return grad, (-grad if ctx.needs_input_grad[1] else None)


class Mul(Function):
    """y = a·b; ∂y/∂a = b, ∂y/∂b = a."""

    @staticmethod
    def forward(ctx: Context, a, b):
        ctx.save_for_backward(a, b)
        return a * b

    @staticmethod
    def backward(ctx: Context, grad):
        a, b = ctx.saved_tensors
        ga = grad * b if ctx.needs_input_grad[0] else None
        gb = grad * a if ctx.needs_input_grad[1] else None
        return ga, gb


class Div(Function):
    """y = a / b; ∂y/∂a = 1/b, ∂y/∂b = −a/b²."""

    @staticmethod
    def forward(ctx: Context, a, b):
        ctx.save_for_backward(a, b)
        return a / b

    @staticmethod
    def backward(ctx: Context, grad):
        a, b = ctx.saved_tensors
        ga = grad / b if ctx.needs_input_grad[0] else None
        gb = -grad * a / (b * b) if ctx.needs_input_grad[1] else None
        return ga, gb


class Neg(Function):
    """y = −x."""

    @staticmethod
    def forward(ctx: Context, x):
        return -x

    @staticmethod
    def backward(ctx: Context, grad):
        return -grad


class Pow(Function):
    """y = a^b; ∂y/∂a = b·a^(b−1), ∂y/∂b = a^b·ln a (taken as 0 where a = 0)."""

    @staticmethod
    def forward(ctx: Context, a, b):
        y = np.power(a, b)
        ctx.save_for_backward(a, b, y)
        return y

    @staticmethod
    def backward(ctx: Context, grad):
        a, b, y = ctx.saved_tensors
        ga = gb = None
        if ctx.needs_input_grad[0]:
            ga = grad * b * np.power(a, b - 1)
        if ctx.needs_input_grad[1]:
            with np.errstate(divide="ignore", invalid="ignore"):
                log_a = np.where(a > 0, np.log(np.where(a > 0, a, 1)), 0).astype(y.dtype)
            gb = grad * y * log_a
        return ga, gb


class Exp(Function):
    """y = eˣ; ∂y/∂x = y."""

    @staticmethod
    def forward(ctx: Context, x):
        y = np.exp(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx: Context, grad):
        (y,) = ctx.saved_tensors
        return grad * y


class Log(Function):
    """y = ln x; ∂y/∂x = 1/x."""

    @staticmethod
    def forward(ctx: Context, x):
        ctx.save_for_backward(x)
        return np.log(x)

    @staticmethod
    def backward(ctx: Context, grad):
        (x,) = ctx.saved_tensors
        return grad / x


class Sqrt(Function):
    """y = √x; ∂y/∂x = 1 / (2√x)."""

    @staticmethod
    def forward(ctx: Context, x):
        y = np.sqrt(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx: Context, grad):
        (y,) = ctx.saved_tensors
        return grad / (2 * y)


class Abs(Function):
    """y = |x|; ∂y/∂x = sign(x) (0 at 0, as in PyTorch)."""

    @staticmethod
    def forward(ctx: Context, x):
        ctx.save_for_backward(x)
        return np.abs(x)

    @staticmethod
    def backward(ctx: Context, grad):
        (x,) = ctx.saved_tensors
        return grad * np.sign(x)


class Maximum(Function):
    """y = max(a, b) elementwise; ties split the gradient equally, as in PyTorch."""

    @staticmethod
    def forward(ctx: Context, a, b):
        ctx.save_for_backward(a, b)
        return np.maximum(a, b)

    @staticmethod
    def backward(ctx: Context, grad):
        a, b = ctx.saved_tensors
        w = (a > b) + 0.5 * (a == b)
        w = w.astype(grad.dtype)
        ga = grad * w if ctx.needs_input_grad[0] else None
        gb = grad * (1 - w) if ctx.needs_input_grad[1] else None
        return ga, gb


class Minimum(Function):
    """y = min(a, b) elementwise; ties split the gradient equally, as in PyTorch."""

    @staticmethod
    def forward(ctx: Context, a, b):
        ctx.save_for_backward(a, b)
        return np.minimum(a, b)

    @staticmethod
    def backward(ctx: Context, grad):
        a, b = ctx.saved_tensors
        w = (a < b) + 0.5 * (a == b)
        w = w.astype(grad.dtype)
        ga = grad * w if ctx.needs_input_grad[0] else None
        gb = grad * (1 - w) if ctx.needs_input_grad[1] else None
        return ga, gb


class Clip(Function):
    """y = min(max(x, lo), hi); the gradient passes where lo ≤ x ≤ hi."""

    @staticmethod
    def forward(ctx: Context, x, lo, hi):
        mask = np.ones(x.shape, dtype=bool)
        if lo is not None:
            mask &= x >= lo
        if hi is not None:
            mask &= x <= hi
        ctx.save_for_backward(mask)
        return np.clip(x, lo, hi).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx: Context, grad):
        (mask,) = ctx.saved_tensors
        return grad * mask, None, None


class Where(Function):
    """y = a where cond else b; the gradient goes to whichever side was chosen."""

    @staticmethod
    def forward(ctx: Context, cond, a, b):
        cond = np.asarray(cond, dtype=bool)
        ctx.save_for_backward(cond)
        return np.where(cond, a, b)

    @staticmethod
    def backward(ctx: Context, grad):
        (cond,) = ctx.saved_tensors
        zero = np.zeros((), dtype=grad.dtype)
        ga = np.where(cond, grad, zero) if ctx.needs_input_grad[1] else None
        gb = np.where(cond, zero, grad) if ctx.needs_input_grad[2] else None
        return None, ga, gb


# ---- public functions ---------------------------------------------------------------------


def _binary(fn: type[Function], a, b) -> Tensor:
    if isinstance(a, Tensor):
        return fn.apply(a, lift(b, a))
    if isinstance(b, Tensor):
        return fn.apply(lift(a, b), b)
    return fn.apply(Tensor(a), b)


def add(a, b) -> Tensor:
    return _binary(Add, a, b)


def sub(a, b) -> Tensor:
    return _binary(Sub, a, b)


def mul(a, b) -> Tensor:
    return _binary(Mul, a, b)


def div(a, b) -> Tensor:
    return _binary(Div, a, b)


def neg(x: Tensor) -> Tensor:
    return Neg.apply(x)


def pow(a, b) -> Tensor:  # noqa: A001 - PyTorch's name
    return _binary(Pow, a, b)


def exp(x: Tensor) -> Tensor:
    return Exp.apply(x)


def log(x: Tensor) -> Tensor:
    return Log.apply(x)


def sqrt(x: Tensor) -> Tensor:
    return Sqrt.apply(x)


def abs(x: Tensor) -> Tensor:  # noqa: A001 - PyTorch's name
    return Abs.apply(x)


def maximum(a, b) -> Tensor:
    return _binary(Maximum, a, b)


def minimum(a, b) -> Tensor:
    return _binary(Minimum, a, b)


def clip(x: Tensor, min=None, max=None) -> Tensor:  # noqa: A002 - PyTorch's names
    """Clamp ``x`` into [min, max]; either bound may be None."""
    if min is None and max is None:
        raise ValueError("clip: at least one of min and max must be given")
    if min is not None and max is not None and min > max:
        raise ValueError(f"clip: min ({min}) is greater than max ({max})")
    return Clip.apply(x, min, max)


clamp = clip


def where(condition, a, b) -> Tensor:
    """Elementwise ``a if condition else b`` (condition: bool Tensor or array)."""
    cond = condition.data if isinstance(condition, Tensor) else condition
    ref = a if isinstance(a, Tensor) else b if isinstance(b, Tensor) else None
    if ref is None:
        return Where.apply(cond, Tensor(a), Tensor(b))
    return Where.apply(cond, lift(a, ref), lift(b, ref))


def sign(x: Tensor) -> Tensor:
    """sign(x), without gradient (its derivative is 0 almost everywhere)."""
    return Tensor._wrap(np.sign(x.data))
