"""The original LSTM's memory blocks (Hochreiter & Schmidhuber, 1997): several cells share one set of gates.

A memory block j holds S cells c_{j,1..S} behind a single input gate, forget gate (Gers et
al., 2000) and output gate:

    i_j, f_j, o_j = σ(W_{·j} x_t + U_{·j} h_{t−1} + b_{·j})              (one scalar each per block)
    g_{j,s}       = tanh(W_{g,js} x_t + U_{g,js} h_{t−1} + b_{g,js})     (one per cell)
    c_{j,s}       = f_j · c_{j,s} + i_j · g_{j,s},   h_{j,s} = o_j · tanh(c_{j,s}).

With S = 1 this is the standard LSTM (``nn.LSTM``, one gate triple per cell). For the same
number of cells H = B·S, a block layout spends 3B instead of 3H gate rows: the
parameters drop from 4H(D + H + 2) to (3B + H)(D + H + 2), at the cost of the cells of a
block opening and closing together (they suit values that are written and read together).
"""

from __future__ import annotations

import math

import numpy as np

from nnlab.autograd.tensor import Tensor
from nnlab.nn import init
from nnlab.nn.module import Module
from nnlab.nn.parameter import Parameter
from nnlab.ops.activation import sigmoid, tanh
from nnlab.ops.movement import stack

__all__ = ["MultiCellLSTM"]


class MultiCellLSTM(Module):
    """One layer of LSTM memory blocks, ``blocks`` blocks of ``cells_per_block`` cells (batch first).

    Args:
        input_size: D. blocks: B. cells_per_block: S (hidden size H = B·S).

    Shape:
        input (N, T, D); output (N, T, H) and the final (h, c), each (N, H).

    Attributes:
        weight_ih: (3B + H, D), rows [input gates, forget gates, output gates, cell inputs];
        weight_hh: (3B + H, H); bias_ih, bias_hh: (3B + H,). All U(−1/√H, 1/√H) as ``nn.LSTM``.
    """

    def __init__(self, input_size: int, blocks: int, cells_per_block: int = 2):
        super().__init__()
        if min(input_size, blocks, cells_per_block) < 1:
            raise ValueError(f"MultiCellLSTM: sizes must be positive, got input_size={input_size}, blocks={blocks}, "
                             f"cells_per_block={cells_per_block}")
        self.input_size, self.blocks, self.cells_per_block = int(input_size), int(blocks), int(cells_per_block)
        self.hidden_size = self.blocks * self.cells_per_block
        rows = 3 * self.blocks + self.hidden_size
        self.weight_ih = Parameter(np.empty((rows, self.input_size), dtype=np.float32))
        self.weight_hh = Parameter(np.empty((rows, self.hidden_size), dtype=np.float32))
        self.bias_ih = Parameter(np.empty((rows,), dtype=np.float32))
        self.bias_hh = Parameter(np.empty((rows,), dtype=np.float32))
        bound = 1.0 / math.sqrt(self.hidden_size)
        for p in (self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh):
            init.uniform_(p, -bound, bound)

    def forward(self, x: Tensor, hx: tuple[Tensor, Tensor] | None = None) -> tuple[Tensor, tuple[Tensor, Tensor]]:
        if x.ndim != 3 or x.shape[2] != self.input_size:
            raise ValueError(f"MultiCellLSTM: expects input (N, T, {self.input_size}), got shape {tuple(x.shape)}")
        N, T, _ = x.shape
        B, S, H = self.blocks, self.cells_per_block, self.hidden_size
        if hx is None:
            zeros = np.zeros((N, H), dtype=x.array.dtype)
            h, c = Tensor(zeros), Tensor(zeros.copy())
        else:
            h, c = hx
        xw = x @ self.weight_ih.t() + self.bias_ih  # (N, T, 3B + H), all steps at once
        outs = []
        for t in range(T):
            z = xw[:, t] + h @ self.weight_hh.t() + self.bias_hh
            i, f, o = (sigmoid(z[:, k * B:(k + 1) * B]).reshape(N, B, 1) for k in range(3))
            g = tanh(z[:, 3 * B:]).reshape(N, B, S)
            cb = f * c.reshape(N, B, S) + i * g
            h = (o * tanh(cb)).reshape(N, H)
            c = cb.reshape(N, H)
            outs.append(h)
        return stack(outs, dim=1), (h, c)

    def extra_repr(self) -> str:
        return f"{self.input_size}, blocks={self.blocks}, cells_per_block={self.cells_per_block}"
