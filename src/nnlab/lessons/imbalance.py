"""Imbalanced data on the digits: plain training vs class weights vs resampling, per-class recall.

The training split keeps every example of the majority digits but only ``keep`` examples of each
minority digit (3, 5 and 8 by default: about 1 : 20). A model trained on it plainly learns that
a minority digit is rarely the answer and recalls few of them on the (balanced) dev set. Two
remedies, from the seeds' imbalanced-data section:

- class weights ``w_c = N / (K · N_c)`` in the cross-entropy (``nnlab.data.class_weights``), so
  each class contributes equally to the loss;
- resampling: the minority examples repeated until every class has as many as the largest
  (``nnlab.diagnostics.error_analysis.resample_indices``).

Both raise the minority recall; the price is a little majority recall (more false positives of
the minority classes).
"""

from __future__ import annotations

import numpy as np

from nnlab.data import class_weights, get_dataset
from nnlab.diagnostics.error_analysis import resample_indices
from nnlab.diagnostics.quickfit import fit_classifier, predict_scores
from nnlab.train import precision_recall_f1

MINORITY = (3, 5, 8)


def imbalanced_digits(minority=MINORITY, keep: int = 6, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The digits' training split with only ``keep`` examples of each ``minority`` class."""
    d = get_dataset("digits")
    rng = np.random.default_rng(seed)
    idx = [np.flatnonzero(d.y_train == c) for c in range(10)]
    idx = [rng.choice(i, keep, replace=False) if c in minority else i for c, i in enumerate(idx)]
    sel = np.sort(np.concatenate(idx))
    return d.X_train[sel], d.y_train[sel]


def compare_remedies(minority=MINORITY, keep: int = 6, seeds: int = 2, hidden=(64,),
                     steps: int = 600) -> dict[str, dict[str, float | list[float]]]:
    """Dev recall per class of a plain, a class-weighted and a resampled model (means over seeds).

    Returns:
        ``{"plain" | "class weights" | "resampling": {"recall": [10 values], "minority recall": r,
        "majority recall": r, "accuracy": a}}``.
    """
    d = get_dataset("digits")
    out: dict[str, dict] = {}
    for s in range(seeds):
        X, y = imbalanced_digits(minority, keep, seed=s)
        ri = resample_indices(y, seed=s)
        models = {
            "plain": fit_classifier(X, y, 10, hidden=hidden, steps=steps, seed=s),
            "class weights": fit_classifier(X, y, 10, hidden=hidden, steps=steps, seed=s,
                                            class_weight=np.asarray(class_weights(y, 10))),
            "resampling": fit_classifier(X[ri], y[ri], 10, hidden=hidden, steps=steps, seed=s),
        }
        for name, model in models.items():
            pred = predict_scores(model, d.X_dev).argmax(1)
            _, recall, _ = precision_recall_f1(d.y_dev, pred, 10)
            acc = float((pred == d.y_dev).mean())
            r = out.setdefault(name, {"recall": np.zeros(10), "accuracy": 0.0})
            r["recall"] = r["recall"] + np.asarray(recall) / seeds
            r["accuracy"] += acc / seeds
    mask = np.isin(np.arange(10), minority)
    for r in out.values():
        r["minority recall"] = float(r["recall"][mask].mean())
        r["majority recall"] = float(r["recall"][~mask].mean())
        r["recall"] = [float(v) for v in r["recall"]]
    return out
