"""``DistributedSampler``: each rank draws a disjoint shard of the dataset, reshuffled per epoch.

Every rank draws the same seeded permutation π of the N indices (the generator is
seeded with ``seed + epoch``, so all ranks agree without communicating and each epoch
differs), pads it to a multiple of P by repeating its head (or drops the tail with
``drop_last``), and keeps every P-th index from its rank on: rank r gets
π[r], π[r + P], π[r + 2P], ... . The ranks' shards are disjoint and together cover the
epoch; the B/P samples of step k on each rank are, together, π[kB : (k + 1)B] — the
batch one process with batch size B takes at step k of the same epoch.
"""

from __future__ import annotations

import math
from typing import Iterator, Sized

import numpy as np

from nnlab.distributed import comm

__all__ = ["DistributedSampler"]


class DistributedSampler:
    """Indices of this rank's shard of ``dataset`` (PyTorch's ``DistributedSampler``).

    Args:
        dataset: anything with ``__len__``.
        num_replicas: P. Default: the world size.
        rank: this rank, in [0, P). Default: the process's rank.
        shuffle: a fresh permutation every epoch (seeded by ``seed + epoch``). Default: True.
        seed: the permutation's seed, the same on every rank. Default: 0.
        drop_last: drop the tail that does not split evenly rather than pad with repeats.
            Default: False.

    Call :meth:`set_epoch` before each epoch (the Trainer does it for a DataLoader built
    with ``sampler=``), or every epoch repeats the first one's order.
    """

    def __init__(self, dataset: Sized, num_replicas: int | None = None, rank: int | None = None,
                 shuffle: bool = True, seed: int = 0, drop_last: bool = False) -> None:
        if num_replicas is None or rank is None:
            r, p = comm.init()
            num_replicas = p if num_replicas is None else num_replicas
            rank = r if rank is None else rank
        if num_replicas < 1:
            raise ValueError(f"DistributedSampler: num_replicas must be positive, got {num_replicas}")
        if not 0 <= rank < num_replicas:
            raise ValueError(f"DistributedSampler: rank must be in [0, {num_replicas}), got {rank}")
        self.dataset, self.num_replicas, self.rank = dataset, int(num_replicas), int(rank)
        self.shuffle, self.seed, self.drop_last = bool(shuffle), int(seed), bool(drop_last)
        self.epoch = 0
        n = len(dataset)
        if drop_last and n < num_replicas:
            raise ValueError(f"DistributedSampler: {n} samples cannot give each of {num_replicas} ranks one "
                             "with drop_last=True")
        self.num_samples = n // num_replicas if drop_last else math.ceil(n / num_replicas)
        self.total_size = self.num_samples * num_replicas

    def set_epoch(self, epoch: int) -> None:
        """Use the permutation of ``epoch`` (seed + epoch) from now on."""
        self.epoch = int(epoch)

    def indices(self) -> np.ndarray:
        """This rank's indices for the current epoch, as an int64 array."""
        n = len(self.dataset)
        if self.shuffle:
            order = np.random.default_rng(self.seed + self.epoch).permutation(n).astype(np.int64)
        else:
            order = np.arange(n, dtype=np.int64)
        if self.total_size > n:
            order = np.concatenate([order, np.resize(order, self.total_size - n)])
        else:
            order = order[: self.total_size]
        return order[self.rank : self.total_size : self.num_replicas]

    def __iter__(self) -> Iterator[int]:
        return iter(self.indices().tolist())

    def __len__(self) -> int:
        return self.num_samples

    def __repr__(self) -> str:
        return (f"DistributedSampler(rank {self.rank} of {self.num_replicas}, {self.num_samples} samples, "
                f"shuffle={self.shuffle}, seed={self.seed}, epoch={self.epoch})")
