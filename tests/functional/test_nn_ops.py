"""dropout, one_hot and normalize, and the F.* public surface."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import nnlab
import nnlab.functional as F
from nnlab.ops import linalg, movement
from tests.parity import assert_parity, gradcheck_fn

# ---- dropout ---------------------------------------------------------------------------------


@pytest.mark.parametrize("p", [0.2, 0.5, 0.8])
def test_dropout_statistics(p):
    nnlab.manual_seed(0)
    x = nnlab.ones(400, 500)
    y = F.dropout(x, p).array
    assert y.dtype == np.float32
    assert abs((y == 0).mean() - p) < 0.005
    assert abs(y.mean() - 1.0) < 0.02
    np.testing.assert_allclose(np.unique(y[y != 0]), [1 / (1 - p)], rtol=1e-6)


def test_dropout_identity_when_not_training_or_p0():
    x = nnlab.randn(3, 4)
    assert F.dropout(x, 0.5, training=False) is x
    assert F.dropout(x, 0.0) is x


def test_dropout_same_seed_same_mask():
    x = nnlab.ones(50, 40)
    nnlab.manual_seed(7)
    a = F.dropout(x, 0.3).array
    nnlab.manual_seed(7)
    b = F.dropout(x, 0.3).array
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, F.dropout(x, 0.3).array)
    c = F.dropout(x, 0.3, generator=np.random.default_rng(11)).array
    d = F.dropout(x, 0.3, generator=np.random.default_rng(11)).array
    np.testing.assert_array_equal(c, d)


def test_dropout_explicit_generator_leaves_global_stream_alone():
    x = nnlab.ones(10, 10)
    nnlab.manual_seed(1)
    expected = F.dropout(x, 0.5).array
    nnlab.manual_seed(1)
    F.dropout(x, 0.5, generator=np.random.default_rng(2))
    np.testing.assert_array_equal(F.dropout(x, 0.5).array, expected)


def test_dropout_p1_gives_zeros_and_zero_gradient():
    x = nnlab.randn(4, 5, requires_grad=True)
    y = F.dropout(x, 1.0)
    np.testing.assert_array_equal(y.array, np.zeros((4, 5)))
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.array, np.zeros((4, 5)))


def test_dropout_gradient_is_the_scaled_mask():
    x = nnlab.tensor(np.random.default_rng(0).uniform(1, 2, (6, 7)), requires_grad=True)
    y = F.dropout(x, 0.25)
    v = np.random.default_rng(1).standard_normal((6, 7)).astype(np.float32)
    y.backward(nnlab.tensor(v))
    mask = (y.array != 0) / np.float32(0.75)
    np.testing.assert_allclose(x.grad.array, v * mask, rtol=1e-6)
    np.testing.assert_allclose(y.array, x.array * mask, rtol=1e-6)
    assert gradcheck_fn(lambda a: F.dropout(a, 0.4, generator=np.random.default_rng(3)), np.ones((3, 4)))


@pytest.mark.parametrize("p", [-0.1, 1.5])
def test_dropout_rejects_bad_p(p):
    with pytest.raises(ValueError, match=rf"dropout: probability p must lie in \[0, 1\], got {p}"):
        F.dropout(nnlab.ones(2), p)


def test_dropout_float64_stays_float64():
    assert F.dropout(nnlab.ones(3, dtype=nnlab.float64), 0.5).dtype == np.float64


# ---- one_hot ---------------------------------------------------------------------------------


@pytest.mark.parametrize("num_classes", [-1, 6])
def test_one_hot_matches_torch(num_classes):
    idx = np.array([[0, 3], [4, 1], [2, 2]], dtype=np.int64)
    ours = F.one_hot(nnlab.tensor(idx), num_classes)
    theirs = TF.one_hot(torch.from_numpy(idx), num_classes).numpy()
    assert ours.dtype == np.int64
    assert ours.shape == theirs.shape
    np.testing.assert_array_equal(ours.array, theirs)


def test_one_hot_errors():
    with pytest.raises(ValueError, match="one_hot: class index 3 is out of range for num_classes=3"):
        F.one_hot(nnlab.tensor([0, 3]), 3)
    with pytest.raises(ValueError, match="one_hot: class index -1"):
        F.one_hot(nnlab.tensor([0, -1]), 3)
    with pytest.raises(TypeError, match="one_hot: indices must be an integer tensor"):
        F.one_hot(nnlab.tensor([0.0, 1.0]), 3)


# ---- normalize -------------------------------------------------------------------------------


@pytest.mark.parametrize("p,dim", [(2.0, 1), (1.0, -1), (3.0, 0)])
def test_normalize_parity_and_gradcheck(p, dim):
    x = np.random.default_rng(0).standard_normal((3, 4, 2))
    assert_parity(lambda a: F.normalize(a, p, dim), lambda a: TF.normalize(a, p, dim), x)
    assert gradcheck_fn(lambda a: F.normalize(a, p, dim), np.random.default_rng(1).standard_normal((2, 3, 2)))


def test_normalize_zero_vector_stays_zero_like_torch():
    x = np.array([[0.0, 0.0, 0.0], [3.0, 4.0, 0.0]])
    assert_parity(lambda a: F.normalize(a), lambda a: TF.normalize(a), x, rtol=1e-6)
    np.testing.assert_allclose(F.normalize(nnlab.tensor(x)).array, [[0, 0, 0], [0.6, 0.8, 0]], rtol=1e-6)
    assert F.normalize(nnlab.tensor(x.astype(np.float32))).dtype == np.float32


# ---- the public surface ----------------------------------------------------------------------


def test_functional_exports_every_name():
    for name in F.__all__:
        assert callable(getattr(F, name)), name
    assert F.linear is linalg.linear and F.pad is movement.pad


def test_functional_linear_and_pad_are_the_ops():
    rng = np.random.default_rng(0)
    assert_parity(F.linear, TF.linear, rng.standard_normal((2, 3)), rng.standard_normal((4, 3)), rng.standard_normal(4))
    assert_parity(lambda a: F.pad(a, (1, 2)), lambda a: TF.pad(a, (1, 2)), rng.standard_normal((2, 3)))
