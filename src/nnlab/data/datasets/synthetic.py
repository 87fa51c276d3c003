"""Seeded toy data sets in 2-d (or D-d) and the logic-gate truth tables.

Every generator returns ``(X, y)``: float32 features (float64 on request) and int64
labels, shuffled. ``seed`` makes the output identical on every run; ``seed=None``
draws from nnlab's global generator instead (so ``nnlab.manual_seed`` governs it).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from nnlab.backend import as_dtype, default_generator, float32


def _rng(seed: int | None) -> np.random.Generator:
    return default_generator() if seed is None else np.random.default_rng(seed)


def _counts(n: int, k: int, op: str) -> list[int]:
    """``n`` samples dealt as evenly as possible over ``k`` groups."""
    if n < k:
        raise ValueError(f"{op}: n={n} is smaller than the number of groups ({k})")
    return [n // k + (1 if i < n % k else 0) for i in range(k)]


def _finish(X: np.ndarray, y: np.ndarray, rng: np.random.Generator, dtype) -> tuple[np.ndarray, np.ndarray]:
    perm = rng.permutation(len(y))
    return X[perm].astype(as_dtype(dtype)), y[perm].astype(np.int64)


def make_xor(n: int = 200, noise: float = 0.2, seed: int | None = 0, dtype=float32) -> tuple[np.ndarray, np.ndarray]:
    """Four Gaussian clusters at ``(±1, ±1)``; label ``(x_0 > 0) XOR (x_1 > 0)`` of the centre.

    Not linearly separable: the classic case a single perceptron cannot learn.

    Args:
        n: number of samples, dealt evenly over the four corners. Default: 200.
        noise: standard deviation of the Gaussian noise around each corner. Default: 0.2.
        seed: Default: 0.
        dtype: Default: float32.

    Shape:
        - X: :math:`(n, 2)`; y: :math:`(n)` in {0, 1}, balanced.
    """
    rng = _rng(seed)
    corners = np.array([[-1, -1], [-1, 1], [1, -1], [1, 1]], dtype=np.float64)
    labels = np.array([0, 1, 1, 0])
    counts = _counts(n, 4, "make_xor")
    centre_idx = np.repeat(np.arange(4), counts)
    X = corners[centre_idx] + noise * rng.standard_normal((n, 2))
    return _finish(X, labels[centre_idx], rng, dtype)


def make_moons(n: int = 200, noise: float = 0.1, seed: int | None = 0, dtype=float32) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles: ``(cos t, sin t)`` (class 0) and ``(1 - cos t, 0.5 - sin t)`` (class 1).

    Args:
        n: number of samples; class 0 gets ``ceil(n / 2)``, class 1 the rest. Default: 200.
        noise: standard deviation of Gaussian noise added to every point. Default: 0.1.
        seed: Default: 0.
        dtype: Default: float32.

    Shape:
        - X: :math:`(n, 2)`; y: :math:`(n)` in {0, 1}.
    """
    rng = _rng(seed)
    n0, n1 = _counts(n, 2, "make_moons")
    t0 = np.linspace(0.0, np.pi, n0)
    t1 = np.linspace(0.0, np.pi, n1)
    outer = np.stack([np.cos(t0), np.sin(t0)], axis=1)
    inner = np.stack([1.0 - np.cos(t1), 0.5 - np.sin(t1)], axis=1)
    X = np.concatenate([outer, inner]) + noise * rng.standard_normal((n, 2))
    y = np.repeat([0, 1], [n0, n1])
    return _finish(X, y, rng, dtype)


def make_spirals(
    n: int = 300, classes: int = 3, noise: float = 0.2, seed: int | None = 0, turns: float = 0.75, dtype=float32
) -> tuple[np.ndarray, np.ndarray]:
    """``classes`` interleaved spiral arms: arm k at radius r has angle ``2πk/classes + 2π·turns·r + noise``.

    Args:
        n: total number of samples, dealt evenly over the arms. Default: 300.
        classes: number of arms (= classes). Default: 3.
        noise: standard deviation of the angular noise (radians). Default: 0.2.
        seed: Default: 0.
        turns: how far each arm winds, in full turns. Default: 0.75.
        dtype: Default: float32.

    Shape:
        - X: :math:`(n, 2)` inside the unit disc (before noise); y: :math:`(n)` in {0..classes-1}.
    """
    if classes < 2:
        raise ValueError(f"make_spirals: needs at least 2 classes, got {classes}")
    rng = _rng(seed)
    parts, labels = [], []
    for k, m in enumerate(_counts(n, classes, "make_spirals")):
        r = np.linspace(0.0, 1.0, m)
        theta = 2 * np.pi * k / classes + 2 * np.pi * turns * r + noise * rng.standard_normal(m)
        parts.append(np.stack([r * np.sin(theta), r * np.cos(theta)], axis=1))
        labels.append(np.full(m, k))
    return _finish(np.concatenate(parts), np.concatenate(labels), rng, dtype)


def make_blobs(
    n: int = 300,
    centers: int | np.ndarray = 3,
    std: float = 1.0,
    seed: int | None = 0,
    dim: int = 2,
    center_box: tuple[float, float] = (-5.0, 5.0),
    dtype=float32,
) -> tuple[np.ndarray, np.ndarray]:
    """Isotropic Gaussian blobs: class k is ``N(centre_k, std² I)``.

    Args:
        n: total number of samples, dealt evenly over the blobs. Default: 300.
        centers: the number of blobs (centres drawn uniformly in ``center_box``) or
            their coordinates, shape :math:`(K, D)`. Default: 3.
        std: standard deviation of every blob. Default: 1.0.
        seed: Default: 0.
        dim: D when ``centers`` is a count. Default: 2.
        center_box: the interval each coordinate of a drawn centre lies in. Default: (-5, 5).
        dtype: Default: float32.

    Shape:
        - X: :math:`(n, D)`; y: :math:`(n)` in {0..K-1}.
    """
    rng = _rng(seed)
    if isinstance(centers, (int, np.integer)):
        if centers < 1:
            raise ValueError(f"make_blobs: centers must be positive, got {centers}")
        c = rng.uniform(center_box[0], center_box[1], size=(int(centers), dim))
    else:
        c = np.asarray(centers, dtype=np.float64)
        if c.ndim != 2:
            raise ValueError(f"make_blobs: centers must be a count or a (K, D) array, got shape {c.shape}")
    counts = _counts(n, c.shape[0], "make_blobs")
    idx = np.repeat(np.arange(c.shape[0]), counts)
    X = c[idx] + std * rng.standard_normal((n, c.shape[1]))
    return _finish(X, idx, rng, dtype)


def make_linearly_separable(
    n: int = 100, dim: int = 2, margin: float = 0.1, seed: int | None = 0, return_coef: bool = False, dtype=float32
):
    """Points uniform in ``[-1, 1]^D`` labelled ``[w·x + b > 0]``, at distance ≥ ``margin`` from the plane.

    ``w`` is a random unit vector and ``b`` uniform in [-0.25, 0.25]; points closer than
    ``margin`` to the hyperplane are rejected, so a perceptron is guaranteed to converge.

    Args:
        n: number of samples. Default: 100.
        dim: D. Default: 2.
        margin: the minimum distance to the separating hyperplane. Default: 0.1.
        seed: Default: 0.
        return_coef: also return the true ``(w, b)``. Default: False.
        dtype: Default: float32.

    Shape:
        - X: :math:`(n, D)`; y: :math:`(n)` in {0, 1}; w: :math:`(D)`.
    """
    rng = _rng(seed)
    w = rng.standard_normal(dim)
    w /= np.linalg.norm(w)
    b = rng.uniform(-0.25, 0.25)
    # |w·x + b| can reach at most ||w||_1 + |b| inside the cube; keep the kept region sizeable.
    if margin < 0 or margin >= 0.5 * (np.abs(w).sum() - abs(b)):
        raise ValueError(f"make_linearly_separable: margin {margin} leaves too little room in [-1, 1]^{dim}")
    kept: list[np.ndarray] = []
    total = 0
    while total < n:
        cand = rng.uniform(-1.0, 1.0, size=(2 * n, dim))
        cand = cand[np.abs(cand @ w + b) >= margin]
        kept.append(cand)
        total += len(cand)
    X = np.concatenate(kept)[:n]
    y = (X @ w + b > 0).astype(np.int64)
    X = X.astype(as_dtype(dtype))
    if return_coef:
        return X, y, w.astype(as_dtype(dtype)), as_dtype(dtype).type(b)
    return X, y


class TruthTable(NamedTuple):
    """A logic gate's four input rows ``X`` (float32, (4, 2)) and outputs ``y`` (int64, (4,))."""

    X: np.ndarray
    y: np.ndarray


def _table(outputs: list[int]) -> TruthTable:
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
    y = np.array(outputs, dtype=np.int64)
    X.flags.writeable = False  # module-level constants: nobody may change them by accident
    y.flags.writeable = False
    return TruthTable(X, y)


AND = _table([0, 0, 0, 1])
OR = _table([0, 1, 1, 1])
NAND = _table([1, 1, 1, 0])
XOR = _table([0, 1, 1, 0])
