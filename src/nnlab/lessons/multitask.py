"""Multi-task learning vs separate single-task models, on four yes/no questions about a digit.

The seeds' multi-task example asks of one image several questions at once (a pedestrian? a car?
a stop sign? a traffic light?), some answers unknown ("?"), with one network: a shared trunk and
one sigmoid output per task, the loss summed over the labels present
(:class:`nnlab.nn.multitask.MaskedBCEWithLogitsLoss`). Multi-task learning pays when the tasks
share low-level features and each has little data. Here the questions about an 8×8 digit are:
is it even? is it ≥ 5? does it have a closed loop (0, 4, 6, 8, 9)? is it prime (2, 3, 5, 7)?
A small training set has each answer missing with probability ``missing``; the multi-task
network learns from every answer it has, each single-task network only from its own task's.
"""

from __future__ import annotations

import numpy as np

from nnlab.data import get_dataset
from nnlab.diagnostics.quickfit import fit_classifier, predict_scores
from nnlab.nn.multitask import MaskedBCEWithLogitsLoss

TASKS = {"even": lambda d: d % 2 == 0, "five or more": lambda d: d >= 5,
         "closed loop": lambda d: np.isin(d, (0, 4, 6, 8, 9)), "prime": lambda d: np.isin(d, (2, 3, 5, 7))}


def task_labels(digits: np.ndarray) -> np.ndarray:
    """(N, T) 0/1 answers to :data:`TASKS` for each digit."""
    return np.stack([f(digits) for f in TASKS.values()], axis=1).astype(np.float32)


def hide_labels(Y: np.ndarray, missing: float, seed: int) -> np.ndarray:
    """``Y`` with each entry NaN ("?") with probability ``missing``, then one random answer per row restored.

    With 4 tasks and ``missing`` = 0.75, 56 % of the answers end up missing.
    """
    rng = np.random.default_rng(seed)
    gone = rng.random(Y.shape) < missing
    gone[np.arange(len(Y)), rng.integers(0, Y.shape[1], len(Y))] = False
    return np.where(gone, np.nan, Y).astype(np.float32)


def compare(n_train: int = 100, missing: float = 0.75, seeds: int = 2, hidden=(64,), steps: int = 500) -> dict:
    """Dev error per task of one multi-task network and of one single-task network per task (means over seeds).

    Returns:
        ``{"multi-task": [error per task], "single-task": [error per task], "tasks": names}``.
    """
    d = get_dataset("digits")
    Y_dev = task_labels(d.y_dev)
    multi, single = np.zeros(len(TASKS)), np.zeros(len(TASKS))
    for s in range(seeds):
        idx = np.random.default_rng(100 + s).choice(len(d.y_train), n_train, replace=False)
        X, Y = d.X_train[idx], hide_labels(task_labels(d.y_train[idx]), missing, s)
        net = fit_classifier(X, Y, 0, hidden=hidden, steps=steps, seed=s, loss_fn=MaskedBCEWithLogitsLoss(),
                             outputs=len(TASKS))
        multi += ((predict_scores(net, d.X_dev) > 0) != Y_dev).mean(0) / seeds
        for t in range(len(TASKS)):
            have = ~np.isnan(Y[:, t])
            one = fit_classifier(X[have], Y[have, t : t + 1], 0, hidden=hidden, steps=steps, seed=s,
                                 loss_fn=MaskedBCEWithLogitsLoss(), outputs=1)
            single[t] += float(((predict_scores(one, d.X_dev)[:, 0] > 0) != Y_dev[:, t]).mean()) / seeds
    return {"tasks": list(TASKS), "multi-task": multi.tolist(), "single-task": single.tolist()}
