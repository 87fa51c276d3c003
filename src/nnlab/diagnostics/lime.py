"""LIME: explain one prediction by a weighted linear model fitted around it.

Tabular: draw z = x + σ ⊙ ε (ε ~ N(0, I), σ the training features' standard deviations), weight
each sample by the kernel π(z) = exp(−d² / w²) with d the distance in σ units and
w = 0.75 √D, and fit the ridge regression f(z) ≈ b + Σ_j c_j (z_j − x_j) / σ_j by weighted
least squares. |c_j| ranks the features (a linear model's c_j ∝ w_j σ_j near x).

Images: cut the image into superpixels (a grid of ``segments``×``segments`` cells refined by
grey level, or user-given segment labels), switch random subsets of them off (to the image
mean), and fit the same weighted linear model on the on/off indicators; the largest
coefficients mark the superpixels that drive the class score.
"""

from __future__ import annotations

from typing import Callable

import numpy as np


def _weighted_ridge(Z: np.ndarray, f: np.ndarray, w: np.ndarray, alpha: float) -> np.ndarray:
    """argmin_c Σ_i w_i (f_i − b − Z_i·c)² + α‖c‖² — returns c (intercept dropped)."""
    A = np.hstack([np.ones((len(Z), 1)), Z])
    sw = np.sqrt(w)[:, None]
    reg = alpha * np.eye(A.shape[1])
    reg[0, 0] = 0.0
    coef = np.linalg.solve((A * sw).T @ (A * sw) + reg, (A * sw).T @ (f[:, None] * sw))
    return coef[1:, 0]


def explain_tabular(predict: Callable[[np.ndarray], np.ndarray], x, X_train, label: int = 1,
                    num_samples: int = 2000, alpha: float = 1.0, seed: int = 0) -> np.ndarray:
    """Local linear coefficients c_j of feature j for the class ``label`` score at ``x``, shape (D,).

    Args:
        predict: ``f(X (M, D)) -> probabilities (M, K)``.
        x: the instance, shape (D,); X_train: training data for the feature scales σ, shape (N, D).
        label: the class whose probability is explained. Default: 1.
        num_samples: perturbed samples. Default: 2000. alpha: ridge strength. Default: 1.0.
        seed: seeds the perturbations. Default: 0.
    """
    x = np.asarray(x, dtype=np.float64).reshape(-1)
    X_train = np.asarray(X_train, dtype=np.float64)
    if X_train.ndim != 2 or X_train.shape[1] != x.shape[0]:
        raise ValueError(f"explain_tabular: x has {x.shape[0]} features, X_train has shape {X_train.shape}")
    sigma = X_train.std(axis=0)
    sigma[sigma == 0] = 1.0
    rng = np.random.default_rng(seed)
    eps = rng.standard_normal((num_samples, x.shape[0]))
    eps[0] = 0.0
    probs = np.asarray(predict((x + eps * sigma).astype(np.float32)))[:, label]
    width = 0.75 * np.sqrt(x.shape[0])
    weights = np.exp(-(eps ** 2).sum(1) / width ** 2)
    return _weighted_ridge(eps, probs.astype(np.float64), weights, alpha)


def superpixels(image: np.ndarray, segments: int = 4) -> np.ndarray:
    """Segment labels (H, W): a ``segments``×``segments`` grid, each cell split by its mean grey level."""
    img = np.asarray(image, dtype=np.float64)
    grey = img.mean(axis=0) if img.ndim == 3 else img
    H, W = grey.shape
    rows = np.minimum(np.arange(H) * segments // H, segments - 1)
    cols = np.minimum(np.arange(W) * segments // W, segments - 1)
    cell = rows[:, None] * segments + cols[None, :]
    bright = np.zeros_like(cell)
    for c in np.unique(cell):
        m = cell == c
        bright[m] = grey[m] > grey[m].mean()
    _, labels = np.unique(cell * 2 + bright, return_inverse=True)
    return labels.reshape(H, W)


def explain_image(predict: Callable[[np.ndarray], np.ndarray], image, label: int, segments: np.ndarray | None = None,
                  num_samples: int = 500, alpha: float = 1.0, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Per-superpixel LIME weights for class ``label``: returns ``(weights (S,), segments (H, W))``.

    Args:
        predict: ``f(images (M, C, H, W)) -> probabilities (M, K)``.
        image: one image (C, H, W); segments: labels (H, W) (default :func:`superpixels`).
    """
    img = np.asarray(image, dtype=np.float32)
    if img.ndim != 3:
        raise ValueError(f"explain_image: expected one image (C, H, W), got shape {img.shape}")
    seg = superpixels(img) if segments is None else np.asarray(segments)
    S = int(seg.max()) + 1
    rng = np.random.default_rng(seed)
    on = rng.integers(0, 2, size=(num_samples, S)).astype(np.float64)
    on[0] = 1.0
    masks = on[:, seg]  # (M, H, W)
    batch = img[None] * masks[:, None] + img.mean() * (1 - masks[:, None])
    probs = np.asarray(predict(batch.astype(np.float32)))[:, label].astype(np.float64)
    dist = 1.0 - on.mean(axis=1)  # fraction switched off (cosine-like distance to the full image)
    weights = np.exp(-dist ** 2 / 0.25 ** 2)
    return _weighted_ridge(on, probs, weights, alpha), seg
