"""Sparse propagation ops: spmm, scatter_add / scatter_mean, segment_softmax — gradchecks, PyTorch parity, errors."""

import numpy as np
import pytest
import scipy.sparse as sp
import torch

import nnlab
from nnlab.autograd.gradcheck import gradcheck
from nnlab.ops.sparse import check_edge_index, scatter_add, scatter_mean, segment_softmax, spmm


def _t(a, grad=True):
    return nnlab.Tensor(np.asarray(a, dtype=np.float64), requires_grad=grad)


def test_spmm_matches_dense_and_gradchecks():
    rng = np.random.default_rng(0)
    a = sp.random(6, 5, density=0.4, random_state=1, format="csr")
    x = rng.standard_normal((5, 3))
    out = spmm(a, nnlab.as_tensor(x.astype(np.float32)))
    assert out.dtype == np.float32
    np.testing.assert_allclose(out.array, a.toarray() @ x, rtol=1e-5, atol=1e-6)
    assert gradcheck(lambda t: spmm(a, t), [_t(x)])


def test_scatter_add_matches_torch_index_add_and_gradchecks():
    rng = np.random.default_rng(1)
    src = rng.standard_normal((7, 2, 3))
    index = np.array([0, 3, 3, 1, 0, 3, 1])
    out = scatter_add(nnlab.as_tensor(src), index, 5)
    want = torch.zeros(5, 2, 3, dtype=torch.float64).index_add_(0, torch.from_numpy(index), torch.from_numpy(src))
    np.testing.assert_allclose(out.array, want.numpy(), atol=1e-12)
    assert np.all(out.array[[2, 4]] == 0)  # empty segments
    assert gradcheck(lambda t: scatter_add(t, index, 5), [_t(src)])


def test_scatter_mean_and_segment_softmax_gradcheck():
    rng = np.random.default_rng(2)
    src = rng.standard_normal((6, 2))
    index = np.array([2, 0, 2, 2, 0, 1])
    mean = scatter_mean(nnlab.as_tensor(src), index, 4).array
    np.testing.assert_allclose(mean[2], src[[0, 2, 3]].mean(0))
    assert np.all(mean[3] == 0)
    assert gradcheck(lambda t: scatter_mean(t, index, 4), [_t(src)])

    alpha = segment_softmax(nnlab.as_tensor(src * 50), index, 4).array  # large scores: stable
    assert np.all(np.isfinite(alpha))
    sums = np.zeros((4, 2))
    np.add.at(sums, index, alpha)
    np.testing.assert_allclose(sums[:3], 1.0, atol=1e-12)
    seg = 50 * src[[0, 2, 3], 0]
    np.testing.assert_allclose(alpha[[0, 2, 3], 0], np.exp(seg - seg.max()) / np.exp(seg - seg.max()).sum(), atol=1e-12)
    assert gradcheck(lambda t: segment_softmax(t, index, 4), [_t(src)])


def test_errors_name_the_op_and_values():
    with pytest.raises(ValueError, match=r"edge_index holds node 5, outside \[0, 5\)"):
        check_edge_index(np.array([[0, 1], [5, 2]]), 5)
    with pytest.raises(ValueError, match=r"shape \(2, E\)"):
        check_edge_index(np.zeros((3, 4), dtype=np.int64), 5)
    with pytest.raises(ValueError, match="scatter_add: index values must lie in"):
        scatter_add(nnlab.ones(3, 2), np.array([0, 1, 4]), 3)
    with pytest.raises(ValueError, match="spmm: sparse matrix of shape"):
        spmm(sp.eye(4, format="csr"), nnlab.ones(3, 2))
    with pytest.raises(TypeError, match="spmm: expected a scipy.sparse"):
        spmm(np.eye(3), nnlab.ones(3, 2))
