"""Gradient clipping: rescale by the global norm, or clamp each value (``torch.nn.utils``'s names)."""

from __future__ import annotations

import math
from typing import Iterable

import numpy as np

from nnlab.autograd.tensor import Tensor
from nnlab.backend import get_default_dtype
from nnlab.ops.creation import from_numpy


def _grads(parameters: Tensor | Iterable[Tensor]) -> list[Tensor]:
    params = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    return [p.grad for p in params if p.grad is not None]


def _vector_norm(x: np.ndarray, ord: float) -> np.ndarray:
    """‖x‖_ord of the flattened array, in x's dtype (0-d array)."""
    a = np.abs(x.reshape(-1))
    if a.size == 0:
        return np.zeros((), dtype=x.dtype) if ord != -math.inf else np.array(math.inf, dtype=x.dtype)
    if ord == math.inf:
        return a.max()
    if ord == -math.inf:
        return a.min()
    if ord == 0:
        return np.asarray(np.count_nonzero(a), dtype=x.dtype)
    if ord == 1:
        return a.sum()
    if ord == 2:
        return np.sqrt(np.dot(a, a))
    return np.sum(a**ord) ** (1.0 / ord)


def _total_norm(grads: list[Tensor], norm_type: float) -> np.ndarray:
    dtype = grads[0].array.dtype
    norms = np.stack([_vector_norm(g.array, norm_type).astype(dtype, copy=False) for g in grads])
    return _vector_norm(norms, norm_type).astype(dtype, copy=False)


def grad_norm(parameters: Tensor | Iterable[Tensor], norm_type: float = 2.0) -> float:
    """‖(g₁, …, gₙ)‖_p: the global gradient norm :func:`clip_grad_norm_` would clip, without clipping.

    Args:
        parameters: a Tensor or an iterable of Tensors; those without a gradient are skipped.
        norm_type: p, default 2.0; ``math.inf`` for the max-abs norm.

    Returns:
        The norm as a float (0.0 when no parameter has a gradient).
    """
    grads = _grads(parameters)
    return float(_total_norm(grads, float(norm_type))) if grads else 0.0


def clip_grad_norm_(
    parameters: Tensor | Iterable[Tensor],
    max_norm: float,
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
    foreach: bool | None = None,
) -> Tensor:
    """g ← g · min(1, max_norm / (‖(g₁, …, gₙ)‖ + 1e-6)) for every gradient, in place.

    The norm is global: taken over all gradients together, as if concatenated into
    one vector. Parameters without a gradient are skipped.

    Args:
        parameters: a Tensor or an iterable of Tensors whose ``grad`` to clip.
        max_norm: the largest total norm allowed.
        norm_type: p of the p-norm, default 2.0; ``math.inf`` for the max-abs norm.
        error_if_nonfinite: raise when the total norm is nan or inf, default False.
        foreach: accepted for PyTorch compatibility; has no effect.

    Returns:
        The total norm before clipping, a 0-d Tensor in the gradients' dtype.
    """
    grads = _grads(parameters)
    max_norm, norm_type = float(max_norm), float(norm_type)
    if not grads:
        return from_numpy(np.zeros((), dtype=get_default_dtype()))
    total = _total_norm(grads, norm_type)
    if error_if_nonfinite and not np.isfinite(total):
        raise RuntimeError(
            f"clip_grad_norm_: the total norm of order {norm_type} of the gradients is {float(total)}, "
            "so they cannot be clipped; set error_if_nonfinite=False to clip anyway"
        )
    coef = min(max_norm / (float(total) + 1e-6), 1.0)
    for g in grads:
        g.array *= g.array.dtype.type(coef)
    return from_numpy(np.asarray(total))


def clip_grad_value_(parameters: Tensor | Iterable[Tensor], clip_value: float, foreach: bool | None = None) -> None:
    """g ← clamp(g, −clip_value, clip_value) elementwise, in place, for every gradient.

    Args:
        parameters: a Tensor or an iterable of Tensors whose ``grad`` to clip.
        clip_value: the bound (≥ 0).
        foreach: accepted for PyTorch compatibility; has no effect.
    """
    clip_value = float(clip_value)
    if clip_value < 0:
        raise ValueError(f"clip_grad_value_: clip_value must be >= 0, got {clip_value}")
    for g in _grads(parameters):
        np.clip(g.array, -clip_value, clip_value, out=g.array)
