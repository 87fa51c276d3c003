"""Real data shipped inside scikit-learn: digits, breast cancer, iris, wine.

scikit-learn is used only to read these files from its own package directory (no
network); splitting, scaling and resizing are nnlab's. Every loader returns fixed
splits — seed 0, stratified, 70/15/15 train/dev/test (see
:data:`~nnlab.data.datasets.container.DEFAULT_FRACTIONS`) — with float32 features
and int64 labels.

===============  =======  ========  =======  ===========================
name             samples  features  classes  default preprocessing
===============  =======  ========  =======  ===========================
digits           1797     64 (8x8)  10       pixels / 16 → [0, 1]
breast_cancer    569      30        2        standardized (train stats)
iris             150      4         3        standardized (train stats)
wine             178      13        3        standardized (train stats)
===============  =======  ========  =======  ===========================
"""

from __future__ import annotations

import functools
from typing import Sequence

import numpy as np

from nnlab.backend import float32
from nnlab.data.datasets.container import (
    DEFAULT_FRACTIONS,
    DEFAULT_SEED,
    DatasetSplits,
    from_arrays,
    select_split,
)
from nnlab.data.transforms import resize_bilinear


@functools.lru_cache(maxsize=None)
def _sklearn_raw(name: str) -> tuple[np.ndarray, np.ndarray, tuple[str, ...], tuple[str, ...]]:
    """(data, target, feature names, class names) of one bundled set, read once per process."""
    import sklearn.datasets as skd  # imported lazily: it is slow and only needed here

    bunch = getattr(skd, f"load_{name}")()
    data = np.asarray(bunch.data)
    target = np.asarray(bunch.target, dtype=np.int64)
    data.flags.writeable = False  # the cache is shared; every loader copies before use
    target.flags.writeable = False
    features = tuple(str(f) for f in getattr(bunch, "feature_names", [])) or tuple(
        f"pixel_{i}" for i in range(data.shape[1])
    )
    classes = tuple(str(c) for c in bunch.target_names)
    return data, target, features, classes


def load_digits(
    split: str | None = None,
    *,
    images: bool = False,
    size: int | None = None,
    standardize: bool = False,
    fractions: Sequence[float] = DEFAULT_FRACTIONS,
    seed: int = DEFAULT_SEED,
    dtype=float32,
) -> DatasetSplits | tuple[np.ndarray, np.ndarray]:
    """The UCI handwritten digits: 1797 grey 8×8 images of 0–9, pixels scaled to [0, 1] by /16.

    Args:
        split: None for all splits as a :class:`DatasetSplits`, or "train"/"dev"/"test"
            for that split's ``(X, y)``. Default: None.
        images: return images :math:`(N, 1, H, W)` instead of flat vectors. Default: False.
        size: resize the 8×8 images to ``size``×``size`` by bilinear interpolation
            (e.g. 32 for LeNet-5); flat vectors then have ``size**2`` features. Default: None.
        standardize: standardize each pixel with train statistics. Default: False.
        fractions: train/dev/test fractions. Default: (0.70, 0.15, 0.15).
        seed: split seed. Default: 0.
        dtype: feature dtype. Default: float32.

    Shape:
        - X: :math:`(N, 64)`, :math:`(N, 1, 8, 8)` with ``images``, :math:`(N, 1, S, S)` with
          ``images`` and ``size=S``, :math:`(N, S^2)` with ``size`` only; y: :math:`(N)`.
    """
    data, target, features, classes = _sklearn_raw("digits")
    X = data.astype(np.float64) / 16.0
    if size is not None:
        X = resize_bilinear(X.reshape(-1, 1, 8, 8), int(size))
        side = int(size)
        features = tuple(f"pixel_{r}_{c}" for r in range(side) for c in range(side))
    if images:
        side = int(size) if size is not None else 8
        X = X.reshape(-1, 1, side, side)
        features = None
    else:
        X = X.reshape(X.shape[0], -1)
    splits = from_arrays(
        X, target, name="digits", feature_names=features, class_names=classes,
        fractions=fractions, seed=seed, standardize=standardize, dtype=dtype,
    )  # fmt: skip
    return select_split(splits, split)


def _tabular(
    name: str, split: str | None, standardize: bool, fractions: Sequence[float], seed: int, dtype
) -> DatasetSplits | tuple[np.ndarray, np.ndarray]:
    data, target, features, classes = _sklearn_raw(name)
    splits = from_arrays(
        data, target, name=name, feature_names=features, class_names=classes,
        fractions=fractions, seed=seed, standardize=standardize, dtype=dtype,
    )  # fmt: skip
    return select_split(splits, split)


def load_breast_cancer(
    split: str | None = None,
    *,
    standardize: bool = True,
    fractions: Sequence[float] = DEFAULT_FRACTIONS,
    seed: int = DEFAULT_SEED,
    dtype=float32,
) -> DatasetSplits | tuple[np.ndarray, np.ndarray]:
    """Wisconsin breast cancer: 569 tumours, 30 cell-nucleus measurements, malignant (0) / benign (1).

    Args:
        split: None for all splits, or "train"/"dev"/"test" for ``(X, y)``. Default: None.
        standardize: standardize features with train statistics. Default: True.
        fractions: train/dev/test fractions. Default: (0.70, 0.15, 0.15).
        seed: split seed. Default: 0.
        dtype: feature dtype. Default: float32.

    Shape:
        - X: :math:`(N, 30)`; y: :math:`(N)` in {0, 1}.
    """
    return _tabular("breast_cancer", split, standardize, fractions, seed, dtype)


def load_iris(
    split: str | None = None,
    *,
    standardize: bool = True,
    fractions: Sequence[float] = DEFAULT_FRACTIONS,
    seed: int = DEFAULT_SEED,
    dtype=float32,
) -> DatasetSplits | tuple[np.ndarray, np.ndarray]:
    """Fisher's iris: 150 flowers, 4 sepal/petal measurements, 3 species.

    Args:
        split: None for all splits, or "train"/"dev"/"test" for ``(X, y)``. Default: None.
        standardize: standardize features with train statistics. Default: True.
        fractions: train/dev/test fractions. Default: (0.70, 0.15, 0.15).
        seed: split seed. Default: 0.
        dtype: feature dtype. Default: float32.

    Shape:
        - X: :math:`(N, 4)`; y: :math:`(N)` in {0, 1, 2}.
    """
    return _tabular("iris", split, standardize, fractions, seed, dtype)


def load_wine(
    split: str | None = None,
    *,
    standardize: bool = True,
    fractions: Sequence[float] = DEFAULT_FRACTIONS,
    seed: int = DEFAULT_SEED,
    dtype=float32,
) -> DatasetSplits | tuple[np.ndarray, np.ndarray]:
    """UCI wine: 178 wines, 13 chemical measurements, 3 cultivars.

    Args:
        split: None for all splits, or "train"/"dev"/"test" for ``(X, y)``. Default: None.
        standardize: standardize features with train statistics. Default: True.
        fractions: train/dev/test fractions. Default: (0.70, 0.15, 0.15).
        seed: split seed. Default: 0.
        dtype: feature dtype. Default: float32.

    Shape:
        - X: :math:`(N, 13)`; y: :math:`(N)` in {0, 1, 2}.
    """
    return _tabular("wine", split, standardize, fractions, seed, dtype)
