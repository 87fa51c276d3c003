"""Reductions: float64 gradcheck and PyTorch parity, ties, corrections, −inf rows."""

import warnings

import numpy as np
import pytest
import torch

import nnlab
from tests.parity import assert_parity, gradcheck_fn

X = np.random.default_rng(0).standard_normal((3, 4, 5))

DIMS = [None, 0, -1, (0, 2)]

REDUCTIONS = {
    "sum": (
        lambda x, d, k: nnlab.sum(x, d, k),
        lambda x, d, k: torch.sum(x, tuple(range(x.ndim)) if d is None else d, k),
    ),
    "mean": (lambda x, d, k: x.mean(dim=d, keepdim=k), lambda x, d, k: x.mean(dim=d, keepdim=k)),
    "amax": (lambda x, d, k: x.amax(dim=d, keepdim=k), lambda x, d, k: x.amax(dim=() if d is None else d, keepdim=k)),
    "amin": (lambda x, d, k: x.amin(dim=d, keepdim=k), lambda x, d, k: x.amin(dim=() if d is None else d, keepdim=k)),
    "logsumexp": (
        lambda x, d, k: nnlab.logsumexp(x, d, k),
        lambda x, d, k: torch.logsumexp(x, tuple(range(x.ndim)) if d is None else d, k),
    ),
    "var": (lambda x, d, k: x.var(dim=d, keepdim=k), lambda x, d, k: x.var(dim=d, keepdim=k)),
    "std": (lambda x, d, k: x.std(dim=d, keepdim=k), lambda x, d, k: x.std(dim=d, keepdim=k)),
}


@pytest.mark.parametrize("name", sorted(REDUCTIONS))
@pytest.mark.parametrize("dim", DIMS, ids=str)
@pytest.mark.parametrize("keepdim", [False, True])
def test_reduction_gradcheck_and_parity(name, dim, keepdim):
    ours, theirs = REDUCTIONS[name]
    assert gradcheck_fn(lambda x: ours(x, dim, keepdim), X)
    assert_parity(lambda x: ours(x, dim, keepdim), lambda x: theirs(x, dim, keepdim), X)


@pytest.mark.parametrize("fn", ["var", "std"])
@pytest.mark.parametrize("kwargs", [{"unbiased": False}, {"unbiased": True}, {"correction": 0}, {"correction": 2}], ids=str)
def test_var_std_corrections(fn, kwargs):
    ours = lambda x: getattr(x, fn)(dim=1, **kwargs)  # noqa: E731
    assert gradcheck_fn(ours, X)
    assert_parity(ours, ours, X)  # the same call works on torch tensors


def test_var_with_too_few_elements_is_nan_like_torch():
    ours = nnlab.tensor([[1.0], [2.0]]).var(dim=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # torch warns about the zero degrees of freedom
        theirs = torch.tensor([[1.0], [2.0]]).var(dim=1)
    assert np.isnan(ours.array).all() and torch.isnan(theirs).all()


def test_amax_ties_share_the_gradient_like_torch():
    x = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]])
    assert_parity(lambda t: t.amax(dim=1), lambda t: t.amax(dim=1), x)
    assert_parity(lambda t: t.amin(dim=0), lambda t: t.amin(dim=0), x)
    assert_parity(lambda t: nnlab.max(t), lambda t: torch.max(t), x)
    ours = nnlab.tensor(x, requires_grad=True)
    ours.amax(dim=1).sum().backward()
    np.testing.assert_allclose(ours.grad.array, [[0, 0.5, 0.5], [1 / 3, 1 / 3, 1 / 3]])


@pytest.mark.parametrize("fn", ["max", "min"])
@pytest.mark.parametrize("keepdim", [False, True])
def test_max_min_dim_values_indices_and_gradient(fn, keepdim):
    assert gradcheck_fn(lambda t: getattr(nnlab, fn)(t, 1, keepdim).values, X)
    assert_parity(
        lambda t: tuple(getattr(nnlab, fn)(t, dim=-1, keepdim=keepdim)),
        lambda t: tuple(getattr(torch, fn)(t, dim=-1, keepdim=keepdim)),
        X,
    )
    res = getattr(nnlab.tensor(X), fn)(1, keepdim)
    ref = getattr(torch.tensor(X), fn)(1, keepdim)
    assert res.indices.dtype == np.int64
    np.testing.assert_array_equal(res.indices.array, ref.indices.numpy())
    values, indices = res  # unpacks like torch's named tuple
    np.testing.assert_array_equal(values.array, ref.values.numpy())


def test_max_dim_ties_send_the_gradient_to_one_index_like_torch():
    x = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]])
    assert_parity(lambda t: nnlab.max(t, 1), lambda t: torch.max(t, 1), x)
    assert_parity(lambda t: nnlab.min(t, 0), lambda t: torch.min(t, 0), x)
    ours = nnlab.tensor(x, requires_grad=True)
    ours.max(dim=1).values.sum().backward()
    assert ours.grad.array.sum(axis=1).tolist() == [1.0, 1.0]
    assert (ours.grad.array > 0).sum() == 2


def test_max_of_two_tensors_is_maximum():
    a, b = X[0], X[1]
    assert_parity(lambda p, q: nnlab.max(p, q), lambda p, q: torch.max(p, q), a, b)


def test_logsumexp_all_neg_inf_row_gives_zero_gradient():
    x = np.array([[-np.inf, -np.inf, -np.inf], [0.5, -np.inf, 1.0]])
    t = nnlab.tensor(x, requires_grad=True)
    y = nnlab.logsumexp(t, dim=1)
    assert y.array[0] == -np.inf
    np.testing.assert_allclose(y.array[1], np.log(np.exp(0.5) + np.exp(1.0)))
    y.backward(nnlab.tensor([1.0, 1.0], dtype=nnlab.float64))
    t2 = t
    assert not np.isnan(t2.grad.array).any()
    np.testing.assert_array_equal(t2.grad.array[0], [0.0, 0.0, 0.0])
    e = np.exp([0.5, 1.0]) / np.exp([0.5, 1.0]).sum()
    np.testing.assert_allclose(t2.grad.array[1], [e[0], 0.0, e[1]])


def test_logsumexp_is_stable_for_large_inputs():
    x = np.array([[1000.0, 1000.0], [-1000.0, -1001.0]])
    assert_parity(lambda t: nnlab.logsumexp(t, 1), lambda t: torch.logsumexp(t, 1), x)


def test_argmax_argmin_match_torch():
    t, q = nnlab.tensor(X), torch.tensor(X)
    assert t.argmax().item() == q.argmax().item()
    for d in (0, -1):
        np.testing.assert_array_equal(t.argmax(d).array, q.argmax(d).numpy())
        np.testing.assert_array_equal(t.argmin(d, keepdim=True).array, q.argmin(d, keepdim=True).numpy())


def test_sum_keyword_names_and_errors():
    t = nnlab.tensor(X)
    np.testing.assert_allclose(t.sum(dim=(0, 1), keepdim=True).array, X.sum(axis=(0, 1), keepdims=True))
    with pytest.raises(IndexError, match="sum: dim 3 is out of range"):
        t.sum(dim=3)
