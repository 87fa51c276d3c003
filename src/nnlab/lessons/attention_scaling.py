"""Why attention divides by √d_k: without it the scores' variance grows with d_k, the softmax saturates
and its gradient vanishes (Vaswani et al., 2017, §3.2.1).

For q, k with independent N(0, 1) entries, q·k = Σᵢ qᵢkᵢ has mean 0 and variance d_k. Fed
to a softmax over n keys, logits of standard deviation √d_k make one key win almost all
the mass (entropy → 0), and the softmax Jacobian diag(p) − ppᵀ → 0, so almost no gradient
reaches the scores. Dividing by √d_k restores unit variance at every d_k: the entropy and
the gradient stay the same whatever the width.
"""

from __future__ import annotations

import math
from typing import NamedTuple, Sequence

import numpy as np

from nnlab import functional as F
from nnlab.ops.creation import from_numpy

__all__ = ["ScalingStats", "attention_scaling_stats"]


class ScalingStats(NamedTuple):
    """Measured at one d_k, without (``raw_*``) and with (``scaled_*``) the 1/√d_k factor.

    Attributes:
        d_k: the key / query width.
        raw_var, scaled_var: variance of the logits fed to the softmax (q·k, q·k/√d_k).
        raw_entropy, scaled_entropy: mean softmax entropy in nats (ln n at most).
        raw_grad, scaled_grad: mean L2 norm of ∂L/∂logits per query, for L = Σⱼ pⱼ gⱼ
            with a fixed random upstream gradient g ~ N(0, 1).
    """

    d_k: int
    raw_var: float
    scaled_var: float
    raw_entropy: float
    scaled_entropy: float
    raw_grad: float
    scaled_grad: float


def _softmax_stats(logits: np.ndarray, upstream: np.ndarray) -> tuple[float, float]:
    """(mean entropy, mean ‖∂(Σ p·g)/∂logits‖) of softmax over the last axis, the gradient by nnlab's autograd."""
    z = from_numpy(logits)
    z.requires_grad_(True)
    p = F.softmax(z, dim=-1)
    (p * from_numpy(upstream)).sum().backward()
    probs = p.array.astype(np.float64)
    entropy = float(-(probs * np.log(np.maximum(probs, 1e-30))).sum(-1).mean())
    return entropy, float(np.linalg.norm(z.grad.array, axis=-1).mean())


def attention_scaling_stats(d_ks: Sequence[int] = (4, 16, 64, 256, 1024), n_keys: int = 32, n_queries: int = 500,
                            seed: int = 0) -> list[ScalingStats]:
    """Variance, softmax entropy and gradient size of attention logits at each d_k, with and without 1/√d_k.

    Args:
        d_ks: the widths to measure. Default: (4, 16, 64, 256, 1024).
        n_keys: keys per query (the softmax's size n). Default: 32.
        n_queries: independent queries averaged over. Default: 500.
        seed: the generator's seed (q, k ~ N(0, 1), upstream gradient g ~ N(0, 1)).

    Returns:
        One :class:`ScalingStats` per d_k.
    """
    rng = np.random.default_rng(seed)
    out = []
    for d in d_ks:
        q = rng.standard_normal((n_queries, 1, d)).astype(np.float32)
        k = rng.standard_normal((n_queries, n_keys, d)).astype(np.float32)
        g = rng.standard_normal((n_queries, n_keys)).astype(np.float32)
        raw = (q * k).sum(-1)
        scaled = raw / np.float32(math.sqrt(d))
        h_raw, g_raw = _softmax_stats(raw, g)
        h_scaled, g_scaled = _softmax_stats(scaled, g)
        out.append(ScalingStats(int(d), float(raw.var()), float(scaled.var()), h_raw, h_scaled, g_raw, g_scaled))
    return out
