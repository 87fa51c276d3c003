"""The parts of data parallelism that need no second process: the sampler, SyncBatchNorm's math, buckets."""

from __future__ import annotations

import numpy as np
import pytest

import nnlab
from nnlab import nn
from nnlab.data import DataLoader, TensorDataset
from nnlab.distributed import DistributedDataParallel, DistributedSampler, SyncBatchNorm
from nnlab.distributed.sync_batchnorm import SyncBatchNormFn


def test_sampler_shards_are_disjoint_cover_the_epoch_and_reshuffle_per_epoch():
    data = list(range(10))
    shards = [DistributedSampler(data, 3, r, seed=5) for r in range(3)]
    assert [len(s) for s in shards] == [4, 4, 4]
    all_idx = np.concatenate([s.indices() for s in shards])
    assert sorted(set(all_idx.tolist())) == list(range(10)) and len(all_idx) == 12  # 2 padded repeats
    first = shards[0].indices().copy()
    shards[0].set_epoch(1)
    assert not np.array_equal(first, shards[0].indices())
    one = DistributedSampler(data, 1, 0, seed=5)
    # Interleaving the ranks' shards gives the single process's order: the same global batches.
    np.testing.assert_array_equal(np.stack([s.indices() for s in _shards(data, 2)], 1).reshape(-1),
                                  one.indices())
    dropped = DistributedSampler(data, 3, 0, seed=5, drop_last=True)
    assert len(dropped) == 3
    with pytest.raises(ValueError, match=r"rank must be in \[0, 3\), got 3"):
        DistributedSampler(data, 3, 3)


def _shards(data, p):
    return [DistributedSampler(data, p, r, seed=5) for r in range(p)]


def test_loader_with_sampler_and_trainer_sets_the_epoch():
    x = np.arange(8, dtype=np.float32).reshape(8, 1)
    sampler = DistributedSampler(x, 2, 1, shuffle=False)
    loader = DataLoader(TensorDataset(x, x), batch_size=2, sampler=sampler)
    assert len(loader) == 2
    assert [b[0].array.reshape(-1).tolist() for b in loader] == [[1.0, 3.0], [5.0, 7.0]]
    with pytest.raises(ValueError, match="sampler option is mutually exclusive with shuffle"):
        DataLoader(TensorDataset(x, x), batch_size=2, sampler=sampler, shuffle=True)


def test_sync_batchnorm_function_equals_batch_norm_forward_backward_and_running_stats():
    """On one rank the global sums are the local ones: the P > 1 code path must equal BatchNorm2d."""
    nnlab.manual_seed(0)
    x = np.random.default_rng(0).standard_normal((4, 3, 5, 5)).astype(np.float32) * 2 + 1
    g = np.random.default_rng(1).standard_normal(x.shape).astype(np.float32)
    bn = nn.BatchNorm2d(3)
    bn.weight.array[...] = [0.5, 1.5, -1.0]
    sync = SyncBatchNorm.convert_sync_batchnorm(nn.Sequential(bn))[0]
    assert isinstance(sync, SyncBatchNorm)
    xa, xb = nnlab.tensor(x, requires_grad=True), nnlab.tensor(x, requires_grad=True)
    ya = bn(xa)
    yb = SyncBatchNormFn.apply(xb, sync.weight, sync.bias, sync.eps, sync.running_mean.array, sync.running_var.array,
                               0.1)
    np.testing.assert_allclose(yb.array, ya.array, rtol=1e-5, atol=1e-5)
    (ya * nnlab.tensor(g)).sum().backward()
    (yb * nnlab.tensor(g)).sum().backward()
    np.testing.assert_allclose(xb.grad.array, xa.grad.array, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(sync.weight.grad.array, bn.weight.grad.array, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(sync.running_var.array, bn.running_var.array, rtol=1e-5)
    np.testing.assert_allclose(sync.running_mean.array, bn.running_mean.array, rtol=1e-5, atol=1e-7)


def test_ddp_buckets_group_gradients_in_reverse_order_within_the_cap():
    model = nn.Sequential(nn.Linear(100, 100), nn.Linear(100, 10))  # 40.4 kB + 4 kB of float32
    ddp = DistributedDataParallel(model, bucket_cap_mb=0.01)  # ~10.5 kB buckets
    names = {id(p): n for n, p in model.named_parameters()}
    assert [[names[id(p)] for p in b] for b in ddp.buckets] == [["1.bias", "1.weight", "0.bias"], ["0.weight"]]
    x = nnlab.tensor(np.ones((2, 100), np.float32))
    ddp(x).sum().backward()
    before = model[0].weight.grad.array.copy()
    ddp.sync_gradients()  # a world of one: the average is the gradient itself
    np.testing.assert_array_equal(model[0].weight.grad.array, before)
    assert ddp.reduce_logs({"loss": 2.0}) == {"loss": 2.0}
