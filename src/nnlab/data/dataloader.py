"""``DataLoader``: seeded shuffling, batching and collation of a map-style dataset."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, Callable, Iterator

import numpy as np

from nnlab.autograd import Tensor
from nnlab.backend import default_generator, get_default_dtype
from nnlab.data.dataset import Dataset, Subset, TensorDataset


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
        return Tensor._wrap(_stack_arrays([b.data for b in batch], "tensors"))
    if isinstance(elem, np.ndarray):
        return Tensor._wrap(_stack_arrays([np.asarray(b) for b in batch], "arrays"))
    if isinstance(elem, np.generic):
        return Tensor._wrap(np.array(batch, dtype=elem.dtype))
    if isinstance(elem, bool):
        return Tensor._wrap(np.array(batch, dtype=np.bool_))
    if isinstance(elem, int):
        return Tensor._wrap(np.array(batch, dtype=np.int64))
    if isinstance(elem, float):
        return Tensor._wrap(np.array(batch, dtype=get_default_dtype()))
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
        batch_size: samples per batch. Default: 1.
        shuffle: reshuffle the order at the start of every epoch. Default: False.
        drop_last: drop the final batch when it is smaller than ``batch_size``. Default: False.
        generator: a ``numpy.random.Generator`` (or an int seed for a private one) to
            shuffle with. Default: None (the global generator).
        collate_fn: turns a list of samples into a batch. Default: :func:`default_collate`.
        sampler: an iterable of dataset indices with ``__len__`` (e.g. a
            :class:`~nnlab.distributed.DistributedSampler`) that sets the order instead of
            ``shuffle``. Default: None.

    Shape:
        - a TensorDataset of arrays :math:`(M, *)` yields tuples of Tensors :math:`(N, *)`,
          N = ``batch_size`` (the last batch may be smaller unless ``drop_last``).
    """

    def __init__(
        self,
        dataset: Dataset,
        batch_size: int = 1,
        shuffle: bool = False,
        drop_last: bool = False,
        generator: np.random.Generator | int | None = None,
        collate_fn: Callable[[list[Any]], Any] | None = None,
        sampler: Any = None,
    ):
        if not isinstance(batch_size, (int, np.integer)) or isinstance(batch_size, bool) or batch_size < 1:
            raise ValueError(f"DataLoader: batch_size must be a positive int, got {batch_size!r}")
        if isinstance(generator, (int, np.integer)) and not isinstance(generator, bool):
            generator = np.random.default_rng(int(generator))
        elif generator is not None and not isinstance(generator, np.random.Generator):
            raise TypeError(
                f"DataLoader: generator must be a numpy Generator or an int seed, got {type(generator).__name__}"
            )
        if sampler is not None and shuffle:
            raise ValueError("DataLoader: sampler and shuffle=True are exclusive (the sampler sets the order)")
        self.dataset = dataset
        self.sampler = sampler
        self.batch_size = int(batch_size)
        self.shuffle = bool(shuffle)
        self.drop_last = bool(drop_last)
        self.generator = generator
        self.collate_fn = collate_fn

    def __len__(self) -> int:
        """The number of batches per epoch."""
        n = len(self.dataset) if self.sampler is None else len(self.sampler)
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)

    def _order(self) -> np.ndarray:
        if self.sampler is not None:
            return np.fromiter(iter(self.sampler), dtype=np.int64)
        n = len(self.dataset)
        if not self.shuffle:
            return np.arange(n, dtype=np.int64)
        rng = self.generator if self.generator is not None else default_generator()
        return rng.permutation(n).astype(np.int64, copy=False)

    def __iter__(self) -> Iterator[Any]:
        order = self._order()
        gather = _gatherer(self.dataset) if self.collate_fn is None else None
        collate = self.collate_fn if self.collate_fn is not None else default_collate
        for b in range(len(self)):
            batch_idx = order[b * self.batch_size : (b + 1) * self.batch_size]
            if gather is not None:
                yield gather(batch_idx)
            else:
                yield collate([self.dataset[int(i)] for i in batch_idx])

    def __repr__(self) -> str:
        return (
            f"DataLoader(dataset of {len(self.dataset)} samples, batch_size={self.batch_size}, "
            f"shuffle={self.shuffle}, drop_last={self.drop_last})"
        )
