"""The 2-D mixture of 8 Gaussians on a ring: a GAN benchmark where mode collapse can be counted.

Data: M Gaussians of standard deviation σ centred on a circle of radius r (Metz et al.,
2017, "Unrolled GANs": M = 8, r = 2, σ = 0.02). A generated point is *high quality* when
it lies within 3σ of the nearest centre; a mode is *covered* when at least ``min_share``
of all samples are high-quality samples of it (Srivastava et al., 2017, "VEEGAN"). A
generator that collapses onto a few modes covers few of them, however sharp its samples.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nnlab.backend import default_generator, get_default_dtype

__all__ = ["ring_centers", "ring_of_gaussians", "mode_coverage"]


def ring_centers(modes: int = 8, radius: float = 2.0) -> np.ndarray:
    """The M centres (r cos 2πi/M, r sin 2πi/M). Shape: (M, 2)."""
    if int(modes) < 1 or radius <= 0:
        raise ValueError(f"ring_centers: need modes >= 1 and radius > 0, got {modes} and {radius}")
    angles = 2 * np.pi * np.arange(int(modes)) / int(modes)
    return radius * np.stack([np.cos(angles), np.sin(angles)], axis=1)


def ring_of_gaussians(n: int, modes: int = 8, radius: float = 2.0, std: float = 0.02,
                      generator: np.random.Generator | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``n`` points from the ring mixture (equal weights) and the index of each point's mode.

    Returns:
        ``(X, mode)``: X :math:`(n, 2)` in the default dtype, mode :math:`(n)` int64.
    """
    if std <= 0:
        raise ValueError(f"ring_of_gaussians: std must be positive, got {std}")
    rng = generator if generator is not None else default_generator()
    centers = ring_centers(modes, radius)
    mode = rng.integers(0, int(modes), int(n))
    X = centers[mode] + std * rng.standard_normal((int(n), 2))
    return X.astype(get_default_dtype()), mode.astype(np.int64)


def mode_coverage(samples: Any, modes: int = 8, radius: float = 2.0, std: float = 0.02,
                  min_share: float = 0.01) -> dict[str, Any]:
    """Modes covered and the share of high-quality samples.

    Args:
        samples: generated points, :math:`(N, 2)`.
        modes, radius, std: the ring the samples should come from.
        min_share: a mode is covered when ≥ this share of all samples are high-quality
            samples of it. Default: 0.01.

    Returns:
        ``{"modes": covered count, "hq_share": share of high-quality samples,
        "counts": high-quality samples per mode (M,)}``.
    """
    x = np.asarray(samples, dtype=np.float64)
    if x.ndim != 2 or x.shape[1] != 2 or len(x) == 0:
        raise ValueError(f"mode_coverage: samples must be a non-empty (N, 2) array, got shape {x.shape}")
    centers = ring_centers(modes, radius)
    dist = np.linalg.norm(x[:, None, :] - centers[None], axis=2)
    nearest = dist.argmin(axis=1)
    good = dist[np.arange(len(x)), nearest] <= 3 * std
    counts = np.bincount(nearest[good], minlength=int(modes))
    return {"modes": int(np.count_nonzero(counts >= min_share * len(x))), "hq_share": float(good.mean()),
            "counts": counts}
