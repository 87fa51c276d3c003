"""Error analysis of a digits classifier, the seeds' way: look at the dev errors, tag them, bound each fix.

A softmax-regression model's dev errors are listed (most confident first), tagged by callable
taggers — *faint* (little ink: the image's total intensity in the bottom quarter of the dev set),
*thin* (few pixels lit), and one tag per confused pair of classes — and each tag gets its
ceiling: the dev error if every error with that tag were fixed. The tag covering the most errors
is the one worth working on first.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nnlab.data import get_dataset
from nnlab.diagnostics.error_analysis import misclassified, tag_ceilings
from nnlab.diagnostics.quickfit import fit_classifier, predict_scores
from nnlab.functional import softmax
from nnlab.ops.creation import from_numpy
from nnlab.train import confusion_matrix


@dataclass
class ErrorReport:
    """The dev errors of one model: rows (index, true, predicted, p), their tags, the ceilings, the confusion matrix."""

    images: np.ndarray
    rows: list[tuple[int, int, int, float]]
    tags: list[list[str]]
    ceilings: dict[str, dict[str, float]]
    confusion: np.ndarray
    dev_error: float


def digit_taggers(X_dev: np.ndarray) -> dict:
    """Callable taggers over dev indices: faint, thin."""
    ink = X_dev.sum(1)
    lit = (X_dev > 0.5).sum(1)
    faint, thin = np.quantile(ink, 0.25), np.quantile(lit, 0.25)
    return {"faint": lambda i: bool(ink[i] <= faint), "thin": lambda i: bool(lit[i] <= thin)}


def digits_error_report(train_size: int = 300, seed: int = 0) -> ErrorReport:
    """Train softmax regression on ``train_size`` digits and analyse its dev errors."""
    d = get_dataset("digits")
    idx = np.random.default_rng(seed).choice(len(d.y_train), train_size, replace=False)
    model = fit_classifier(d.X_train[idx], d.y_train[idx], 10, hidden=(), steps=300, weight_decay=1e-2, seed=seed)
    probs = softmax(from_numpy(predict_scores(model, d.X_dev)), dim=1).array
    rows = misclassified(d.y_dev, probs)
    taggers = digit_taggers(d.X_dev)
    pairs = {}
    for _, t, p, _ in rows:  # one tag per confused pair, "3/8" for 3 taken for 8 or 8 for 3
        key = f"{min(t, p)}/{max(t, p)}"
        pairs[key] = lambda i, a=min(t, p), b=max(t, p): {int(d.y_dev[i]), int(probs[i].argmax())} == {a, b}
    taggers.update(pairs)
    errors = [r[0] for r in rows]
    dev_error = len(rows) / len(d.y_dev)
    ceilings = tag_ceilings(taggers, dev_error, errors)
    tags = [[name for name, f in taggers.items() if f(i)] for i in errors]
    return ErrorReport(d.X_dev, rows, tags, ceilings, confusion_matrix(d.y_dev, probs, 10), dev_error)
