"""random_split, split_indices / split_arrays (stratified, seeded), train_dev_split."""

import numpy as np
import pytest
import torch

import nnlab
from nnlab.data import TensorDataset, random_split, split_arrays, split_indices, train_dev_split


def _imbalanced(n0=60, n1=30, n2=10):
    y = np.repeat(np.arange(3), [n0, n1, n2]).astype(np.int64)
    X = np.arange(len(y) * 2, dtype=np.float32).reshape(-1, 2)
    return X, y


def test_random_split_sizes_match_torch_and_partition():
    ds = TensorDataset(np.arange(23, dtype=np.float32), np.arange(23))
    for lengths in ([0.3, 0.3, 0.4], [0.5, 0.5], [5, 18], [0.1, 0.2, 0.7]):
        ours = random_split(ds, lengths, generator=np.random.default_rng(0))
        theirs = torch.utils.data.random_split(range(23), lengths)
        assert [len(s) for s in ours] == [len(s) for s in theirs]
        all_idx = np.concatenate([s.indices for s in ours])
        np.testing.assert_array_equal(np.sort(all_idx), np.arange(23))
    with pytest.raises(ValueError, match="sum to 22"):
        random_split(ds, [10, 12])
    with pytest.raises(ValueError, match="must sum to 1"):
        random_split(ds, [0.5, 0.4])


def test_random_split_uses_global_generator():
    ds = TensorDataset(np.arange(20, dtype=np.float32))
    nnlab.manual_seed(7)
    a = [s.indices for s in random_split(ds, [0.5, 0.5])]
    nnlab.manual_seed(7)
    b = [s.indices for s in random_split(ds, [0.5, 0.5])]
    for x, z in zip(a, b):
        np.testing.assert_array_equal(x, z)
    nnlab.manual_seed(7)
    np.testing.assert_array_equal(np.concatenate(a), nnlab.backend.default_generator().permutation(20))


def test_split_indices_sizes_disjoint_and_deterministic():
    X, y = _imbalanced()
    parts = split_indices(y, (0.7, 0.15, 0.15), seed=3)
    assert [len(p) for p in parts] == [70, 15, 15]
    np.testing.assert_array_equal(np.sort(np.concatenate(parts)), np.arange(100))
    again = split_indices(y, (0.7, 0.15, 0.15), seed=3)
    for p, q in zip(parts, again):
        np.testing.assert_array_equal(p, q)
    other = split_indices(y, (0.7, 0.15, 0.15), seed=4)
    assert not np.array_equal(parts[0], other[0])
    # Largest remainder: 150 * (0.7, 0.15, 0.15) = (105, 22.5, 22.5) -> (105, 23, 22).
    assert [len(p) for p in split_indices(150, (0.7, 0.15, 0.15), stratify=False)] == [105, 23, 22]


def test_stratified_split_keeps_class_proportions():
    X, y = _imbalanced(60, 30, 10)
    X_tr, y_tr, X_dev, y_dev, X_te, y_te = split_arrays(X, y, (0.6, 0.2, 0.2), seed=0)
    # Each piece holds within one sample of fraction * count per class.
    for part, frac in ((y_tr, 0.6), (y_dev, 0.2), (y_te, 0.2)):
        counts = np.bincount(part, minlength=3)
        assert np.all(np.abs(counts - frac * np.array([60, 30, 10])) <= 1), counts
    np.testing.assert_array_equal(np.bincount(y_dev), [12, 6, 2])
    # Rows stay paired with their labels (X row k was built from sample k).
    for Xp, yp in ((X_tr, y_tr), (X_dev, y_dev), (X_te, y_te)):
        np.testing.assert_array_equal(y[(Xp[:, 0] / 2).astype(int)], yp)
    rows = np.concatenate([X_tr[:, 0], X_dev[:, 0], X_te[:, 0]])
    assert len(np.unique(rows)) == 100


def test_unstratified_split_can_skew_and_stratified_does_not():
    y = np.repeat([0, 1], [90, 10])
    X = np.zeros((100, 1), dtype=np.float32)
    strat = [np.bincount(split_arrays(X, y, (0.9, 0.1), seed=s)[3], minlength=2)[1] for s in range(20)]
    assert strat == [1] * 20
    plain = [np.bincount(split_arrays(X, y, (0.9, 0.1), seed=s, stratify=False)[3], minlength=2)[1] for s in range(20)]
    assert len(set(plain)) > 1


def test_split_arrays_tensors_in_tensors_out_and_errors():
    X, y = _imbalanced()
    out = split_arrays(nnlab.Tensor(X), nnlab.Tensor(y), (0.5, 0.5))
    assert all(isinstance(o, nnlab.Tensor) for o in out) and out[0].shape == (50, 2)
    with pytest.raises(ValueError, match="X has 100 samples"):
        split_arrays(X, y[:5])


def test_train_dev_split():
    X, y = _imbalanced(60, 30, 10)
    X_tr, y_tr, X_td, y_td = train_dev_split(X, y, dev_fraction=0.1, seed=1)
    assert len(y_tr) == 90 and len(y_td) == 10
    np.testing.assert_array_equal(np.bincount(y_td), [6, 3, 1])
    assert set(X_tr[:, 0]).isdisjoint(X_td[:, 0])
    with pytest.raises(ValueError, match="dev_fraction"):
        train_dev_split(X, y, dev_fraction=1.0)
