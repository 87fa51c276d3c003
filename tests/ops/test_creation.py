"""Factories: shapes and dtypes as in PyTorch, seeded randomness."""

import numpy as np
import pytest
import torch

import nnlab


@pytest.mark.parametrize(
    "call",
    [
        lambda m: m.zeros(2, 3),
        lambda m: m.zeros((2, 3)),
        lambda m: m.ones([4]),
        lambda m: m.ones(2, dtype=m.float64),
        lambda m: m.full((2, 2), 3),
        lambda m: m.full((2,), 1.5),
        lambda m: m.full((2,), True),
        lambda m: m.full((2,), 2, dtype=m.float32),
        lambda m: m.arange(5),
        lambda m: m.arange(1, 7, 2),
        lambda m: m.arange(0, 1, 0.25),
        lambda m: m.arange(0.5, 3),
        lambda m: m.linspace(0, 1, 5),
        lambda m: m.eye(3),
        lambda m: m.eye(2, 4),
        lambda m: m.zeros_like(m.ones(2, 3, dtype=m.float64)),
        lambda m: m.ones_like(m.arange(3)),
        lambda m: m.full_like(m.arange(3), 7),
        lambda m: m.tensor([[1, 2]], dtype=m.float32),
    ],
)
def test_factories_match_torch(call):
    ours, theirs = call(nnlab), call(torch)
    assert ours.shape == tuple(theirs.shape)
    assert str(ours.dtype) == str(theirs.dtype).replace("torch.", "")
    np.testing.assert_allclose(ours.array, theirs.numpy(), rtol=1e-6)


def test_factories_requires_grad():
    for t in (nnlab.zeros(2, requires_grad=True), nnlab.randn(2, requires_grad=True), nnlab.full((2,), 1.0, requires_grad=True)):
        assert t.requires_grad and t.is_leaf
    with pytest.raises(RuntimeError, match="floating point"):
        nnlab.zeros(2, dtype=nnlab.int64, requires_grad=True)


def test_random_factories_are_seeded_and_in_range():
    nnlab.manual_seed(7)
    r = nnlab.rand(1000)
    n = nnlab.randn(2000, dtype=nnlab.float64)
    i = nnlab.randint(3, 9, (500,))
    p = nnlab.randperm(10)
    assert r.dtype == np.float32 and 0 <= r.array.min() and r.array.max() < 1
    assert n.dtype == np.float64 and abs(n.array.mean()) < 0.1 and abs(n.array.std() - 1) < 0.1
    assert i.dtype == np.int64 and set(np.unique(i.array)) == set(range(3, 9))
    assert sorted(p.tolist()) == list(range(10))
    nnlab.manual_seed(7)
    np.testing.assert_array_equal(nnlab.rand(1000).array, r.array)
    np.testing.assert_array_equal(nnlab.randn(2000, dtype=nnlab.float64).array, n.array)
    np.testing.assert_array_equal(nnlab.randint(3, 9, 500).array, i.array)


def test_explicit_generator_does_not_touch_the_global_one():
    nnlab.manual_seed(0)
    expected = nnlab.randn(3).array
    nnlab.manual_seed(0)
    g = np.random.default_rng(99)
    a = nnlab.randn(3, generator=g)
    assert not np.array_equal(a.array, expected)
    np.testing.assert_array_equal(nnlab.randn(3).array, expected)
    np.testing.assert_array_equal(a.array, np.random.default_rng(99).standard_normal(3).astype(np.float32))


def test_from_numpy_and_as_tensor_share_memory():
    a = np.arange(3.0)
    assert nnlab.from_numpy(a).array is a
    assert nnlab.as_tensor(a).array is a
    assert nnlab.as_tensor(a, dtype=nnlab.float32).dtype == np.float32
    t = nnlab.tensor([1.0])
    assert nnlab.as_tensor(t) is t
    with pytest.raises(TypeError, match="from_numpy: expected a numpy.ndarray, got list"):
        nnlab.from_numpy([1.0])
