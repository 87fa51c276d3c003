"""Positional encodings added to token embeddings: fixed sinusoids (as in the seeds) and learned."""

from __future__ import annotations

import numpy as np

from nnlab import functional as F
from nnlab.autograd.tensor import Tensor
from nnlab.backend import as_dtype, get_default_dtype
from nnlab.nn import init
from nnlab.nn.module import Module
from nnlab.nn.parameter import Parameter
from nnlab.ops.creation import from_numpy


def sinusoidal_table(max_len: int, d_model: int, dtype=None) -> np.ndarray:
    """PE[pos, 2i] = sin(pos / 10000^{2i/d}), PE[pos, 2i+1] = cos(pos / 10000^{2i/d}).

    Computed in float64, then cast to ``dtype`` (default: the default dtype). Pair i turns
    at frequency ω_i = 10000^{−2i/d}, so PE(pos + k) is PE(pos) rotated by ω_i·k in each
    (sin, cos) pair: relative offsets are linear functions of the encoding.

    Shape:
        output: (max_len, d_model).
    """
    if max_len < 0 or d_model <= 0:
        raise ValueError(f"sinusoidal_table: need max_len >= 0 and d_model > 0, got {max_len} and {d_model}")
    pos = np.arange(max_len, dtype=np.float64)[:, None]
    freq = 10000.0 ** (-np.arange(0, d_model, 2, dtype=np.float64) / d_model)
    angle = pos * freq
    pe = np.empty((max_len, d_model), dtype=np.float64)
    pe[:, 0::2] = np.sin(angle)
    pe[:, 1::2] = np.cos(angle[:, : d_model // 2])  # an odd d_model has one more sine column than cosines
    return pe.astype(as_dtype(dtype) if dtype is not None else get_default_dtype())


class _AddPositions(Module):
    """Shared forward: x + P[offset : offset + L] along the sequence dim, then dropout."""

    def _init(self, max_len: int, d_model: int, dropout: float, batch_first: bool) -> None:
        if not 0.0 <= dropout <= 1.0:
            raise ValueError(f"{type(self).__name__}: dropout must lie in [0, 1], got {dropout}")
        self.max_len, self.d_model, self.batch_first, self.p = int(max_len), int(d_model), batch_first, dropout

    def _table(self) -> Tensor:  # pragma: no cover - abstract
        raise NotImplementedError(f"_table is abstract: {type(self).__name__} must implement it")

    def _positions(self, x: Tensor, offset: int) -> tuple[Tensor, tuple[int, ...]]:
        name = type(self).__name__
        if x.ndim not in (2, 3) or x.shape[-1] != self.d_model:
            raise ValueError(f"{name}: expected input (L, N, {self.d_model}), (N, L, {self.d_model}) or "
                             f"(L, {self.d_model}), got shape {x.shape}")
        seq_dim = 1 if (self.batch_first and x.ndim == 3) else 0
        length = x.shape[seq_dim]
        if offset < 0 or offset + length > self.max_len:
            raise ValueError(f"{name}: positions {offset}..{offset + length - 1} exceed max_len={self.max_len}")
        if x.ndim == 2:
            view = (length, self.d_model)
        else:
            view = (1, length, self.d_model) if seq_dim else (length, 1, self.d_model)
        return self._table()[offset : offset + length], view

    def forward(self, x: Tensor, offset: int = 0) -> Tensor:
        """x + P[offset + t] at position t, then dropout. ``offset`` = positions already decoded."""
        table, view = self._positions(x, offset)
        if table.dtype != x.dtype:
            table = table.to(x.dtype)
        return F.dropout(x + table.reshape(view), self.p, self.training)

    def extra_repr(self) -> str:
        return f"max_len={self.max_len}, d_model={self.d_model}, dropout={self.p}, batch_first={self.batch_first}"


class SinusoidalPositionalEncoding(_AddPositions):
    """y = Dropout(x + PE), PE[pos, 2i] = sin(pos/10000^{2i/d}), PE[pos, 2i+1] = cos(pos/10000^{2i/d}).

    The fixed encoding of "Attention Is All You Need" (and of the seeds). Nothing is
    learned, so sequences longer than any seen in training still get distinct codes.

    Args:
        d_model: D, the embedding width.
        max_len: the longest sequence supported. Default: 5000.
        dropout: dropout probability after the addition (training only). Default: 0.
        batch_first: input is (N, L, D) rather than (L, N, D). Default: False.
        dtype: the table's dtype (default: the default dtype); a float64 input gets it in float64.

    Shape:
        input: (L, N, D), (N, L, D) with ``batch_first``, or (L, D); output: the same.

    Attributes:
        pe: buffer (max_len, D), the table above. Non-persistent: it is a fixed function of
            (max_len, D), so it stays out of ``state_dict`` and checkpoints do not depend on max_len.
    """

    def __init__(self, d_model: int, max_len: int = 5000, dropout: float = 0.0, batch_first: bool = False, dtype=None):
        super().__init__()
        self._init(max_len, d_model, dropout, batch_first)
        self.register_buffer("pe", from_numpy(sinusoidal_table(max_len, d_model, dtype)), persistent=False)

    def _table(self) -> Tensor:
        return self.pe

    def encoding(self, length: int, offset: int = 0) -> Tensor:
        """PE[offset : offset + length], shape (length, D)."""
        if offset < 0 or offset + length > self.max_len:
            raise ValueError(f"SinusoidalPositionalEncoding: positions {offset}..{offset + length - 1} "
                             f"exceed max_len={self.max_len}")
        return self.pe[offset : offset + length]


class LearnedPositionalEmbedding(_AddPositions):
    """y = Dropout(x + P[pos]), P a learned (max_len, D) table (BERT, GPT, ViT position embeddings).

    Args:
        max_len: number of positions. d_model: D.
        dropout: dropout probability after the addition (training only). Default: 0.
        batch_first: input is (N, L, D) rather than (L, N, D). Default: False.
        init_std: standard deviation of the initial values. Default: 0.02 (as BERT/GPT-2).
        dtype: parameter dtype (default: the default dtype).

    Shape:
        input: (L, N, D), (N, L, D) with ``batch_first``, or (L, D); output: the same.

    Attributes:
        weight: (max_len, D), initialized N(0, init_std²) — laid out as an ``nn.Embedding``'s weight.
    """

    def __init__(self, max_len: int, d_model: int, dropout: float = 0.0, batch_first: bool = False,
                 init_std: float = 0.02, dtype=None):
        super().__init__()
        self._init(max_len, d_model, dropout, batch_first)
        self.init_std = init_std
        self.weight = Parameter(np.empty((max_len, d_model), dtype=as_dtype(dtype)))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Redraw P ~ N(0, init_std²) from the seeded generator."""
        init.normal_(self.weight, 0.0, self.init_std)

    def _table(self) -> Tensor:
        return self.weight
