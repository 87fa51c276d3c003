"""Graph structure for the graph layers: edge indices, adjacency matrices, normalizations, Laplacians.

A graph reaches a layer in one of three forms (the ``graph`` argument of every graph layer):

- an **edge index**, an integer array (2, E) of ``(source, target)`` rows (PyG's
  ``edge_index``); an undirected graph lists both directions;
- a **scipy.sparse** matrix A (N, N) with A[target, source] = weight — large graphs;
- a **dense** float or bool array / Tensor A (N, N) — small graphs.

An integer array of shape (2, E) is always read as an edge index. These helpers are
structure, not parameters: nothing here is differentiated.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from nnlab.autograd.tensor import Tensor
from nnlab.ops.sparse import check_edge_index


def _raw(graph):
    return graph.array if isinstance(graph, Tensor) else graph


def is_edge_index(graph) -> bool:
    """True for an integer array (2, E), the edge-index form."""
    g = _raw(graph)
    return (not sp.issparse(g)) and isinstance(g, np.ndarray) and g.ndim == 2 and g.shape[0] == 2 \
        and np.issubdtype(g.dtype, np.integer)


def _check_square(shape, op: str) -> None:
    if len(shape) != 2 or shape[0] != shape[1]:
        raise ValueError(f"{op}: an adjacency matrix must be square (N, N), got shape {tuple(shape)}")


def to_adjacency(graph, num_nodes: int, dtype=np.float32, op: str = "graph") -> sp.csr_matrix | np.ndarray:
    """The adjacency A with A[t, s] = weight of edge s → t: sparse for an edge index or a sparse input, dense for dense.

    Duplicate edges in an edge index add up. Raises a clear error for a non-square
    matrix, a matrix whose size is not ``num_nodes``, or an edge index out of range.
    """
    g = _raw(graph)
    if is_edge_index(g):
        ei = check_edge_index(g, num_nodes, op)
        return sp.csr_matrix((np.ones(ei.shape[1], dtype=dtype), (ei[1], ei[0])), shape=(num_nodes, num_nodes))
    if sp.issparse(g):
        _check_square(g.shape, op)
        a = g.tocsr().astype(dtype)
    else:
        a = np.asarray(g)
        _check_square(a.shape, op)
        a = a.astype(dtype)
    if a.shape[0] != num_nodes:
        raise ValueError(f"{op}: adjacency of shape {tuple(a.shape)} does not match the {num_nodes} nodes of x")
    return a


def to_edge_index(graph, num_nodes: int, op: str = "graph") -> tuple[np.ndarray, np.ndarray | None]:
    """``(edge_index (2, E), edge_weight (E,) or None)`` of any graph form; weights only for matrix inputs."""
    g = _raw(graph)
    if is_edge_index(g):
        return check_edge_index(g, num_nodes, op), None
    a = to_adjacency(g, num_nodes, np.float64, op)
    coo = sp.coo_matrix(a)
    keep = coo.array != 0
    return np.stack([coo.col[keep], coo.row[keep]]).astype(np.int64), coo.array[keep]


def add_self_loops(edge_index, num_nodes: int) -> np.ndarray:
    """The edge index with one edge i → i appended for every node (A + I)."""
    ei = check_edge_index(edge_index, num_nodes, "add_self_loops")
    loops = np.arange(num_nodes, dtype=np.int64)
    return np.concatenate([ei, np.stack([loops, loops])], axis=1)


def with_self_loops(a, add_loops: bool = True):
    """A + I for a sparse or dense adjacency (A itself when ``add_loops`` is False)."""
    if not add_loops:
        return a
    n = a.shape[0]
    return a + (sp.eye(n, dtype=a.dtype, format="csr") if sp.issparse(a) else np.eye(n, dtype=a.dtype))


def _sym_scale(a, deg: np.ndarray):
    """D^-1/2 A D^-1/2, with 0 where a degree is 0."""
    inv = np.zeros_like(deg)
    nz = deg > 0
    inv[nz] = deg[nz] ** -0.5
    if sp.issparse(a):
        d = sp.diags(inv)
        return (d @ a @ d).tocsr()
    return inv[:, None] * a * inv[None, :]


def _degrees(a) -> np.ndarray:
    return np.asarray(a.sum(axis=1)).ravel()


def gcn_norm(graph, num_nodes: int, add_self_loops: bool = True, dtype=np.float32, op: str = "gcn_norm"):
    """Kipf & Welling's propagation matrix Â = D̃^-1/2 (A + I) D̃^-1/2, D̃_ii = Σ_j (A + I)_ij.

    Sparse for an edge index or a sparse input, dense for a dense one.
    """
    a = with_self_loops(to_adjacency(graph, num_nodes, np.float64, op), add_self_loops)
    return _sym_scale(a, _degrees(a)).astype(dtype)


def laplacian(graph, num_nodes: int, normalization: str | None = "sym", dtype=np.float32, op: str = "laplacian"):
    """The graph Laplacian: L = D − A (``None``), L = I − D^-1/2 A D^-1/2 (``"sym"``), L = I − D^-1 A (``"rw"``).

    The symmetric normalized Laplacian of an undirected graph has eigenvalues in [0, 2]
    and orthonormal eigenvectors: the graph's Fourier basis.
    """
    a = to_adjacency(graph, num_nodes, np.float64, op)
    deg = _degrees(a)
    eye = sp.eye(num_nodes, format="csr") if sp.issparse(a) else np.eye(num_nodes)
    if normalization is None:
        lap = (sp.diags(deg) if sp.issparse(a) else np.diag(deg)) - a
    elif normalization == "sym":
        lap = eye - _sym_scale(a, deg)
    elif normalization == "rw":
        inv = np.where(deg > 0, 1.0 / np.where(deg > 0, deg, 1.0), 0.0)
        lap = eye - (sp.diags(inv) @ a if sp.issparse(a) else inv[:, None] * a)
    else:
        raise ValueError(f"laplacian: normalization must be None, 'sym' or 'rw', got {normalization!r}")
    return lap.tocsr().astype(dtype) if sp.issparse(lap) else lap.astype(dtype)


def scaled_laplacian(graph, num_nodes: int, lambda_max: float = 2.0, normalization: str | None = "sym",
                     dtype=np.float32, op: str = "scaled_laplacian"):
    """L̃ = 2 L / λ_max − I, the Laplacian rescaled so its spectrum lies in [−1, 1] (Chebyshev's domain)."""
    if lambda_max <= 0:
        raise ValueError(f"scaled_laplacian: lambda_max must be positive, got {lambda_max}")
    lap = laplacian(graph, num_nodes, normalization, np.float64, op)
    eye = sp.eye(num_nodes, format="csr") if sp.issparse(lap) else np.eye(num_nodes)
    out = (2.0 / lambda_max) * lap - eye
    return out.tocsr().astype(dtype) if sp.issparse(out) else out.astype(dtype)


def laplacian_eigenbasis(graph, num_nodes: int, normalization: str | None = "sym") -> tuple[np.ndarray, np.ndarray]:
    """Eigenvalues λ (N,) ascending and orthonormal eigenvectors U (N, N) of the (symmetric) Laplacian.

    L = U diag(λ) Uᵀ; the graph Fourier transform of a signal x is x̂ = Uᵀ x. Dense O(N³):
    for small graphs (the spectral approach's cost, which Chebyshev filters avoid).
    """
    lap = laplacian(graph, num_nodes, normalization, np.float64)
    dense = lap.toarray() if sp.issparse(lap) else lap
    if not np.allclose(dense, dense.T):
        raise ValueError("laplacian_eigenbasis: the Laplacian is not symmetric (a directed graph or "
                         "normalization='rw'); the eigenbasis needs an undirected graph with 'sym' or None")
    lam, u = np.linalg.eigh(dense)
    return lam, u
