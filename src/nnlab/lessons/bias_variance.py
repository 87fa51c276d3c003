"""Bias and variance on the digits, measured: a learning curve and a weight-decay sweep.

- Learning curve: softmax regression with a little L2 (λ = 0.01) on 25 … 1258 training digits.
  Training error rises from 0 (25 examples are easy to fit) while dev error falls; the gap
  between them is the variance that more data removes, the level they approach is the bias.
- λ sweep: a 256-unit MLP on 300 training digits of which 25 % carry a wrong label. Without
  weight decay it memorizes the wrong labels (training error 0, dev error high: variance); with
  too much it cannot fit the digits (both errors high: bias); in between dev error is lowest.
- Dropout sweep: the same, with the dropout rate as the knob — the same U.
"""

from __future__ import annotations

import numpy as np

from nnlab.data import get_dataset
from nnlab.diagnostics.curves import Curve, learning_curve, regularization_sweep
from nnlab.diagnostics.quickfit import fit_classifier

SIZES = (25, 50, 100, 200, 400, 800, 1258)
LAMBDAS = (0.0, 1e-3, 3e-3, 1e-2, 2e-2, 4e-2, 8e-2)


def digits_learning_curve(sizes=SIZES, seeds: int = 1, weight_decay: float = 1e-2) -> Curve:
    """Softmax regression's train / dev error on the digits against the number of training examples."""
    d = get_dataset("digits")
    fit = lambda X, y, s: fit_classifier(X, y, 10, hidden=(), steps=300, weight_decay=weight_decay, seed=s)  # noqa: E731
    return learning_curve(fit, d.X_train, d.y_train, d.X_dev, d.y_dev, sizes, seeds=seeds)


def noisy_digits(n: int = 300, flip: float = 0.25, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``n`` training digits with a share ``flip`` of their labels changed to another class at random."""
    d = get_dataset("digits")
    rng = np.random.default_rng(seed)
    idx = rng.choice(len(d.y_train), n, replace=False)
    y = d.y_train[idx].copy()
    wrong = rng.random(n) < flip
    y[wrong] = (y[wrong] + rng.integers(1, 10, int(wrong.sum()))) % 10
    return d.X_train[idx], y


def digits_lambda_sweep(lambdas=LAMBDAS, seeds: int = 2, n: int = 300, flip: float = 0.25) -> Curve:
    """A 256-unit MLP's train / dev error on noisy-label digits against the weight decay λ."""
    d = get_dataset("digits")
    X, y = noisy_digits(n, flip)
    fit = lambda X, y, lam, s: fit_classifier(X, y, 10, hidden=(256,), steps=1000, lr=3e-3,  # noqa: E731
                                              weight_decay=lam, seed=s)
    return regularization_sweep(fit, X, y, d.X_dev, d.y_dev, lambdas, seeds=seeds, name="weight decay λ")


DROPOUTS = (0.0, 0.5, 0.8, 0.9, 0.95, 0.98)


def digits_dropout_sweep(rates=DROPOUTS, seeds: int = 1, n: int = 300, flip: float = 0.25) -> Curve:
    """The same MLP and noisy digits as :func:`digits_lambda_sweep`, regularized by dropout instead of λ."""
    d = get_dataset("digits")
    X, y = noisy_digits(n, flip)
    fit = lambda X, y, p, s: fit_classifier(X, y, 10, hidden=(256,), steps=1000, lr=3e-3,  # noqa: E731
                                            dropout=p, seed=s)
    return regularization_sweep(fit, X, y, d.X_dev, d.y_dev, rates, seeds=seeds, name="dropout rate")
