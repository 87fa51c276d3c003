"""Data loading: datasets, the DataLoader, splits, transforms, label encodings, bundled data.

PyTorch's names (``Dataset``, ``TensorDataset``, ``DataLoader``, ``random_split``) plus
the curriculum's tools: seeded stratified train/dev/test splits, a train-dev set,
scalers fitted on train only, one-hot labels and class weights.
"""

from nnlab.data.dataset import ConcatDataset, Dataset, Subset, TensorDataset
from nnlab.data.dataloader import DataLoader, default_collate
from nnlab.data.splits import random_split, split_arrays, split_indices, train_dev_split
from nnlab.data.transforms import Compose, Lambda, MinMaxScale, Resize, Standardize, resize_bilinear
from nnlab.data.encoding import class_weights, one_hot
from nnlab.data import datasets
from nnlab.data.datasets import DATASETS, DatasetSplits, get_dataset

__all__ = [
    "Dataset",
    "TensorDataset",
    "Subset",
    "ConcatDataset",
    "DataLoader",
    "default_collate",
    "random_split",
    "split_arrays",
    "split_indices",
    "train_dev_split",
    "Standardize",
    "MinMaxScale",
    "Compose",
    "Lambda",
    "Resize",
    "resize_bilinear",
    "one_hot",
    "class_weights",
    "datasets",
    "DATASETS",
    "DatasetSplits",
    "get_dataset",
]

# ---- image augmentation (data/augment.py) ----
from nnlab.data.augment import (  # noqa: E402
    AugmentedDataset, GaussianNoise, Normalize, RandomCrop, RandomHorizontalFlip, RandomRotation, RandomShift,
)
__all__ += ["RandomHorizontalFlip", "RandomCrop", "RandomShift", "RandomRotation", "GaussianNoise", "Normalize",
            "AugmentedDataset"]
