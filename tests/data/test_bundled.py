"""The scikit-learn bundled sets through nnlab's loaders, and the registry."""

import numpy as np
import pytest
import sklearn.datasets as skd
import torch

from nnlab.data import DATASETS, DataLoader, get_dataset
from nnlab.data.datasets import load_breast_cancer, load_digits, load_iris, load_wine

EXPECTED = {  # name: (loader, samples, features, classes)
    "digits": (load_digits, 1797, 64, 10),
    "breast_cancer": (load_breast_cancer, 569, 30, 2),
    "iris": (load_iris, 150, 4, 3),
    "wine": (load_wine, 178, 13, 3),
}


def _sorted_rows(a):
    return a[np.lexsort(a.T[::-1])]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_shapes_dtypes_classes_and_sizes(name):
    loader, n, d, c = EXPECTED[name]
    s = loader()
    assert s.name == name and s.num_features == d and s.num_classes == c
    assert len(s.class_names) == c and len(s.feature_names) == d
    sizes = [len(s.y_train), len(s.y_dev), len(s.y_test)]
    assert sum(sizes) == n
    # 70/15/15 by largest remainder.
    assert abs(sizes[0] - 0.7 * n) < 1 and abs(sizes[1] - 0.15 * n) < 1 and abs(sizes[2] - 0.15 * n) < 1
    for X, y in (s.split("train"), s.split("dev"), s.split("test")):
        assert X.dtype == np.float32 and y.dtype == np.int64 and X.shape == (len(y), d)
        assert set(np.unique(y)) == set(range(c))  # stratified: every class everywhere


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_splits_partition_the_raw_data_and_are_deterministic(name):
    loader, *_ = EXPECTED[name]
    s = loader(standardize=False)
    raw = getattr(skd, f"load_{name}")()
    data = raw.data / 16.0 if name == "digits" else raw.data
    ours = np.concatenate([s.X_train, s.X_dev, s.X_test])
    np.testing.assert_array_equal(_sorted_rows(ours), _sorted_rows(data.astype(np.float32)))
    np.testing.assert_array_equal(np.sort(np.concatenate([s.y_train, s.y_dev, s.y_test])), np.sort(raw.target))
    again = loader(standardize=False)
    np.testing.assert_array_equal(again.X_dev, s.X_dev)
    np.testing.assert_array_equal(again.y_test, s.y_test)
    other = loader(standardize=False, seed=1)
    assert not np.array_equal(other.y_train, s.y_train)


def test_standardization_uses_train_statistics():
    raw = load_wine(standardize=False)
    s = load_wine()
    mean = raw.X_train.astype(np.float64).mean(0)
    std = raw.X_train.astype(np.float64).std(0)
    np.testing.assert_allclose(s.scaler.mean, mean, rtol=1e-5)
    np.testing.assert_allclose(s.X_train.mean(0), 0, atol=1e-5)
    np.testing.assert_allclose(s.X_dev, (raw.X_dev - mean) / std, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(s.X_test, (raw.X_test - mean) / std, rtol=1e-4, atol=1e-5)
    assert np.abs(s.X_dev.mean(0)).max() > 1e-3  # dev is not re-centred on its own statistics
    assert load_digits().scaler is None


def test_digits_images_and_resize():
    flat = load_digits()
    assert 0.0 <= flat.X_train.min() and flat.X_train.max() == 1.0
    imgs = load_digits(images=True)
    assert imgs.X_train.shape == (len(flat.y_train), 1, 8, 8) and imgs.input_shape == (1, 8, 8)
    np.testing.assert_array_equal(imgs.X_train.reshape(len(imgs.y_train), -1), flat.X_train)
    big = load_digits(images=True, size=32)
    assert big.X_dev.shape == (len(flat.y_dev), 1, 32, 32) and big.X_dev.dtype == np.float32
    np.testing.assert_array_equal(big.y_dev, flat.y_dev)
    expected = torch.nn.functional.interpolate(torch.from_numpy(imgs.X_dev[:5]), size=32, mode="bilinear").numpy()
    np.testing.assert_allclose(big.X_dev[:5], expected, atol=1e-6)
    assert load_digits(size=16).X_test.shape == (len(flat.y_test), 256)


def test_split_argument_and_loaders():
    X, y = load_iris(split="dev")
    s = load_iris()
    np.testing.assert_array_equal(X, s.X_dev)
    np.testing.assert_array_equal(y, s.y_dev)
    train, dev, test = s.loaders(batch_size=16, generator=0)
    assert isinstance(train, DataLoader) and len(train) == -(-len(s.y_train) // 16)
    xb, yb = next(iter(dev))
    np.testing.assert_array_equal(xb.array, s.X_dev[:16])  # dev is not shuffled
    assert s["X_test"] is s.X_test and "class_names" in s.keys()
    with pytest.raises(ValueError, match="unknown split"):
        s.split("val")


def test_registry():
    assert {"digits", "iris", "wine", "breast_cancer", "moons", "xor", "spirals", "mnist"} <= set(DATASETS)
    s = get_dataset("breast-cancer", standardize=False)
    assert s.name == "breast_cancer" and s.num_classes == 2
    m = get_dataset("moons", n=100, noise=0.05)
    assert len(m.y_train) + len(m.y_dev) + len(m.y_test) == 100 and m.num_features == 2
    with pytest.raises(KeyError, match="did you mean 'digits'"):
        get_dataset("digit")
