"""``Dropout``: inverted dropout, active only in training mode."""

from __future__ import annotations

from nnlab import functional as F
from nnlab.autograd.tensor import Tensor
from nnlab.nn.module import Module


class Dropout(Module):
    """y = m ⊙ x / (1 − p) in training, m ~ Bernoulli(1 − p) per element; y = x in eval.

    Scaling the kept units by 1/(1 − p) at training time ("inverted" dropout) keeps the
    expected activation unchanged, so evaluation needs no rescaling. Masks come from
    the global seeded generator (``nnlab.manual_seed``).

    Args:
        p: probability of zeroing an element, in [0, 1] (default 0.5).
        inplace: accepted for PyTorch compatibility; the result is always a new tensor.

    Shape:
        input (*) any shape; output (*) the same shape.
    """

    def __init__(self, p: float = 0.5, inplace: bool = False):
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"Dropout: probability has to be between 0 and 1, but got {p}")
        self.p = p
        self.inplace = inplace

    def forward(self, x: Tensor) -> Tensor:
        return F.dropout(x, self.p, self.training)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"
