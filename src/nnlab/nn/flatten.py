"""Shape plumbing layers: ``Flatten`` and its inverse ``Unflatten``."""

from __future__ import annotations

from typing import Sequence

import numpy as np

from nnlab.autograd.tensor import Tensor
from nnlab.nn.module import Module


class Flatten(Module):
    """Merge dims ``start_dim`` … ``end_dim`` into one, e.g. (N, C, H, W) → (N, C·H·W).

    Args:
        start_dim: first dim to flatten (default 1, keeping the batch dim).
        end_dim: last dim to flatten (default −1).

    Shape:
        input: (N, *dims); output: (N, ∏dims) with the defaults.
    """

    def __init__(self, start_dim: int = 1, end_dim: int = -1):
        super().__init__()
        self.start_dim = start_dim
        self.end_dim = end_dim

    def forward(self, x: Tensor) -> Tensor:
        return x.flatten(self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Split dim ``dim`` into ``unflattened_size``, e.g. (N, 12) → (N, 3, 4).

    Args:
        dim: the dim to split (negative counts from the end).
        unflattened_size: the new dims; their product must equal the size of ``dim``
            (one entry may be −1).

    Shape:
        input: (*, S, *); output: (*, U₁, …, Uₖ, *) with ∏U = S.
    """

    def __init__(self, dim: int, unflattened_size: Sequence[int]):
        super().__init__()
        self.dim = int(dim)
        self.unflattened_size = tuple(int(s) for s in unflattened_size)

    def forward(self, x: Tensor) -> Tensor:
        if not -x.ndim <= self.dim < x.ndim:
            raise IndexError(f"Unflatten: dim {self.dim} is out of range for input of shape {x.shape}")
        d = self.dim % x.ndim
        sizes = self.unflattened_size
        known = int(np.prod([s for s in sizes if s != -1]))
        if (-1 not in sizes and known != x.shape[d]) or (-1 in sizes and (known == 0 or x.shape[d] % known)):
            raise ValueError(
                f"Unflatten: cannot split dim {self.dim} of size {x.shape[d]} (input shape {x.shape}) into {sizes}"
            )
        return x.reshape(x.shape[:d] + sizes + x.shape[d + 1 :])

    def extra_repr(self) -> str:
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"
