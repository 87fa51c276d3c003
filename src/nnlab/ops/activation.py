"""Activation primitives with hand-derived backward passes.

Each is one node: the derivative is cheap to express from the saved output, and
one node per activation keeps the graph of an MLP small.
"""

from __future__ import annotations

import numpy as np

from nnlab.autograd.function import Context, Function
from nnlab.autograd.tensor import Tensor


def stable_sigmoid(x: np.ndarray) -> np.ndarray:
    """σ(x) = 1 / (1 + e^(−x)) without overflow: exp is only taken of −|x|."""
    z = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + z), z / (1 + z)).astype(x.dtype, copy=False)


class ReLU(Function):
    """y = max(0, x); ∂y/∂x = 1 where x > 0, else 0."""

    @staticmethod
    def forward(ctx: Context, x):
        y = np.maximum(x, 0)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx: Context, grad):
        (y,) = ctx.saved_tensors
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


def relu(x: Tensor) -> Tensor:
    return ReLU.apply(x)


def sigmoid(x: Tensor) -> Tensor:
    return Sigmoid.apply(x)


def tanh(x: Tensor) -> Tensor:
    return Tanh.apply(x)
