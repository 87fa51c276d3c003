"""The perceptron learns AND and OR, and cannot learn XOR (not linearly separable)."""

import numpy as np
import pytest

import nnlab
from nnlab.data.datasets.synthetic import AND, OR, XOR
from nnlab.models import Perceptron


def _xy(table):
    X, y = table
    return np.asarray(X, dtype=np.float32), np.asarray(y)


@pytest.mark.parametrize("table", [AND, OR], ids=["AND", "OR"])
def test_perceptron_learns_linearly_separable_gates(table):
    X, y = _xy(table)
    p = Perceptron(2)
    fit = p.fit(X, y, epochs=50, lr=1.0)
    assert fit.converged
    assert fit.errors_per_epoch[-1] == 0
    np.testing.assert_array_equal(p(X).numpy(), y.astype(np.float32))


def test_perceptron_cannot_learn_xor():
    X, y = _xy(XOR)
    p = Perceptron(2)
    fit = p.fit(X, y, epochs=200, lr=1.0)
    assert not fit.converged
    assert fit.epochs == 200
    assert min(fit.errors_per_epoch) > 0
    # No setting of w, b gets all four right: at most 3 of 4 correct.
    assert (p(X).numpy() == y).sum() <= 3


def test_perceptron_rule_update_by_hand():
    # One mistake on x = (1, 1), y = 0 from w = 0, b = 0: prediction 1 (0 >= 0), so w -= x, b -= 1.
    p = Perceptron(2)
    p.fit(np.array([[1.0, 1.0]], dtype=np.float32), np.array([0.0]), epochs=1, lr=0.5)
    np.testing.assert_allclose(p.weight.array, [-0.5, -0.5])
    np.testing.assert_allclose(p.bias.array, [-0.5])
    assert p.weight.dtype == nnlab.float32


def test_perceptron_rejects_bad_input():
    p = Perceptron(3)
    with pytest.raises(ValueError, match="Perceptron"):
        p(np.zeros((2, 2), dtype=np.float32))
    with pytest.raises(ValueError, match="targets must be 0 or 1"):
        p.fit(np.zeros((2, 3), dtype=np.float32), np.array([0, 2]))
