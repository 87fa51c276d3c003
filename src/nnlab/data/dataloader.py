"""``DataLoader``: seeded shuffling, batching and collation of a map-style dataset."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, Callable, Iterator

import numpy as np

from nnlab.autograd import Tensor
from nnlab.backend import default_generator, get_default_dtype
from nnlab.data.dataset import Dataset, Subset, TensorDataset
from nnlab.data.samplers import BatchSampler
from nnlab.data.workers import WorkerPool
from nnlab.ops.creation import from_numpy


def _stack_arrays(arrays: list[np.ndarray], what: str) -> np.ndarray:
    first = arrays[0].shape
    for i, a in enumerate(arrays):
        if a.shape != first:
            raise ValueError(
                f"default_collate: {what} of a batch must share a shape, "
                f"got {first} at position 0 and {a.shape} at position {i}"
            )
    return np.stack(arrays)


def default_collate(batch: list[Any]) -> Any:
    """Stack a list of samples into batched Tensors, field by field.

    Tensors and numpy arrays are stacked along a new dim 0 and keep their dtype;
    Python floats become the default dtype (float32), Python ints int64, bools bool;
    tuples, lists, named tuples and dicts are collated per field and keep their type;
    strings and anything else come back as a list.

    Args:
        batch: the samples of one batch (a non-empty list).

    Shape:
        - each sample field :math:`(*)` becomes a batched field :math:`(N, *)`.
    """
    if len(batch) == 0:
        raise ValueError("default_collate: cannot collate an empty batch")
    elem = batch[0]
    if isinstance(elem, Tensor):
        if any(isinstance(b, Tensor) and b.requires_grad for b in batch):
            from nnlab.ops import stack  # keeps the graph when samples carry gradients

            return stack(batch)
        return from_numpy(_stack_arrays([b.array for b in batch], "tensors"))
    if isinstance(elem, np.ndarray):
        return from_numpy(_stack_arrays([np.asarray(b) for b in batch], "arrays"))
    if isinstance(elem, np.generic):
        return from_numpy(np.array(batch, dtype=elem.dtype))
    if isinstance(elem, bool):
        return from_numpy(np.array(batch, dtype=np.bool_))
    if isinstance(elem, int):
        return from_numpy(np.array(batch, dtype=np.int64))
    if isinstance(elem, float):
        return from_numpy(np.array(batch, dtype=get_default_dtype()))
    if isinstance(elem, (str, bytes)):
        return list(batch)
    if isinstance(elem, Mapping):
        return type(elem)({key: default_collate([b[key] for b in batch]) for key in elem})
    if isinstance(elem, (tuple, list)):
        n = len(elem)
        if any(len(b) != n for b in batch):
            sizes = sorted({len(b) for b in batch})
            raise ValueError(f"default_collate: samples have different numbers of fields: {sizes}")
        fields = [default_collate(list(samples)) for samples in zip(*batch)]
        if hasattr(elem, "_fields"):  # named tuple
            return type(elem)(*fields)
        return tuple(fields) if isinstance(elem, tuple) else fields
    return list(batch)


def _gatherer(dataset: Dataset) -> Callable[[np.ndarray], Any] | None:
    """A function fetching a whole collated batch at once, when the dataset allows it."""
    if isinstance(dataset, TensorDataset) and type(dataset).__getitem__ is TensorDataset.__getitem__:
        return dataset._gather
    if isinstance(dataset, Subset) and type(dataset).__getitem__ is Subset.__getitem__:
        inner = _gatherer(dataset.dataset)
        if inner is not None:
            indices = dataset.indices
            return lambda batch: inner(indices[batch])
    return None


class _Fetch:
    """Indices → one batch (picklable, so that spawned workers can receive it)."""

    def __init__(self, dataset: Dataset, collate_fn, unbatched: bool):
        self.dataset, self.collate_fn, self.unbatched = dataset, collate_fn, unbatched
        self._gather = None if collate_fn is not None or unbatched else _gatherer(dataset)

    def __getstate__(self):
        return {"dataset": self.dataset, "collate_fn": self.collate_fn, "unbatched": self.unbatched}

    def __setstate__(self, state):
        self.__init__(state["dataset"], state["collate_fn"], state["unbatched"])

    def __call__(self, idx) -> Any:
        if self.unbatched:
            return self.dataset[int(idx[0])]
        if self._gather is not None:
            return self._gather(np.asarray(idx, dtype=np.int64))
        collate = self.collate_fn if self.collate_fn is not None else default_collate
        return collate([self.dataset[int(i)] for i in idx])


class DataLoader:
    """Iterate over ``dataset`` in batches of ``batch_size``, optionally reshuffled every epoch.

    With ``shuffle=True`` each ``iter(loader)`` draws a fresh permutation from
    ``generator``, else from ``nnlab.backend.default_generator()``, so
    ``nnlab.manual_seed(s)`` makes a run repeatable. Every sample appears exactly once
    per epoch. When the dataset is a :class:`TensorDataset` (or a :class:`Subset` of
    one) and no ``collate_fn`` is given, a batch is fetched with one fancy index per
    array instead of a per-sample loop.

    Args:
        dataset: a map-style dataset (``__getitem__`` and ``__len__``).
        batch_size: samples per batch (None: yield samples one by one, uncollated). Default: 1.
        shuffle: reshuffle the order at the start of every epoch. Default: False.
        sampler: an iterable of indices (e.g. :class:`WeightedRandomSampler`); excludes ``shuffle``.
        batch_sampler: an iterable of index lists; excludes batch_size, shuffle, sampler, drop_last.
        num_workers: worker processes fetching batches (0: in this process). The batches and
            their order are the same for every value. Default: 0.
        collate_fn: turns a list of samples into a batch. Default: :func:`default_collate`.
        pin_memory: accepted for PyTorch compatibility (CPU memory needs no pinning).
        drop_last: drop the final batch when it is smaller than ``batch_size``. Default: False.
        timeout: seconds to wait for a worker's batch (0: forever, but a dead worker is still detected).
        worker_init_fn: called as ``worker_init_fn(worker_id)`` in each worker after seeding.
        multiprocessing_context: ``"fork"`` (default where available) or ``"spawn"``.
        generator: a ``numpy.random.Generator`` (or an int seed for a private one) to
            shuffle with. Default: None (the global generator).
        prefetch_factor: batches in flight per worker. Default: 2.
        persistent_workers: keep the workers alive between epochs. Default: False.

    Shape:
        - a TensorDataset of arrays :math:`(M, *)` yields tuples of Tensors :math:`(N, *)`,
          N = ``batch_size`` (the last batch may be smaller unless ``drop_last``).
    """

    def __init__(
        self,
        dataset: Dataset,
        batch_size: int | None = 1,
        shuffle: bool | None = False,
        sampler=None,
        batch_sampler=None,
        num_workers: int = 0,
        collate_fn: Callable[[list[Any]], Any] | None = None,
        pin_memory: bool = False,
        drop_last: bool = False,
        timeout: float = 0,
        worker_init_fn: Callable[[int], None] | None = None,
        multiprocessing_context: str | None = None,
        generator: np.random.Generator | int | None = None,
        *,
        prefetch_factor: int | None = None,
        persistent_workers: bool = False,
        pin_memory_device: str = "",
        in_order: bool = True,
    ):
        self._unbatched = batch_size is None
        if batch_size is None:
            batch_size = 1
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("DataLoader: batch_sampler option is mutually exclusive with batch_size, shuffle, "
                                 "sampler, and drop_last")
        if sampler is not None and shuffle:
            raise ValueError("DataLoader: sampler option is mutually exclusive with shuffle")
        if not isinstance(batch_size, (int, np.integer)) or isinstance(batch_size, bool) or batch_size < 1:
            raise ValueError(f"DataLoader: batch_size must be a positive int, got {batch_size!r}")
        if not isinstance(num_workers, (int, np.integer)) or num_workers < 0:
            raise ValueError(f"DataLoader: num_workers must be a non-negative int, got {num_workers!r}")
        if persistent_workers and num_workers == 0:
            raise ValueError("DataLoader: persistent_workers option needs num_workers > 0")
        if isinstance(generator, (int, np.integer)) and not isinstance(generator, bool):
            generator = np.random.default_rng(int(generator))
        elif generator is not None and not isinstance(generator, np.random.Generator):
            raise TypeError(
                f"DataLoader: generator must be a numpy Generator or an int seed, got {type(generator).__name__}"
            )
        self.dataset = dataset
        self.batch_size = int(batch_size)
        self.shuffle = bool(shuffle)
        self.drop_last = bool(drop_last)
        self.generator = generator
        self.collate_fn = collate_fn
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        if batch_sampler is None and sampler is not None:
            self.batch_sampler = BatchSampler(sampler, self.batch_size, self.drop_last)
        self.num_workers = int(num_workers)
        self.pin_memory = bool(pin_memory)
        self.timeout = float(timeout)
        self.worker_init_fn = worker_init_fn
        self.multiprocessing_context = multiprocessing_context
        self.prefetch_factor = 2 if prefetch_factor is None else int(prefetch_factor)
        self.persistent_workers = bool(persistent_workers)
        self._pool = None

    def __len__(self) -> int:
        """The number of batches per epoch."""
        if self.batch_sampler is not None:
            return len(self.batch_sampler)
        n = len(self.dataset)
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)

    def _order(self) -> np.ndarray:
        if self.sampler is not None:
            return np.fromiter(iter(self.sampler), dtype=np.int64)
        n = len(self.dataset)
        if not self.shuffle:
            return np.arange(n, dtype=np.int64)
        rng = self.generator if self.generator is not None else default_generator()
        return rng.permutation(n).astype(np.int64, copy=False)

    def _batches(self) -> Iterator[Any]:
        """The index batches of one epoch (the same for every ``num_workers``)."""
        if self.batch_sampler is not None:
            yield from self.batch_sampler
            return
        order = self._order()
        for b in range(len(self)):
            yield order[b * self.batch_size : (b + 1) * self.batch_size]

    def _fetcher(self) -> Callable[[Any], Any]:
        return _Fetch(self.dataset, self.collate_fn, self._unbatched)

    def __iter__(self) -> Iterator[Any]:
        fetch = self._fetcher()
        if self.num_workers == 0:
            for idx in self._batches():
                yield fetch(idx)
            return
        pool = self._pool
        if pool is None:
            pool = WorkerPool(self.dataset, fetch, self.num_workers, self.worker_init_fn, self.multiprocessing_context)
            if self.persistent_workers:
                self._pool = pool
        try:
            yield from pool.run(self._batches(), self.prefetch_factor, self.timeout)
        finally:
            if not self.persistent_workers:
                pool.close()

    def __del__(self):
        pool = getattr(self, "_pool", None)
        if pool is not None:
            pool.close()

    def __repr__(self) -> str:
        return (
            f"DataLoader(dataset of {len(self.dataset)} samples, batch_size={self.batch_size}, "
            f"shuffle={self.shuffle}, drop_last={self.drop_last}, num_workers={self.num_workers})"
        )
