"""Logistic regression: one linear layer whose logit goes through a sigmoid (or softmax)."""

from __future__ import annotations

from nnlab import functional as F
from nnlab.autograd.tensor import Tensor
from nnlab.nn.linear import Linear
from nnlab.nn.module import Module


class LogisticRegression(Module):
    """ŷ = σ(w·x + b) for two classes, softmax(Wx + b) for more.

    The forward pass returns logits, so train with ``nn.BCEWithLogitsLoss`` (one
    output) or ``nn.CrossEntropyLoss`` (``num_classes`` outputs), which apply the
    sigmoid/softmax inside a numerically stable loss. ``predict_proba`` applies it.

    Args:
        in_features: number of input features D.
        num_classes: 1 for binary logistic regression (default), K > 2 for softmax regression.

    Shape:
        input (N, D) → logits (N, 1) or (N, K).

    Attributes:
        linear.weight: (1 or K, D), PyTorch's Linear init U(−1/√D, 1/√D).
        linear.bias: (1 or K,).
    """

    def __init__(self, in_features: int, num_classes: int = 1):
        super().__init__()
        if num_classes < 1 or num_classes == 2:
            raise ValueError(
                f"LogisticRegression: num_classes must be 1 (binary, one logit) or >= 3 (softmax), got {num_classes}"
            )
        self.in_features = in_features
        self.num_classes = num_classes
        self.linear = Linear(in_features, num_classes)

    def forward(self, x: Tensor) -> Tensor:
        return self.linear(x)

    def predict_proba(self, x: Tensor) -> Tensor:
        """P(y = 1 | x) of shape (N, 1) for binary models; class probabilities (N, K) otherwise."""
        logits = self.forward(x)
        return F.sigmoid(logits) if self.num_classes == 1 else F.softmax(logits, dim=-1)
