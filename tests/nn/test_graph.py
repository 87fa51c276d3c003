"""Graph layers: GCNConv against the dense formula, ChebConv K=2 → GCN, spectral filters, SAGE, GAT, readouts."""

import numpy as np
import pytest
import scipy.sparse as sp

import nnlab
import nnlab.nn as nn
from nnlab.autograd.gradcheck import gradcheck

# A 5-node graph: a triangle 0-1-2 with a tail 2-3-4 (undirected: both directions listed).
EDGES = [(0, 1), (1, 2), (0, 2), (2, 3), (3, 4)]
EI = np.array([[s for s, t in EDGES] + [t for s, t in EDGES], [t for s, t in EDGES] + [s for s, t in EDGES]])
N = 5


def dense_adjacency():
    a = np.zeros((N, N))
    for s, t in EDGES:
        a[s, t] = a[t, s] = 1.0
    return a


def features(d=3, seed=0):
    return np.random.default_rng(seed).standard_normal((N, d))


def test_gcnconv_equals_dense_formula_for_every_graph_form():
    nnlab.manual_seed(0)
    conv = nn.GCNConv(3, 4, dtype=np.float64)
    conv.bias.array[:] = np.arange(4) * 0.1
    x = features()
    a_tilde = dense_adjacency() + np.eye(N)
    d = a_tilde.sum(1)
    a_hat = np.diag(d ** -0.5) @ a_tilde @ np.diag(d ** -0.5)
    want = a_hat @ x @ conv.lin.weight.array.T + conv.bias.array
    for graph in (EI, sp.csr_matrix(dense_adjacency()), dense_adjacency(), nnlab.as_tensor(dense_adjacency())):
        np.testing.assert_allclose(conv(nnlab.as_tensor(x), graph).array, want, atol=1e-12)


def test_chebconv_k2_reduces_to_gcn_propagation():
    nnlab.manual_seed(1)
    gcn = nn.GCNConv(3, 2, bias=False, dtype=np.float64)
    cheb = nn.ChebConv(3, 2, K=2, lambda_max=2.0, bias=False, dtype=np.float64)
    w = gcn.lin.weight.array
    x = nnlab.as_tensor(features())
    # On A + I with λ_max = 2: L̃ = −D̃^-1/2 (A+I) D̃^-1/2, so Θ_0 = 0, Θ_1 = −W gives Â X W exactly.
    cheb.lins[0].weight.array[:] = 0.0
    cheb.lins[1].weight.array[:] = -w
    looped = nn.add_self_loops(EI, N)
    np.testing.assert_allclose(cheb(x, looped).array, gcn(x, EI).array, atol=1e-12)
    # Kipf & Welling's first-order step before renormalization: Θ_0 = −Θ_1 = Θ gives Θ(I + D^-1/2 A D^-1/2)X.
    cheb.lins[0].weight.array[:] = w
    cheb.lins[1].weight.array[:] = -w
    d = dense_adjacency().sum(1)
    prop = np.eye(N) + np.diag(d ** -0.5) @ dense_adjacency() @ np.diag(d ** -0.5)
    np.testing.assert_allclose(cheb(x, EI).array, prop @ x.array @ w.T, atol=1e-12)


def test_chebconv_is_a_polynomial_spectral_filter():
    nnlab.manual_seed(2)
    cheb = nn.ChebConv(1, 1, K=3, bias=False, dtype=np.float64)
    th = [float(lin.weight.array[0, 0]) for lin in cheb.lins]
    lam, u = nn.laplacian_eigenbasis(EI, N)
    t = lam - 1.0  # λ̃ = 2λ/2 − 1
    response = th[0] + th[1] * t + th[2] * (2 * t * t - 1)
    x = nnlab.as_tensor(features(1))
    np.testing.assert_allclose(cheb(x, EI).array, nn.spectral_filter(x, lam, u, response).array, atol=1e-10)
    assert lam.min() > -1e-12 and lam.max() <= 2 + 1e-12  # the normalized Laplacian's spectrum lies in [0, 2]
    np.testing.assert_allclose(u @ np.diag(lam) @ u.T, nn.laplacian(EI, N, dtype=np.float64).toarray(), atol=1e-12)


def test_sage_mean_and_sum_by_hand():
    nnlab.manual_seed(3)
    x = features()
    a = dense_adjacency()
    for aggr, agg in (("mean", (a @ x) / a.sum(1, keepdims=True)), ("sum", a @ x)):
        conv = nn.SAGEConv(3, 2, aggr=aggr, dtype=np.float64)
        want = agg @ conv.lin_neigh.weight.array.T + conv.lin_neigh.bias.array + x @ conv.lin_root.weight.array.T
        np.testing.assert_allclose(conv(nnlab.as_tensor(x), EI).array, want, atol=1e-12)


def test_gat_attention_by_hand():
    nnlab.manual_seed(4)
    conv = nn.GATConv(3, 2, heads=2, dtype=np.float64)
    x = features()
    out = conv(nnlab.as_tensor(x), EI).array
    h = (x @ conv.lin.weight.array.T).reshape(N, 2, 2)
    a_s, a_d = (h * conv.att_src.array).sum(-1), (h * conv.att_dst.array).sum(-1)
    nbrs = dense_adjacency() + np.eye(N)
    want = np.zeros((N, 2, 2))
    for i in range(N):
        js = np.flatnonzero(nbrs[i])
        e = a_d[i][None, :] + a_s[js]
        e = np.where(e > 0, e, 0.2 * e)
        alpha = np.exp(e) / np.exp(e).sum(0)
        want[i] = (alpha[:, :, None] * h[js]).sum(0)
    np.testing.assert_allclose(out, want.reshape(N, 4) + conv.bias.array, atol=1e-12)
    mean_heads = nn.GATConv(3, 2, heads=2, concat=False)(nnlab.ones(N, 3), EI)
    assert mean_heads.shape == (N, 2)


@pytest.mark.parametrize("make", [
    lambda: nn.GCNConv(3, 2, dtype=np.float64),
    lambda: nn.SAGEConv(3, 2, dtype=np.float64),
    lambda: nn.GATConv(3, 2, heads=2, dtype=np.float64),
    lambda: nn.ChebConv(3, 2, K=3, dtype=np.float64),
])
def test_graph_layers_gradcheck_inputs_and_weights(make):
    nnlab.manual_seed(5)
    layer = make()
    x = nnlab.Tensor(features(), requires_grad=True)
    params = list(layer.parameters())
    assert gradcheck(lambda x, *ps: layer(x, EI), [x, *params])


def test_spectral_conv_learns_gains_and_gradchecks():
    nnlab.manual_seed(6)
    layer = nn.SpectralConv(3, 2, EI, N, dtype=np.float64)
    x = nnlab.Tensor(features(), requires_grad=True)
    assert gradcheck(lambda x, th: layer(x), [x, layer.theta])
    # θ = 1 is the identity filter: U Uᵀ = I.
    np.testing.assert_allclose(layer(x).array, x.array @ layer.lin.weight.array.T, atol=1e-10)


def test_readouts_per_graph():
    x = nnlab.as_tensor(np.arange(12, dtype=np.float64).reshape(6, 2))
    batch = np.array([0, 0, 1, 1, 1, 2])
    np.testing.assert_allclose(nn.global_add_pool(x, batch).array, [[2, 4], [18, 21], [10, 11]])
    np.testing.assert_allclose(nn.global_mean_pool(x, batch).array, [[1, 2], [6, 7], [10, 11]])
    np.testing.assert_allclose(nn.global_max_pool(x, batch).array, [[2, 3], [8, 9], [10, 11]])
    xg = nnlab.Tensor(np.random.default_rng(0).standard_normal((6, 2)), requires_grad=True)
    assert gradcheck(lambda t: nn.global_max_pool(t, batch), [xg])


def test_sparse_gcn_on_100k_nodes():
    n, e = 100_000, 400_000
    rng = np.random.default_rng(0)
    ei = rng.integers(0, n, size=(2, e))
    conv = nn.GCNConv(8, 4)
    x = nnlab.Tensor(rng.standard_normal((n, 8)).astype(np.float32), requires_grad=True)
    out = conv(x, ei)
    out.sum().backward()
    assert out.shape == (n, 4) and out.dtype == np.float32 and x.grad.shape == (n, 8)


def test_bad_graphs_get_clear_errors():
    conv = nn.GCNConv(3, 2)
    x = nnlab.ones(N, 3)
    with pytest.raises(ValueError, match=r"GCNConv: .*must be square \(N, N\), got shape \(5, 4\)"):
        conv(x, np.ones((5, 4), dtype=np.float32))
    with pytest.raises(ValueError, match=r"edge_index holds node 9, outside \[0, 5\)"):
        nn.SAGEConv(3, 2)(x, np.array([[0, 9], [1, 2]]))
    with pytest.raises(ValueError, match=r"GATConv: expects node features of shape \(N, 3\)"):
        nn.GATConv(3, 2)(nnlab.ones(N, 4), EI)
    with pytest.raises(ValueError, match="does not match the 5 nodes"):
        conv(x, np.eye(4, dtype=np.float32))
