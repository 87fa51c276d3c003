"""Activation layers: thin modules over ``nnlab.functional``, plus ``Maxout`` and ``Step``.

Each holds only its hyperparameters; the math (and its backward) lives in the
functional op it calls, so the module and ``F.*`` can never disagree.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from nnlab import functional as F
from nnlab.autograd.tensor import Tensor
from nnlab.backend import as_dtype
from nnlab.nn.linear import init_affine_
from nnlab.nn.module import Module
from nnlab.nn.parameter import Parameter


class _Elementwise(Module):
    """Shape: input (*) any shape; output (*) the same shape."""

    def __init__(self, inplace: bool = False):
        super().__init__()
        # Accepted for PyTorch compatibility; autograd here never overwrites its input.
        self.inplace = inplace

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class ReLU(_Elementwise):
    """y = max(0, x). ``inplace`` is accepted for compatibility; the result is always a new tensor."""

    def forward(self, x: Tensor) -> Tensor:
        return F.relu(x)


class LeakyReLU(_Elementwise):
    """y = x if x ≥ 0 else negative_slope·x.

    Args:
        negative_slope: slope for x < 0 (default 0.01).
        inplace: accepted for compatibility (default ``False``).
    """

    def __init__(self, negative_slope: float = 0.01, inplace: bool = False):
        super().__init__(inplace)
        self.negative_slope = negative_slope

    def forward(self, x: Tensor) -> Tensor:
        return F.leaky_relu(x, self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}" + (", inplace=True" if self.inplace else "")


class ELU(_Elementwise):
    """y = x if x > 0 else α(eˣ − 1).

    Args:
        alpha: α, the value approached for x → −∞ is −α (default 1.0).
        inplace: accepted for compatibility (default ``False``).
    """

    def __init__(self, alpha: float = 1.0, inplace: bool = False):
        super().__init__(inplace)
        self.alpha = alpha

    def forward(self, x: Tensor) -> Tensor:
        return F.elu(x, self.alpha)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}" + (", inplace=True" if self.inplace else "")


class SELU(_Elementwise):
    """y = λ·(x if x > 0 else α(eˣ − 1)), λ ≈ 1.0507, α ≈ 1.6733 (self-normalizing; pair with lecun_normal_)."""

    def forward(self, x: Tensor) -> Tensor:
        return F.selu(x)


class GELU(Module):
    """y = x·Φ(x) (``approximate="none"``) or 0.5x(1 + tanh(√(2/π)(x + 0.044715x³))) (``"tanh"``).

    Args:
        approximate: ``"none"`` (default, exact with erf) or ``"tanh"``.

    Shape:
        input (*) any shape; output (*) the same shape.
    """

    def __init__(self, approximate: str = "none"):
        super().__init__()
        if approximate not in ("none", "tanh"):
            raise ValueError(f"GELU: approximate must be 'none' or 'tanh', got {approximate!r}")
        self.approximate = approximate

    def forward(self, x: Tensor) -> Tensor:
        return F.gelu(x, approximate=self.approximate)

    def extra_repr(self) -> str:
        return f"approximate='{self.approximate}'"


class Softplus(Module):
    """y = (1/β)·ln(1 + e^(βx)), and y = x where βx > threshold (for stability).

    Args:
        beta: β (default 1.0).
        threshold: above this βx the layer is linear (default 20.0).

    Shape:
        input (*) any shape; output (*) the same shape.
    """

    def __init__(self, beta: float = 1.0, threshold: float = 20.0):
        super().__init__()
        self.beta = beta
        self.threshold = threshold

    def forward(self, x: Tensor) -> Tensor:
        return F.softplus(x, self.beta, self.threshold)

    def extra_repr(self) -> str:
        return f"beta={self.beta}, threshold={self.threshold}"


class SiLU(_Elementwise):
    """y = x·σ(x) (swish)."""

    def forward(self, x: Tensor) -> Tensor:
        return F.silu(x)


class Hardtanh(_Elementwise):
    """y = clamp(x, min_val, max_val).

    Args:
        min_val: lower bound (default −1.0).
        max_val: upper bound (default 1.0).
        inplace: accepted for compatibility (default ``False``).
    """

    def __init__(self, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False):
        super().__init__(inplace)
        if max_val <= min_val:
            raise ValueError(f"Hardtanh: max_val ({max_val}) must be greater than min_val ({min_val})")
        self.min_val = min_val
        self.max_val = max_val

    def forward(self, x: Tensor) -> Tensor:
        return F.hardtanh(x, self.min_val, self.max_val)

    def extra_repr(self) -> str:
        return f"min_val={self.min_val}, max_val={self.max_val}" + (", inplace=True" if self.inplace else "")


class Sigmoid(Module):
    """y = σ(x) = 1 / (1 + e^(−x)). Shape: input (*); output (*)."""

    def forward(self, x: Tensor) -> Tensor:
        return F.sigmoid(x)


class Tanh(Module):
    """y = tanh(x). Shape: input (*); output (*)."""

    def forward(self, x: Tensor) -> Tensor:
        return F.tanh(x)


def _implicit_dim(name: str, ndim: int) -> int:
    warnings.warn(
        f"Implicit dimension choice for {name} has been deprecated (as in PyTorch); pass dim explicitly",
        stacklevel=3,
    )
    return 0 if ndim in (0, 1, 3) else 1


class Softmax(Module):
    """yᵢ = exp(xᵢ) / Σⱼ exp(xⱼ) along ``dim``.

    Args:
        dim: the dim that sums to 1. ``None`` (default) uses PyTorch's legacy implicit
            choice (0 for 0-, 1- and 3-D input, else 1) with a warning.

    Shape:
        input (*) any shape; output (*) the same shape.
    """

    def __init__(self, dim: int | None = None):
        super().__init__()
        self.dim = dim

    def forward(self, x: Tensor) -> Tensor:
        dim = self.dim if self.dim is not None else _implicit_dim("softmax", x.ndim)
        return F.softmax(x, dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class LogSoftmax(Softmax):
    """yᵢ = xᵢ − log Σⱼ exp(xⱼ) along ``dim`` (computed by log-sum-exp). Args and Shape as Softmax."""

    def forward(self, x: Tensor) -> Tensor:
        dim = self.dim if self.dim is not None else _implicit_dim("log_softmax", x.ndim)
        return F.log_softmax(x, dim)


class Maxout(Module):
    """hᵢ = maxⱼ zᵢⱼ with z = x Wᵀ + b: an affine map to D_out·k units, then the max over k pieces.

    Goodfellow et al. (2013): each output unit is the max of ``num_pieces`` affine
    functions, a learned piecewise-linear convex activation. Output unit i takes the max
    over pre-activation units i·k … i·k + k − 1 (``F.maxout``'s grouping).

    Args:
        in_features: D_in.
        out_features: D_out, the number of maxout units.
        num_pieces: k, affine pieces per unit (≥ 1).
        bias: whether the affine map has a bias (default ``True``).
        dtype: parameter dtype (default float32).

    Shape:
        input: (*, D_in); output: (*, D_out).

    Attributes:
        weight: (D_out·k, D_in), initialized like ``Linear``: U(−1/√D_in, 1/√D_in).
        bias: (D_out·k,), U(−1/√D_in, 1/√D_in).
    """

    def __init__(self, in_features: int, out_features: int, num_pieces: int, bias: bool = True, dtype=None):
        super().__init__()
        if num_pieces < 1:
            raise ValueError(f"Maxout: num_pieces must be at least 1, got {num_pieces}")
        self.in_features = int(in_features)
        self.out_features = int(out_features)
        self.num_pieces = int(num_pieces)
        dt = as_dtype(dtype)
        units = self.out_features * self.num_pieces
        self.weight = Parameter(np.empty((units, in_features), dtype=dt))
        if bias:
            self.bias = Parameter(np.empty((units,), dtype=dt))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        init_affine_(self.weight, self.bias, self.in_features)

    def forward(self, x: Tensor) -> Tensor:
        return F.maxout(F.linear(x, self.weight, self.bias), self.num_pieces, dim=-1)

    def extra_repr(self) -> str:
        return (
            f"in_features={self.in_features}, out_features={self.out_features}, "
            f"num_pieces={self.num_pieces}, bias={self.bias is not None}"
        )


class Step(Module):
    """y = 1 if x ≥ threshold else 0: the perceptron's hard threshold (gradient zero everywhere).

    Args:
        threshold: the value at and above which the unit fires (default 0.0).

    Shape:
        input (*) any shape; output (*) the same shape and dtype.
    """

    def __init__(self, threshold: float = 0.0):
        super().__init__()
        if not math.isfinite(threshold):
            raise ValueError(f"Step: threshold must be finite, got {threshold}")
        self.threshold = threshold

    def forward(self, x: Tensor) -> Tensor:
        return F.step(x, self.threshold)

    def extra_repr(self) -> str:
        return f"threshold={self.threshold}"
