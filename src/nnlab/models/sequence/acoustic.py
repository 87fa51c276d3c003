"""A small convolutional acoustic model emitting per-frame label log-probabilities for CTC."""

from __future__ import annotations

from nnlab import functional as F
from nnlab import nn
from nnlab.autograd.tensor import Tensor

__all__ = ["CTCAcousticModel"]


class CTCAcousticModel(nn.Module):
    """log p_t(·) = log_softmax(W₃ * relu(W₂ * relu(W₁ * x)))_t: a frame classifier over C labels + blank.

    Three 1-D convolutions over the feature frames ("same" padding, so every frame gets an
    output); with kernel k the model sees 2·(k − 1) + 1 frames around each frame, enough to
    hear a whole letter. Trained with ``F.ctc_loss`` (no frame alignment is needed).

    Args:
        n_features: F, features per frame (default 13 MFCCs). n_classes: C, blank included.
        channels: hidden width (default 96). kernel_size: k, odd (default 5).

    Shape:
        input (N, F, T); output (T, N, C) log-probabilities, the layout ``F.ctc_loss`` takes.

    Attributes:
        conv1: Conv1d(F, channels, k); conv2: Conv1d(channels, channels, k); out: Conv1d(channels, C, 1).
    """

    def __init__(self, n_features: int = 13, n_classes: int = 21, channels: int = 96, kernel_size: int = 5):
        super().__init__()
        if kernel_size % 2 != 1:
            raise ValueError(f"CTCAcousticModel: kernel_size must be odd (same padding), got {kernel_size}")
        pad = kernel_size // 2
        self.conv1 = nn.Conv1d(n_features, channels, kernel_size, padding=pad)
        self.conv2 = nn.Conv1d(channels, channels, kernel_size, padding=pad)
        self.out = nn.Conv1d(channels, n_classes, 1)

    def forward(self, x: Tensor) -> Tensor:
        h = F.relu(self.conv2(F.relu(self.conv1(x))))
        return F.log_softmax(self.out(h), dim=1).permute(2, 0, 1)
