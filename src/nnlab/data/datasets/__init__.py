"""Data sets: real data bundled with scikit-learn, seeded synthetic sets, readers for IDX and CSV.

``get_dataset(name)`` / ``DATASETS`` map names (``digits``, ``iris``, ``moons`` ...) to
loaders returning fixed :class:`DatasetSplits` (seed 0, stratified 70/15/15).
"""

from nnlab.data.datasets.container import DEFAULT_FRACTIONS, DEFAULT_SEED, DatasetSplits, from_arrays
from nnlab.data.datasets.bundled import load_breast_cancer, load_digits, load_iris, load_wine
from nnlab.data.datasets.synthetic import (
    AND,
    NAND,
    OR,
    XOR,
    TruthTable,
    make_blobs,
    make_linearly_separable,
    make_moons,
    make_spirals,
    make_xor,
)
from nnlab.data.datasets.formats import CSVData, load_csv, load_mnist, mnist_splits, read_idx, write_idx
from nnlab.data.datasets.registry import DATASETS, get_dataset

__all__ = [
    "DEFAULT_FRACTIONS",
    "DEFAULT_SEED",
    "DatasetSplits",
    "from_arrays",
    "load_digits",
    "load_breast_cancer",
    "load_iris",
    "load_wine",
    "make_xor",
    "make_moons",
    "make_spirals",
    "make_blobs",
    "make_linearly_separable",
    "TruthTable",
    "AND",
    "OR",
    "NAND",
    "XOR",
    "read_idx",
    "write_idx",
    "load_mnist",
    "mnist_splits",
    "load_csv",
    "CSVData",
    "DATASETS",
    "get_dataset",
]
