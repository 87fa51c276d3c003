"""Decoding: greedy search, sampling, beam search (with the seeds' refinements) and exact search.

Every decoder works with any model exposed as a step function
``step(prefixes (B, t) int64, state) -> (log_probs (B, V), new_state[, attention (B, S)])``
(see :mod:`nnlab.text.decoding_beam`). Two adapters make one:

- :func:`prefix_step` wraps a plain callable that maps a batch of prefixes to next-token
  log-probabilities (or logits, or per-position scores (B, t, V) like a GPT's output);
- :class:`TableModel` reads next-token distributions from a table keyed by the generated
  prefix: a toy model whose right answers can be worked out by hand.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping, Sequence

import numpy as np

from nnlab.autograd.tensor import Tensor
from nnlab.text.decoding_beam import (BeamSearchResult, Hypothesis, StepFn, banned_ngram_mask, beam_search,
                                      call_step, coverage_score, length_normalize, prompt_ids, reorder_state)
from nnlab.models.sampling import sample_next

__all__ = ["Hypothesis", "BeamSearchResult", "TableModel", "prefix_step", "greedy_search", "sample",
           "beam_search", "exhaustive_search", "score_sequence", "reorder_state", "length_normalize",
           "coverage_score", "banned_ngram_mask"]


def _log_softmax(z: np.ndarray) -> np.ndarray:
    m = z.max(axis=-1, keepdims=True)
    return z - m - np.log(np.exp(z - m).sum(axis=-1, keepdims=True))


def prefix_step(fn: Callable[[np.ndarray], Any], logits: bool = False) -> StepFn:
    """A step function from ``fn(prefixes (B, t) int64) -> scores``; the state is passed through.

    ``scores`` is (B, V) or (B, t, V) (the last position is used), a Tensor or an array; with
    ``logits=True`` they are turned into log-probabilities by log-softmax. ``fn`` may also
    return ``(scores, attention (B, S))`` to feed the coverage penalty.

    Args:
        fn: the model as a function of the prefixes.
        logits: whether ``fn`` returns unnormalized logits. Default: False (log-probabilities).
    """
    def step(prefixes: np.ndarray, state: Any):
        out = fn(np.asarray(prefixes, dtype=np.int64))
        out, attn = out if isinstance(out, tuple) else (out, None)
        z = np.asarray(out.array if isinstance(out, Tensor) else out, dtype=np.float64)
        if z.ndim == 3:
            z = z[:, -1]
        if logits:
            z = _log_softmax(z)
        return (z, state) if attn is None else (z, state, attn)
    return step


class TableModel:
    """log p(v | y_<t) = log table[y_<t][v]: a toy model keyed by the generated prefix (after BOS).

    Args:
        table: maps a tuple of generated ids to V probabilities, or is a callable doing the same.
        vocab_size: V.
        eos: the end token; prefixes missing from a mapping put all mass on it.
        attention: optional map (or callable) from a prefix to S attention weights, returned
            as the step's attention for the coverage penalty. Default: None.
        prompt_len: how many leading ids of each prefix are the prompt (not part of the key). Default: 1.

    Attributes:
        calls: how many times the model was called (one per batched step).
    """

    def __init__(self, table: Mapping[tuple, Sequence[float]] | Callable[[tuple], Sequence[float]],
                 vocab_size: int, eos: int, attention: Mapping | Callable | None = None, prompt_len: int = 1):
        self.table, self.vocab_size, self.eos = table, vocab_size, eos
        self.attention, self.prompt_len, self.calls = attention, prompt_len, 0

    def probs(self, prefix: Sequence[int]) -> np.ndarray:
        """The next-token distribution after the generated ``prefix``, shape (V,)."""
        key = tuple(int(i) for i in prefix)
        if callable(self.table):
            p = self.table(key)
        elif key in self.table:
            p = self.table[key]
        else:
            p = np.eye(self.vocab_size)[self.eos]
        p = np.asarray(p, dtype=np.float64)
        if p.shape != (self.vocab_size,) or (p < 0).any() or abs(p.sum() - 1.0) > 1e-6:
            raise ValueError(f"TableModel: the entry for prefix {key} must be {self.vocab_size} "
                             f"probabilities summing to 1, got {p.tolist()}")
        return p

    def sequence_prob(self, tokens: Sequence[int]) -> float:
        """P(tokens) = Π_t p(y_t | y_<t), by hand from the table."""
        return float(np.prod([self.probs(tokens[:i])[tok] for i, tok in enumerate(tokens)]))

    def __call__(self, prefixes: Any, state: Any = None):
        self.calls += 1
        rows = [list(r)[self.prompt_len:] for r in np.asarray(prefixes).tolist()]
        with np.errstate(divide="ignore"):
            lp = np.log(np.stack([self.probs(r) for r in rows]))
        if self.attention is None:
            return lp, state
        get = self.attention if callable(self.attention) else (lambda k: self.attention[k])
        return lp, state, np.stack([np.asarray(get(tuple(r)), dtype=np.float64) for r in rows])


def score_sequence(step: StepFn, bos: int | Sequence[int], tokens: Sequence[int], initial_state: Any = None) -> float:
    """log P(tokens | prompt) = Σ_t log p(y_t | prompt, y_<t), feeding the reference (teacher forcing)."""
    seq = prompt_ids(bos, "score_sequence")
    state, total = initial_state, 0.0
    for tok in tokens:
        lp, state, _ = call_step(step, np.asarray([seq], dtype=np.int64), state, "score_sequence")
        total += float(lp[0, int(tok)])
        seq.append(int(tok))
    return total


def greedy_search(step: StepFn, bos: int | Sequence[int], eos: int, max_len: int = 50,
                  initial_state: Any = None, length_penalty: float = 0.0) -> Hypothesis:
    """y_t = arg max_v log p(v | y_<t) until EOS or ``max_len`` tokens.

    Args:
        step: the model step function.
        bos: start token id or prompt ids.
        eos: end token id.
        max_len: most tokens to generate. Default: 50.
        initial_state: model state for the prompt. Default: None.
        length_penalty: α of the reported score log P / length^α. Default: 0.0.
    """
    seq = prompt_ids(bos, "greedy_search")
    n_prompt, state, total = len(seq), initial_state, 0.0
    for _ in range(max_len):
        lp, state, _ = call_step(step, np.asarray([seq], dtype=np.int64), state, "greedy_search")
        tok = int(sample_next(lp[0], strategy="greedy"))
        total += float(lp[0, tok])
        seq.append(tok)
        if tok == eos:
            break
    gen = tuple(seq[n_prompt:])
    done = bool(gen) and gen[-1] == eos
    return Hypothesis(gen, total, float(length_normalize(total, len(gen), length_penalty)), done)


def sample(step: StepFn, bos: int | Sequence[int], eos: int, max_len: int = 50, num_samples: int = 1,
           temperature: float = 1.0, top_k: int | None = None, top_p: float | None = None,
           generator: np.random.Generator | None = None, initial_state: Any = None,
           reorder_state_fn: Callable[[Any, np.ndarray], Any] | None = None) -> list[Hypothesis]:
    """y_t ~ softmax(log p(· | y_<t) / τ) restricted to top-k / top-p (:func:`nnlab.text.sample_next`).

    The ``num_samples`` sequences are drawn together, one batched call per step over the
    ones still running; ``log_prob`` is the model's own (τ = 1) log-probability of each draw.

    Args:
        step: the model step function.
        bos, eos: start (id or prompt ids) and end token ids.
        max_len: most tokens per sample. Default: 50.
        num_samples: how many sequences. Default: 1.
        temperature, top_k, top_p: see :func:`nnlab.text.sampling_probs`.
        generator: the random source. Default: nnlab's global generator.
        initial_state: model state for the prompt (batch 1). Default: None.
        reorder_state_fn: ``f(state, index)``. Default: :func:`reorder_state`.
    """
    reorder = reorder_state_fn or reorder_state
    prompt = prompt_ids(bos, "sample")
    seqs = np.tile(np.asarray(prompt, dtype=np.int64), (num_samples, 1))
    state = reorder(initial_state, np.zeros(num_samples, dtype=np.int64)) if initial_state is not None else None
    alive = np.arange(num_samples)
    totals = np.zeros(num_samples)
    out = [list() for _ in range(num_samples)]
    for _ in range(max_len):
        if len(alive) == 0:
            break
        lp, state, _ = call_step(step, seqs, state, "sample")
        tok = np.atleast_1d(sample_next(lp, "sample", temperature, top_k, top_p, generator))
        totals[alive] += lp[np.arange(len(alive)), tok]
        for i, t in zip(alive.tolist(), tok.tolist()):
            out[i].append(t)
        keep = tok != eos
        alive = alive[keep]
        seqs = np.concatenate([seqs, tok[:, None]], axis=1)[keep]
        if state is not None and not keep.all():
            state = reorder(state, np.flatnonzero(keep))
    return [Hypothesis(tuple(o), float(totals[i]), float(totals[i]), bool(o) and o[-1] == eos)
            for i, o in enumerate(out)]


def exhaustive_search(step: StepFn, bos: int | Sequence[int], eos: int, max_len: int, length_penalty: float = 0.0,
                      initial_state: Any = None, reorder_state_fn: Callable[[Any, np.ndarray], Any] | None = None,
                      max_hypotheses: int = 200_000) -> list[Hypothesis]:
    """Exact arg max of log P / length^α over ALL sequences of ≤ ``max_len`` tokens (tiny V only).

    Expands every prefix breadth-first (one batched call per length); sequences that reach
    ``max_len`` without EOS are included with ``finished=False``. The reference that beam
    search approximates, and a check of it.

    Returns:
        Every sequence, best first.
    """
    reorder = reorder_state_fn or reorder_state
    prompt = prompt_ids(bos, "exhaustive_search")
    seqs, cum, state = np.asarray([prompt], dtype=np.int64), np.zeros(1), initial_state
    done: list[Hypothesis] = []
    for t in range(1, max_len + 1):
        lp, state, _ = call_step(step, seqs, state, "exhaustive_search")
        V = lp.shape[1]
        if len(seqs) * V > max_hypotheses:
            raise ValueError(f"exhaustive_search: {len(seqs) * V} prefixes at length {t} exceed "
                             f"max_hypotheses={max_hypotheses}")
        total = cum[:, None] + lp
        for r in np.flatnonzero(np.isfinite(total[:, eos])):
            done.append(Hypothesis(tuple(seqs[r, len(prompt):].tolist()) + (eos,), float(total[r, eos]),
                                   float(length_normalize(total[r, eos], t, length_penalty))))
        r, v = np.nonzero(np.isfinite(total) & (np.arange(V) != eos))
        seqs = np.concatenate([seqs[r], v[:, None]], axis=1)
        cum = total[r, v]
        if state is not None:
            state = reorder(state, r)
        if len(seqs) == 0:
            break
    done += [Hypothesis(tuple(seqs[j, len(prompt):].tolist()), float(cum[j]),
                        float(length_normalize(cum[j], max_len, length_penalty)), False) for j in range(len(seqs))]
    done.sort(key=lambda h: -h.score)
    return done
