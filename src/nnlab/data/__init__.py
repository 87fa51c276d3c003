"""Data loading: datasets, the DataLoader, splits, transforms, label encodings, bundled data.

PyTorch's names (``Dataset``, ``TensorDataset``, ``DataLoader``, ``random_split``) plus
the curriculum's tools: seeded stratified train/dev/test splits, a train-dev set,
scalers fitted on train only, one-hot labels and class weights.
"""

from nnlab.data.dataset import ConcatDataset, Dataset, Subset, TensorDataset
from nnlab.data.dataloader import DataLoader, default_collate
from nnlab.data.samplers import (
    BatchSampler, RandomSampler, Sampler, SequentialSampler, SubsetRandomSampler, WeightedRandomSampler,
)
from nnlab.data.workers import WorkerInfo, get_worker_info
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
    "Sampler",
    "SequentialSampler",
    "RandomSampler",
    "SubsetRandomSampler",
    "WeightedRandomSampler",
    "BatchSampler",
    "get_worker_info",
    "WorkerInfo",
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

# ---- synthetic sequences: seasonal series, forecasting windows, adding / copy tasks (data/datasets/timeseries.py) ----
from nnlab.data.datasets.timeseries import make_adding_problem, make_copy_task, make_seasonal_series, make_windows  # noqa: E402
__all__ += ["make_seasonal_series", "make_windows", "make_adding_problem", "make_copy_task"]

# ---- seq2seq tasks: date normalization, reversal, sorting; word-sense corpus (data/datasets/seq_tasks.py) ----
from nnlab.data.vocab import CharVocab  # noqa: E402
from nnlab.data.datasets.seq_tasks import (  # noqa: E402
    Seq2SeqSplits, get_seq_task, make_date_task, make_reversal_task, make_sorting_task,
    make_word_sense_corpus, seq2seq_splits,
)
__all__ += ["CharVocab", "Seq2SeqSplits", "get_seq_task", "make_date_task", "make_reversal_task", "make_sorting_task",
            "make_word_sense_corpus", "seq2seq_splits"]

# ---- seq2seq tasks: dates inside sentences of varied length (data/datasets/seq_tasks.py) ----
from nnlab.data.datasets.seq_tasks import make_date_list_task  # noqa: E402
__all__ += ["make_date_list_task"]

# ---- BERT's data: MLM masking (data/masking.py) and the toy world's corpus and tasks (datasets/bert_world.py) ----
from nnlab.data.masking import IGNORE_INDEX, mask_tokens  # noqa: E402
from nnlab.data.datasets.bert_world import ToyWorld  # noqa: E402
__all__ += ["IGNORE_INDEX", "mask_tokens", "ToyWorld"]

# ---- vocabularies and the special tokens (data/vocab.py; nnlab.text re-exports them) ----
from nnlab.data.vocab import (  # noqa: E402
    BOS, BOS_ID, DEFAULT_SPECIALS, EOS, EOS_ID, PAD, PAD_ID, UNK, UNK_ID, Vocab,
)
__all__ += ["Vocab", "PAD", "UNK", "BOS", "EOS", "DEFAULT_SPECIALS", "PAD_ID", "UNK_ID", "BOS_ID", "EOS_ID"]

# ---- detection: synthetic shapes, COCO / VOC loaders, collate (data/datasets/shapes.py, detection_formats.py) ----
from nnlab.data.datasets.shapes import (  # noqa: E402
    KEYPOINT_NAMES, SHAPE_CLASSES, ShapesDetection, ShapesSegmentation, make_shapes, make_shapes_segmentation,
)
from nnlab.data.datasets.detection_formats import (  # noqa: E402
    DetectionDataset, detection_collate, load_coco, load_voc, read_image,
)
__all__ += ["make_shapes", "ShapesDetection", "ShapesSegmentation", "make_shapes_segmentation", "SHAPE_CLASSES",
            "KEYPOINT_NAMES", "DetectionDataset", "detection_collate", "load_coco", "load_voc", "read_image"]

# ---- graphs: the Graph record, batching, edge-list/CSV loader; karate club, SBM, cycles vs trees ----
from nnlab.data.graphs import Graph, GraphBatch, collate_graphs, load_edge_list, undirected  # noqa: E402
from nnlab.data.datasets.graph_sets import (  # noqa: E402
    GRAPH_DATASETS, load_karate_club, make_cycles_vs_trees, make_sbm,
)
__all__ += ["Graph", "GraphBatch", "collate_graphs", "load_edge_list", "undirected", "GRAPH_DATASETS",
            "load_karate_club", "make_sbm", "make_cycles_vs_trees"]
