"""Synthetic generators: shapes, dtypes, labels, balance, determinism; truth tables."""

import numpy as np
import pytest

import nnlab
from nnlab.data.datasets import (
    AND,
    NAND,
    OR,
    XOR,
    make_blobs,
    make_linearly_separable,
    make_moons,
    make_spirals,
    make_xor,
)

GENERATORS = [
    (make_xor, {}, 2),
    (make_moons, {}, 2),
    (make_spirals, {"classes": 4}, 4),
    (make_blobs, {"centers": 3}, 3),
    (make_linearly_separable, {}, 2),
]


@pytest.mark.parametrize("make,kw,k", GENERATORS, ids=lambda v: getattr(v, "__name__", ""))
def test_shapes_dtypes_determinism(make, kw, k):
    X, y = make(n=101, seed=3, **kw)
    assert X.shape == (101, 2) and X.dtype == np.float32 and y.dtype == np.int64 and y.shape == (101,)
    assert set(np.unique(y)) == set(range(k))
    X2, y2 = make(n=101, seed=3, **kw)
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(y, y2)
    X3, _ = make(n=101, seed=4, **kw)
    assert not np.array_equal(X, X3)
    assert make(n=20, seed=0, dtype=nnlab.float64, **kw)[0].dtype == np.float64


def test_seed_none_follows_manual_seed():
    nnlab.manual_seed(11)
    a = make_moons(50, seed=None)[0]
    nnlab.manual_seed(11)
    np.testing.assert_array_equal(a, make_moons(50, seed=None)[0])


@pytest.mark.parametrize("make,kw,k", GENERATORS[:4], ids=lambda v: getattr(v, "__name__", ""))
def test_label_balance(make, kw, k):
    _, y = make(n=12 * k + 1, seed=0, **kw)
    counts = np.bincount(y)
    assert counts.max() - counts.min() <= 1


def test_noiseless_geometry():
    X, y = make_xor(8, noise=0.0)
    np.testing.assert_array_equal(y, ((X[:, 0] > 0) ^ (X[:, 1] > 0)).astype(np.int64))
    X, y = make_moons(20, noise=0.0)
    outer = X[y == 0]
    np.testing.assert_allclose(np.hypot(outer[:, 0], outer[:, 1]), 1.0, rtol=1e-6)
    inner = X[y == 1]
    np.testing.assert_allclose(np.hypot(inner[:, 0] - 1.0, inner[:, 1] - 0.5), 1.0, rtol=1e-6)
    X, y = make_spirals(30, classes=3, noise=0.0)
    assert np.hypot(X[:, 0], X[:, 1]).max() <= 1.0 + 1e-6
    centers = np.array([[0.0, 0.0], [10.0, 10.0]])
    X, y = make_blobs(200, centers=centers, std=0.5)
    np.testing.assert_allclose(X[y == 1].mean(0), [10, 10], atol=0.15)


def test_linearly_separable_margin_and_coef():
    X, y, w, b = make_linearly_separable(200, dim=3, margin=0.2, seed=1, return_coef=True)
    assert X.shape == (200, 3) and w.shape == (3,)
    score = X @ w + b
    assert np.all(np.abs(score) >= 0.2 - 1e-6)
    np.testing.assert_array_equal(y, (score > 0).astype(np.int64))
    assert np.all(np.abs(X) <= 1)
    with pytest.raises(ValueError, match="margin"):
        make_linearly_separable(10, margin=5.0)


def test_truth_tables():
    np.testing.assert_array_equal(AND.X, [[0, 0], [0, 1], [1, 0], [1, 1]])
    assert AND.X.dtype == np.float32 and AND.y.dtype == np.int64
    a, b = AND.X[:, 0].astype(bool), AND.X[:, 1].astype(bool)
    np.testing.assert_array_equal(AND.y, a & b)
    np.testing.assert_array_equal(OR.y, a | b)
    np.testing.assert_array_equal(XOR.y, a ^ b)
    np.testing.assert_array_equal(NAND.y, ~(a & b))
    X, y = XOR
    with pytest.raises(ValueError):
        X[0, 0] = 5.0  # read-only module constants
