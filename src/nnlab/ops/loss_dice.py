"""The soft Dice loss of segmentation (Milletari et al., V-Net, 2016), composed of differentiable ops.

Dice measures overlap, 2|A ∩ B| / (|A| + |B|); its soft form replaces the predicted set by
probabilities, so it can be minimized by gradient descent. Summed over all pixels of the
batch per class and averaged over classes, it weighs a small class as much as a large
one, which is why it is paired with (or replaces) per-pixel cross-entropy when the
background dominates.
"""

from __future__ import annotations

import numpy as np

from nnlab.autograd.tensor import Tensor
from nnlab.ops.activation import sigmoid
from nnlab.ops.loss import check_reduction
from nnlab.ops.nn_ops import softmax
from nnlab.ops.reduce import mean, sum

__all__ = ["dice_loss"]


def _one_hot_channels(op: str, target, input: Tensor) -> np.ndarray:
    """Integer target (N, d1, ...) → one-hot (N, C, d1, ...) in the input's dtype."""
    t = target.array if isinstance(target, Tensor) else np.asarray(target)
    n_classes = input.shape[1]
    if t.shape != input.shape[:1] + input.shape[2:]:
        raise ValueError(f"{op}: class-index target must have shape {input.shape[:1] + input.shape[2:]} "
                         f"for input {input.shape}, got {t.shape}")
    if t.size and (t.min() < 0 or t.max() >= n_classes):
        raise ValueError(f"{op}: target class indices must lie in [0, {n_classes - 1}], "
                         f"got values in [{t.min()}, {t.max()}]")
    return np.moveaxis(np.eye(n_classes, dtype=input.dtype)[t], -1, 1)


def dice_loss(input: Tensor, target, smooth: float = 1.0, reduction: str = "mean") -> Tensor:
    """ℓ_c = 1 − (2 Σ p_c t_c + s) / (Σ p_c + Σ t_c + s), sums over the batch and every pixel, per class c.

    Args:
        input: logits (N, C, d1, ...). With an integer target, p = softmax over C;
            with a floating target of the input's shape (binary or multi-label masks),
            p = sigmoid(input) per channel.
        target: class indices (N, d1, ...) (integer) or masks in [0, 1] of the input's shape.
        smooth: s, keeps a class absent from both target and prediction at loss 0 and
            the gradient finite (default 1.0).
        reduction: 'mean' over classes (default) | 'sum' | 'none' (the (C,) per-class losses).

    Shape:
        input (N, C, d1, ...); output () or (C,) with 'none'.
    """
    op = "dice_loss"
    check_reduction(op, reduction)
    if input.ndim < 2:
        raise ValueError(f"{op}: input must be (N, C, ...) logits, got shape {input.shape}")
    if smooth < 0:
        raise ValueError(f"{op}: smooth must be ≥ 0, got {smooth}")
    t_dtype = target.dtype if isinstance(target, Tensor) else np.asarray(target).dtype
    if np.dtype(t_dtype).kind == "f":
        if tuple(np.shape(target)) != input.shape:
            raise ValueError(f"{op}: a floating target holds masks and must have the input's shape {input.shape}, "
                             f"got {tuple(np.shape(target))}; class indices must be an integer tensor")
        p = sigmoid(input)  # a Tensor target (soft masks) keeps its gradient
        t = target.astype(input.dtype) if isinstance(target, Tensor) else Tensor(np.asarray(target, input.dtype))
    else:
        p = softmax(input, dim=1)
        t = Tensor(_one_hot_channels(op, target, input))
    dims = (0,) + tuple(range(2, input.ndim))
    inter = sum(p * t, dim=dims)
    total = sum(p, dim=dims) + sum(t, dim=dims)
    per_class = 1.0 - (2.0 * inter + smooth) / (total + smooth)
    if reduction == "mean":
        return mean(per_class)
    if reduction == "sum":
        return sum(per_class)
    return per_class
