"""``Embedding``: a lookup table of learned vectors, one row per token (``torch.nn.Embedding``)."""

from __future__ import annotations

import numpy as np

from nnlab.autograd.tensor import Tensor
from nnlab.backend import as_dtype
from nnlab.nn import init
from nnlab.nn.module import Module
from nnlab.nn.parameter import Parameter
from nnlab.ops.creation import from_numpy
from nnlab.ops.embedding import embedding, normalize_padding_idx


class Embedding(Module):
    """y = E[x]: row x of the embedding matrix E, i.e. one_hot(x) · E (the seeds' e_w = E·o_w, transposed).

    Args:
        num_embeddings: V, the vocabulary size.
        embedding_dim: D, the size of each vector.
        padding_idx: a row that stays zero at init and never receives a gradient (default ``None``);
            negative values count from the end.
        max_norm: if given, each looked-up row with a larger norm is rescaled to it in place.
        norm_type: p of the p-norm for ``max_norm`` (default 2).
        scale_grad_by_freq: scale gradients by the inverse frequency of each index in the batch.
        sparse: must be ``False`` (dense gradients only).
        _weight: an initial (V, D) weight to use instead of the random init (as in PyTorch).
        _freeze: create ``weight`` with ``requires_grad=False`` (used by :meth:`from_pretrained`).
        dtype: parameter dtype (default float32).

    Shape:
        input: integer tensor (*) with values in [0, V); output: (*, D).

    Attributes:
        weight: (V, D), initialized N(0, 1) as in PyTorch, with the ``padding_idx`` row zeroed.
    """

    def __init__(self, num_embeddings: int, embedding_dim: int, padding_idx: int | None = None,
                 max_norm: float | None = None, norm_type: float = 2.0, scale_grad_by_freq: bool = False,
                 sparse: bool = False, _weight: Tensor | None = None, _freeze: bool = False, dtype=None):
        super().__init__()
        if num_embeddings < 0 or embedding_dim < 0:
            raise ValueError(f"Embedding: sizes must be non-negative, got {num_embeddings} x {embedding_dim}")
        if sparse:
            raise ValueError("Embedding: sparse=True is not supported (nnlab keeps dense gradients); use sparse=False")
        self.num_embeddings, self.embedding_dim = int(num_embeddings), int(embedding_dim)
        self.padding_idx = normalize_padding_idx(padding_idx, self.num_embeddings, "Embedding")
        self.max_norm, self.norm_type = max_norm, float(norm_type)
        self.scale_grad_by_freq, self.sparse = bool(scale_grad_by_freq), False
        if _weight is None:
            self.weight = Parameter(np.empty((num_embeddings, embedding_dim), dtype=as_dtype(dtype)),
                                    requires_grad=not _freeze)
            self.reset_parameters()
        else:
            data = _weight.array if isinstance(_weight, Tensor) else np.asarray(_weight)
            if data.shape != (num_embeddings, embedding_dim):
                raise ValueError(f"Embedding: _weight has shape {data.shape}, expected "
                                 f"({num_embeddings}, {embedding_dim})")
            self.weight = Parameter(from_numpy(data), requires_grad=not _freeze)

    def reset_parameters(self) -> None:
        """Redraw E from N(0, 1) (seeded generator) and zero the padding row."""
        init.normal_(self.weight)
        if self.padding_idx is not None:
            self.weight.array[self.padding_idx] = 0

    def forward(self, input: Tensor) -> Tensor:
        return embedding(input, self.weight, self.padding_idx, self.max_norm, self.norm_type,
                         self.scale_grad_by_freq)

    @classmethod
    def from_pretrained(cls, embeddings: Tensor, freeze: bool = True, padding_idx: int | None = None,
                        max_norm: float | None = None, norm_type: float = 2.0,
                        scale_grad_by_freq: bool = False, sparse: bool = False) -> "Embedding":
        """An Embedding whose weight is ``embeddings`` (V, D) (shared, not copied, as in PyTorch).

        Args:
            embeddings: the (V, D) matrix, e.g. word2vec or GloVe vectors.
            freeze: keep the vectors fixed (``weight.requires_grad = False``; default ``True``);
                ``False`` fine-tunes them.
            padding_idx, max_norm, norm_type, scale_grad_by_freq, sparse: as in the constructor;
                the padding row is NOT zeroed (the given vectors are kept as they are).
        """
        data = embeddings.array if isinstance(embeddings, Tensor) else np.asarray(embeddings)
        if data.ndim != 2:
            raise ValueError(f"Embedding.from_pretrained: embeddings must be 2-D (V, D), got shape {data.shape}")
        return cls(data.shape[0], data.shape[1], padding_idx, max_norm, norm_type, scale_grad_by_freq, sparse,
                   _weight=from_numpy(data), _freeze=freeze)

    def extra_repr(self) -> str:
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.padding_idx is not None:
            s += f", padding_idx={self.padding_idx}"
        if self.max_norm is not None:
            s += f", max_norm={self.max_norm}"
        if self.scale_grad_by_freq:
            s += ", scale_grad_by_freq=True"
        return s
