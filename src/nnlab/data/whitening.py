"""Whitening: the classical normalization that decorrelates the features, PCA and ZCA.

With the centred data's covariance Σ = U diag(λ) Uᵀ (eigendecomposition),

- PCA whitening rotates onto the principal axes and rescales them: x̃ = diag(λ + ε)^(−1/2) Uᵀ(x − μ);
- ZCA whitening rotates back afterwards: x̃ = U diag(λ + ε)^(−1/2) Uᵀ(x − μ), the whitening
  matrix closest to the identity, so the whitened images still look like the originals
  (edges emphasized).

Both give a covariance of (nearly, with ε > 0) the identity: features uncorrelated with unit
variance. Batch normalization keeps only the diagonal part (per-feature mean and variance),
which is far cheaper and differentiable through mini-batch statistics.
"""

from __future__ import annotations

import numpy as np

__all__ = ["Whitening"]


class Whitening:
    """A PCA or ZCA whitening transform fitted on data: x̃ = W (x − μ).

    Args:
        kind: ``"zca"`` (default) or ``"pca"``.
        eps: added to every eigenvalue before the inverse square root (default 1e-5): keeps
            directions of (near) zero variance from being blown up.

    Attributes:
        mean: μ, (D,). matrix: W, (D, D) for ZCA, (D, D) for PCA (rows: principal axes by
            decreasing variance). eigenvalues: λ sorted decreasingly, (D,).

    Shape:
        input (N, D) or (N, ...) flattened to D features; output of the same shape.
    """

    def __init__(self, kind: str = "zca", eps: float = 1e-5) -> None:
        if kind not in ("zca", "pca"):
            raise ValueError(f"Whitening: kind must be 'zca' or 'pca', got {kind!r}")
        if eps < 0:
            raise ValueError(f"Whitening: eps must be non-negative, got {eps}")
        self.kind, self.eps = kind, float(eps)
        self.mean: np.ndarray | None = None
        self.matrix: np.ndarray | None = None
        self.eigenvalues: np.ndarray | None = None

    def fit(self, X: np.ndarray) -> "Whitening":
        """Estimate μ and Σ from X (float64) and build W; returns self."""
        X = np.asarray(X)
        if X.ndim < 2 or len(X) < 2:
            raise ValueError(f"Whitening.fit: need at least 2 samples of shape (N, D...), got shape {X.shape}")
        flat = X.reshape(len(X), -1).astype(np.float64)
        self.mean = flat.mean(0)
        centred = flat - self.mean
        cov = centred.T @ centred / len(flat)
        lam, U = np.linalg.eigh(cov)
        order = np.argsort(lam)[::-1]
        lam, U = np.clip(lam[order], 0.0, None), U[:, order]
        scale = 1.0 / np.sqrt(lam + self.eps)
        pca = scale[:, None] * U.T
        self.matrix = U @ pca if self.kind == "zca" else pca
        self.eigenvalues = lam
        return self

    def transform(self, X: np.ndarray) -> np.ndarray:
        """W (x − μ) for every sample, in X's floating dtype and shape."""
        if self.matrix is None:
            raise RuntimeError("Whitening.transform: call fit first")
        X = np.asarray(X)
        flat = X.reshape(len(X), -1)
        if flat.shape[1] != len(self.mean):
            raise ValueError(f"Whitening.transform: fitted on {len(self.mean)} features, got {flat.shape[1]} "
                             f"(input shape {X.shape})")
        out = (flat.astype(np.float64) - self.mean) @ self.matrix.T
        dtype = X.dtype if X.dtype.kind == "f" else np.float32
        return out.astype(dtype).reshape(X.shape)

    def fit_transform(self, X: np.ndarray) -> np.ndarray:
        """``fit(X).transform(X)``."""
        return self.fit(X).transform(X)

    def __repr__(self) -> str:
        return f"Whitening(kind={self.kind!r}, eps={self.eps})"
