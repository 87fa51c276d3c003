"""The pieces beam search is composed of, each usable and testable on its own.

- **Scorers** turn log-probabilities into the search objective: :func:`tempered`
  (log softmax(log p / τ)), :func:`length_normalize` (log P / length^α),
  :func:`coverage_score` (GNMT's β·Σ log min(c, 1)), :func:`diversity_adjust` (Hamming
  diversity between groups).
- **Constraints** say which next tokens are forbidden: a callable
  ``constraint(prefixes (B, t) int64, step t, vocab_size V) -> (B, V) bool`` (True = banned);
  :class:`MinLength` and :class:`NoRepeatNGram` are two, and ``beam_search(constraints=...)``
  takes any more.
- **Selection and stopping rules** decide what survives a step and when a group is done:
  :func:`select_candidates`, :func:`within_margin` (dynamic beam width),
  :func:`can_still_win` (early stopping by a bound).

:func:`nnlab.text.decoding_beam.beam_search` is the small core that runs the model and
calls these.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Sequence

import numpy as np

__all__ = ["COVERAGE_FLOOR", "Constraint", "tempered", "length_normalize", "coverage_score", "diversity_adjust",
           "banned_ngram_mask", "MinLength", "NoRepeatNGram", "banned_tokens", "select_candidates", "within_margin",
           "can_still_win"]

#: An unattended source position costs β·log(COVERAGE_FLOOR) instead of −∞.
COVERAGE_FLOOR = 1e-6

Constraint = Callable[[np.ndarray, int, int], np.ndarray]


# ---- scorers -------------------------------------------------------------------------------
def tempered(lp: np.ndarray, temperature: float) -> np.ndarray:
    """log softmax(log p / τ): τ < 1 sharpens the scores toward greedy, τ > 1 flattens them."""
    if temperature == 1.0:
        return lp
    z = lp / temperature
    m = np.max(z, axis=-1, keepdims=True)
    m = np.where(np.isfinite(m), m, 0.0)
    with np.errstate(divide="ignore"):
        return z - m - np.log(np.exp(z - m).sum(axis=-1, keepdims=True))


def length_normalize(log_prob: Any, length: Any, alpha: float) -> Any:
    """log P / length^α (α = 0: plain log-probability; α = 1: per-token average)."""
    return log_prob / np.power(np.maximum(length, 1), alpha)


def coverage_score(coverage: np.ndarray, beta: float) -> np.ndarray:
    """GNMT's coverage penalty cp = β · Σ_i log(min(c_i, 1)), c_i = Σ_t a_{t,i}; shape (B, S) → (B,)."""
    c = np.clip(coverage, COVERAGE_FLOOR, 1.0)
    return beta * np.log(c).sum(axis=-1)


def diversity_adjust(rank: np.ndarray, tokens: np.ndarray, counts: np.ndarray, penalty: float) -> np.ndarray:
    """rank − λ · (times earlier groups chose each candidate's token at this step): Hamming diversity."""
    return rank - penalty * counts[tokens] if penalty else rank


# ---- constraints ---------------------------------------------------------------------------
def banned_ngram_mask(seqs: np.ndarray, n: int, vocab_size: int) -> np.ndarray:
    """(B, V) bool: True where appending the token would repeat an n-gram already in the row."""
    banned = np.zeros((len(seqs), vocab_size), dtype=bool)
    t = seqs.shape[1]
    if n <= 0 or t < n - 1:
        return banned
    for b, row in enumerate(seqs.tolist()):
        tail = tuple(row[t - n + 1:]) if n > 1 else ()
        for i in range(t - n + 1):
            if tuple(row[i:i + n - 1]) == tail:
                banned[b, row[i + n - 1]] = True
    return banned


@dataclass(frozen=True)
class MinLength:
    """Forbid ``eos`` while generating the first ``min_len`` tokens (steps t ≤ min_len)."""

    min_len: int
    eos: int

    def __call__(self, prefixes: np.ndarray, t: int, vocab_size: int) -> np.ndarray:
        ban = np.zeros((len(prefixes), vocab_size), dtype=bool)
        if t <= self.min_len:
            ban[:, self.eos] = True
        return ban


@dataclass(frozen=True)
class NoRepeatNGram:
    """Forbid any token that would repeat an n-gram already in the hypothesis (prompt included)."""

    n: int

    def __call__(self, prefixes: np.ndarray, t: int, vocab_size: int) -> np.ndarray:
        return banned_ngram_mask(prefixes, self.n, vocab_size)


def banned_tokens(constraints: Sequence[Constraint], prefixes: np.ndarray, t: int, vocab_size: int) -> np.ndarray:
    """(B, V) bool: the union of what every constraint forbids at step t."""
    ban = np.zeros((len(prefixes), vocab_size), dtype=bool)
    for constraint in constraints:
        mask = np.asarray(constraint(prefixes, t, vocab_size), dtype=bool)
        if mask.shape != ban.shape:
            raise ValueError(f"beam_search: a constraint returned a mask of shape {mask.shape}, "
                             f"expected (B, V) = {ban.shape}")
        ban |= mask
    return ban


# ---- selection and stopping rules ------------------------------------------------------------
def select_candidates(tokens: np.ndarray, rank: np.ndarray, width: int, eos: int) -> tuple[np.ndarray, np.ndarray]:
    """Which candidates survive a step: (live, finished) positions into ``tokens`` / ``rank``.

    Candidates are taken best rank first (ties in order) until ``width`` live ones are found
    or the ranks stop being finite (banned). A candidate ending in ``eos`` never lives on; it
    finishes when it ranks among the first ``width`` candidates, and is dropped otherwise.
    """
    order = np.argsort(-rank, kind="stable")
    live: list[int] = []
    done: list[int] = []
    for pos, j in enumerate(order):
        if not np.isfinite(rank[j]):
            break
        if int(tokens[j]) == eos:
            if pos < width:
                done.append(int(j))
            continue
        live.append(int(j))
        if len(live) == width:
            break
    return np.asarray(live, dtype=np.int64), np.asarray(done, dtype=np.int64)


def within_margin(scores: np.ndarray, best: float, margin: float | None) -> np.ndarray:
    """Dynamic beam width: True for the hypotheses scoring at least ``best − margin`` (all when None)."""
    if margin is None:
        return np.ones(len(scores), dtype=bool)
    return scores >= best - margin


def can_still_win(live_scores: np.ndarray, best_finished: float, t: int, max_len: int, alpha: float) -> bool:
    """Early stopping: whether some live hypothesis can still beat the best finished one.

    log P only falls as tokens are added, so a live hypothesis with tempered log P = c is
    worth at most c / max_len^α (c ≤ 0, the longest it can get) or c / (t + 1)^α (c > 0).
    """
    c = float(np.max(live_scores))
    bound = c / max_len ** alpha if c <= 0 else c / (t + 1) ** alpha
    return bool(bound > best_finished)
