"""Loss layers: modules over ``nnlab.functional``'s losses, with PyTorch's arguments.

Class weights (``weight``, ``pos_weight``) are registered as buffers, as in PyTorch,
so they follow ``.double()`` and appear in ``state_dict`` when given.
"""

from __future__ import annotations

from typing import Any

from nnlab import functional as F
from nnlab.autograd.tensor import Tensor
from nnlab.ops.creation import as_tensor
from nnlab.nn.module import Module

_REDUCTIONS = ("none", "mean", "sum")


class _Loss(Module):
    """Base: stores and validates ``reduction`` ("none" | "mean" | "sum").

    Attributes:
        takes_probabilities: True for a loss whose input is a probability (``BCELoss``), so
            a binary score means class 1 above 0.5; False (logits, class 1 above 0) otherwise.
            The Trainer's accuracy reads it.
    """

    takes_probabilities = False

    def __init__(self, reduction: str = "mean"):
        super().__init__()
        if reduction not in _REDUCTIONS:
            raise ValueError(f"{type(self).__name__}: reduction must be one of {_REDUCTIONS}, got {reduction!r}")
        self.reduction = reduction


class _WeightedLoss(_Loss):
    """Base of losses with per-class weights, kept in the buffer ``weight`` (None when absent)."""

    def __init__(self, weight: Any = None, reduction: str = "mean"):
        super().__init__(reduction)
        self.register_buffer("weight", None if weight is None else as_tensor(weight))


class MSELoss(_Loss):
    """ℓ = (x − y)², reduced by mean (default), sum or none.

    Shape:
        input: (*); target: (*) same shape; output: scalar, or (*) with ``reduction="none"``.
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002 - PyTorch's name
        return F.mse_loss(input, target, reduction=self.reduction)


class L1Loss(_Loss):
    """ℓ = |x − y|, reduced by mean (default), sum or none. Shape as ``MSELoss``."""

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        return F.l1_loss(input, target, reduction=self.reduction)


class SmoothL1Loss(_Loss):
    """ℓ = 0.5 d²/β if |d| < β else |d| − 0.5β, d = x − y.

    Args:
        reduction: "mean" (default), "sum" or "none".
        beta: where the quadratic turns linear (default 1.0).

    Shape as ``MSELoss``.
    """

    def __init__(self, reduction: str = "mean", beta: float = 1.0):
        super().__init__(reduction)
        if beta < 0:
            raise ValueError(f"SmoothL1Loss: beta must be non-negative, got {beta}")
        self.beta = beta

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        return F.smooth_l1_loss(input, target, reduction=self.reduction, beta=self.beta)


class HuberLoss(_Loss):
    """ℓ = 0.5 d² if |d| < δ else δ(|d| − 0.5δ), d = x − y (= δ·SmoothL1 with β = δ).

    Args:
        reduction: "mean" (default), "sum" or "none".
        delta: δ, where the quadratic turns linear (default 1.0, > 0).

    Shape as ``MSELoss``.
    """

    def __init__(self, reduction: str = "mean", delta: float = 1.0):
        super().__init__(reduction)
        if delta <= 0:
            raise ValueError(f"HuberLoss: delta must be positive, got {delta}")
        self.delta = delta

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        return F.huber_loss(input, target, reduction=self.reduction, delta=self.delta)


class BCELoss(_WeightedLoss):
    """ℓ = −w [y log p + (1 − y) log(1 − p)] for probabilities p ∈ [0, 1].

    Prefer ``BCEWithLogitsLoss`` on raw scores: it is numerically stable.

    Args:
        weight: rescaling weight broadcast against the input (default none).
        reduction: "mean" (default), "sum" or "none".

    Shape:
        input: (*); target: (*) same shape; output: scalar, or (*) with ``reduction="none"``.
    """

    takes_probabilities = True

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        return F.binary_cross_entropy(input, target, weight=self.weight, reduction=self.reduction)


class BCEWithLogitsLoss(_Loss):
    """ℓ = −w [p_w·y log σ(x) + (1 − y) log(1 − σ(x))], computed stably from logits x.

    Args:
        weight: rescaling weight broadcast against the input (default none).
        reduction: "mean" (default), "sum" or "none".
        pos_weight: p_w, weight of positive examples per class, broadcast along the last
            dim (default none); > 1 raises recall.

    Shape:
        input: (*, C) or (*); target: same shape; output: scalar, or the input's shape with "none".
    """

    def __init__(self, weight: Any = None, reduction: str = "mean", pos_weight: Any = None):
        super().__init__(reduction)
        self.register_buffer("weight", None if weight is None else as_tensor(weight))
        self.register_buffer("pos_weight", None if pos_weight is None else as_tensor(pos_weight))

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        return F.binary_cross_entropy_with_logits(
            input, target, weight=self.weight, reduction=self.reduction, pos_weight=self.pos_weight
        )


class BinaryLogitLoss(_Loss):
    """ℓ = BCE-with-logits(z, y) for a one-logit model: logits (N, 1) or (N,), integer 0/1 targets (N,).

    ``BCEWithLogitsLoss`` with the logit column flattened and the targets cast to the
    logits' dtype: the loss of binary logistic regression on class labels.

    Shape:
        input: (N, 1) or (N,); target: (N,) of 0/1 (any dtype); output: scalar.
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        return F.binary_cross_entropy_with_logits(input.reshape(-1), target.astype(input.dtype),
                                                  reduction=self.reduction)


class NLLLoss(_WeightedLoss):
    """ℓₙ = −w_{yₙ} x_{n, yₙ} for log-probabilities x; "mean" divides by Σ w_{yₙ}.

    Args:
        weight: (C,) per-class weights (default none).
        ignore_index: target value that contributes nothing (default −100).
        reduction: "mean" (default), "sum" or "none".

    Shape:
        input: (N, C) or (N, C, d₁, …); target: (N) or (N, d₁, …) int64 class indices;
        output: scalar, or target's shape with "none".
    """

    def __init__(self, weight: Any = None, ignore_index: int = -100, reduction: str = "mean"):
        super().__init__(weight, reduction)
        self.ignore_index = ignore_index

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        return F.nll_loss(input, target, weight=self.weight, ignore_index=self.ignore_index, reduction=self.reduction)


class CrossEntropyLoss(_WeightedLoss):
    """ℓₙ = −Σ_c w_c q_{n,c} log softmax(xₙ)_c, q the (label-smoothed) target distribution.

    With class-index targets and no smoothing this is ``NLLLoss(log_softmax(x))``.

    Args:
        weight: (C,) per-class weights (default none).
        ignore_index: target value that contributes nothing (default −100).
        reduction: "mean" (default), "sum" or "none".
        label_smoothing: ε in [0, 1]: targets become (1 − ε)·onehot + ε/C (default 0.0).

    Shape:
        input: (N, C) or (N, C, d₁, …) raw scores; target: (N) or (N, d₁, …) int64 class
        indices, or class probabilities of the input's shape; output: scalar, or (N, …) with "none".
    """

    def __init__(self, weight: Any = None, ignore_index: int = -100, reduction: str = "mean",
                 label_smoothing: float = 0.0):
        super().__init__(weight, reduction)
        if not 0.0 <= label_smoothing <= 1.0:
            raise ValueError(f"CrossEntropyLoss: label_smoothing must be in [0, 1], got {label_smoothing}")
        self.ignore_index = ignore_index
        self.label_smoothing = label_smoothing

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        return F.cross_entropy(
            input, target, weight=self.weight, ignore_index=self.ignore_index,
            reduction=self.reduction, label_smoothing=self.label_smoothing,
        )


class CTCLoss(_Loss):
    """ℓₙ = −ln p(lₙ | xₙ), summed over every alignment that spells lₙ (see ``F.ctc_loss``).

    Args:
        blank: the blank class (default 0). reduction: "mean" (each loss divided by its target
            length, then averaged; PyTorch's), "sum" or "none". zero_infinity: zero impossible
            losses and their gradients (default False).

    Shape:
        log_probs (T, N, C); targets (N, S); input_lengths, target_lengths (N,); output scalar or (N,).
    """

    def __init__(self, blank: int = 0, reduction: str = "mean", zero_infinity: bool = False):
        super().__init__(reduction)
        self.blank, self.zero_infinity = int(blank), bool(zero_infinity)

    def forward(self, log_probs: Tensor, targets, input_lengths, target_lengths) -> Tensor:
        return F.ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=self.blank,
                          reduction=self.reduction, zero_infinity=self.zero_infinity)


class DiceLoss(_Loss):
    """ℓ_c = 1 − (2 Σ p_c t_c + s) / (Σ p_c + Σ t_c + s), the soft Dice loss per class (see ``F.dice_loss``).

    Args:
        smooth: s (default 1.0).
        reduction: "mean" over classes (default), "sum" or "none" (per-class losses).

    Shape:
        input: (N, C, d₁, …) logits; target: (N, d₁, …) int64 class indices (softmax over C),
        or masks of the input's shape (sigmoid per channel); output: scalar, or (C,) with "none".
    """

    def __init__(self, smooth: float = 1.0, reduction: str = "mean"):
        super().__init__(reduction)
        self.smooth = smooth

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        return F.dice_loss(input, target, smooth=self.smooth, reduction=self.reduction)
