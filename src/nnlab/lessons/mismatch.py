"""Data mismatch on the digits: clean training images, noisy dev/test images, and artificial data synthesis.

The seeds' setting: the training data (plentiful, clean) come from another distribution than
the dev/test data (what the product will see: here, digits photographed through grain, σ = 0.2
Gaussian noise on every pixel, clipped to [0, 1], with the contrast lowered to 0.75). A train-dev
set — clean, like training, never trained on — tells the two gaps apart:

- variance      = train-dev error − training error (small: the model generalizes to clean digits);
- data mismatch = dev error − train-dev error (large: noisy digits are another problem).

The seeds' remedy for mismatch is to make the training data more like dev/test. Artificial data
synthesis: add *recorded* noise to the clean training images (as one records car noise once and
adds it to clean speech) at the dev set's contrast, several noisy copies of each image. The
noise comes from a bank of noise images drawn once; the seeds' caution is that a small bank (the
same hour of car noise under every utterance) lets the model fit those particular patterns, so
the experiment also trains on a bank of only a few noise images and measures what that costs.
"""

from __future__ import annotations

import numpy as np

from nnlab.data import get_dataset, train_dev_split
from nnlab.diagnostics import diagnose
from nnlab.diagnostics.quickfit import error_rate, fit_classifier

NOISE_SIGMA = 0.2
CONTRAST = 0.75


def shift_to_target(X: np.ndarray, seed: int, sigma: float = NOISE_SIGMA, contrast: float = CONTRAST) -> np.ndarray:
    """The dev/test distribution: contrast lowered, Gaussian grain added, clipped to [0, 1]."""
    noise = np.random.default_rng(seed).normal(0.0, sigma, X.shape)
    return np.clip(contrast * X + noise, 0.0, 1.0).astype(np.float32)


def noise_bank(size: int, features: int, seed: int, sigma: float = NOISE_SIGMA) -> np.ndarray:
    """``size`` recorded noise images (N(0, σ²) per pixel), drawn once."""
    return np.random.default_rng(seed).normal(0.0, sigma, (size, features))


def synthesize(X: np.ndarray, bank: np.ndarray | None, seed: int, copies: int = 1, sigma: float = NOISE_SIGMA,
               contrast: float = CONTRAST) -> np.ndarray:
    """``copies`` noisy versions of every clean image (stacked copy after copy), at the target contrast.

    Args:
        bank: recorded noise images to draw from (:func:`noise_bank`); None: fresh noise for every
            image (an unlimited recording).
    """
    rng = np.random.default_rng(seed)
    n = copies * len(X)
    noise = rng.normal(0.0, sigma, (n, X.shape[1])) if bank is None else bank[rng.integers(0, len(bank), n)]
    return np.clip(contrast * np.tile(X, (copies, 1)) + noise, 0.0, 1.0).astype(np.float32)


def mismatch_experiment(bank_sizes=(None, 5), copies: int = 4, seed: int = 0, hidden=(64,),
                        steps: int = 1600) -> dict[str, dict]:
    """Train, train-dev, dev and test errors of a model trained on clean digits and of ones trained on synthesized data.

    Returns:
        ``{"clean": errors, "synthesized": errors, "synthesized (bank 5)": errors}`` where errors
        holds ``train``, ``train_dev``, ``dev``, ``test`` and the diagnosis gaps.
    """
    d = get_dataset("digits")
    X_tr, y_tr, X_td, y_td = train_dev_split(d.X_train, d.y_train, 0.15, seed=seed)
    X_dev, X_test = shift_to_target(d.X_dev, seed + 1), shift_to_target(d.X_test, seed + 2)
    out = {}
    variants = {"clean": (X_tr, X_td)}
    for bank in bank_sizes:
        name = "synthesized" if bank is None else f"synthesized (bank {bank})"
        # the train-dev set comes from the (new) training distribution: synthesized the same way
        noise = None if bank is None else noise_bank(bank, X_tr.shape[1], seed + 5)
        variants[name] = (synthesize(X_tr, noise, seed + 3, copies), synthesize(X_td, noise, seed + 4))
    for name, (Xa, Xb) in variants.items():
        ya = np.tile(y_tr, len(Xa) // len(y_tr))
        model = fit_classifier(Xa, ya, 10, hidden=hidden, steps=steps, seed=seed)
        e = {"train": error_rate(model, Xa, ya), "train_dev": error_rate(model, Xb, y_td),
             "dev": error_rate(model, X_dev, d.y_dev), "test": error_rate(model, X_test, d.y_test)}
        e["gaps"] = diagnose(0.0, e["train"], e["dev"], train_dev=e["train_dev"], test=e["test"]).gaps
        out[name] = e
    return out
