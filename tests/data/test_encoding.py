"""one_hot and class_weights."""

import numpy as np
import pytest
import torch

import nnlab
from nnlab.data import class_weights, one_hot


def test_one_hot_values_and_dtype():
    out = one_hot(np.array([2, 0, 1]), 4)
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, [[0, 0, 1, 0], [1, 0, 0, 0], [0, 1, 0, 0]])
    labels = np.array([[1, 0], [2, 2]])
    t = one_hot(nnlab.Tensor(labels))
    assert isinstance(t, nnlab.Tensor) and t.shape == (2, 2, 3)
    np.testing.assert_array_equal(t.array, torch.nn.functional.one_hot(torch.from_numpy(labels)).numpy())
    assert one_hot([1], 2, dtype=nnlab.float64).dtype == np.float64


def test_one_hot_errors():
    with pytest.raises(ValueError, match="out of range for num_classes=2"):
        one_hot(np.array([0, 2]), 2)
    with pytest.raises(ValueError, match="non-negative"):
        one_hot(np.array([-1, 0]))
    with pytest.raises(TypeError, match="integers"):
        one_hot(np.array([0.5]))


def test_class_weights_balanced_hand_computed():
    y = np.array([0] * 6 + [1] * 3 + [2] * 1)
    w = class_weights(y)
    assert w.dtype == np.float32
    # n / (C * count): 10 / (3 * 6), 10 / (3 * 3), 10 / (3 * 1)
    np.testing.assert_allclose(w, [10 / 18, 10 / 9, 10 / 3], rtol=1e-6)
    # Every class carries the same total weight.
    np.testing.assert_allclose(w * np.bincount(y), 10 / 3, rtol=1e-6)
    np.testing.assert_allclose(class_weights(y, scheme="sqrt"), np.sqrt([10 / 18, 10 / 9, 10 / 3]), rtol=1e-6)


def test_class_weights_absent_class_tensor_and_errors():
    w = class_weights(nnlab.Tensor(np.array([0, 0, 2, 2])), num_classes=4)
    assert isinstance(w, nnlab.Tensor)
    np.testing.assert_allclose(w.array, [0.5, 0.0, 0.5, 0.0])
    with pytest.raises(ValueError, match="unknown scheme"):
        class_weights([0, 1], scheme="inverse")
    with pytest.raises(ValueError, match="out of range"):
        class_weights([0, 5], num_classes=3)
