"""The dataset registry: ``get_dataset("digits")`` for the CLI's ``--dataset`` flag.

Every entry returns a :class:`DatasetSplits` (or, with ``split="train"`` etc., one
split's ``(X, y)``). Synthetic sets are generated with their own seed and then split
70/15/15 like the real ones.
"""

from __future__ import annotations

import difflib
from typing import Callable, Sequence

from nnlab.backend import float32
from nnlab.data.datasets import synthetic
from nnlab.data.datasets.bundled import load_breast_cancer, load_digits, load_iris, load_wine
from nnlab.data.datasets.container import DEFAULT_FRACTIONS, DEFAULT_SEED, DatasetSplits, from_arrays, select_split
from nnlab.data.datasets.formats import mnist_splits


def _synthetic(name: str, make: Callable, n_default: int) -> Callable[..., DatasetSplits]:
    def load(
        split: str | None = None,
        *,
        n: int = n_default,
        seed: int = 0,
        standardize: bool = False,
        fractions: Sequence[float] = DEFAULT_FRACTIONS,
        split_seed: int = DEFAULT_SEED,
        dtype=float32,
        **kwargs,
    ):
        X, y = make(n=n, seed=seed, dtype=dtype, **kwargs)[:2]
        splits = from_arrays(
            X, y, name=name, feature_names=[f"x{i}" for i in range(X.shape[1])],
            fractions=fractions, seed=split_seed, standardize=standardize, dtype=dtype,
        )  # fmt: skip
        return select_split(splits, split)

    load.__name__ = f"load_{name}"
    load.__doc__ = (
        f"``{make.__name__}`` (n={n_default} by default, generator seed ``seed``) split 70/15/15 "
        f"with ``split_seed``; extra keyword arguments go to the generator."
    )
    return load


#: name → loader. Each loader takes ``split=None`` and keyword options.
DATASETS: dict[str, Callable[..., DatasetSplits]] = {
    "digits": load_digits,
    "breast_cancer": load_breast_cancer,
    "iris": load_iris,
    "wine": load_wine,
    "mnist": mnist_splits,
    "xor": _synthetic("xor", synthetic.make_xor, 400),
    "moons": _synthetic("moons", synthetic.make_moons, 400),
    "spirals": _synthetic("spirals", synthetic.make_spirals, 600),
    "blobs": _synthetic("blobs", synthetic.make_blobs, 600),
    "linear": _synthetic("linear", synthetic.make_linearly_separable, 400),
}


def get_dataset(name: str, **kwargs) -> DatasetSplits:
    """Load a registered dataset by name; ``-`` and ``_`` are interchangeable (``breast-cancer``).

    Args:
        name: a key of :data:`DATASETS`.
        **kwargs: passed to the loader (e.g. ``images=True``, ``size=32``, ``seed=1``;
            ``root=...`` for mnist).
    """
    key = name.strip().lower().replace("-", "_")
    if key not in DATASETS:
        close = difflib.get_close_matches(key, DATASETS, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise KeyError(f"get_dataset: unknown dataset {name!r} (known: {', '.join(sorted(DATASETS))}){hint}")
    return DATASETS[key](**kwargs)
