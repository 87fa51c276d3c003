"""Map-style datasets: ``Dataset``, ``TensorDataset``, ``Subset``, ``ConcatDataset``.

A dataset maps an integer index to one sample. ``TensorDataset`` also offers
``_gather(indices)``, which returns a whole batch with one fancy-indexing call per
array; :class:`~nnlab.data.DataLoader` uses it (through subsets too) to skip the
per-sample Python loop, which matters for training speed.
"""

from __future__ import annotations

import bisect
from typing import Any, Sequence

import numpy as np

from nnlab.autograd import Tensor
from nnlab.ops.creation import as_tensor, from_numpy


class Dataset:
    """Abstract map-style dataset: ``dataset[i]`` is the ``i``-th sample, ``len(dataset)`` the count.

    Subclasses implement ``__getitem__`` and ``__len__``. ``a + b`` concatenates.
    """

    def __getitem__(self, index: int) -> Any:
        raise NotImplementedError(f"Dataset.__getitem__ is abstract: {type(self).__name__} must implement it")

    def __len__(self) -> int:
        raise NotImplementedError(f"Dataset.__len__ is abstract: {type(self).__name__} must implement it")

    def __add__(self, other: "Dataset") -> "ConcatDataset":
        return ConcatDataset([self, other])


def _as_array(t: Any, position: int) -> np.ndarray:
    if isinstance(t, Tensor):
        if t.requires_grad:
            raise ValueError(f"TensorDataset: tensor {position} requires grad; pass tensor.detach()")
        return t.array
    if isinstance(t, np.ndarray):
        return t
    raise TypeError(
        f"TensorDataset: argument {position} must be an nnlab Tensor or a numpy array, got {type(t).__name__}"
    )


def _check_index(index: Any, n: int, op: str) -> int:
    if isinstance(index, Tensor):
        index = index.__index__()
    if not isinstance(index, (int, np.integer)) or isinstance(index, bool):
        raise TypeError(f"{op}: index must be an int, got {type(index).__name__}")
    index = int(index)
    if not -n <= index < n:
        raise IndexError(f"{op}: index {index} is out of range for a dataset of {n} samples")
    return index + n if index < 0 else index


class TensorDataset(Dataset):
    """Samples are the rows ``(t[i] for t in tensors)`` of arrays that share their first dimension.

    The arrays are kept as they are (no copy, no dtype change): float32 features stay
    float32, int64 labels stay int64, float64 stays float64 when that is what was given.

    Args:
        *tensors: nnlab Tensors or numpy arrays, all of the same length along dim 0.

    Shape:
        - each tensor: :math:`(N, *)`; sample ``i`` is a tuple of arrays of shape :math:`(*)`.

    Attributes:
        tensors: the tuple of backing numpy arrays.
    """

    def __init__(self, *tensors: Tensor | np.ndarray):
        if not tensors:
            raise ValueError("TensorDataset: needs at least one tensor")
        arrays = tuple(_as_array(t, i) for i, t in enumerate(tensors))
        for i, a in enumerate(arrays):
            if a.ndim == 0:
                raise ValueError(f"TensorDataset: tensor {i} is 0-d; every tensor needs a first (sample) dimension")
        sizes = [a.shape[0] for a in arrays]
        if any(s != sizes[0] for s in sizes):
            shapes = ", ".join(str(a.shape) for a in arrays)
            raise ValueError(f"TensorDataset: all tensors must have the same size in dim 0, got shapes {shapes}")
        self.tensors: tuple[np.ndarray, ...] = arrays

    def __len__(self) -> int:
        return self.tensors[0].shape[0]

    def __getitem__(self, index: int) -> tuple[Tensor, ...]:
        i = _check_index(index, len(self), "TensorDataset")
        return tuple(as_tensor(a[i]) for a in self.tensors)  # a row, or a NumPy scalar of a 1-D array

    def _gather(self, indices: np.ndarray) -> tuple[Tensor, ...]:
        """The batch ``indices`` as already-collated Tensors (one fancy index per array)."""
        return tuple(from_numpy(a[indices]) for a in self.tensors)


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices``, in that order.

    Args:
        dataset: the dataset to draw from.
        indices: integer positions into ``dataset``.
    """

    def __init__(self, dataset: Dataset, indices: Sequence[int] | np.ndarray):
        idx = np.asarray(indices)
        if idx.size == 0:
            idx = idx.astype(np.int64)
        if idx.ndim != 1 or idx.dtype.kind not in "iu":
            raise TypeError(f"Subset: indices must be a 1-d sequence of ints, got dtype {idx.dtype}, shape {idx.shape}")
        n = len(dataset)
        if idx.size and (idx.min() < -n or idx.max() >= n):
            raise IndexError(f"Subset: indices range over [{idx.min()}, {idx.max()}], dataset has {n} samples")
        self.dataset = dataset
        self.indices = np.where(idx < 0, idx + n, idx).astype(np.int64)

    def __len__(self) -> int:
        return self.indices.shape[0]

    def __getitem__(self, index: int) -> Any:
        i = _check_index(index, len(self), "Subset")
        return self.dataset[int(self.indices[i])]


class ConcatDataset(Dataset):
    """The datasets one after another: indices ``0..len(a)-1`` are ``a``'s, then ``b``'s, ...

    Args:
        datasets: the datasets to chain (at least one).
    """

    def __init__(self, datasets: Sequence[Dataset]):
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("ConcatDataset: needs at least one dataset")
        self.cumulative_sizes: list[int] = []
        total = 0
        for d in self.datasets:
            total += len(d)
            self.cumulative_sizes.append(total)

    def __len__(self) -> int:
        return self.cumulative_sizes[-1]

    def __getitem__(self, index: int) -> Any:
        i = _check_index(index, len(self), "ConcatDataset")
        which = bisect.bisect_right(self.cumulative_sizes, i)
        start = self.cumulative_sizes[which - 1] if which > 0 else 0
        return self.datasets[which][i - start]
