"""Embedding and F.embedding: parity with PyTorch, gradcheck, one-hot equivalence, padding, pretrained."""

import numpy as np
import pytest
import torch

import nnlab
import nnlab.functional as F
import nnlab.nn as nn
from nnlab.ops.embedding import EmbeddingFn
from tests.parity import assert_parity, copy_weights, gradcheck_fn, to_nnlab

rng = np.random.default_rng(0)
V, D = 7, 3
IDX = np.array([[0, 2, 2, 6], [1, 2, 0, 0], [5, 5, 5, 3]])  # repeats, so gradients must accumulate


@pytest.mark.parametrize("padding_idx,scale", [(None, False), (2, False), (-1, True), (0, True)])
def test_functional_parity(padding_idx, scale):
    w = rng.standard_normal((V, D))
    assert_parity(lambda i, w: F.embedding(i, w, padding_idx=padding_idx, scale_grad_by_freq=scale),
                  lambda i, w: torch.nn.functional.embedding(i, w, padding_idx=padding_idx, scale_grad_by_freq=scale),
                  IDX, w)


def test_gradcheck():
    w = rng.standard_normal((V, D))
    assert gradcheck_fn(lambda w: EmbeddingFn.apply(w, IDX, None, False), w)
    # padding_idx and scale_grad_by_freq alter the gradient on purpose: checked against torch above
    assert gradcheck_fn(lambda w: EmbeddingFn.apply(w, np.array([6, 6, 6, 0]), None, False), w)


def test_one_hot_times_e_equals_lookup_in_value_and_gradient():
    w = rng.standard_normal((V, D))
    e1, e2 = to_nnlab(w), to_nnlab(w)
    one_hot = nnlab.Tensor(np.eye(V)[IDX], dtype=np.float64)  # (3, 4, V)
    by_matmul = one_hot @ e1
    by_lookup = F.embedding(nnlab.Tensor(IDX), e2)
    np.testing.assert_allclose(by_lookup.array, by_matmul.array, atol=1e-15)
    cot = rng.standard_normal(by_lookup.shape)
    by_matmul.backward(cot)
    by_lookup.backward(cot)
    np.testing.assert_allclose(e2.grad.array, e1.grad.array, atol=1e-12)
    assert np.all(e2.grad.array[4] == 0)  # index 4 never looked up


def test_module_parity_and_padding_row():
    ours, theirs = nn.Embedding(V, D, padding_idx=1).double(), torch.nn.Embedding(V, D, padding_idx=1)
    copy_weights(ours, theirs.double())
    assert_parity(ours, theirs, IDX)
    out = ours(nnlab.Tensor(IDX))
    out.sum().backward()
    assert np.all(ours.weight.grad.array[1] == 0) and np.any(ours.weight.grad.array[0] != 0)
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["weight"]
    assert repr(ours) == repr(theirs)


def test_init_normal_and_padding_zeroed():
    nnlab.manual_seed(0)
    e = nn.Embedding(2000, 50, padding_idx=3)
    w = e.weight.array
    assert w.dtype == np.float32 and w.shape == (2000, 50)
    assert np.all(w[3] == 0)
    assert abs(w.mean()) < 0.01 and abs(w.std() - 1) < 0.01
    out = e(nnlab.Tensor(np.array([[3, 4]])))
    assert out.dtype == np.float32 and out.shape == (1, 2, 50) and np.all(out.array[0, 0] == 0)


def test_from_pretrained_freeze_and_fine_tune():
    vectors = nnlab.Tensor(rng.standard_normal((V, D)).astype(np.float32))
    frozen = nn.Embedding.from_pretrained(vectors)
    assert not frozen.weight.requires_grad and frozen.weight.array is vectors.array
    out = frozen(nnlab.Tensor(np.array([3, 3, 1])))
    np.testing.assert_array_equal(out.array, vectors.array[[3, 3, 1]])
    assert not out.requires_grad
    tuned = nn.Embedding.from_pretrained(vectors, freeze=False, padding_idx=0)
    assert tuned.weight.requires_grad and tuned.padding_idx == 0
    np.testing.assert_array_equal(tuned.weight.array[0], vectors.array[0])  # pretrained rows are kept
    tuned(nnlab.Tensor(np.array([0, 2]))).sum().backward()
    assert np.all(tuned.weight.grad.array[0] == 0) and np.all(tuned.weight.grad.array[2] == 1)


def test_max_norm_renormalizes_rows_like_torch():
    w = rng.standard_normal((V, D)) * 3
    ours, theirs = nn.Embedding(V, D, max_norm=1.5).double(), torch.nn.Embedding(V, D, max_norm=1.5).double()
    copy_weights(ours, theirs)
    idx = np.array([0, 2, 2, 5])
    ours.weight.array[...] = w
    with torch.no_grad():
        theirs.weight.copy_(torch.from_numpy(w))
    np.testing.assert_allclose(ours(nnlab.Tensor(idx)).array, theirs(torch.from_numpy(idx)).detach().numpy(), atol=1e-12)
    np.testing.assert_allclose(ours.weight.array, theirs.weight.detach().numpy(), atol=1e-12)
    assert np.linalg.norm(ours.weight.array[2]) <= 1.5 + 1e-6
    np.testing.assert_array_equal(ours.weight.array[1], w[1])  # rows not looked up stay as they were


def test_errors():
    e = nn.Embedding(V, D)
    with pytest.raises(IndexError, match="index 7 is out of range for 7 embeddings"):
        e(nnlab.Tensor(np.array([1, 7])))
    with pytest.raises(TypeError, match="integers"):
        e(nnlab.Tensor(np.array([1.0])))
    with pytest.raises(ValueError, match="padding_idx 9"):
        nn.Embedding(V, D, padding_idx=9)
    with pytest.raises(ValueError, match="2-D"):
        nn.Embedding.from_pretrained(np.zeros(3))


def test_sparse_gradients_are_refused_clearly():
    import pytest as _pytest

    import nnlab.functional as F
    from nnlab import nn as _nn

    with _pytest.raises(ValueError, match="sparse=True is not supported"):
        _nn.Embedding(5, 3, sparse=True)
    with _pytest.raises(ValueError, match="sparse=True is not supported"):
        F.embedding(nnlab.tensor([1]), nnlab.randn(5, 3), sparse=True)
