"""DataLoader as PyTorch users drive it: worker processes, samplers, batch samplers, no-hang errors."""

import os

import numpy as np
import pytest

import nnlab
from nnlab.utils.data import (
    BatchSampler, ConcatDataset, DataLoader, Dataset, RandomSampler, Subset, SubsetRandomSampler, TensorDataset,
    WeightedRandomSampler, get_worker_info, random_split,
)


class Squares(Dataset):
    def __init__(self, n=23, fail_at=None):
        self.n, self.fail_at = n, fail_at

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        if i == self.fail_at:
            raise ValueError(f"bad sample {i}")
        noise = float(nnlab.rand(1).item())  # per-worker seeded randomness
        info = get_worker_info()
        return np.array([i, i * i], dtype=np.float32), i, noise, -1 if info is None else info.id


def _epoch(loader):
    return [(b[0].numpy().copy(), b[1].numpy().copy(), b[2].numpy().copy(), b[3].numpy().copy()) for b in loader]


def test_workers_give_the_same_batches_in_the_same_order_and_seed_each_worker():
    nnlab.manual_seed(0)
    ref = _epoch(DataLoader(Squares(), batch_size=4, shuffle=True))
    nnlab.manual_seed(0)
    got = _epoch(DataLoader(Squares(), batch_size=4, shuffle=True, num_workers=2, pin_memory=True))
    assert len(got) == len(ref) == 6
    for (xa, ya, _, wa), (xb, yb, _, wb) in zip(ref, got):
        np.testing.assert_array_equal(xa, xb)
        np.testing.assert_array_equal(ya, yb)
        assert set(wa) == {-1}
    assert {int(b[3][0]) for b in got} == {0, 1}  # batches dealt to both workers
    nnlab.manual_seed(0)
    again = _epoch(DataLoader(Squares(), batch_size=4, shuffle=True, num_workers=2))
    assert all(np.array_equal(a[2], b[2]) for a, b in zip(got, again))  # same seed, same worker randomness
    noise = np.concatenate([b[2] for b in got])
    assert len(np.unique(noise)) == len(noise)  # workers do not repeat each other's draws


def test_worker_error_is_raised_in_the_parent_naming_the_worker_and_nothing_hangs():
    loader = DataLoader(Squares(fail_at=9), batch_size=4, num_workers=2)
    with pytest.raises(RuntimeError, match=r"DataLoader worker 0: caught ValueError(.|\n)*bad sample 9"):
        list(loader)
    with pytest.raises(RuntimeError, match="DataLoader worker 1: caught ZeroDivisionError"):
        list(DataLoader(Squares(), batch_size=4, num_workers=2,
                        worker_init_fn=lambda wid: 1 / 0 if wid == 1 else None))
    for batch in DataLoader(Squares(), batch_size=2, num_workers=2):  # breaking early shuts the workers down
        break


def test_worker_init_fn_and_persistent_workers_keep_their_processes():
    pids = {}

    def init(wid):
        np.random.seed(100 + wid)

    class Pid(Squares):
        def __getitem__(self, i):
            return os.getpid()

    loader = DataLoader(Pid(8), batch_size=2, num_workers=2, persistent_workers=True, worker_init_fn=init)
    first = {int(p) for b in loader for p in b.numpy()}
    second = {int(p) for b in loader for p in b.numpy()}
    assert first == second and len(first) == 2 and os.getpid() not in first
    pids["n"] = len(first)
    del loader


def test_samplers_batch_samplers_and_dataset_tools():
    ds = TensorDataset(nnlab.arange(10.0), nnlab.arange(10))
    batches = [b[1].tolist() for b in DataLoader(ds, batch_sampler=[[0, 1], [5, 9, 2]])]
    assert batches == [[0, 1], [5, 9, 2]]
    nnlab.manual_seed(1)
    seen = [i for b in DataLoader(ds, batch_size=3, sampler=SubsetRandomSampler([1, 3, 5, 7])) for i in b[1].tolist()]
    assert sorted(seen) == [1, 3, 5, 7]
    weights = [0.0] * 9 + [1.0]
    drawn = [i for b in DataLoader(ds, batch_size=5, sampler=WeightedRandomSampler(weights, 20)) for i in b[1].tolist()]
    assert drawn == [9] * 20
    assert list(BatchSampler(range(7), 3, drop_last=True)) == [[0, 1, 2], [3, 4, 5]]
    assert len(DataLoader(ds, batch_size=4, drop_last=True)) == 2 and len(RandomSampler(ds, num_samples=4)) == 4
    a, b = random_split(ds, [0.7, 0.3], generator=np.random.default_rng(0))
    assert len(a) == 7 and len(b) == 3 and isinstance(a, Subset)
    assert len(ConcatDataset([a, b])) == 10
    collated = list(DataLoader(ds, batch_size=4, collate_fn=lambda s: [int(y) for _, y in s]))
    assert collated == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    with pytest.raises(ValueError, match="mutually exclusive"):
        DataLoader(ds, sampler=[0, 1], shuffle=True)
