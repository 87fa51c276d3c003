"""``DatasetSplits``: one dataset's fixed train/dev/test arrays and their metadata.

Every loader in :mod:`nnlab.data.datasets` returns one, built by :func:`from_arrays`
with the same recipe: a seeded, stratified split (70/15/15 by default), float32
features, int64 labels, and optional standardization fitted on the train split only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np

from nnlab.backend import as_dtype, float32
from nnlab.data.dataloader import DataLoader
from nnlab.data.dataset import TensorDataset
from nnlab.data.splits import split_arrays
from nnlab.data.transforms import Standardize

#: Default train/dev/test fractions of every loader: small data sets need a dev and a
#: test set large enough to measure accuracy to a few percent, hence 70/15/15.
DEFAULT_FRACTIONS: tuple[float, float, float] = (0.70, 0.15, 0.15)
#: Default split seed: the splits are fixed, identical on every machine and run.
DEFAULT_SEED: int = 0

SPLIT_NAMES = ("train", "dev", "test")


@dataclass
class DatasetSplits:
    """Fixed train/dev/test splits of one dataset, with names of features and classes.

    Dict-like too: ``splits["X_train"]``, ``splits.keys()``.

    Attributes:
        X_train, X_dev, X_test: features, :math:`(N_s, D)` or :math:`(N_s, C, H, W)`, float32 by default.
        y_train, y_dev, y_test: int64 class indices :math:`(N_s)` (float targets for regression).
        feature_names: one name per feature column, or None (images).
        class_names: one name per class index, or None (regression).
        name: the registry name, e.g. ``"digits"``.
        scaler: the :class:`Standardize` fitted on ``X_train`` (None when not standardized);
            apply it to new data before predicting.
    """

    X_train: np.ndarray
    y_train: np.ndarray
    X_dev: np.ndarray
    y_dev: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    feature_names: list[str] | None = None
    class_names: list[str] | None = None
    name: str = ""
    scaler: Standardize | None = field(default=None, repr=False)

    @property
    def input_shape(self) -> tuple[int, ...]:
        """The shape of one sample, e.g. ``(64,)`` or ``(1, 8, 8)``."""
        return tuple(self.X_train.shape[1:])

    @property
    def num_features(self) -> int:
        """The number of input values per sample (the product of ``input_shape``)."""
        return int(np.prod(self.input_shape))

    @property
    def num_classes(self) -> int:
        """C: the number of class names, else the largest label over all splits + 1."""
        if self.class_names is not None:
            return len(self.class_names)
        return int(max(int(y.max()) for y in (self.y_train, self.y_dev, self.y_test) if y.size)) + 1

    def split(self, which: str) -> tuple[np.ndarray, np.ndarray]:
        """``(X, y)`` of ``"train"``, ``"dev"`` or ``"test"``."""
        if which not in SPLIT_NAMES:
            raise ValueError(f"DatasetSplits.split: unknown split {which!r}; expected one of {SPLIT_NAMES}")
        return getattr(self, f"X_{which}"), getattr(self, f"y_{which}")

    def datasets(self) -> tuple[TensorDataset, TensorDataset, TensorDataset]:
        """``(train, dev, test)`` as :class:`TensorDataset`\\ s (sharing the arrays, no copy)."""
        return tuple(TensorDataset(*self.split(s)) for s in SPLIT_NAMES)  # type: ignore[return-value]

    def loaders(
        self,
        batch_size: int = 32,
        shuffle: bool = True,
        generator: np.random.Generator | int | None = None,
        drop_last: bool = False,
        eval_batch_size: int | None = None,
    ) -> tuple[DataLoader, DataLoader, DataLoader]:
        """``(train, dev, test)`` DataLoaders; only the train loader shuffles.

        Args:
            batch_size: the training batch size. Default: 32.
            shuffle: reshuffle the training set every epoch. Default: True.
            generator: shuffling generator (or seed) for the train loader. Default: global.
            drop_last: drop the train loader's last partial batch. Default: False.
            eval_batch_size: batch size of dev/test. Default: None (= ``batch_size``).
        """
        train, dev, test = self.datasets()
        eval_bs = eval_batch_size or batch_size
        return (
            DataLoader(train, batch_size, shuffle=shuffle, drop_last=drop_last, generator=generator),
            DataLoader(dev, eval_bs),
            DataLoader(test, eval_bs),
        )

    def keys(self) -> list[str]:
        return ["X_train", "y_train", "X_dev", "y_dev", "X_test", "y_test", "feature_names", "class_names"]

    def __getitem__(self, key: str) -> Any:
        if key not in self.keys():
            raise KeyError(f"DatasetSplits: no field {key!r}; fields are {self.keys()}")
        return getattr(self, key)

    def summary(self) -> str:
        """One line: name, split sizes, input shape, classes."""
        sizes = "/".join(str(len(getattr(self, f"y_{s}"))) for s in SPLIT_NAMES)
        name = self.name or "dataset"
        return f"{name}: train/dev/test = {sizes}, input {self.input_shape}, {self.num_classes} classes"


def from_arrays(
    X: np.ndarray,
    y: np.ndarray,
    *,
    name: str = "",
    feature_names: Sequence[str] | None = None,
    class_names: Sequence[str] | None = None,
    fractions: Sequence[float] = DEFAULT_FRACTIONS,
    seed: int = DEFAULT_SEED,
    stratify: bool = True,
    standardize: bool = False,
    dtype=float32,
) -> DatasetSplits:
    """Split ``(X, y)`` into a :class:`DatasetSplits` with the house recipe.

    Args:
        X: features :math:`(N, *)`.
        y: labels :math:`(N)`; integer labels become int64, float targets keep ``dtype``.
        name: registry name. Default: "".
        feature_names, class_names: metadata. Default: None.
        fractions: train/dev/test fractions. Default: :data:`DEFAULT_FRACTIONS` (0.70, 0.15, 0.15).
        seed: split seed. Default: :data:`DEFAULT_SEED` (0).
        stratify: stratify by class (ignored for float targets). Default: True.
        standardize: fit a :class:`Standardize` on the train split and apply it to all
            three splits. Default: False.
        dtype: feature dtype. Default: float32.
    """
    dt = as_dtype(dtype)
    X = np.asarray(X).astype(dt)
    y = np.asarray(y)
    if len(fractions) != 3:
        raise ValueError(f"from_arrays: expected three fractions (train, dev, test), got {tuple(fractions)}")
    is_classification = y.dtype.kind in "iub"
    y = y.astype(np.int64) if is_classification else y.astype(dt)
    pieces = split_arrays(X, y, fractions, seed=seed, stratify=stratify and is_classification)
    X_tr, y_tr, X_dev, y_dev, X_te, y_te = pieces
    scaler = None
    if standardize:
        scaler = Standardize().fit(X_tr)
        X_tr, X_dev, X_te = (scaler.transform(a) for a in (X_tr, X_dev, X_te))
    return DatasetSplits(
        X_tr, y_tr, X_dev, y_dev, X_te, y_te,
        feature_names=list(feature_names) if feature_names is not None else None,
        class_names=list(class_names) if class_names is not None else None,
        name=name,
        scaler=scaler,
    )  # fmt: skip


def select_split(splits: DatasetSplits, split: str | None) -> DatasetSplits | tuple[np.ndarray, np.ndarray]:
    """The loaders' ``split=`` argument: None → all splits, else ``(X, y)`` of that split."""
    return splits if split is None else splits.split(split)
