"""Flatten parameters into one vector and back (``torch.nn.utils.parameters_to_vector``)."""

from __future__ import annotations

from typing import Iterable

import numpy as np

from nnlab.autograd.tensor import Tensor
from nnlab.ops.movement import cat, reshape


def parameters_to_vector(parameters: Iterable[Tensor]) -> Tensor:
    """vec = cat([p.reshape(-1) for p in parameters]); differentiable, like PyTorch's."""
    params = list(parameters)
    if not params:
        raise ValueError("parameters_to_vector: got no parameters")
    return cat([reshape(p, -1) for p in params], 0)


def vector_to_parameters(vec: Tensor, parameters: Iterable[Tensor]) -> None:
    """Copy consecutive slices of ``vec`` into each parameter, in place (shapes kept)."""
    params = list(parameters)
    total = sum(int(p.array.size) for p in params)
    v = vec.array if isinstance(vec, Tensor) else np.asarray(vec)
    if v.ndim != 1 or v.size != total:
        raise ValueError(f"vector_to_parameters: expected a vector of {total} values, got shape {v.shape}")
    start = 0
    for p in params:
        n = int(p.array.size)
        p.array[...] = v[start:start + n].reshape(p.array.shape)
        start += n
