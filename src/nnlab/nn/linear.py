"""Affine layers: ``Identity`` and ``Linear`` (y = x Wᵀ + b)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from nnlab import functional as F
from nnlab.autograd.tensor import Tensor
from nnlab.backend import as_dtype
from nnlab.nn import init
from nnlab.nn.module import Module
from nnlab.nn.parameter import Parameter
from nnlab.ops._checks import check_int


class Identity(Module):
    """y = x. Takes (and ignores) any constructor arguments, so it can stand in for any layer.

    Shape:
        input: any; output: the same tensor.
    """

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__()

    def forward(self, x: Any) -> Any:
        return x


def init_affine_(weight: Tensor, bias: Tensor | None, fan_in: int) -> None:
    """PyTorch's default init for affine layers: W, b ~ U(−1/√fan_in, 1/√fan_in).

    For W this is ``kaiming_uniform_(W, a=√5)``: gain √(2/(1+5)) = √(1/3), bound
    gain·√(3/fan_in) = 1/√fan_in. Shared by ``Linear`` and ``Maxout``.
    """
    init.kaiming_uniform_(weight, a=math.sqrt(5))
    if bias is not None:
        bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0.0
        init.uniform_(bias, -bound, bound)


class Linear(Module):
    """y = x Wᵀ + b.

    Args:
        in_features: D_in, size of each input sample.
        out_features: D_out, size of each output sample.
        bias: whether to learn the additive bias b (default ``True``).
        dtype: parameter dtype (default: ``nnlab.get_default_dtype()``, float32).

    Shape:
        input: (*, D_in); output: (*, D_out), * any number of leading dims (N batch, ...).

    Attributes:
        weight: (D_out, D_in), initialized U(−1/√D_in, 1/√D_in) as in PyTorch
            (``kaiming_uniform_(a=√5)``).
        bias: (D_out,), initialized U(−1/√D_in, 1/√D_in); ``None`` when ``bias=False``.
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True, dtype=None):
        super().__init__()
        check_int("Linear", "in_features", in_features, 0)
        check_int("Linear", "out_features", out_features, 0)
        self.in_features = int(in_features)
        self.out_features = int(out_features)
        dt = as_dtype(dtype)
        self.weight = Parameter(np.empty((out_features, in_features), dtype=dt))
        if bias:
            self.bias = Parameter(np.empty((out_features,), dtype=dt))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Redraw the weights with the default initialization (from the seeded generator)."""
        init_affine_(self.weight, self.bias, self.in_features)

    def forward(self, x: Tensor) -> Tensor:
        return F.linear(x, self.weight, self.bias)

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"
