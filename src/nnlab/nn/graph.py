"""Spatial graph layers: GCN (Kipf & Welling), GraphSAGE-style message passing, graph attention (GAT), readouts.

A CNN's filter works because images have *locality* (a pixel depends on its neighbours)
and *stationarity* (the same filter fits everywhere). Graphs keep both ideas without the
grid: a node's new features come from its neighbours' (locality), through weights shared
by every node (stationarity), and an aggregation that does not depend on the order of the
neighbours (graphs have none). Every layer takes ``(x, graph)`` with x the node features
(N, D_in) and ``graph`` an edge index (2, E), a scipy.sparse or a dense adjacency (N, N)
(see :mod:`nnlab.nn.graph_structure`).
"""

from __future__ import annotations

import math

import numpy as np
import scipy.sparse as sp

from nnlab import functional as F
from nnlab.autograd.tensor import Tensor
from nnlab.backend import as_dtype
from nnlab.nn import init
from nnlab.nn.graph_structure import add_self_loops as _add_loops
from nnlab.nn.graph_structure import with_self_loops, gcn_norm, to_adjacency, to_edge_index
from nnlab.nn.linear import Linear
from nnlab.nn.module import Module
from nnlab.nn.parameter import Parameter
from nnlab.ops.creation import as_tensor
from nnlab.ops.movement import cat, getitem
from nnlab.ops.reduce import amax
from nnlab.ops.sparse import scatter_add, scatter_mean, segment_counts, segment_softmax, spmm


def _check_x(x: Tensor, in_features: int, op: str) -> None:
    if x.ndim != 2 or x.shape[1] != in_features:
        raise ValueError(f"{op}: expects node features of shape (N, {in_features}), got {tuple(x.shape)}")


def propagate(matrix, x: Tensor) -> Tensor:
    """M X for a propagation matrix M (N, N), scipy.sparse (sparse product) or dense (matmul)."""
    if sp.issparse(matrix):
        return spmm(matrix, x)
    return as_tensor(np.asarray(matrix, dtype=x.dtype)) @ x


class GCNConv(Module):
    """H' = Â H W + b, Â = D̃^-1/2 (A + I) D̃^-1/2 (Kipf & Welling, 2017).

    Each node averages its own and its neighbours' transformed features, weighted by
    1/√(d̃_i d̃_j) so that high-degree nodes do not dominate. The nonlinearity σ is applied by
    the model, as in PyTorch Geometric.

    Args:
        in_features: D_in. out_features: D_out.
        bias: learn b (default True). add_self_loops: use A + I (default True).
        normalize: use Â; otherwise propagate with A itself (default True).
        cached: compute Â once and reuse it — for transductive training on one fixed graph (default False).
        dtype: parameter dtype (default float32).

    Shape:
        x (N, D_in), graph (2, E) / (N, N) → (N, D_out).

    Attributes:
        lin: Linear(D_in, D_out, bias=False), weight Glorot-uniform. bias: (D_out,) zeros.
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True, add_self_loops: bool = True,
                 normalize: bool = True, cached: bool = False, dtype=None):
        super().__init__()
        self.in_features, self.out_features = int(in_features), int(out_features)
        self.add_self_loops, self.normalize, self.cached = add_self_loops, normalize, cached
        self.lin = Linear(in_features, out_features, bias=False, dtype=dtype)
        init.xavier_uniform_(self.lin.weight)
        self.bias = Parameter(np.zeros(out_features, dtype=as_dtype(dtype))) if bias else None
        self._cache = None

    def propagation_matrix(self, graph, num_nodes: int, dtype=np.float32):
        """Â for ``graph`` (cached when ``cached``)."""
        if self.cached and self._cache is not None and self._cache.shape[0] == num_nodes:
            return self._cache
        if self.normalize:
            m = gcn_norm(graph, num_nodes, self.add_self_loops, dtype, op="GCNConv")
        else:
            m = with_self_loops(to_adjacency(graph, num_nodes, dtype, op="GCNConv"), self.add_self_loops)
        if self.cached:
            self._cache = m
        return m

    def forward(self, x: Tensor, graph) -> Tensor:
        _check_x(x, self.in_features, "GCNConv")
        out = propagate(self.propagation_matrix(graph, x.shape[0], x.dtype), self.lin(x))
        return out + self.bias if self.bias is not None else out

    def extra_repr(self) -> str:
        return f"{self.in_features}, {self.out_features}"


class SAGEConv(Module):
    """h'_i = W_root h_i + W_neigh · AGG_{j ∈ N(i)} h_j + b (GraphSAGE, Hamilton et al., 2017).

    Message passing in its plainest form: every edge j → i sends h_j, the messages are
    aggregated at i (``"mean"`` or ``"sum"``; a node with no neighbours gets 0) and combined
    with the node's own features.

    Args:
        in_features: D_in. out_features: D_out. aggr: ``"mean"`` (default) or ``"sum"``.
        root_weight: add W_root h_i (default True). bias: default True. dtype: default float32.

    Shape:
        x (N, D_in), graph (2, E) / (N, N) → (N, D_out).

    Attributes:
        lin_neigh: Linear(D_in, D_out) (holds b). lin_root: Linear(D_in, D_out, bias=False).
    """

    def __init__(self, in_features: int, out_features: int, aggr: str = "mean", root_weight: bool = True,
                 bias: bool = True, dtype=None):
        super().__init__()
        if aggr not in ("mean", "sum"):
            raise ValueError(f"SAGEConv: aggr must be 'mean' or 'sum', got {aggr!r}")
        self.in_features, self.out_features, self.aggr = int(in_features), int(out_features), aggr
        self.lin_neigh = Linear(in_features, out_features, bias=bias, dtype=dtype)
        self.lin_root = Linear(in_features, out_features, bias=False, dtype=dtype) if root_weight else None

    def forward(self, x: Tensor, graph) -> Tensor:
        _check_x(x, self.in_features, "SAGEConv")
        n = x.shape[0]
        ei, _ = to_edge_index(graph, n, "SAGEConv")
        messages = getitem(x, ei[0])
        agg = (scatter_mean if self.aggr == "mean" else scatter_add)(messages, ei[1], n)
        out = self.lin_neigh(agg)
        return out + self.lin_root(x) if self.lin_root is not None else out

    def extra_repr(self) -> str:
        return f"{self.in_features}, {self.out_features}, aggr={self.aggr!r}"


class GATConv(Module):
    """h'_i = ‖_heads Σ_{j ∈ N(i) ∪ {i}} α_ij W h_j, α_ij = softmax_j LeakyReLU(aᵀ [W h_i ‖ W h_j]) (Veličković et al., 2018).

    Attention over a node's neighbourhood: the same query–key scoring as a Transformer's,
    restricted to the graph's edges (a Transformer is a GAT on the complete graph). The
    score splits as a_dst·W h_i + a_src·W h_j, so it costs O(E·heads).

    Args:
        in_features: D_in. out_features: F per head. heads: H (default 1).
        concat: concatenate the heads (output H·F) or average them (F) (default True).
        negative_slope: LeakyReLU slope (default 0.2). dropout: on the attention weights (default 0).
        add_self_loops: attend to the node itself too (default True). bias: default True.
        dtype: default float32.

    Shape:
        x (N, D_in), graph (2, E) / (N, N) → (N, H·F) with concat, else (N, F).

    Attributes:
        lin: Linear(D_in, H·F, bias=False), Glorot. att_src, att_dst: (1, H, F), Glorot.
        bias: (H·F,) or (F,), zeros.
    """

    def __init__(self, in_features: int, out_features: int, heads: int = 1, concat: bool = True,
                 negative_slope: float = 0.2, dropout: float = 0.0, add_self_loops: bool = True, bias: bool = True,
                 dtype=None):
        super().__init__()
        if heads < 1:
            raise ValueError(f"GATConv: heads must be >= 1, got {heads}")
        dt = as_dtype(dtype)
        self.in_features, self.out_features, self.heads, self.concat = int(in_features), int(out_features), heads, concat
        self.negative_slope, self.dropout, self.add_self_loops = negative_slope, dropout, add_self_loops
        self.lin = Linear(in_features, heads * out_features, bias=False, dtype=dt)
        init.xavier_uniform_(self.lin.weight)
        bound = math.sqrt(6.0 / (heads + out_features))
        self.att_src = Parameter(np.empty((1, heads, out_features), dtype=dt))
        self.att_dst = Parameter(np.empty((1, heads, out_features), dtype=dt))
        init.uniform_(self.att_src, -bound, bound)
        init.uniform_(self.att_dst, -bound, bound)
        width = heads * out_features if concat else out_features
        self.bias = Parameter(np.zeros(width, dtype=dt)) if bias else None

    def attention(self, x: Tensor, graph) -> tuple[np.ndarray, Tensor, Tensor]:
        """``(edge_index (2, E'), α (E', H), W x (N, H, F))``, self-loops included when configured."""
        _check_x(x, self.in_features, "GATConv")
        n = x.shape[0]
        ei, _ = to_edge_index(graph, n, "GATConv")
        if self.add_self_loops:
            ei = _add_loops(ei[:, ei[0] != ei[1]], n)
        h = self.lin(x).reshape(n, self.heads, self.out_features)
        a_src = (h * self.att_src).sum(-1)
        a_dst = (h * self.att_dst).sum(-1)
        scores = F.leaky_relu(getitem(a_src, ei[0]) + getitem(a_dst, ei[1]), self.negative_slope)
        return ei, segment_softmax(scores, ei[1], n), h

    def forward(self, x: Tensor, graph) -> Tensor:
        ei, alpha, h = self.attention(x, graph)
        alpha = F.dropout(alpha, self.dropout, self.training)
        messages = getitem(h, ei[0]) * alpha.unsqueeze(-1)
        out = scatter_add(messages, ei[1], x.shape[0])
        out = out.reshape(x.shape[0], -1) if self.concat else out.mean(1)
        return out + self.bias if self.bias is not None else out

    def extra_repr(self) -> str:
        return f"{self.in_features}, {self.out_features}, heads={self.heads}"


# ---- readouts: one vector per graph from the node vectors of a batch of graphs ----
def _check_batch(x: Tensor, batch, num_graphs: int | None, op: str) -> tuple[np.ndarray, int]:
    b = batch.array if isinstance(batch, Tensor) else np.asarray(batch)
    if b.ndim != 1 or b.shape[0] != x.shape[0]:
        raise ValueError(f"{op}: batch must give one graph id per node ({x.shape[0]}), got shape {b.shape}")
    b = b.astype(np.int64, copy=False)
    g = int(b.max()) + 1 if num_graphs is None and b.size else int(num_graphs or 0)
    return b, g


def global_add_pool(x: Tensor, batch, num_graphs: int | None = None) -> Tensor:
    """r_g = Σ_{i in graph g} h_i. Shape: x (N, D), batch (N,) graph ids → (G, D)."""
    b, g = _check_batch(x, batch, num_graphs, "global_add_pool")
    return scatter_add(x, b, g)


def global_mean_pool(x: Tensor, batch, num_graphs: int | None = None) -> Tensor:
    """r_g = (1/n_g) Σ_{i in graph g} h_i. Shape: x (N, D), batch (N,) → (G, D)."""
    b, g = _check_batch(x, batch, num_graphs, "global_mean_pool")
    return scatter_mean(x, b, g)


def global_max_pool(x: Tensor, batch, num_graphs: int | None = None) -> Tensor:
    """r_g = max_{i in graph g} h_i (elementwise). Shape: x (N, D), batch (N,) → (G, D); graphs must be non-empty."""
    b, g = _check_batch(x, batch, num_graphs, "global_max_pool")
    if np.any(segment_counts(b, g) == 0):
        raise ValueError("global_max_pool: every graph id in [0, num_graphs) needs at least one node")
    # A (G, largest graph) table of node ids, padded with a row of −inf that never wins the max.
    order = np.argsort(b, kind="stable")
    counts = segment_counts(b, g)
    width = int(counts.max())
    starts = np.r_[0, np.cumsum(counts)[:-1]]
    slot = np.arange(b.size) - starts[b[order]]
    table = np.full((g, width), -1, dtype=np.int64)
    table[b[order], slot] = order
    padded = cat([x, as_tensor(np.full((1, x.shape[1]), -np.inf, dtype=x.dtype))], 0)
    return amax(getitem(padded, np.where(table >= 0, table, x.shape[0])), 1)
