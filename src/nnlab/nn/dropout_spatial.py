"""Structured dropout: ``Dropout2d`` (whole channels) and ``DropConnect`` (weights instead of units)."""

from __future__ import annotations

import numpy as np

from nnlab import functional as F
from nnlab.autograd.tensor import Tensor
from nnlab.nn.linear import Linear
from nnlab.nn.module import Module


class Dropout2d(Module):
    """y = x ⊙ m / (1 − p), m_nc ~ Bernoulli(1 − p) per (sample, channel), in training; y = x in eval.

    Zeroes entire feature maps, the right unit of dropout after a convolution where
    neighbouring pixels are correlated. A 3-D input is read as (N, C, L), as PyTorch does.

    Args:
        p: probability of zeroing a channel, in [0, 1]. Default: 0.5.
        inplace: accepted for PyTorch compatibility; the result is always a new tensor.
        generator: source of the masks. Default: None (the global seeded generator).

    Shape:
        input: (N, C, H, W) or (N, C, L); output: the same.
    """

    def __init__(self, p: float = 0.5, inplace: bool = False, generator: np.random.Generator | None = None):
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"Dropout2d: probability has to be between 0 and 1, but got {p}")
        self.p = p
        self.inplace = inplace
        self.generator = generator

    def forward(self, x: Tensor) -> Tensor:
        return F.dropout2d(x, self.p, self.training, generator=self.generator)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class DropConnect(Linear):
    """y = x (W ⊙ M)ᵀ / (1 − p) + b, M_ij ~ Bernoulli(1 − p) fresh per training forward; y = x Wᵀ + b in eval.

    DropConnect (Wan et al., 2013) drops individual weights instead of activations:
    every training forward pass draws a new mask over W, and the kept weights are
    scaled by 1/(1 − p), so the expected weight matrix is W and evaluation is a plain
    Linear layer. The gradient reaches only the weights kept in that pass
    (∂L/∂W = M ⊙ ∂L/∂W̃ / (1 − p)); the bias is never dropped. Parameter names and
    initialization are Linear's, so state_dicts move between the two.

    Args:
        in_features: D_in.
        out_features: D_out.
        p: probability of dropping a weight, in [0, 1). Default: 0.5.
        bias: learn an additive bias. Default: True.
        dtype: parameter dtype. Default: the default dtype (float32).
        generator: source of the masks. Default: None (the global seeded generator).

    Shape:
        input: (*, D_in); output: (*, D_out).

    Attributes:
        weight: (D_out, D_in), initialized U(−1/√D_in, 1/√D_in) as Linear.
        bias: (D_out,), initialized U(−1/√D_in, 1/√D_in); None when ``bias=False``.
    """

    def __init__(self, in_features: int, out_features: int, p: float = 0.5, bias: bool = True, dtype=None,
                 generator: np.random.Generator | None = None):
        if not 0.0 <= p < 1.0:
            raise ValueError(f"DropConnect: p must lie in [0, 1) (p = 1 would drop every weight), got {p}")
        super().__init__(in_features, out_features, bias, dtype)
        self.p = p
        self.generator = generator

    def forward(self, x: Tensor) -> Tensor:
        weight = F.dropout(self.weight, self.p, self.training, generator=self.generator)
        return F.linear(x, weight, self.bias)

    def extra_repr(self) -> str:
        return super().extra_repr() + f", p={self.p}"
