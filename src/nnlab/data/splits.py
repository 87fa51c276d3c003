"""Splitting data: ``random_split`` (PyTorch's), and seeded, stratified train/dev/test splits.

The curriculum's vocabulary: the *train* set fits the parameters, the *dev*
(development, or hold-out cross-validation) set chooses between models and
hyperparameters, the *test* set gives an unbiased estimate of the final system.
With small data 60/20/20 or 70/15/15 is usual; with millions of examples 98/1/1.
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np

from nnlab.autograd import Tensor
from nnlab.backend import default_generator
from nnlab.data.dataset import Dataset, Subset
from nnlab.ops.creation import from_numpy


def _split_sizes(n: int, lengths: Sequence[float], op: str, largest_remainder: bool = False) -> list[int]:
    """Integer sizes from counts, or from fractions summing to 1.

    The rounded-down sizes' remainder goes round-robin from the first piece (PyTorch's
    rule), or with ``largest_remainder`` to the pieces with the largest fractional parts.
    """
    lengths = list(lengths)
    if not lengths:
        raise ValueError(f"{op}: needs at least one length")
    if any(v < 0 for v in lengths):
        raise ValueError(f"{op}: lengths must be non-negative, got {lengths}")
    if all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in lengths):
        if sum(lengths) != n:
            raise ValueError(f"{op}: lengths {lengths} sum to {sum(lengths)}, the data has {n} samples")
        return [int(v) for v in lengths]
    if not math.isclose(sum(lengths), 1.0, abs_tol=1e-6):
        raise ValueError(f"{op}: fractions {lengths} must sum to 1 (they sum to {sum(lengths)})")
    # Rounding to 9 places keeps 0.29 * 100 = 28.999999999999996 from flooring to 28;
    # PyTorch's rule floors the raw product, and random_split stays identical to it.
    exact = [round(n * f, 9) if largest_remainder else n * f for f in lengths]
    sizes = [int(math.floor(e)) for e in exact]
    if largest_remainder:
        receivers = sorted(range(len(sizes)), key=lambda i: (-(exact[i] - sizes[i]), i))
    else:
        receivers = list(range(len(sizes)))
    for i in range(n - sum(sizes)):
        sizes[receivers[i % len(sizes)]] += 1
    return sizes


def random_split(
    dataset: Dataset, lengths: Sequence[float], generator: np.random.Generator | None = None
) -> list[Subset]:
    """Randomly partition ``dataset`` into non-overlapping :class:`Subset`\\ s of the given lengths.

    Like ``torch.utils.data.random_split``: ``lengths`` are counts summing to
    ``len(dataset)``, or fractions summing to 1 whose rounded-down sizes get the
    remainder one by one, first split first.

    Args:
        dataset: the dataset to split.
        lengths: sizes or fractions of the pieces.
        generator: the numpy Generator to permute with. Default: the global one.
    """
    n = len(dataset)
    sizes = _split_sizes(n, lengths, "random_split")
    rng = generator if generator is not None else default_generator()
    perm = rng.permutation(n)
    bounds = np.cumsum([0] + sizes)
    return [Subset(dataset, perm[bounds[i] : bounds[i + 1]]) for i in range(len(sizes))]


def _spread(sizes: list[int]) -> np.ndarray:
    """A sequence holding ``sizes[s]`` copies of each label ``s``, each label spread evenly.

    Label ``s``'s k-th copy sits at the rank of ``(k + 1/2) / sizes[s]``, so any
    contiguous window of length ``m`` holds about ``m * sizes[s] / n`` copies (within 1).
    """
    keys = np.concatenate([(np.arange(k) + 0.5) / k for k in sizes] + [np.zeros(0)])
    labels = np.concatenate([np.full(k, s, dtype=np.int64) for s, k in enumerate(sizes)] + [np.zeros(0, np.int64)])
    return labels[np.argsort(keys, kind="stable")]


def split_indices(
    n_or_labels: int | np.ndarray,
    fractions: Sequence[float] = (0.8, 0.1, 0.1),
    seed: int = 0,
    stratify: bool = True,
) -> list[np.ndarray]:
    """Seeded index sets that partition ``range(n)``, optionally stratified by label.

    Sizes are exact (``n * fractions`` rounded by largest remainder). With
    ``stratify``, every class is split in the same proportions, each piece receiving
    within one sample of ``fraction * count_c`` of class ``c``: the samples are
    shuffled, grouped by class, and dealt to the pieces along an evenly spread pattern.

    Args:
        n_or_labels: the number of samples, or their labels (needed for ``stratify``).
        fractions: the fraction of each piece, summing to 1. Default: (0.8, 0.1, 0.1).
        seed: seed of the private generator, so a split never depends on global state. Default: 0.
        stratify: keep class proportions equal across pieces (labels required). Default: True.

    Returns:
        one int64 index array per piece, each in random order.
    """
    labels = None
    if isinstance(n_or_labels, (int, np.integer)):
        n = int(n_or_labels)
    else:
        labels = np.asarray(n_or_labels.array if isinstance(n_or_labels, Tensor) else n_or_labels)
        if labels.ndim != 1:
            raise ValueError(f"split_indices: labels must be 1-d, got shape {labels.shape}")
        n = labels.shape[0]
    sizes = _split_sizes(n, fractions, "split_indices", largest_remainder=True)
    rng = np.random.default_rng(seed)
    perm = rng.permutation(n)
    if stratify and labels is not None:
        # A stable sort keeps the random order inside each class.
        order = perm[np.argsort(labels[perm], kind="stable")]
    else:
        order = perm
    assignment = _spread(sizes)
    return [rng.permutation(order[assignment == s]).astype(np.int64) for s in range(len(sizes))]


def _rows(a, idx: np.ndarray):
    return from_numpy(a.array[idx]) if isinstance(a, Tensor) else np.asarray(a)[idx]


def split_arrays(
    X, y, fractions: Sequence[float] = (0.8, 0.1, 0.1), seed: int = 0, stratify: bool = True
) -> tuple:
    """Split ``(X, y)`` into pieces of the given fractions: ``X_train, y_train, X_dev, y_dev, X_test, y_test``.

    Our own ``train_test_split``: seeded (the same seed always gives the same split),
    stratified by the classes of ``y`` when asked. Numpy in, numpy out; Tensors in, Tensors out.

    Args:
        X: features, first dimension N.
        y: labels (or regression targets; then pass ``stratify=False``), length N.
        fractions: one fraction per piece, summing to 1. Default: (0.8, 0.1, 0.1) = train/dev/test.
        seed: the split's seed. Default: 0.
        stratify: keep each class's share the same in every piece. Default: True.

    Shape:
        - X: :math:`(N, *)`, y: :math:`(N)`; outputs :math:`(N_s, *)` and :math:`(N_s)`, sum of N_s = N.

    Returns:
        a flat tuple ``(X_0, y_0, X_1, y_1, ...)``, one pair per fraction.
    """
    n = len(X)
    if len(y) != n:
        raise ValueError(f"split_arrays: X has {n} samples (shape {tuple(np.shape(X))}), y has {len(y)}")
    pieces = split_indices(y if stratify else n, fractions, seed, stratify)
    out: list = []
    for idx in pieces:
        out += [_rows(X, idx), _rows(y, idx)]
    return tuple(out)


def train_dev_split(X, y, dev_fraction: float = 0.1, seed: int = 0, stratify: bool = True) -> tuple:
    """Carve a *train-dev* set out of the training data: ``X_train, y_train, X_train_dev, y_train_dev``.

    The train-dev set comes from the training distribution but is never trained on.
    When the dev/test data come from a different distribution than the training data,
    comparing errors tells the problems apart: train→train-dev gap = variance
    (overfitting), train-dev→dev gap = data mismatch, human-level→train gap =
    avoidable bias. Also usable as a plain train/dev split.

    Args:
        X: training features, first dimension N.
        y: training labels, length N.
        dev_fraction: the share held out as train-dev. Default: 0.1.
        seed: the split's seed. Default: 0.
        stratify: keep the class proportions in both pieces. Default: True.
    """
    if not 0.0 < dev_fraction < 1.0:
        raise ValueError(f"train_dev_split: dev_fraction must be in (0, 1), got {dev_fraction}")
    return split_arrays(X, y, (1.0 - dev_fraction, dev_fraction), seed=seed, stratify=stratify)
