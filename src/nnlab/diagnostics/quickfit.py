"""A small classifier trained on arrays through the one :class:`~nnlab.train.Trainer`, and its error rate.

The diagnostics (learning curves, regularization sweeps) and the lessons (imbalance, data
mismatch, multi-task, end-to-end) all train many small models on NumPy arrays; this is the one
place that builds such a model, its optimizer and its loader, so every experiment differs only
in what it states: the data, the widths, the regularization, the class weights.
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np

from nnlab import nn, optim
from nnlab.backend import manual_seed
from nnlab.data import DataLoader, TensorDataset
from nnlab.models import MLP
from nnlab.ops.creation import from_numpy
from nnlab.train import Trainer


def fit_classifier(X: np.ndarray, y: np.ndarray, num_classes: int, hidden: Sequence[int] = (64,), steps: int = 600,
                   lr: float = 1e-2, weight_decay: float = 0.0, dropout: float = 0.0, batch_size: int = 32,
                   class_weight: np.ndarray | None = None, seed: int = 0, loss_fn: nn.Module | None = None,
                   outputs: int | None = None) -> MLP:
    """An MLP ``(D, *hidden, K)`` trained with Adam for about ``steps`` minibatch steps.

    The number of epochs is ceil(steps · batch_size / N), so a small training set gets as many
    updates as a large one (a learning curve then compares data sizes, not training lengths).

    Args:
        X: inputs (N, D); y: targets (class indices (N,), or what ``loss_fn`` takes).
        num_classes: K, the output width (unless ``outputs`` is given).
        hidden: hidden widths; () gives softmax regression. Default: (64,).
        steps: minibatch steps, roughly. Default: 600.
        lr: Adam's learning rate. Default: 1e-2.
        weight_decay: L2 penalty λ (Adam's coupled weight decay, the seeds' λ/m·w term). Default: 0.
        dropout: dropout after each hidden layer. Default: 0.
        batch_size: Default: 32.
        class_weight: (K,) weights of the cross-entropy terms. Default: None.
        seed: seeds the initialization, dropout and shuffling. Default: 0.
        loss_fn: a loss replacing the (weighted) cross-entropy. Default: None.
        outputs: output width when it is not ``num_classes`` (multi-task heads). Default: None.
    """
    X = np.asarray(X, dtype=np.float32)
    if X.ndim != 2 or len(X) != len(y) or len(X) == 0:
        raise ValueError(f"fit_classifier: X must be (N, D) with N = len(y) > 0, got X {X.shape} and {len(y)} targets")
    manual_seed(seed)
    model = MLP((X.shape[1], *hidden, outputs or num_classes), dropout=dropout)
    if loss_fn is None:
        weight = None if class_weight is None else from_numpy(np.asarray(class_weight, dtype=np.float32))
        loss_fn = nn.CrossEntropyLoss(weight=weight)
    loader = DataLoader(TensorDataset(X, y), batch_size=batch_size, shuffle=True, generator=seed)
    epochs = max(1, math.ceil(steps * batch_size / len(X)))
    Trainer(model, loss_fn, optim.Adam(model.parameters(), lr=lr, weight_decay=weight_decay), quiet=True,
            metrics=()).fit(loader, epochs=epochs)
    return model.eval()


def predict_scores(model: nn.Module, X: np.ndarray) -> np.ndarray:
    """The model's outputs (N, K) for the rows of X, in eval mode, without gradients."""
    return Trainer(model, loss_fn=nn.CrossEntropyLoss(), quiet=True).predict(np.asarray(X, dtype=np.float32))


def error_rate(model: nn.Module, X: np.ndarray, y: np.ndarray) -> float:
    """The share of rows whose argmax output is not the label."""
    return float((predict_scores(model, X).argmax(1) != np.asarray(y)).mean())
