"""Incorrectly labelled examples, found confident-learning style from out-of-fold probabilities.

With p̂(j | x_i) predicted for every training example by a model that did not see it (out of
fold), each class j gets a threshold t_j = mean of p̂(j | x) over the examples labelled j (the
model's average self-confidence on that class). Example i is *confidently* of class j when
p̂(j | x_i) ≥ t_j; among those classes it is assigned the most probable, ĵ_i. The label y_i is
flagged when ĵ_i exists and differs from y_i; flagged examples are ranked by their
self-confidence p̂(y_i | x_i), lowest (most likely wrong) first.
"""

from __future__ import annotations

import numpy as np


def _check(labels, probs, op: str) -> tuple[np.ndarray, np.ndarray]:
    y = np.asarray(labels).astype(np.int64).reshape(-1)
    p = np.asarray(probs, dtype=np.float64)
    if p.ndim != 2 or p.shape[0] != y.shape[0]:
        raise ValueError(f"{op}: probs must be (N, K) with N = len(labels) = {y.shape[0]}, got {p.shape}")
    if y.min() < 0 or y.max() >= p.shape[1]:
        raise ValueError(f"{op}: labels must lie in [0, {p.shape[1]}), got range [{y.min()}, {y.max()}]")
    return y, p


def class_thresholds(labels, probs) -> np.ndarray:
    """t_j = mean p̂(j | x) over the examples labelled j, shape (K,)."""
    y, p = _check(labels, probs, "class_thresholds")
    return np.array([p[y == j, j].mean() if (y == j).any() else 1.0 for j in range(p.shape[1])])


def find_label_issues(labels, probs) -> np.ndarray:
    """Indices of the examples whose label is likely wrong, most likely first.

    Args:
        labels: given labels, shape (N,).
        probs: out-of-fold predicted probabilities, shape (N, K).
    """
    y, p = _check(labels, probs, "find_label_issues")
    t = class_thresholds(y, p)
    confident = p >= t[None, :]
    masked = np.where(confident, p, -np.inf)
    guess = masked.argmax(axis=1)
    flagged = np.flatnonzero(confident.any(axis=1) & (guess != y))
    self_conf = p[flagged, y[flagged]]
    return flagged[np.argsort(self_conf, kind="stable")]


def out_of_fold_probs(fit_predict, X, y, folds: int = 5, seed: int = 0) -> np.ndarray:
    """p̂(j | x_i) from ``folds`` models, each predicting the fold it did not train on.

    Args:
        fit_predict: ``f(X_train, y_train, X_held_out) -> probs (M, K)``.
        X, y: the data (N rows); folds: K-fold count (default 5); seed: shuffles the folds.
    """
    X, y = np.asarray(X), np.asarray(y)
    if folds < 2 or folds > len(y):
        raise ValueError(f"out_of_fold_probs: folds must be in [2, {len(y)}], got {folds}")
    order = np.random.default_rng(seed).permutation(len(y))
    out = None
    for part in np.array_split(order, folds):
        train = np.setdiff1d(order, part)
        pr = np.asarray(fit_predict(X[train], y[train], X[part]))
        if out is None:
            out = np.zeros((len(y), pr.shape[1]), dtype=pr.dtype)
        out[part] = pr
    return out


def precision_recall_of_flags(flagged, truly_wrong) -> tuple[float, float]:
    """Precision and recall of a flagged index set against the indices known to be mislabelled."""
    f, w = set(int(i) for i in flagged), set(int(i) for i in truly_wrong)
    hit = len(f & w)
    return (hit / len(f) if f else 0.0), (hit / len(w) if w else 0.0)
