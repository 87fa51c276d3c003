"""Sparse propagation on graphs: sparse × dense products, scatter-add (segment sums), segment softmax.

A graph with N nodes and E edges is either a ``scipy.sparse`` matrix (N, N) or an edge
index (2, E) of integer ``(source, target)`` pairs, PyG's ``edge_index``. Message passing
is then two primitives: *gather* the source rows ``x[src]`` (``getitem``) and *scatter-add*
the messages into their targets, ``out[t] = Σ_{e: dst[e] = t} m[e]``. Both run in O(E·D)
time and memory, so graphs of 10⁵ nodes and 10⁶ edges fit where a dense N × N matrix
(80 GB in float64) would not.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from nnlab.autograd.function import Context, Function
from nnlab.autograd.tensor import Tensor
from nnlab.ops.movement import getitem


def check_edge_index(edge_index, num_nodes: int, op: str = "edge_index") -> np.ndarray:
    """``edge_index`` as an int64 array (2, E), every entry in [0, num_nodes); a clear error otherwise."""
    ei = edge_index.array if isinstance(edge_index, Tensor) else np.asarray(edge_index)
    if ei.ndim != 2 or ei.shape[0] != 2:
        raise ValueError(f"{op}: edge_index must have shape (2, E) of (source, target) rows, got shape {ei.shape}")
    if ei.size and not np.issubdtype(ei.dtype, np.integer):
        raise ValueError(f"{op}: edge_index must hold integers, got dtype {ei.dtype}")
    ei = ei.astype(np.int64, copy=False)
    if ei.size:
        lo, hi = int(ei.min()), int(ei.max())
        if lo < 0 or hi >= num_nodes:
            bad = lo if lo < 0 else hi
            raise ValueError(f"{op}: edge_index holds node {bad}, outside [0, {num_nodes}) for a graph of "
                             f"{num_nodes} nodes")
    return ei


def _sparse_operand(adj, op: str) -> sp.csr_matrix:
    if not sp.issparse(adj):
        raise TypeError(f"{op}: expected a scipy.sparse matrix, got {type(adj).__name__}")
    if adj.ndim != 2:
        raise ValueError(f"{op}: the sparse matrix must be 2-D, got shape {adj.shape}")
    return adj.tocsr()


class SparseMatmul(Function):
    """Y = A X for a constant sparse A (M, N) and a dense X (N, D).

    Backward: ∂X = Aᵀ G — one more sparse product, O(nnz·D). A carries no gradient
    (the graph structure is data, not a parameter).
    """

    @staticmethod
    def forward(ctx: Context, x, adj):
        a = adj if adj.dtype == x.dtype else adj.astype(x.dtype)
        ctx.adj = a
        return np.asarray(a @ x)

    @staticmethod
    def backward(ctx: Context, grad):
        return np.asarray(ctx.adj.T @ grad), None


def spmm(adj, x: Tensor) -> Tensor:
    """A X for a ``scipy.sparse`` matrix A (M, N) and a Tensor X (N, D) or (N,); differentiable in X.

    Shape:
        adj (M, N) sparse; x (N, D) → (M, D).
    """
    a = _sparse_operand(adj, "spmm")
    if x.ndim not in (1, 2) or x.shape[0] != a.shape[1]:
        raise ValueError(f"spmm: sparse matrix of shape {a.shape} cannot multiply x of shape {tuple(x.shape)} "
                         f"(x needs {a.shape[1]} rows)")
    return SparseMatmul.apply(x, a)


def _segment_matrix(index: np.ndarray, num_segments: int, dtype) -> sp.csr_matrix:
    """S (num_segments, E) with S[index[e], e] = 1, so that S m sums the rows of m by segment."""
    e = index.size
    return sp.csr_matrix((np.ones(e, dtype=dtype), (index, np.arange(e))), shape=(num_segments, e))


class ScatterAdd(Function):
    """out[s] = Σ_{e: index[e] = s} src[e] (segment sum; ``torch.index_add`` / PyG's ``scatter(..., "sum")``).

    Formed as one sparse product S src with S the 0/1 segment matrix (num_segments, E).
    Backward: ∂src[e] = G[index[e]] — every element reads its segment's gradient (a gather).
    """

    @staticmethod
    def forward(ctx: Context, src, index, num_segments):
        ctx.index = index
        flat = src.reshape(src.shape[0], -1)
        out = np.asarray(_segment_matrix(index, num_segments, src.dtype) @ flat)
        return out.reshape((num_segments,) + src.shape[1:])

    @staticmethod
    def backward(ctx: Context, grad):
        return grad[ctx.index], None, None


def _segment_index(index, length: int, num_segments: int, op: str) -> np.ndarray:
    idx = index.array if isinstance(index, Tensor) else np.asarray(index)
    if idx.ndim != 1 or idx.shape[0] != length:
        raise ValueError(f"{op}: index must be 1-D with one entry per row of src ({length}), got shape {idx.shape}")
    if idx.size and not np.issubdtype(idx.dtype, np.integer):
        raise ValueError(f"{op}: index must hold integers, got dtype {idx.dtype}")
    idx = idx.astype(np.int64, copy=False)
    if idx.size and (idx.min() < 0 or idx.max() >= num_segments):
        raise ValueError(f"{op}: index values must lie in [0, {num_segments}), got range "
                         f"[{int(idx.min())}, {int(idx.max())}]")
    return idx


def scatter_add(src: Tensor, index, num_segments: int) -> Tensor:
    """Segment sum: out[s] = Σ_{e: index[e] = s} src[e].

    Args:
        src: the values to sum (E, *).
        index: int array (E,) naming each row's segment, in [0, num_segments).
        num_segments: S, the number of output rows (segments with no rows get 0).

    Shape:
        src (E, *) → (S, *).
    """
    idx = _segment_index(index, src.shape[0], num_segments, "scatter_add")
    return ScatterAdd.apply(src, idx, int(num_segments))


def segment_counts(index, num_segments: int) -> np.ndarray:
    """How many rows fall in each segment: an int64 array (num_segments,)."""
    idx = index.array if isinstance(index, Tensor) else np.asarray(index)
    return np.bincount(idx.astype(np.int64, copy=False), minlength=num_segments)


def scatter_mean(src: Tensor, index, num_segments: int) -> Tensor:
    """Segment mean: out[s] = (1/n_s) Σ_{e: index[e] = s} src[e], 0 for empty segments (n_s = 0)."""
    total = scatter_add(src, index, num_segments)
    counts = np.maximum(segment_counts(index, num_segments), 1).astype(total.dtype)
    return total / Tensor._wrap(counts.reshape((-1,) + (1,) * (src.ndim - 1)))


def segment_softmax(scores: Tensor, index, num_segments: int) -> Tensor:
    """softmax within segments: α_e = exp(s_e) / Σ_{e': index[e'] = index[e]} exp(s_e').

    Used by graph attention, where a node's segment is its incoming edges. The per-segment
    maximum is subtracted first for stability; it is a constant (no gradient), which leaves
    both the value and the gradient unchanged because softmax is shift-invariant.

    Shape:
        scores (E, *) → (E, *), each segment summing to 1 along the first axis.
    """
    idx = _segment_index(index, scores.shape[0], num_segments, "segment_softmax")
    s = scores.array
    seg_max = np.full((num_segments,) + s.shape[1:], -np.inf, dtype=s.dtype)
    np.maximum.at(seg_max, idx, s)
    shifted = scores - Tensor._wrap(seg_max[idx])
    e = shifted.exp()
    denom = ScatterAdd.apply(e, idx, int(num_segments))
    return e / getitem(denom, idx)
