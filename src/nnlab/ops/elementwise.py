"""Elementwise primitives: arithmetic, exp/log/sqrt, sin/cos, abs, maximum/minimum, clip, where.

Every binary op broadcasts like NumPy; its ``backward`` returns gradients of the
broadcast shape and the engine sums them back to each input's shape.
"""

from __future__ import annotations

import numpy as np

from nnlab.autograd.function import Context, Function
from nnlab.autograd.tensor import Tensor
from nnlab.ops._promotion import as_float, operands, to_dtype


class Add(Function):
    """y = a + b; ∂y/∂a = ∂y/∂b = 1."""

    scalar_operands = (1,)  # w ∘ 2: PyTorch wraps the 2 as a tensor operand

    @staticmethod
    def forward(ctx: Context, a, b):
        return a + b

    @staticmethod
    def backward(ctx: Context, grad):
        return grad, grad


class Sub(Function):
    """y = a − b; ∂y/∂a = 1, ∂y/∂b = −1."""

    scalar_operands = (1,)  # w ∘ 2: PyTorch wraps the 2 as a tensor operand

    @staticmethod
    def forward(ctx: Context, a, b):
        return a - b

    @staticmethod
    def backward(ctx: Context, grad):
        return grad, (-grad if ctx.needs_input_grad[1] else None)


class Mul(Function):
    """y = a·b; ∂y/∂a = b, ∂y/∂b = a."""

    scalar_operands = (1,)  # w ∘ 2: PyTorch wraps the 2 as a tensor operand

    @staticmethod
    def forward(ctx: Context, a, b):
        # Only what backward reads: an in-place change of an operand nobody needs is no error (as PyTorch).
        needs = ctx.needs_input_grad
        ctx.save_for_backward(a if needs[1] else None, b if needs[0] else None)
        return a * b

    @staticmethod
    def backward(ctx: Context, grad):
        a, b = ctx.saved_tensors
        ga = grad * b if ctx.needs_input_grad[0] else None
        gb = grad * a if ctx.needs_input_grad[1] else None
        return ga, gb


class Div(Function):
    """y = a / b; ∂y/∂a = 1/b, ∂y/∂b = −a/b²."""

    scalar_operands = (1,)  # w ∘ 2: PyTorch wraps the 2 as a tensor operand

    @staticmethod
    def forward(ctx: Context, a, b):
        ctx.save_for_backward(a if ctx.needs_input_grad[1] else None, b)
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
    """y = a^b; ∂y/∂a = b·a^(b−1) (0 where b = 0), ∂y/∂b = a^b·ln a (0 where a = 0 and b ≥ 0).

    The special cases follow PyTorch, so that 0^0 and 0^b give finite gradients.
    """

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
            with np.errstate(divide="ignore", invalid="ignore"):
                d = b * np.power(a, b - 1)
            # b = 0 makes a^b constant: gradient 0 even where a^(b−1) is infinite, as in PyTorch
            ga = grad * (np.where(b == 0, np.zeros((), dtype=y.dtype), d) if np.any(b == 0) else d)
        if ctx.needs_input_grad[1]:
            with np.errstate(divide="ignore", invalid="ignore"):
                gb = grad * np.where((a == 0) & (b >= 0), np.zeros((), dtype=y.dtype), y * np.log(a))
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
    """y = min(max(x, lo), hi); ∂y/∂x = 1 where lo ≤ x ≤ hi, else 0 (as torch.clamp).

    With tensor bounds, a clamped element's gradient goes to the bound that set it.
    """

    @staticmethod
    def forward(ctx: Context, x, lo, hi):
        y = x
        if lo is not None:
            y = np.maximum(y, lo)
        if hi is not None:
            y = np.minimum(y, hi)
        ctx.save_for_backward(x, lo, hi)
        return y

    @staticmethod
    def backward(ctx: Context, grad):
        x, lo, hi = ctx.saved_tensors
        zero = np.zeros((), dtype=grad.dtype)
        to_hi = (x > hi) if hi is not None else False
        to_lo = (x < lo) if lo is not None else False
        if hi is not None and lo is not None:
            to_hi = to_hi | (lo > hi)  # an empty range outputs hi everywhere
            to_lo = to_lo & ~to_hi
        gx = np.where(to_lo | to_hi, zero, grad)
        glo = np.where(to_lo, grad, zero) if ctx.needs_input_grad[1] else None
        ghi = np.where(to_hi, grad, zero) if ctx.needs_input_grad[2] else None
        return gx, glo, ghi


class Sin(Function):
    """y = sin x; ∂y/∂x = cos x."""

    @staticmethod
    def forward(ctx: Context, x):
        ctx.save_for_backward(x)
        return np.sin(x)

    @staticmethod
    def backward(ctx: Context, grad):
        (x,) = ctx.saved_tensors
        return grad * np.cos(x)


class Atan(Function):
    """y = atan x; ∂y/∂x = 1 / (1 + x²)."""

    @staticmethod
    def forward(ctx: Context, x):
        ctx.save_for_backward(x)
        return np.arctan(x)

    @staticmethod
    def backward(ctx: Context, grad):
        (x,) = ctx.saved_tensors
        return grad / (1 + x * x)


class Cos(Function):
    """y = cos x; ∂y/∂x = −sin x."""

    @staticmethod
    def forward(ctx: Context, x):
        ctx.save_for_backward(x)
        return np.cos(x)

    @staticmethod
    def backward(ctx: Context, grad):
        (x,) = ctx.saved_tensors
        return -grad * np.sin(x)


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


def add(a, b) -> Tensor:
    """a + b, broadcast."""
    return Add.apply(*operands(a, b))


def sub(a, b) -> Tensor:
    """a − b, broadcast."""
    return Sub.apply(*operands(a, b))


def mul(a, b) -> Tensor:
    """a · b, broadcast."""
    return Mul.apply(*operands(a, b))


def div(a, b) -> Tensor:
    """a / b, broadcast; true division, so integer operands give the default float dtype."""
    a, b = operands(a, b)
    ref = a if isinstance(a, Tensor) else b
    if ref.array.dtype.kind in "iub":
        a = as_float(a) if isinstance(a, Tensor) else a
        b = as_float(b) if isinstance(b, Tensor) else b
    return Div.apply(a, b)


def neg(x: Tensor) -> Tensor:
    """−x."""
    return Neg.apply(x)


def pow(a, b) -> Tensor:  # noqa: A001 - PyTorch's name
    """a^b, broadcast."""
    return Pow.apply(*operands(a, b))


def exp(x: Tensor) -> Tensor:
    """eˣ."""
    return Exp.apply(as_float(x))


def log(x: Tensor) -> Tensor:
    """ln x."""
    return Log.apply(as_float(x))


def sqrt(x: Tensor) -> Tensor:
    """√x."""
    return Sqrt.apply(as_float(x))


def sin(x: Tensor) -> Tensor:
    """sin x."""
    return Sin.apply(as_float(x))


def atan(x: Tensor) -> Tensor:
    """atan x (used by the CIoU box loss's aspect-ratio term)."""
    return Atan.apply(as_float(x))


def cos(x: Tensor) -> Tensor:
    """cos x."""
    return Cos.apply(as_float(x))


def abs(x: Tensor) -> Tensor:  # noqa: A001 - PyTorch's name
    """|x|."""
    return Abs.apply(x)


def maximum(a, b) -> Tensor:
    """Elementwise max(a, b), broadcast; ties split the gradient."""
    return Maximum.apply(*operands(a, b))


def minimum(a, b) -> Tensor:
    """Elementwise min(a, b), broadcast; ties split the gradient."""
    return Minimum.apply(*operands(a, b))


def clip(x: Tensor, min=None, max=None) -> Tensor:  # noqa: A002 - PyTorch's names
    """min(max(x, min), max); either bound may be None, a number or a tensor (like torch.clamp)."""
    if min is None and max is None:
        raise ValueError("clip: at least one of min and max must be given")
    bounds = []
    for bound in (min, max):
        if bound is not None:
            x, bound = operands(x, bound)
        bounds.append(bound)
    if isinstance(bounds[0], Tensor) and bounds[0].array.dtype != x.array.dtype:
        x = to_dtype(x, bounds[0].array.dtype)  # min was promoted by max's pass: keep all three alike
    return Clip.apply(x, *bounds)


clamp = clip


def where(condition, a, b) -> Tensor:
    """Elementwise ``a if condition else b``, broadcast (condition: a bool tensor or array)."""
    cond = condition.array if isinstance(condition, Tensor) else np.asarray(condition)
    if cond.dtype != np.bool_:
        raise TypeError(f"where: condition must be a bool tensor, got dtype {cond.dtype}")
    a, b = operands(a, b)
    return Where.apply(cond, a, b)


class Sign(Function):
    """y = sign(x); ∂y/∂x = 0 (at 0 too, as in PyTorch)."""

    @staticmethod
    def forward(ctx: Context, x):
        return np.sign(x)

    @staticmethod
    def backward(ctx: Context, grad):
        return np.zeros_like(grad)  # the output, hence the gradient, has x's shape


def sign(x: Tensor) -> Tensor:
    """sign(x) ∈ {−1, 0, 1}; differentiable with a zero gradient, so graphs through it still backpropagate."""
    return Sign.apply(x)
