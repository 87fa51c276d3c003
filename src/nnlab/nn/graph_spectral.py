"""Spectral graph convolution: filters in the Laplacian's eigenbasis, and Chebyshev polynomial filters.

The spectral view (Bruna et al., 2014): the eigenvectors U of the graph Laplacian
L = U diag(λ) Uᵀ play the part of Fourier modes, so a graph signal x has a spectrum
x̂ = Uᵀ x and a convolution is a product in that domain, g ⋆ x = U diag(g(λ)) Uᵀ x. This
needs the full eigendecomposition (O(N³)) and its filters do not transfer between graphs.
Defferrard et al. (2016) take g as a polynomial of degree K−1 in the rescaled Laplacian
L̃ = 2L/λ_max − I, written in Chebyshev polynomials T_0 = 1, T_1 = t, T_k = 2t T_{k−1} − T_{k−2}:
g(L̃) x = Σ_k θ_k T_k(L̃) x — K−1 sparse products and K-hop locality, no eigenvectors.
Kipf & Welling's GCN is the case K = 2, λ_max = 2, θ_0 = −θ_1 with the self-loop
renormalization.
"""

from __future__ import annotations

import numpy as np

from nnlab.autograd.tensor import Tensor
from nnlab.backend import as_dtype
from nnlab.nn import init
from nnlab.nn.containers import ModuleList
from nnlab.nn.graph import _check_x, propagate
from nnlab.nn.graph_structure import laplacian_eigenbasis, scaled_laplacian
from nnlab.nn.linear import Linear
from nnlab.nn.module import Module
from nnlab.nn.parameter import Parameter
from nnlab.ops.creation import as_tensor


def spectral_filter(x: Tensor, eigvals: np.ndarray, eigvecs: np.ndarray, response) -> Tensor:
    """g ⋆ x = U diag(g(λ)) Uᵀ x for a fixed frequency response g (a function of λ or an array (N,)).

    Shape:
        x (N, D); eigvals (N,); eigvecs U (N, N) → (N, D).
    """
    g = np.asarray(response(eigvals) if callable(response) else response, dtype=x.dtype)
    if g.shape != eigvals.shape:
        raise ValueError(f"spectral_filter: the response must give one gain per eigenvalue {eigvals.shape}, "
                         f"got shape {g.shape}")
    u = as_tensor(np.asarray(eigvecs, dtype=x.dtype))
    return u @ (as_tensor(g[:, None]) * (u.T @ x))


class SpectralConv(Module):
    """H' = U diag(θ) Uᵀ H W + b: a learned gain θ_k per graph frequency (Bruna et al.'s spectral network).

    The eigenbasis is fixed at construction, so the layer belongs to that one graph.

    Args:
        in_features: D_in. out_features: D_out.
        graph: the graph (any form of :mod:`nnlab.nn.graph_structure`). num_nodes: N.
        normalization: the Laplacian's (default ``"sym"``). bias: default True. dtype: default float32.

    Shape:
        x (N, D_in) → (N, D_out).

    Attributes:
        theta: (N,) gains, initialized to 1 (the identity filter). lin: Linear(D_in, D_out, bias=False).
        eigvals (N,), eigvecs (N, N): buffers.
    """

    def __init__(self, in_features: int, out_features: int, graph, num_nodes: int, normalization: str | None = "sym",
                 bias: bool = True, dtype=None):
        super().__init__()
        dt = as_dtype(dtype)
        lam, u = laplacian_eigenbasis(graph, num_nodes, normalization)
        self.in_features, self.out_features = int(in_features), int(out_features)
        self.register_buffer("eigvals", as_tensor(lam.astype(dt)))
        self.register_buffer("eigvecs", as_tensor(u.astype(dt)))
        self.theta = Parameter(np.ones(num_nodes, dtype=dt))
        self.lin = Linear(in_features, out_features, bias=False, dtype=dt)
        self.bias = Parameter(np.zeros(out_features, dtype=dt)) if bias else None

    def forward(self, x: Tensor) -> Tensor:
        _check_x(x, self.in_features, "SpectralConv")
        if x.shape[0] != self.eigvecs.shape[0]:
            raise ValueError(f"SpectralConv: built for {self.eigvecs.shape[0]} nodes, got x with {x.shape[0]}")
        u = self.eigvecs
        out = u @ (self.theta.unsqueeze(1) * (u.T @ self.lin(x)))
        return out + self.bias if self.bias is not None else out


class ChebConv(Module):
    """H' = Σ_{k<K} T_k(L̃) H Θ_k + b, with T_0 = H, T_1 = L̃ H, T_k = 2 L̃ T_{k−1} − T_{k−2} (Defferrard et al., 2016).

    L̃ = 2L/λ_max − I with L the Laplacian of ``normalization``. K = 1 ignores the graph
    (a per-node linear layer); each extra term reaches one hop further.

    Args:
        in_features: D_in. out_features: D_out. K: number of Chebyshev terms (≥ 1).
        normalization: ``"sym"`` (default), ``"rw"`` or ``None`` (combinatorial L = D − A).
        lambda_max: the spectrum's upper bound used for rescaling (default 2.0, exact bound for ``"sym"``).
        bias: default True. dtype: default float32.

    Shape:
        x (N, D_in), graph (2, E) / (N, N) → (N, D_out).

    Attributes:
        lins: K Linear(D_in, D_out, bias=False) (Θ_k), Glorot-uniform. bias: (D_out,) zeros.
    """

    def __init__(self, in_features: int, out_features: int, K: int, normalization: str | None = "sym",
                 lambda_max: float = 2.0, bias: bool = True, dtype=None):
        super().__init__()
        if K < 1:
            raise ValueError(f"ChebConv: K must be >= 1, got {K}")
        self.in_features, self.out_features, self.K = int(in_features), int(out_features), int(K)
        self.normalization, self.lambda_max = normalization, float(lambda_max)
        self.lins = ModuleList([Linear(in_features, out_features, bias=False, dtype=dtype) for _ in range(K)])
        for lin in self.lins:
            init.xavier_uniform_(lin.weight)
        self.bias = Parameter(np.zeros(out_features, dtype=as_dtype(dtype))) if bias else None

    def forward(self, x: Tensor, graph) -> Tensor:
        _check_x(x, self.in_features, "ChebConv")
        lap = scaled_laplacian(graph, x.shape[0], self.lambda_max, self.normalization, x.dtype, op="ChebConv")
        t_prev, t_cur = x, None
        out = self.lins[0](x)
        for k in range(1, self.K):
            t_next = propagate(lap, x) if k == 1 else 2.0 * propagate(lap, t_cur) - t_prev
            if k > 1:
                t_prev = t_cur
            t_cur = t_next
            out = out + self.lins[k](t_cur)
        return out + self.bias if self.bias is not None else out

    def extra_repr(self) -> str:
        return f"{self.in_features}, {self.out_features}, K={self.K}, normalization={self.normalization!r}"
