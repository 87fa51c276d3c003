"""``LayerNormLSTMCell``: an LSTM step with layer normalization inside (Ba, Kiros & Hinton, 2016).

Batch normalization does not fit a recurrence: it would need separate statistics for every
time step (the pre-activations' distribution changes along the sequence — at t = 0 the
recurrent term W_hh h_0 is exactly 0 for every sample, so its batch variance is 0), test
sequences may be longer than any seen in training, and its batch statistics tie each
sequence to the others in its batch. Layer normalization computes its statistics over the
units of one sample at one step, so it is the same at every step, in training and at test
time, for any batch size — including one.
"""

from __future__ import annotations

import math

import numpy as np

from nnlab.autograd.tensor import Tensor
from nnlab.ops.creation import from_numpy
from nnlab.backend import as_dtype
from nnlab.nn import init
from nnlab.nn.module import Module
from nnlab.nn.normalization import LayerNorm
from nnlab.nn.parameter import Parameter
from nnlab.ops.activation import sigmoid, tanh
from nnlab.ops.movement import chunk, squeeze, unsqueeze

__all__ = ["LayerNormLSTMCell"]


class LayerNormLSTMCell(Module):
    """LN-LSTM: [i, f, g, o] = LN(W_ih x) + LN(W_hh h) + b; c' = σ(f)⊙c + σ(i)⊙tanh(g); h' = σ(o)⊙tanh(LN(c')).

    The input and recurrent projections are normalized separately (each over its 4H gate
    pre-activations) so neither dominates by scale; the new cell state is normalized before
    the output tanh.

    Args:
        input_size: I, features of x.
        hidden_size: H, features of h and c.
        eps: LayerNorm's ε (default 1e-5).
        dtype: parameter dtype (default float32).
        forget_bias_init: if given, the forget-gate block of ``bias`` starts at this value
            (default ``None``: PyTorch's uniform init).

    Shape:
        input: (N, I) or (I,); hx: a pair (h, c) each (N, H) or (H,), zeros when omitted;
        output: the pair (h', c').

    Attributes:
        weight_ih (4H, I), weight_hh (4H, H), bias_ih (4H,): U(−1/√H, 1/√H), gate order (i, f, g, o);
        ln_ih, ln_hh: ``LayerNorm(4H)``; ln_cell: ``LayerNorm(H)`` (γ = 1, β = 0 at init).
    """

    def __init__(self, input_size: int, hidden_size: int, eps: float = 1e-5, dtype=None, *,
                 forget_bias_init: float | None = None) -> None:
        super().__init__()
        if input_size <= 0 or hidden_size <= 0:
            raise ValueError(f"LayerNormLSTMCell: need input_size > 0 and hidden_size > 0, "
                             f"got {input_size} and {hidden_size}")
        self.input_size, self.hidden_size = int(input_size), int(hidden_size)
        self.forget_bias_init = forget_bias_init
        dt = as_dtype(dtype)
        g = 4 * self.hidden_size
        self.weight_ih = Parameter(np.empty((g, self.input_size), dtype=dt))
        self.weight_hh = Parameter(np.empty((g, self.hidden_size), dtype=dt))
        self.bias_ih = Parameter(np.empty((g,), dtype=dt))
        self.ln_ih = LayerNorm(g, eps=eps, bias=False, dtype=dt)
        self.ln_hh = LayerNorm(g, eps=eps, bias=False, dtype=dt)
        self.ln_cell = LayerNorm(self.hidden_size, eps=eps, dtype=dt)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Uniform U(−1/√H, 1/√H) weights and bias (the forget bias as asked); LayerNorms to γ = 1, β = 0."""
        bound = 1.0 / math.sqrt(self.hidden_size)
        for p in (self.weight_ih, self.weight_hh, self.bias_ih):
            init.uniform_(p, -bound, bound)
        if self.forget_bias_init is not None:
            h = self.hidden_size
            self.bias_ih.array[h:2 * h] = self.forget_bias_init
        for ln in (self.ln_ih, self.ln_hh, self.ln_cell):
            ln.reset_parameters()

    def forward(self, input: Tensor, hx: tuple[Tensor, Tensor] | None = None) -> tuple[Tensor, Tensor]:
        if not isinstance(input, Tensor) or input.ndim not in (1, 2) or input.shape[-1] != self.input_size:
            shape = getattr(input, "shape", type(input).__name__)
            raise ValueError(f"LayerNormLSTMCell: expected input of shape (N, {self.input_size}) or "
                             f"({self.input_size},), got {shape}")
        batched = input.ndim == 2
        x = input if batched else unsqueeze(input, 0)
        if hx is None:
            zeros = np.zeros((x.shape[0], self.hidden_size), dtype=x.dtype)
            h, c = from_numpy(zeros), from_numpy(zeros.copy())
        else:
            if not isinstance(hx, (tuple, list)) or len(hx) != 2:
                raise TypeError("LayerNormLSTMCell: hx must be a pair (h, c) of tensors")
            h, c = hx if batched else (unsqueeze(hx[0], 0), unsqueeze(hx[1], 0))
            if tuple(h.shape) != (x.shape[0], self.hidden_size) or tuple(c.shape) != tuple(h.shape):
                raise ValueError(f"LayerNormLSTMCell: expected h and c of shape {(x.shape[0], self.hidden_size)}, "
                                 f"got {tuple(h.shape)} and {tuple(c.shape)}")
        gates = self.ln_ih(x @ self.weight_ih.T) + self.ln_hh(h @ self.weight_hh.T) + self.bias_ih
        i, f, g, o = chunk(gates, 4, dim=1)
        c1 = sigmoid(f) * c + sigmoid(i) * tanh(g)
        h1 = sigmoid(o) * tanh(self.ln_cell(c1))
        return (h1, c1) if batched else (squeeze(h1, 0), squeeze(c1, 0))

    def extra_repr(self) -> str:
        return f"{self.input_size}, {self.hidden_size}"

