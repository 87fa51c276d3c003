"""Beam search over any step function, with the seeds' refinements as options.

The search core lives here; its refinements are the pieces of :mod:`nnlab.text.beam_parts`
(scorers, constraints, selection and stopping rules), each testable alone, and extra
constraints compose in through ``beam_search(constraints=[...])``.

The model is a *step function* ``step(prefixes, state) -> (log_probs, new_state[, attention])``:
``prefixes`` is an int64 array (B, t) holding each live hypothesis (prompt included),
``log_probs`` (B, V) is log p(· | prefix) and ``attention`` (B, S), when returned, is the
decoder's attention over the S source positions while predicting that next token (used by
the coverage penalty). ``state`` is whatever the model carries between steps (None for a
model that re-reads the prefix); the search reorders it along the batch axis when it picks
the surviving hypotheses (arrays, Tensors and nested tuples/lists/dicts of them by default).
All k hypotheses of a step go through ONE call of the step function.

Scores are kept in float64: they are sums of many log-probabilities compared across
hypotheses, not tensors of a network.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np

from nnlab.autograd.tensor import Tensor
from nnlab.ops.creation import from_numpy
from nnlab.text.beam_parts import (Constraint, MinLength, NoRepeatNGram, banned_ngram_mask, banned_tokens,
                                   can_still_win, coverage_score, diversity_adjust, length_normalize,
                                   select_candidates, tempered, within_margin)

# length_normalize, coverage_score and banned_ngram_mask are beam_parts' pieces, re-exported.
__all__ = ["Hypothesis", "BeamSearchResult", "beam_search", "call_step", "reorder_state",
           "length_normalize", "coverage_score", "banned_ngram_mask", "prompt_ids"]

StepFn = Callable[[np.ndarray, Any], tuple]

@dataclass
class Hypothesis:
    """One decoded sequence: generated ``tokens`` (prompt excluded, EOS included when finished).

    Attributes:
        tokens: the generated token ids.
        log_prob: Σ log p(y_t | y_<t) under the model (temperature 1).
        score: the search objective, log P_τ / length^α + coverage penalty.
        finished: whether the hypothesis ended with EOS (False: cut at ``max_len``).
        group: the diverse-beam group that produced it (0 without groups).
        rescored: score + w · rescore_fn(hypothesis) when rescoring is on, else None.
    """

    tokens: tuple[int, ...]
    log_prob: float
    score: float
    finished: bool = True
    group: int = 0
    rescored: float | None = None

    @property
    def final_score(self) -> float:
        """The ranking key: ``rescored`` when rescoring ran, else ``score``."""
        return self.score if self.rescored is None else self.rescored

    def __len__(self) -> int:
        return len(self.tokens)


@dataclass
class BeamSearchResult:
    """Hypotheses best-first, plus a trace: live beam width after each step and the step count."""

    hypotheses: list[Hypothesis]
    widths: list[int] = field(default_factory=list)
    num_steps: int = 0

    @property
    def best(self) -> Hypothesis:
        return self.hypotheses[0]

    def __len__(self) -> int:
        return len(self.hypotheses)

    def __getitem__(self, i: int) -> Hypothesis:
        return self.hypotheses[i]

    def __iter__(self):
        return iter(self.hypotheses)


def prompt_ids(bos: int | Sequence[int], op: str) -> list[int]:
    """The start of every hypothesis: [bos] for an int, else the given prompt ids."""
    ids = [int(bos)] if np.ndim(bos) == 0 else [int(b) for b in bos]
    if not ids:
        raise ValueError(f"{op}: the prompt (bos) must hold at least one token")
    return ids


def call_step(step: StepFn, prefixes: np.ndarray, state: Any, op: str = "decode"):
    """Run ``step`` and return (log_probs float64 (B, V), new_state, attention (B, S) or None)."""
    out = step(prefixes, state)
    if not isinstance(out, tuple) or len(out) not in (2, 3):
        raise ValueError(f"{op}: the step function must return (log_probs, state) or "
                         f"(log_probs, state, attention), got {type(out).__name__}")
    lp = out[0].array if isinstance(out[0], Tensor) else out[0]
    lp = np.asarray(lp, dtype=np.float64)
    if lp.ndim != 2 or lp.shape[0] != len(prefixes):
        raise ValueError(f"{op}: the step function returned log_probs of shape {lp.shape} for "
                         f"{len(prefixes)} prefixes; expected ({len(prefixes)}, V)")
    attn = None
    if len(out) == 3 and out[2] is not None:
        attn = np.asarray(out[2].array if isinstance(out[2], Tensor) else out[2], dtype=np.float64)
        if attn.ndim != 2 or attn.shape[0] != len(prefixes):
            raise ValueError(f"{op}: attention must have shape (B={len(prefixes)}, S), got {attn.shape}")
    return lp, out[1], attn


def reorder_state(state: Any, index: np.ndarray) -> Any:
    """state[index] along the batch axis, through tuples, lists and dicts; None stays None."""
    if state is None:
        return None
    if isinstance(state, Tensor):
        return from_numpy(state.array[index])
    if isinstance(state, np.ndarray):
        return state[index]
    if isinstance(state, (tuple, list)):
        return type(state)(reorder_state(s, index) for s in state)
    if isinstance(state, dict):
        return {k: reorder_state(v, index) for k, v in state.items()}
    raise TypeError(f"reorder_state: cannot reorder a state of type {type(state).__name__}; "
                    "pass reorder_state_fn=")


def _rollouts(step: StepFn, seqs: np.ndarray, state: Any, done: np.ndarray, depth: int, eos: int,
              temperature: float) -> tuple[np.ndarray, np.ndarray]:
    """Greedy continuations of ``depth`` steps: (Σ tempered log p, tokens added) per row.

    Every row goes through each call (one batched call per lookahead step); rows that are
    already done (EOS) only pad the batch and gain nothing.
    """
    gain = np.zeros(len(seqs))
    added = np.zeros(len(seqs), dtype=np.int64)
    alive = ~done
    for _ in range(depth):
        if not alive.any():
            break
        lp, state, _ = call_step(step, seqs, state, "beam_search")
        s = tempered(lp, temperature)
        tok = s.argmax(axis=-1)
        gain += np.where(alive, s[np.arange(len(seqs)), tok], 0.0)
        added += alive
        tok = np.where(alive, tok, eos)
        seqs = np.concatenate([seqs, tok[:, None].astype(np.int64)], axis=1)
        alive = alive & (tok != eos)
    return gain, added


def _check_options(beam_width: int, max_len: int, length_penalty: float, num_groups: int,
                   temperature: float, lookahead: int, prune_margin: float | None) -> None:
    if beam_width < 1 or max_len < 1:
        raise ValueError(f"beam_search: beam_width and max_len must be >= 1, got {beam_width} and {max_len}")
    if num_groups < 1 or beam_width % num_groups:
        raise ValueError(f"beam_search: beam_width={beam_width} must split evenly into num_groups={num_groups}")
    if length_penalty < 0 or temperature <= 0 or lookahead < 0:
        raise ValueError(f"beam_search: need length_penalty >= 0, temperature > 0 and lookahead >= 0, got "
                         f"{length_penalty}, {temperature}, {lookahead}")
    if prune_margin is not None and prune_margin < 0:
        raise ValueError(f"beam_search: prune_margin must be >= 0, got {prune_margin}")


def beam_search(step: StepFn, bos: int | Sequence[int], eos: int, beam_width: int = 3, max_len: int = 50, *,
                length_penalty: float = 0.0, min_len: int = 0, no_repeat_ngram_size: int = 0,
                coverage_penalty: float = 0.0, num_groups: int = 1, diversity_penalty: float = 0.0,
                temperature: float = 1.0, prune_margin: float | None = None,
                rescore_fn: Callable[[Hypothesis], float] | None = None, rescore_weight: float = 1.0,
                lookahead: int = 0, num_return: int | None = None, early_stopping: bool = True,
                initial_state: Any = None, reorder_state_fn: Callable[[Any, np.ndarray], Any] | None = None,
                constraints: Sequence[Constraint] = ()) -> BeamSearchResult:
    """arg max_y  log P_τ(y | prompt) / |y|^α + β · Σ_i log min(Σ_t a_{t,i}, 1), approximately, k at a time.

    Each step extends every live hypothesis by every token (one batched ``step`` call), ranks
    the k·V candidates and keeps the k best that do not end in EOS; a candidate ending in EOS
    that ranks among the top k is set aside as finished. The search stops at ``max_len``, when
    k hypotheses have finished, or (``early_stopping``) when no live hypothesis can still beat
    the best finished one: log P only falls as tokens are added, so a live hypothesis is worth
    at most cum / max_len^α.

    Refinements (all off by default, any combination allowed):

    - length normalization: score = log P / length^α (``length_penalty`` α, length counts EOS);
    - EOS handling: ``min_len`` forbids EOS before that many tokens; finished hypotheses wait aside;
    - n-gram blocking: ``no_repeat_ngram_size`` n gives −∞ to any token that would repeat an n-gram;
    - coverage penalty (GNMT): ``coverage_penalty`` β > 0 adds β·Σ_i log min(c_i, 1) to finished
      hypotheses, c = summed attention (the step must return attention; c_i is floored at 1e-6);
    - diverse beam search: ``num_groups`` G groups of k/G, group g's candidates lose
      ``diversity_penalty`` λ per earlier group that chose the same token at this step (Hamming);
    - temperature: the search scores log softmax(log p / τ) (τ < 1 sharpens toward greedy);
      ``log_prob`` stays the model's own;
    - dynamic beam width: ``prune_margin`` m drops live hypotheses whose normalized score is
      more than m below the best candidate of the step, so the beam narrows as it grows
      confident (``result.widths`` records the width after each step);
    - rescoring: ``rescore_fn(h)`` is a global score of a whole hypothesis (e.g. a second model
      or a length bonus); the final order is by score + ``rescore_weight`` · rescore_fn(h);
    - lookahead: ``lookahead`` d ranks the 2·(k/G) best one-step candidates of a group by their
      score after a greedy rollout of d more steps (d extra batched calls per step).

    Args:
        step: the model, ``step(prefixes (B, t) int64, state) -> (log_probs (B, V), state[, attention (B, S)])``.
        bos: the start token id, or a prompt as a sequence of ids.
        eos: the end token id.
        beam_width: k, total over groups. Default: 3.
        max_len: most tokens to generate. Default: 50.
        num_return: how many hypotheses to return. Default: ``beam_width``.
        early_stopping: stop once no live hypothesis can beat the best finished one. Default: True.
        initial_state: the model state for the prompt (batch 1). Default: None.
        reorder_state_fn: ``f(state, index)`` selecting batch rows. Default: :func:`reorder_state`.
        constraints: more ``constraint(prefixes, t, V) -> (B, V) bool`` masks of forbidden
            tokens, applied with ``min_len`` and ``no_repeat_ngram_size`` (see
            :mod:`nnlab.text.beam_parts`). Default: ().
        (the refinement options are described above; defaults turn each off.)

    Returns:
        A :class:`BeamSearchResult`: hypotheses best-first by ``final_score``; when fewer than
        k finished by ``max_len`` the live ones are included with ``finished=False``.
    """
    op = "beam_search"
    _check_options(beam_width, max_len, length_penalty, num_groups, temperature, lookahead, prune_margin)
    prompt = prompt_ids(bos, op)
    P, G, W, alpha = len(prompt), num_groups, beam_width // num_groups, length_penalty
    reorder = reorder_state_fn or reorder_state
    rules: list[Constraint] = [MinLength(min_len, eos)] if min_len else []
    rules += [NoRepeatNGram(no_repeat_ngram_size)] if no_repeat_ngram_size else []
    rules += list(constraints)
    seqs = [np.asarray([prompt], dtype=np.int64) for _ in range(G)]
    cum_lp = [np.zeros(1) for _ in range(G)]
    cum_s = [np.zeros(1) for _ in range(G)]
    cov: list[np.ndarray | None] = [None] * G
    finished: list[list[Hypothesis]] = [[] for _ in range(G)]
    active = [True] * G
    state = reorder(initial_state, np.zeros(G, dtype=np.int64)) if initial_state is not None else None
    widths: list[int] = []
    t = 0
    for t in range(1, max_len + 1):
        groups = [g for g in range(G) if active[g]]
        if not groups:
            t -= 1
            break
        rows = np.concatenate([seqs[g] for g in groups])
        starts = np.cumsum([0] + [len(seqs[g]) for g in groups])
        lp, state, attn = call_step(step, rows, state, op)
        V = lp.shape[1]
        if not 0 <= eos < V:
            raise ValueError(f"{op}: eos={eos} is outside the vocabulary of size {V}")
        if coverage_penalty and attn is None:
            raise ValueError(f"{op}: coverage_penalty needs a step function that returns attention weights")
        s = tempered(lp, temperature)
        if rules:
            s = np.where(banned_tokens(rules, rows, t, V), -np.inf, s)
        row_lp = np.concatenate([cum_lp[g] for g in groups])
        row_s = np.concatenate([cum_s[g] for g in groups])
        row_cov = None
        if attn is not None:
            row_cov = np.concatenate([cov[g] if cov[g] is not None else np.zeros((len(seqs[g]), attn.shape[1]))
                                      for g in groups]) + attn
        base = row_s[:, None] + s
        norm = length_normalize(base, t, alpha)

        # Candidates per group: (global row, token, rank before the diversity term).
        cands = []
        for i, g in enumerate(groups):
            flat = norm[starts[i]:starts[i + 1]].ravel()
            cands.append((starts[i] + np.arange(flat.size) // V, np.arange(flat.size) % V, flat))
        if lookahead:
            short = []
            for r, v, rank in cands:
                keep = np.argsort(-rank, kind="stable")[:2 * W]
                keep = keep[np.isfinite(rank[keep])]
                short.append((r[keep], v[keep]))
            rr = np.concatenate([x[0] for x in short])
            vv = np.concatenate([x[1] for x in short])
            gain, added = _rollouts(step, np.concatenate([rows[rr], vv[:, None]], axis=1),
                                    reorder(state, rr) if state is not None else None, vv == eos, lookahead, eos, temperature)
            la = length_normalize(base[rr, vv] + gain, t + added, alpha)
            bounds = np.cumsum([0] + [len(x[0]) for x in short])
            cands = [(rr[bounds[i]:bounds[i + 1]], vv[bounds[i]:bounds[i + 1]], la[bounds[i]:bounds[i + 1]])
                     for i in range(len(groups))]

        counts = np.zeros(V)
        parents: list[np.ndarray] = []
        width_now = 0
        for i, g in enumerate(groups):
            r, v, rank = cands[i]
            live, done = select_candidates(v, diversity_adjust(rank, v, counts, diversity_penalty), W, eos)
            for rj in r[done].tolist():
                sc = norm[rj, eos] + (coverage_score(row_cov[rj], coverage_penalty) if coverage_penalty else 0.0)
                finished[g].append(Hypothesis(tuple(rows[rj, P:].tolist()) + (eos,),
                                              float(row_lp[rj] + lp[rj, eos]), float(sc), True, g))
            lr, lv = r[live].astype(np.int64), v[live].astype(np.int64)
            np.add.at(counts, np.concatenate([v[done], lv]), 1)
            if prune_margin is not None and len(lr):
                keep = within_margin(norm[lr, lv], norm[starts[i]:starts[i + 1]].max(), prune_margin)
                lr, lv = lr[keep], lv[keep]
            seqs[g] = np.concatenate([rows[lr], lv[:, None]], axis=1)
            cum_lp[g] = row_lp[lr] + lp[lr, lv]
            cum_s[g] = base[lr, lv]
            cov[g] = row_cov[lr] if row_cov is not None else None
            width_now += len(lr)
            if not len(lr) or len(finished[g]) >= W:
                active[g] = False
            elif early_stopping and finished[g]:
                active[g] = can_still_win(cum_s[g], max(h.score for h in finished[g]), t, max_len, alpha)
            if active[g]:
                parents.append(lr)
        widths.append(width_now)
        if any(active) and t < max_len:
            state = reorder(state, np.concatenate(parents)) if state is not None else None

    hyps = [h for g in range(G) for h in finished[g]]
    for g in range(G):
        if active[g] and len(finished[g]) < W:
            cp = coverage_score(cov[g], coverage_penalty) if coverage_penalty else 0.0
            sc = length_normalize(cum_s[g], t, alpha) + cp
            hyps += [Hypothesis(tuple(seqs[g][j, P:].tolist()), float(cum_lp[g][j]), float(sc[j]), False, g)
                     for j in range(len(seqs[g]))]
    if rescore_fn is not None:
        for h in hyps:
            h.rescored = h.score + rescore_weight * float(rescore_fn(h))
    hyps.sort(key=lambda h: -h.final_score)
    return BeamSearchResult(hyps[:num_return or beam_width], widths, t)
