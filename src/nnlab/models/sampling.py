"""The next token from a model's logits: greedy, or a draw from softmax(z / τ) with top-k / top-p filters.

Greedy decoding takes the arg max; sampling draws from softmax(z / τ), optionally
restricted to the k most likely tokens (top-k) or to the smallest set holding probability
mass ≥ p (top-p, nucleus). Shared by the models' ``generate`` methods (GPT) and the text
decoders (:mod:`nnlab.text.lm`, :mod:`nnlab.text.decoding`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nnlab.autograd.tensor import Tensor
from nnlab.backend import default_generator

__all__ = ["sampling_probs", "sample_next"]


def sampling_probs(logits: Any, temperature: float = 1.0, top_k: int | None = None,
                   top_p: float | None = None) -> np.ndarray:
    """p = softmax(z / τ) restricted to the top-k tokens, then to the top-p nucleus, renormalized.

    The filters run in the order temperature, top-k, top-p. τ = 0 puts all mass on the
    arg max (greedy). Top-k keeps the tokens whose logit is at least the k-th largest;
    top-p keeps, in order of decreasing probability, the smallest prefix whose mass is
    ≥ p (the most likely token always stays).

    Args:
        logits: unnormalized scores z, shape (V,) or (N, V).
        temperature: τ ≥ 0. Default: 1.0.
        top_k: keep the k most likely tokens; None or 0 keeps all. Default: None.
        top_p: nucleus mass p in (0, 1]; None keeps all. Default: None.

    Returns:
        Probabilities of the logits' shape (float64, each row summing to 1).
    """
    z = np.asarray(logits.array if isinstance(logits, Tensor) else logits, dtype=np.float64)
    if z.ndim not in (1, 2) or z.shape[-1] == 0:
        raise ValueError(f"sampling_probs: logits must have shape (V,) or (N, V) with V >= 1, got {z.shape}")
    if temperature < 0:
        raise ValueError(f"sampling_probs: temperature must be >= 0, got {temperature}")
    if top_k is not None and top_k < 0:
        raise ValueError(f"sampling_probs: top_k must be >= 0, got {top_k}")
    if top_p is not None and not 0.0 < top_p <= 1.0:
        raise ValueError(f"sampling_probs: top_p must lie in (0, 1], got {top_p}")
    z2 = np.atleast_2d(z)
    if temperature == 0:
        probs = np.zeros_like(z2)
        probs[np.arange(len(z2)), z2.argmax(axis=-1)] = 1.0
        return probs.reshape(z.shape)
    z2 = z2 / temperature
    if top_k:
        cut = z2.shape[-1] - min(top_k, z2.shape[-1])
        kth = np.partition(z2, cut, axis=-1)[:, cut:cut + 1]  # the k-th largest logit per row
        z2 = np.where(z2 >= kth, z2, -np.inf)
    e = np.exp(z2 - z2.max(axis=-1, keepdims=True))
    probs = e / e.sum(axis=-1, keepdims=True)
    if top_p is not None and top_p < 1.0:
        order = np.argsort(-probs, axis=-1, kind="stable")
        sorted_p = np.take_along_axis(probs, order, axis=-1)
        # Keep token j while the mass of the tokens ranked before it is still < p.
        before = np.cumsum(sorted_p, axis=-1) - sorted_p
        keep_sorted = before < top_p
        keep = np.zeros_like(keep_sorted)
        np.put_along_axis(keep, order, keep_sorted, axis=-1)
        probs = np.where(keep, probs, 0.0)
        probs /= probs.sum(axis=-1, keepdims=True)
    return probs.reshape(z.shape)


def sample_next(logits: Any, strategy: str = "sample", temperature: float = 1.0, top_k: int | None = None,
                top_p: float | None = None, generator: np.random.Generator | None = None) -> np.ndarray:
    """The next token per row: arg max z (``'greedy'``) or a draw from :func:`sampling_probs` (``'sample'``).

    Args:
        logits: (V,) or (N, V).
        strategy: ``'greedy'`` or ``'sample'``. Default: ``'sample'``.
        temperature, top_k, top_p: see :func:`sampling_probs`.
        generator: the random source. Default: nnlab's global generator.

    Returns:
        int64 indices, shape () or (N,).
    """
    z = np.asarray(logits.array if isinstance(logits, Tensor) else logits)
    if strategy == "greedy":
        return np.asarray(z.argmax(axis=-1), dtype=np.int64)
    if strategy != "sample":
        raise ValueError(f"sample_next: strategy must be 'greedy' or 'sample', got {strategy!r}")
    probs = np.atleast_2d(sampling_probs(z, temperature, top_k, top_p))
    rng = default_generator() if generator is None else generator
    u = rng.random(len(probs))[:, None]
    # Inverse CDF: the first index whose cumulative mass exceeds u (clamped against round-off).
    idx = np.minimum((np.cumsum(probs, axis=-1) <= u).sum(axis=-1), probs.shape[-1] - 1)
    # Round-off could land on a filtered (zero-probability) index; step back to a kept one.
    bad = probs[np.arange(len(idx)), idx] == 0
    if bad.any():
        idx[bad] = probs[bad].argmax(axis=-1)
    return idx.astype(np.int64).reshape(z.shape[:-1])
