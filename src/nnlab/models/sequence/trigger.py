"""The seeds' trigger-word detector: 1-D convolution + GRU over log-mel frames, a per-step sigmoid output.

A Conv1D over the spectrogram frames extracts low-level features and, with a stride,
shortens the sequence the recurrent layer must run over; a GRU carries what it has heard;
at every step a sigmoid says "did the trigger just end?". Features, training and the
sliding-window decision are in :mod:`nnlab.audio.trigger`.
"""

from __future__ import annotations

import numpy as np

from nnlab import functional as F
from nnlab import nn
from nnlab.autograd.grad_mode import no_grad
from nnlab.autograd.tensor import Tensor
from nnlab.ops.creation import from_numpy

__all__ = ["TriggerWordDetector"]


class TriggerWordDetector(nn.Module):
    """p_t = σ(w · GRU(ReLU(Conv1d(x)))_t + b): a per-step trigger probability.

    Args:
        n_features: input bands F (default 32). channels: conv filters C (default 64).
        kernel_size: k frames (default 8). stride: s (default 2). hidden_size: GRU size H (default 64).
        dropout: after the convolution, training only (default 0.0).

    Shape:
        input (N, F, T) features; output logits (N, T'), T' = ⌊(T − k)/s⌋ + 1; output step j sees
        frames up to j·s + k − 1 (see :meth:`last_frame`).

    Attributes:
        conv: Conv1d(F, C, k, stride=s); gru: GRU(C, H, batch_first=True); head: Linear(H, 1).
    """

    def __init__(self, n_features: int = 32, channels: int = 64, kernel_size: int = 8, stride: int = 2,
                 hidden_size: int = 64, dropout: float = 0.0):
        super().__init__()
        self.kernel_size, self.stride = kernel_size, stride
        self.conv = nn.Conv1d(n_features, channels, kernel_size, stride=stride)
        self.dropout = nn.Dropout(dropout)
        self.gru = nn.GRU(channels, hidden_size, batch_first=True)
        self.head = nn.Linear(hidden_size, 1)

    def forward(self, x) -> Tensor:
        x = x if isinstance(x, Tensor) else from_numpy(np.asarray(x, dtype=np.float32))
        if x.ndim != 3 or x.shape[1] != self.conv.in_channels:
            raise ValueError(f"TriggerWordDetector: expects features (N, {self.conv.in_channels}, T), got {x.shape}")
        h = self.dropout(F.relu(self.conv(x)))  # (N, C, T')
        out, _ = self.gru(h.transpose(1, 2))
        return self.head(out).squeeze(-1)

    def last_frame(self, step) -> np.ndarray:
        """The last input frame output step j has seen: j·s + k − 1."""
        return np.asarray(step) * self.stride + self.kernel_size - 1

    def step_labels(self, frame_labels: np.ndarray) -> np.ndarray:
        """Per-frame labels (…, T) → per-output-step labels (…, T'): the label of each step's last frame."""
        t_out = (frame_labels.shape[-1] - self.kernel_size) // self.stride + 1
        return frame_labels[..., self.kernel_size - 1 :: self.stride][..., :t_out]

    def predict_proba(self, x) -> np.ndarray:
        """σ(logits) without gradients, in eval mode: (N, T')."""
        was = self.training
        self.eval()
        try:
            with no_grad():
                logits = self.forward(x).array
        finally:
            self.train(was)
        return 1.0 / (1.0 + np.exp(-logits))
