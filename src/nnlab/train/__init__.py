"""Training: the ``Trainer`` fit loop, callbacks, metrics, history and plots."""

from nnlab.train.callbacks import (Callback, CSVLogger, EarlyStopping, LRSchedulerCallback, ModelCheckpoint, ProgressBar,
                                   TerminateOnNaN)
from nnlab.train.history import History
from nnlab.train.metrics import accuracy, classification_report, confusion_matrix, precision_recall_f1, to_labels
from nnlab.train.plots import plot_history
from nnlab.train.trainer import Trainer, evaluate, fit

__all__ = [
    "Trainer",
    "fit",
    "evaluate",
    "History",
    "Callback",
    "ProgressBar",
    "EarlyStopping",
    "ModelCheckpoint",
    "LRSchedulerCallback",
    "CSVLogger",
    "TerminateOnNaN",
    "accuracy",
    "confusion_matrix",
    "precision_recall_f1",
    "classification_report",
    "to_labels",
    "plot_history",
]

# ---- sequence training: full and truncated BPTT (train/sequence.py) ----
from nnlab.train.sequence import SequenceTrainer, detach_hidden, forward_chunks, sequence_cross_entropy  # noqa: E402
__all__ += ["SequenceTrainer", "detach_hidden", "forward_chunks", "sequence_cross_entropy"]

# ---- the learning-rate range test (train/lr_finder.py) ----
from nnlab.train.lr_finder import LRFinderResult, lr_find  # noqa: E402
__all__ += ["lr_find", "LRFinderResult"]
# ---- TensorBoard event files through tensorboardX (train/tensorboard.py; the `tensorboard` extra) ----
from nnlab.train.tensorboard import SummaryWriter, TensorBoard  # noqa: E402
__all__ += ["SummaryWriter", "TensorBoard"]
