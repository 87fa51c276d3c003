"""Cross-lingual word embeddings by orthogonal Procrustes (Mikolov et al., 2013; Xing et al., 2015; Smith et al., 2017).

Word vectors trained separately on two languages arrange the same concepts in roughly the
same shape, rotated arbitrarily. Given a seed dictionary of n translation pairs, stacked as
rows X (source) and Y (target), the best rotation is

    W* = argmin_{WᵀW = I} ‖XW − Y‖_F = U Vᵀ,   where U Σ Vᵀ = SVD(Xᵀ Y),

and a source word translates to the target word whose vector is nearest (cosine) to xW.
Keeping W orthogonal preserves distances and angles inside the source space, so the
monolingual quality is not traded for the alignment.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from nnlab.text.keyed_vectors import KeyedVectors

__all__ = ["orthogonal_procrustes", "translate", "translation_accuracy"]


def _unit(x: np.ndarray) -> np.ndarray:
    return x / np.maximum(np.linalg.norm(x, axis=-1, keepdims=True), 1e-12)


def orthogonal_procrustes(X: np.ndarray, Y: np.ndarray) -> np.ndarray:
    """W = U Vᵀ from the SVD of Xᵀ Y: the orthogonal (D, D) map minimizing ‖XW − Y‖_F for rows X, Y (n, D)."""
    X, Y = np.asarray(X, dtype=np.float64), np.asarray(Y, dtype=np.float64)
    if X.shape != Y.shape or X.ndim != 2:
        raise ValueError(f"orthogonal_procrustes: X and Y must be (n, D) of one shape, got {X.shape} and {Y.shape}")
    u, _, vt = np.linalg.svd(X.T @ Y)
    return u @ vt


def translate(words: Sequence[str], source: KeyedVectors, target: KeyedVectors, W: np.ndarray) -> list[str]:
    """The nearest target word (cosine) to x_w W for each source word w."""
    queries = _unit(_unit(np.stack([source[w] for w in words]).astype(np.float64)) @ W)
    best = (queries @ _unit(target.vectors.astype(np.float64)).T).argmax(1)
    return [target.index_to_key[i] for i in best]


def translation_accuracy(pairs: Sequence[tuple[str, str]], source: KeyedVectors, target: KeyedVectors,
                         W: np.ndarray) -> float:
    """Precision@1 of :func:`translate` over the (source, target) ``pairs``."""
    if not pairs:
        raise ValueError("translation_accuracy: no pairs")
    guesses = translate([a for a, _ in pairs], source, target, W)
    return float(np.mean([g == b for g, (_, b) in zip(guesses, pairs)]))
