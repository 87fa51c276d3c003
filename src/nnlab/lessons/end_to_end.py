"""End-to-end learning vs a hand-designed pipeline, and the data size at which they cross.

The seeds' example: estimating a child's age from an X-ray of the hand. The pipeline measures
the bones (a hand-designed step) and maps the length to an age (a small learned step); the
end-to-end network maps pixels to age directly. With little data the pipeline wins — its
hand-designed step injects knowledge and leaves one number to learn from; with enough data the
end-to-end network wins — it can use everything in the image, including what the designer threw
away.

A toy X-ray: a 12×12 image holding one horizontal "bone" of length L ∈ [2, 10] pixels and
density b ∈ {0.5, 1} at a random place, plus Gaussian noise (σ = 0.15). The label ("adult") is
L · b ≥ 4: both length and density matter. The pipeline's measuring step counts the pixels
brighter than 0.25 in the brightest row (≈ L; the density is lost) and a logistic regression learns the threshold
on that one feature: it learns fast and plateaus near its ceiling (about 78 % accuracy: for
4 ≤ L < 8 the length alone cannot tell). The end-to-end MLP sees the raw 144 pixels.
"""

from __future__ import annotations

import numpy as np

from nnlab.diagnostics.quickfit import error_rate, fit_classifier

SIDE = 12


def xray_images(n: int, seed: int, noise: float = 0.15) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(images (n, 144), labels (n,), lengths (n,))`` of the toy X-ray task."""
    rng = np.random.default_rng(seed)
    length = rng.integers(2, 11, n)
    density = rng.choice([0.5, 1.0], n)
    img = np.zeros((n, SIDE, SIDE))
    rows = rng.integers(0, SIDE, n)
    starts = rng.integers(0, SIDE - length + 1)
    for i in range(n):
        img[i, rows[i], starts[i] : starts[i] + length[i]] = density[i]
    img += rng.normal(0.0, noise, img.shape)
    labels = (length * density >= 4).astype(np.int64)
    return img.reshape(n, -1).astype(np.float32), labels, length


def measure_bone(images: np.ndarray) -> np.ndarray:
    """The hand-designed step: in the brightest row, the pixels brighter than 0.25, divided by 10 (shape (N, 1))."""
    img = images.reshape(len(images), SIDE, SIDE)
    row = img[np.arange(len(img)), img.sum(2).argmax(1)]
    return ((row > 0.25).sum(1, keepdims=True) / 10.0).astype(np.float32)


def crossover(sizes=(10, 30, 100, 300, 1000, 3000), seeds: int = 2, n_dev: int = 1000) -> dict[str, list[float]]:
    """Dev error of the pipeline and of the end-to-end MLP for each training-set size (means over seeds)."""
    X_dev, y_dev, _ = xray_images(n_dev, seed=999)
    pipe, e2e = np.zeros(len(sizes)), np.zeros(len(sizes))
    for s in range(seeds):
        X, y, _ = xray_images(max(sizes), seed=s)
        for i, m in enumerate(sizes):
            head = fit_classifier(measure_bone(X[:m]), y[:m], 2, hidden=(), steps=300, lr=0.1, seed=s)
            pipe[i] += error_rate(head, measure_bone(X_dev), y_dev) / seeds
            net = fit_classifier(X[:m], y[:m], 2, hidden=(64,), steps=800, lr=3e-3, seed=s)
            e2e[i] += error_rate(net, X_dev, y_dev) / seeds
    return {"sizes": [int(m) for m in sizes], "pipeline": pipe.tolist(), "end-to-end": e2e.tolist()}
