"""Pointwise activation primitives with hand-derived backward passes.

Each is one node: the derivative is cheap to express from the saved input or
output, and one node per activation keeps the graph of an MLP small. Every
formula is arranged so that no intermediate can overflow: exponentials are only
taken of non-positive numbers, so ±1000 (or ±inf) in gives finite values out and
no NumPy warnings.
"""

from __future__ import annotations

import math

import numpy as np

from nnlab.autograd.function import Context, Function
from nnlab.autograd.tensor import Tensor
from nnlab.backend import get_default_dtype, kernels

SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_INV_SQRT_2 = 1.0 / math.sqrt(2.0)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_GELU_CUBIC = 0.044715


def stable_sigmoid(x: np.ndarray) -> np.ndarray:
    """σ(x) = 1 / (1 + e^(−x)) without overflow: exp is only taken of −|x|."""
    z = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + z), z / (1 + z)).astype(x.dtype, copy=False)


def stable_softplus(x: np.ndarray) -> np.ndarray:
    """ln(1 + eˣ) = max(x, 0) + ln(1 + e^(−|x|)), finite for every finite x."""
    return np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))


class ReLU(Function):
    """y = max(0, x); ∂y/∂x = 1 where x > 0, else 0."""

    @staticmethod
    def forward(ctx: Context, x):
        k = kernels.fast()
        if k is not None and kernels.worth_it(x):
            y = np.empty_like(x)
            k.relu_forward(x.reshape(-1), y.reshape(-1))
        else:
            y = np.maximum(x, 0)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx: Context, grad):
        (y,) = ctx.saved_tensors
        k = kernels.fast()
        if k is not None and kernels.worth_it(grad, y) and grad.dtype == y.dtype:
            gx = np.empty_like(y)
            k.relu_backward(grad.reshape(-1), y.reshape(-1), gx.reshape(-1))
            return gx
        return grad * (y > 0)


class Sigmoid(Function):
    """y = σ(x); ∂y/∂x = y (1 − y)."""

    @staticmethod
    def forward(ctx: Context, x):
        y = stable_sigmoid(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx: Context, grad):
        (y,) = ctx.saved_tensors
        return grad * y * (1 - y)


class Tanh(Function):
    """y = tanh x; ∂y/∂x = 1 − y²."""

    @staticmethod
    def forward(ctx: Context, x):
        y = np.tanh(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx: Context, grad):
        (y,) = ctx.saved_tensors
        return grad * (1 - y * y)


class LeakyReLU(Function):
    """y = x where x > 0 else a·x; ∂y/∂x = 1 where x > 0 else a (a at 0, as in PyTorch)."""

    @staticmethod
    def forward(ctx: Context, x, slope):
        pos = x > 0
        ctx.save_for_backward(pos)
        ctx.slope = slope
        return np.where(pos, x, x * slope)

    @staticmethod
    def backward(ctx: Context, grad):
        (pos,) = ctx.saved_tensors
        return np.where(pos, grad, grad * ctx.slope), None


class ELU(Function):
    """y = s·x where x > 0 else s·α(eˣ − 1); ∂y/∂x = s where x > 0 else y + s·α.

    ``s`` is an output scale (1 for ELU, λ for SELU). ``expm1`` is taken of
    min(x, 0) so large positive inputs never reach ``exp``.
    """

    @staticmethod
    def forward(ctx: Context, x, alpha, scale):
        pos = x > 0
        y = np.where(pos, x, alpha * np.expm1(np.minimum(x, 0)))
        if scale != 1:
            y = y * scale
        ctx.save_for_backward(pos, y)
        ctx.alpha, ctx.scale = alpha, scale
        return y

    @staticmethod
    def backward(ctx: Context, grad):
        pos, y = ctx.saved_tensors
        return grad * np.where(pos, ctx.scale, y + ctx.scale * ctx.alpha), None, None


class GELU(Function):
    """y = x·Φ(x), Φ the standard normal CDF; ∂y/∂x = Φ(x) + x·φ(x).

    With ``approximate='tanh'``: y = ½x(1 + tanh u), u = √(2/π)(x + 0.044715x³),
    ∂y/∂x = ½(1 + tanh u) + ½x(1 − tanh² u)·√(2/π)(1 + 3·0.044715x²).
    """

    @staticmethod
    def forward(ctx: Context, x, approximate):
        ctx.approximate = approximate
        ctx.save_for_backward(x)
        if approximate == "tanh":
            t = np.tanh(_SQRT_2_OVER_PI * (x + _GELU_CUBIC * x * x * x))
            return 0.5 * x * (1 + t)
        from scipy.special import erf  # scipy comes with scikit-learn; erf has float32 loops

        return 0.5 * x * (1 + erf(x * _INV_SQRT_2))

    @staticmethod
    def backward(ctx: Context, grad):
        (x,) = ctx.saved_tensors
        if ctx.approximate == "tanh":
            t = np.tanh(_SQRT_2_OVER_PI * (x + _GELU_CUBIC * x * x * x))
            du = _SQRT_2_OVER_PI * (1 + 3 * _GELU_CUBIC * x * x)
            return grad * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * du), None
        from scipy.special import erf

        cdf = 0.5 * (1 + erf(x * _INV_SQRT_2))
        pdf = _INV_SQRT_2PI * np.exp(-0.5 * x * x)
        return grad * (cdf + x * pdf), None


class Softplus(Function):
    """y = ln(1 + e^(βx)) / β, or x where βx > threshold; ∂y/∂x = σ(βx), or 1 past the threshold."""

    @staticmethod
    def forward(ctx: Context, x, beta, threshold):
        bx = x * beta if beta != 1 else x
        linear = bx > threshold
        soft = stable_softplus(bx)
        if beta != 1:
            soft = soft / beta
        ctx.save_for_backward(bx, linear)
        return np.where(linear, x, soft)

    @staticmethod
    def backward(ctx: Context, grad):
        bx, linear = ctx.saved_tensors
        return np.where(linear, grad, grad * stable_sigmoid(bx)), None, None


class SiLU(Function):
    """y = x·σ(x); ∂y/∂x = σ(x)(1 + x(1 − σ(x)))."""

    @staticmethod
    def forward(ctx: Context, x):
        s = stable_sigmoid(x)
        ctx.save_for_backward(x, s)
        return x * s

    @staticmethod
    def backward(ctx: Context, grad):
        x, s = ctx.saved_tensors
        return grad * (s * (1 + x * (1 - s)))


class Hardtanh(Function):
    """y = clamp(x, lo, hi); ∂y/∂x = 1 strictly inside (lo, hi), else 0 (PyTorch's convention)."""

    @staticmethod
    def forward(ctx: Context, x, lo, hi):
        ctx.save_for_backward((x > lo) & (x < hi))
        return np.clip(x, lo, hi).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx: Context, grad):
        (inside,) = ctx.saved_tensors
        return grad * inside, None, None


class Step(Function):
    """y = 1 where x ≥ threshold else 0; ∂y/∂x = 0 (a hard threshold passes no gradient)."""

    @staticmethod
    def forward(ctx: Context, x, threshold):
        dtype = x.dtype if x.dtype.kind == "f" else get_default_dtype()
        return (x >= threshold).astype(dtype)

    @staticmethod
    def backward(ctx: Context, grad):
        return np.zeros_like(grad), None


# ---- public functions ---------------------------------------------------------------------


def relu(x: Tensor) -> Tensor:
    """y = max(0, x) elementwise. Shape: any; output has the input's shape."""
    return ReLU.apply(x)


def sigmoid(x: Tensor) -> Tensor:
    """y = 1 / (1 + e^(−x)), without overflow at any input. Shape: any."""
    return Sigmoid.apply(x)


def tanh(x: Tensor) -> Tensor:
    """y = tanh x. Shape: any."""
    return Tanh.apply(x)


def leaky_relu(x: Tensor, negative_slope: float = 0.01) -> Tensor:
    """y = x where x > 0 else negative_slope·x.

    Args:
        x: input of any shape.
        negative_slope: the slope for x ≤ 0 (default 0.01, PyTorch's; the seeds'
            leaky ReLU uses 0.1 — pass ``negative_slope=0.1`` to reproduce them).
    """
    return LeakyReLU.apply(x, float(negative_slope))


def elu(x: Tensor, alpha: float = 1.0) -> Tensor:
    """y = x where x > 0 else α(eˣ − 1).

    Args:
        x: input of any shape.
        alpha: the value the negative side saturates to, −α (default 1.0).
    """
    return ELU.apply(x, float(alpha), 1.0)


def selu(x: Tensor) -> Tensor:
    """y = λ·elu(x, α) with λ ≈ 1.0507, α ≈ 1.6733 (self-normalizing constants). Shape: any."""
    return ELU.apply(x, SELU_ALPHA, SELU_SCALE)


def gelu(x: Tensor, approximate: str = "none") -> Tensor:
    """y = x·Φ(x), Φ the standard normal CDF.

    Args:
        x: input of any shape.
        approximate: ``'none'`` (exact, via erf; default) or ``'tanh'``
            (½x(1 + tanh(√(2/π)(x + 0.044715x³))), as in GPT-2 and BERT).
    """
    if approximate not in ("none", "tanh"):
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    return GELU.apply(x, approximate)


def softplus(x: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """y = ln(1 + e^(βx)) / β, switching to y = x where βx > threshold.

    Args:
        x: input of any shape.
        beta: sharpness β (default 1).
        threshold: above this value of βx the function is taken as linear (default 20).
    """
    if beta == 0:
        raise ValueError("softplus: beta must be non-zero")
    return Softplus.apply(x, float(beta), float(threshold))


def silu(x: Tensor) -> Tensor:
    """y = x·σ(x) (also called swish). Shape: any."""
    return SiLU.apply(x)


def hardtanh(x: Tensor, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
    """y = min(max(x, min_val), max_val).

    Args:
        x: input of any shape.
        min_val: lower bound (default −1).
        max_val: upper bound (default 1).
    """
    if min_val > max_val:
        raise ValueError(f"hardtanh: min_val ({min_val}) must not exceed max_val ({max_val})")
    return Hardtanh.apply(x, float(min_val), float(max_val))


def relu6(x: Tensor) -> Tensor:
    """y = min(max(x, 0), 6) (MobileNet's activation). Shape: any."""
    return Hardtanh.apply(x, 0.0, 6.0)


def step(x: Tensor, threshold: float = 0.0) -> Tensor:
    """The perceptron's hard threshold: y = 1.0 where x ≥ threshold else 0.0.

    The output is floating (the input's dtype, or the default float for integer
    input). Its gradient is zero everywhere, so the perceptron learns by its own
    update rule rather than by backpropagation through this op.

    Args:
        x: input of any shape.
        threshold: the value at and above which the unit fires (default 0).
    """
    return Step.apply(x, threshold)


def heaviside(x: Tensor, values) -> Tensor:
    """``torch.heaviside``: 0 where x < 0, ``values`` where x == 0, 1 where x > 0 (no gradient).

    Args:
        x: input of any shape.
        values: what to return where x == 0 (a number or a tensor broadcastable to x).
    """
    v = values.array if isinstance(values, Tensor) else np.asarray(values, dtype=x.dtype)
    return Tensor._wrap(np.heaviside(x.array, v.astype(x.dtype, copy=False)))
