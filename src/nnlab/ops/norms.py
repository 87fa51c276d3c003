"""Vector norms ‖x‖_p over dims, with the subgradient 0 where the norm is 0 (as PyTorch).

The 2-norm (and every finite p) is computed as m·(Σ |x/m|^p)^(1/p) with m = max |x|, so
the powers never overflow or underflow to a wrong answer: ‖[1e30, 1e30]‖ is 1.41e30 in
float32, and ‖[1e-30, 0]‖ is 1e-30.
"""

from __future__ import annotations

import math

import numpy as np

from nnlab.autograd.function import Context, Function
from nnlab.autograd.tensor import Tensor
from nnlab.backend import as_dtype
from nnlab.ops._axes import expand_reduced, normalize_axis


def _keep(shape: tuple[int, ...], axes) -> tuple[int, ...]:
    return tuple(1 if axes is None or i in axes else n for i, n in enumerate(shape))


class VectorNorm(Function):
    """y = (Σ |x|^p)^(1/p) over ``axes`` (max |x| for p = ∞, min for −∞, the nonzero count for 0).

    ∂y/∂x = sign(x)·|x|^(p−1) / y^(p−1) for finite p ≠ 0 (x / y for p = 2, sign(x) for p = 1);
    for p = ±∞ the gradient goes to the entries where |x| = y, split evenly among ties;
    0 for p = 0 and wherever y = 0.
    """

    @staticmethod
    def forward(ctx: Context, x, p, axes, keepdim):
        a = np.abs(x)
        if p == math.inf or p == -math.inf:
            y = (np.max if p > 0 else np.min)(a, axis=axes, keepdims=True)
        elif p == 0:
            y = np.sum(a != 0, axis=axes, keepdims=True).astype(x.dtype)
        else:
            m = np.max(a, axis=axes, keepdims=True) if a.size else np.zeros(_keep(x.shape, axes), x.dtype)
            safe = np.where((m > 0) & np.isfinite(m), m, 1).astype(x.dtype, copy=False)
            with np.errstate(divide="ignore"):
                y = safe * np.sum((a / safe) ** p, axis=axes, keepdims=True) ** (1.0 / p)
            y = np.where(np.isfinite(m), y, m).astype(x.dtype, copy=False)  # an inf entry: the norm is inf
        ctx.save_for_backward(x, y)
        ctx.p, ctx.axes, ctx.keepdim = p, axes, keepdim
        return y if keepdim else y.reshape([n for i, n in enumerate(y.shape) if axes is not None and i not in axes])

    @staticmethod
    def backward(ctx: Context, grad):
        x, y = ctx.saved_tensors
        p = ctx.p
        g = expand_reduced(grad, x.shape, ctx.axes, ctx.keepdim)
        if p == 0:
            return np.zeros_like(x), None, None, None
        nonzero = y > 0
        safe = np.where(nonzero, y, 1).astype(x.dtype, copy=False)
        if math.isinf(p):
            hit = np.abs(x) == y
            count = np.maximum(hit.sum(axis=ctx.axes, keepdims=True), 1)
            d = np.sign(x) * hit / count
        elif p == 2:
            d = x / safe
        elif p == 1:
            d = np.sign(x)
        else:
            with np.errstate(divide="ignore", invalid="ignore"):  # |x|^(p−1) at x = 0 for p < 1: the 0 below
                d = np.where(x != 0, np.sign(x) * (np.abs(x) / safe) ** (p - 1), 0)
        return (g * np.where(nonzero, d, 0)).astype(x.dtype, copy=False), None, None, None


def vector_norm(x: Tensor, ord: float = 2, dim=None, keepdim: bool = False, dtype=None) -> Tensor:  # noqa: A002
    """‖x‖_ord over ``dim`` (all elements by default), as ``torch.linalg.vector_norm``.

    Args:
        x: a floating tensor.
        ord: p: any real number, ``inf`` or ``-inf``. Default: 2.
        dim: an int, a tuple of ints, or None (every element). Default: None.
        keepdim: keep the reduced dims with size 1. Default: False.
        dtype: cast ``x`` to this dtype first. Default: None.

    The gradient at x = 0 is 0 (the subgradient PyTorch picks), never NaN.
    """
    if dtype is not None:
        x = x.astype(as_dtype(dtype))
    if x.dtype.kind != "f":
        raise TypeError(f"vector_norm: expected a floating tensor, got dtype {x.dtype}; pass dtype= or call .float()")
    if isinstance(ord, bool) or not isinstance(ord, (int, float)) or math.isnan(ord):
        raise ValueError(f"vector_norm: ord must be a real number or ±inf, got {ord!r}")
    axes = normalize_axis(dim, x.ndim, "vector_norm")
    if ord < 0 and (x.array.size == 0 or (axes is not None and any(x.shape[a] == 0 for a in axes))):
        raise ValueError(f"vector_norm: a negative ord over an empty dim is undefined (input shape {x.shape})")
    return VectorNorm.apply(x, float(ord), axes, keepdim)


def norm(x: Tensor, p="fro", dim=None, keepdim: bool = False, dtype=None) -> Tensor:
    """``Tensor.norm``: ``p="fro"`` (the default) and numbers are vector norms over ``dim`` (all elements)."""
    if p == "fro":
        p = 2
    elif isinstance(p, str):
        raise ValueError(f"norm: p must be 'fro' or a number, got {p!r} (use nnlab.linalg for matrix norms)")
    return vector_norm(x, p, dim, keepdim, dtype)
