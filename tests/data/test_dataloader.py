"""Dataset classes, DataLoader batching/shuffling, and default_collate."""

from collections import namedtuple

import numpy as np
import pytest

import nnlab
from nnlab.data import ConcatDataset, DataLoader, Dataset, Subset, TensorDataset, default_collate


def _data(n=10, d=3):
    X = np.arange(n * d, dtype=np.float32).reshape(n, d)
    y = np.arange(n, dtype=np.int64)
    return X, y


class ListDataset(Dataset):
    """A plain map-style dataset (no fast path) returning (float array, int, float)."""

    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return np.full(2, i, dtype=np.float32), i, float(i) / 2


def test_tensor_dataset_items_and_lengths():
    X, y = _data()
    ds = TensorDataset(nnlab.Tensor(X), y)
    assert len(ds) == 10
    xi, yi = ds[3]
    np.testing.assert_array_equal(xi.array, X[3])
    assert yi.item() == 3 and yi.dtype == np.int64
    np.testing.assert_array_equal(ds[-1][0].array, X[9])
    with pytest.raises(IndexError, match="out of range"):
        ds[10]


def test_tensor_dataset_rejects_mismatched_lengths():
    with pytest.raises(ValueError, match=r"same size in dim 0.*\(4, 2\), \(5,\)"):
        TensorDataset(np.zeros((4, 2)), np.zeros(5))
    with pytest.raises(TypeError, match="Tensor or a numpy array"):
        TensorDataset([1, 2, 3])


def test_subset_and_concat():
    X, y = _data()
    ds = TensorDataset(X, y)
    sub = Subset(ds, [7, 2, -1])
    assert len(sub) == 3
    assert [int(sub[i][1].item()) for i in range(3)] == [7, 2, 9]
    cat = ConcatDataset([sub, ds])
    assert len(cat) == 13
    assert int(cat[2][1].item()) == 9 and int(cat[3][1].item()) == 0 and int(cat[12][1].item()) == 9
    assert len(sub + ds) == 13
    with pytest.raises(IndexError):
        Subset(ds, [10])


def test_loader_batches_shapes_len_and_drop_last():
    X, y = _data(10)
    ds = TensorDataset(X, y)
    loader = DataLoader(ds, batch_size=4)
    batches = list(loader)
    assert len(loader) == 3 == len(batches)
    assert [b[0].shape for b in batches] == [(4, 3), (4, 3), (2, 3)]
    np.testing.assert_array_equal(np.concatenate([b[1].array for b in batches]), y)
    dropped = DataLoader(ds, batch_size=4, drop_last=True)
    assert len(dropped) == 2 == len(list(dropped))
    assert len(DataLoader(ds, batch_size=5, drop_last=True)) == 2
    assert len(DataLoader(ds)) == 10
    with pytest.raises(ValueError, match="batch_size"):
        DataLoader(ds, batch_size=0)


def test_shuffle_repeatable_with_manual_seed_and_new_each_epoch():
    ds = TensorDataset(*_data(50))
    loader = DataLoader(ds, batch_size=8, shuffle=True)
    nnlab.manual_seed(123)
    epoch1 = np.concatenate([b[1].array for b in loader])
    epoch2 = np.concatenate([b[1].array for b in loader])
    nnlab.manual_seed(123)
    again = np.concatenate([b[1].array for b in loader])
    np.testing.assert_array_equal(epoch1, again)
    assert not np.array_equal(epoch1, epoch2)  # a fresh permutation every epoch
    # The order is the global generator's permutation.
    nnlab.manual_seed(123)
    np.testing.assert_array_equal(epoch1, nnlab.backend.default_generator().permutation(50))


def test_shuffle_with_explicit_generator_ignores_global_state():
    ds = TensorDataset(*_data(30))
    orders = []
    for global_seed in (1, 2):
        nnlab.manual_seed(global_seed)
        loader = DataLoader(ds, batch_size=7, shuffle=True, generator=np.random.default_rng(5))
        orders.append(np.concatenate([b[1].array for b in loader]))
    np.testing.assert_array_equal(orders[0], orders[1])
    np.testing.assert_array_equal(orders[0], np.random.default_rng(5).permutation(30))
    seeded = DataLoader(ds, batch_size=7, shuffle=True, generator=5)
    np.testing.assert_array_equal(np.concatenate([b[1].array for b in seeded]), orders[0])


@pytest.mark.parametrize("dataset_kind", ["tensor", "subset", "list"])
def test_every_sample_exactly_once_per_epoch(dataset_kind):
    X, y = _data(23)
    if dataset_kind == "tensor":
        ds, expected = TensorDataset(X, y), np.arange(23)
    elif dataset_kind == "subset":
        ds, expected = Subset(TensorDataset(X, y), np.arange(3, 20)), np.arange(3, 20)
    else:
        ds, expected = ListDataset(23), np.arange(23)
    loader = DataLoader(ds, batch_size=5, shuffle=True, generator=np.random.default_rng(0))
    for _ in range(2):
        seen = np.concatenate([b[1].array for b in loader])
        np.testing.assert_array_equal(np.sort(seen), expected)


def test_fast_path_matches_per_sample_collate():
    X, y = _data(11)
    ds = TensorDataset(X, y)
    fast = list(DataLoader(ds, batch_size=4, shuffle=True, generator=3))
    slow = list(DataLoader(ds, batch_size=4, shuffle=True, generator=3, collate_fn=default_collate))
    for (fx, fy), (sx, sy) in zip(fast, slow):
        assert fx.dtype == sx.dtype == np.float32 and fy.dtype == sy.dtype == np.int64
        np.testing.assert_array_equal(fx.array, sx.array)
        np.testing.assert_array_equal(fy.array, sy.array)
    sub = Subset(ds, [10, 0, 5])
    (bx, by), = list(DataLoader(sub, batch_size=3))
    np.testing.assert_array_equal(by.array, [10, 0, 5])
    np.testing.assert_array_equal(bx.array, X[[10, 0, 5]])


def test_default_collate_dtypes_and_structures():
    x, i, f = default_collate([ListDataset(3)[k] for k in range(3)])
    assert x.shape == (3, 2) and x.dtype == np.float32
    assert i.dtype == np.int64 and i.tolist() == [0, 1, 2]
    assert f.dtype == np.float32 and f.tolist() == [0.0, 0.5, 1.0]
    d = default_collate([{"a": 1, "b": "s"}, {"a": 2, "b": "t"}])
    assert d["a"].tolist() == [1, 2] and d["b"] == ["s", "t"]
    P = namedtuple("P", "x y")
    p = default_collate([P(np.float64(1.5), True), P(np.float64(2.5), False)])
    assert isinstance(p, P) and p.x.dtype == np.float64 and p.y.dtype == np.bool_
    lst = default_collate([[1, 2.0], [3, 4.0]])
    assert isinstance(lst, list) and lst[0].tolist() == [1, 3]
    with pytest.raises(ValueError, match=r"share a shape.*\(2,\).*\(3,\)"):
        default_collate([np.zeros(2), np.zeros(3)])


def test_collate_keeps_graph_for_samples_that_require_grad():
    a = nnlab.Tensor([1.0, 2.0], requires_grad=True)
    b = nnlab.Tensor([3.0, 4.0], requires_grad=True)
    out = default_collate([a, b])
    (out * nnlab.Tensor([[1.0, 2.0], [3.0, 4.0]])).sum().backward()
    np.testing.assert_array_equal(a.grad.array, [1.0, 2.0])
    np.testing.assert_array_equal(b.grad.array, [3.0, 4.0])


def test_loader_with_custom_collate_fn():
    ds = TensorDataset(*_data(6))
    loader = DataLoader(ds, batch_size=4, collate_fn=lambda samples: len(samples))
    assert list(loader) == [4, 2]
