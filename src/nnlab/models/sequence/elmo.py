"""ELMo (Peters et al., 2018, "Deep contextualized word representations"): the layers of a
bidirectional LSTM language model, mixed by learned softmax weights, as contextual word vectors."""

from __future__ import annotations

import numpy as np

from nnlab import functional as F
from nnlab import nn
from nnlab.autograd.tensor import Tensor
from nnlab.backend import as_dtype
from nnlab.ops.creation import from_numpy
from nnlab.ops.movement import cat, stack


class ScalarMix(nn.Module):
    """ELMo_k = γ · Σ_j softmax(s)_j · h_{k,j}: a learned convex mix of J layers, rescaled.

    Args:
        num_layers: J, how many layer outputs are mixed.
        dtype: parameter dtype (default float32).

    Shape:
        input: a list of J tensors (*, D); output (*, D).

    Attributes:
        scalar_parameters: (J,), the unnormalized weights s, init 0 (an equal mix).
        gamma: (1,), the scale γ, init 1.
    """

    def __init__(self, num_layers: int, dtype=None):
        super().__init__()
        dt = as_dtype(dtype)
        self.num_layers = int(num_layers)
        self.scalar_parameters = nn.Parameter(np.zeros(num_layers, dtype=dt))
        self.gamma = nn.Parameter(np.ones(1, dtype=dt))

    def forward(self, layers: list[Tensor]) -> Tensor:
        if len(layers) != self.num_layers:
            raise ValueError(f"ScalarMix: expected {self.num_layers} layer outputs, got {len(layers)}")
        weights = F.softmax(self.scalar_parameters, dim=0)
        stacked = stack(layers, dim=-1)                       # (*, D, J)
        return (stacked * weights).sum(-1) * self.gamma

    def extra_repr(self) -> str:
        return f"num_layers={self.num_layers}"


def reverse_padded(ids_or_x: Tensor, lengths: np.ndarray) -> Tensor:
    """Reverse each row's first ``lengths[n]`` steps in time, leaving the padding where it is.

    Its own inverse. Shape: (N, T) or (N, T, D) in, the same out.
    """
    N, T = ids_or_x.shape[:2]
    t = np.arange(T)[None, :]
    lengths = np.asarray(lengths)[:, None]
    idx = np.where(t < lengths, lengths - 1 - t, t)
    return ids_or_x[np.arange(N)[:, None], idx]


class ELMo(nn.Module):
    """ELMo_t = γ Σ_j s_j [→h_{t,j}; ←h_{t,j}], with →h, ←h the layers of forward and backward LSTM LMs.

    Two separate stacks of LSTMs read the sentence left-to-right and right-to-left
    (separate, not ``nn.LSTM(bidirectional=True)``, whose upper layers would see both
    directions and let each language model peek at the word it must predict). The
    forward LM predicts token t+1 from →h_{t,L}, the backward LM token t−1 from ←h_{t,L},
    through one softmax layer shared by both directions (as in the paper). Layer 0 is the
    context-free token embedding, duplicated to [x; x]; layers above it add a residual
    connection. After pretraining with :meth:`lm_loss`, :meth:`forward` returns the
    learned mix of all layers: vectors that depend on the word's context.

    Args:
        vocab_size: V.
        embedding_dim: D, the width of the embeddings and of each LSTM direction (default 64).
        num_layers: L LSTM layers per direction (default 2).
        dropout: dropout between layers (default 0.1).
        padding_idx: the ``<pad>`` id (default 0), ignored by the loss.
        dtype: parameter dtype (default float32).

    Shape:
        ids (N, T) int; output (N, T, 2D); layer_states: L + 1 tensors (N, T, 2D).

    Attributes:
        embedding: Embedding(V, D), N(0, 1). forward_lstms, backward_lstms: L × LSTM(D, D),
            PyTorch's init U(−1/√D, 1/√D). softmax: Linear(D, V), shared by both LMs.
        scalar_mix: :class:`ScalarMix` over L + 1 layers.
    """

    def __init__(self, vocab_size: int, embedding_dim: int = 64, num_layers: int = 2, dropout: float = 0.1,
                 padding_idx: int = 0, dtype=None):
        super().__init__()
        dt = as_dtype(dtype)
        D = int(embedding_dim)
        self.padding_idx = int(padding_idx)
        self.embedding = nn.Embedding(vocab_size, D, padding_idx=padding_idx, dtype=dt)
        self.forward_lstms = nn.ModuleList([nn.LSTM(D, D, batch_first=True, dtype=dt) for _ in range(num_layers)])
        self.backward_lstms = nn.ModuleList([nn.LSTM(D, D, batch_first=True, dtype=dt) for _ in range(num_layers)])
        self.dropout = nn.Dropout(dropout)
        self.softmax = nn.Linear(D, vocab_size, dtype=dt)
        self.scalar_mix = ScalarMix(num_layers + 1, dtype=dt)

    def _lengths(self, ids: Tensor) -> np.ndarray:
        return (ids.array != self.padding_idx).sum(axis=1)

    def _run(self, lstms: nn.ModuleList, x: Tensor) -> list[Tensor]:
        outs, h = [], x
        for i, lstm in enumerate(lstms):
            y, _ = lstm(self.dropout(h))
            h = y + h if i > 0 else y  # residual between LSTM layers, as in the paper
            outs.append(h)
        return outs

    def directional_states(self, ids) -> tuple[Tensor, list[Tensor], list[Tensor]]:
        """Token embeddings (N, T, D) and each layer's forward and backward states (N, T, D)."""
        ids = ids if isinstance(ids, Tensor) else from_numpy(np.asarray(ids, dtype=np.int64))
        if ids.ndim != 2:
            raise ValueError(f"ELMo: expects ids of shape (N, T), got shape {tuple(ids.shape)}")
        lengths = self._lengths(ids)
        x = self.embedding(ids)
        fwd = self._run(self.forward_lstms, x)
        bwd = [reverse_padded(h, lengths) for h in self._run(self.backward_lstms, reverse_padded(x, lengths))]
        return x, fwd, bwd

    def layer_states(self, ids) -> list[Tensor]:
        """[x; x], then [→h_j; ←h_j] for each layer j: L + 1 tensors (N, T, 2D)."""
        x, fwd, bwd = self.directional_states(ids)
        return [cat([x, x], dim=-1)] + [cat([f, b], dim=-1) for f, b in zip(fwd, bwd)]

    def forward(self, ids) -> Tensor:
        return self.scalar_mix(self.layer_states(ids))

    def lm_loss(self, ids) -> Tensor:
        """(NLL of the forward LM predicting x_{t+1} + NLL of the backward LM predicting x_{t−1}) / 2."""
        ids = ids if isinstance(ids, Tensor) else from_numpy(np.asarray(ids, dtype=np.int64))
        _, fwd, bwd = self.directional_states(ids)
        V = self.softmax.out_features
        arr = ids.array
        fwd_logits = self.softmax(self.dropout(fwd[-1][:, :-1]))
        bwd_logits = self.softmax(self.dropout(bwd[-1][:, 1:]))
        loss_f = F.cross_entropy(fwd_logits.reshape(-1, V), from_numpy(arr[:, 1:].reshape(-1)),
                                 ignore_index=self.padding_idx)
        loss_b = F.cross_entropy(bwd_logits.reshape(-1, V), from_numpy(arr[:, :-1].reshape(-1)),
                                 ignore_index=self.padding_idx)
        return (loss_f + loss_b) * 0.5
