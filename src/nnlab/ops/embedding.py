"""Embedding lookup ``F.embedding``: rows of a weight matrix selected by integer indices."""

from __future__ import annotations

import numpy as np

from nnlab.autograd.function import Context, Function
from nnlab.autograd.tensor import Tensor


class EmbeddingFn(Function):
    """y[...] = W[idx[...]], the same as one_hot(idx) @ W without forming the one-hot matrix.

    Backward: ∂W[v] = Σ_{positions p with idx[p] = v} G[p] (zero for rows never looked up
    and for ``padding_idx``); with ``scale_grad_by_freq`` each sum is divided by how often
    v occurs in the batch. The sums are formed by sorting the indices once and adding
    contiguous runs with ``np.add.reduceat`` — measured faster than ``np.add.at``,
    ``np.bincount`` per element and a one-hot matmul for vocabularies from 64 to 10⁴.
    """

    @staticmethod
    def forward(ctx: Context, weight, idx, padding_idx, scale_grad_by_freq):
        ctx.idx, ctx.rows, ctx.padding_idx, ctx.scale = idx, weight.shape[0], padding_idx, scale_grad_by_freq
        return np.take(weight, idx, axis=0)

    @staticmethod
    def backward(ctx: Context, grad):
        flat = ctx.idx.ravel()
        g = grad.reshape(flat.size, -1)
        out = np.zeros((ctx.rows, g.shape[1]), dtype=grad.dtype)
        if flat.size:
            order = np.argsort(flat, kind="stable")
            sorted_idx = flat[order]
            starts = np.flatnonzero(np.r_[True, sorted_idx[1:] != sorted_idx[:-1]])
            sums = np.add.reduceat(g[order], starts, axis=0)
            if ctx.scale:
                counts = np.diff(np.r_[starts, flat.size]).astype(grad.dtype)
                sums /= counts[:, None]
            out[sorted_idx[starts]] = sums
        if ctx.padding_idx is not None:
            out[ctx.padding_idx] = 0
        return out, None, None, None


def _renorm_rows_(weight: Tensor, idx: np.ndarray, max_norm: float, norm_type: float) -> None:
    """In place, without a graph (as PyTorch): rows looked up whose norm exceeds max_norm are scaled to it."""
    rows = np.unique(idx)
    w = weight.array
    norms = np.linalg.norm(w[rows], ord=norm_type, axis=1)
    big = norms > max_norm
    if big.any():
        scale = (max_norm / (norms[big] + 1e-7)).astype(w.dtype)
        w[rows[big]] *= scale[:, None]


def normalize_padding_idx(padding_idx: int | None, num_embeddings: int, name: str = "embedding") -> int | None:
    """``padding_idx`` in [0, num_embeddings), negative values counting from the end as in PyTorch."""
    if padding_idx is None:
        return None
    if not -num_embeddings <= padding_idx < num_embeddings:
        raise ValueError(f"{name}: padding_idx {padding_idx} must lie within num_embeddings={num_embeddings}")
    return int(padding_idx) % num_embeddings


def embedding(input: Tensor, weight: Tensor, padding_idx: int | None = None, max_norm: float | None = None,
              norm_type: float = 2.0, scale_grad_by_freq: bool = False, sparse: bool = False) -> Tensor:
    """y = W[input] (``torch.nn.functional.embedding``).

    Args:
        input: integer indices in [0, V), any shape.
        weight: the embedding matrix (V, D).
        padding_idx: this row gets no gradient (default ``None``); negative counts from the end.
        max_norm: if given, rows looked up with a larger ``norm_type``-norm are rescaled in place
            to this norm first (no gradient through the rescaling, as in PyTorch).
        norm_type: p of the p-norm for ``max_norm`` (default 2).
        scale_grad_by_freq: divide each row's gradient by its count in ``input`` (default ``False``).
        sparse: not supported (dense gradients only); must be ``False``.

    Shape:
        input: (*) → output (*, D).
    """
    if sparse:
        raise ValueError("embedding: sparse=True is not supported (nnlab keeps dense gradients); use sparse=False")
    if not isinstance(weight, Tensor) or weight.ndim != 2:
        raise ValueError(f"embedding: weight must be a 2-D tensor (num_embeddings, embedding_dim), "
                         f"got {getattr(weight, 'shape', type(weight).__name__)}")
    idx = input.array if isinstance(input, Tensor) else np.asarray(input)
    if idx.dtype.kind not in "iu":
        raise TypeError(f"embedding: indices must be integers, got dtype {idx.dtype}")
    rows = weight.shape[0]
    if idx.size and (idx.min() < 0 or idx.max() >= rows):
        bad = idx[(idx < 0) | (idx >= rows)].ravel()[0]
        raise IndexError(f"embedding: index {bad} is out of range for {rows} embeddings (weight shape {weight.shape})")
    padding_idx = normalize_padding_idx(padding_idx, rows)
    if max_norm is not None:
        _renorm_rows_(weight, idx, max_norm, norm_type)
    return EmbeddingFn.apply(weight, idx, padding_idx, bool(scale_grad_by_freq))
