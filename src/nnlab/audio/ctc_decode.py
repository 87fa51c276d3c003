"""Decoding CTC outputs into words: greedy, and prefix beam search with a lexicon and a word LM; WER.

- **Greedy** (best path): the arg-max label of every frame, repeats merged, blanks dropped.
  Fast, but it picks the single most likely *alignment*, not the most likely *labelling*,
  and knows nothing of words.
- **Prefix beam search** (Hannun et al., 2014): keeps the ``beam`` best label prefixes, each
  with the probability of ending in a blank (p_b) or not (p_nb), summed over the
  alignments that spell it, so a labelling reachable by many alignments is scored right.
  A **lexicon** (a trie of the allowed words) prunes prefixes that spell no word, and a
  **language model** adds α·ln p_LM(word | previous words) + β for every completed word
  (β, the insertion bonus, offsets the LM's bias towards short outputs): the decoder
  maximizes ln p_CTC(l | x) + α·ln p_LM(words) + β·|words|.
- **WER** = (substitutions + deletions + insertions) / reference words, the Levenshtein
  distance over words.
"""

from __future__ import annotations

import math
from collections import defaultdict
from typing import Callable, Sequence

import numpy as np

__all__ = ["ctc_greedy_decode", "ctc_prefix_beam_search", "labels_to_words", "edit_distance", "word_error_rate"]

_NEG = -math.inf


def _lse(a: float, b: float) -> float:
    if a == _NEG:
        return b
    if b == _NEG:
        return a
    m = max(a, b)
    return m + math.log(math.exp(a - m) + math.exp(b - m))


def ctc_greedy_decode(log_probs: np.ndarray, blank: int = 0) -> list[int]:
    """Best-path labels of one utterance: argmax per frame of (T, C), repeats merged, blanks removed."""
    best = np.asarray(log_probs).argmax(-1)
    out, prev = [], None
    for c in best.tolist():
        if c != prev and c != blank:
            out.append(c)
        prev = c
    return out


def labels_to_words(labels: Sequence[int], symbols: Sequence[str], separator: str = "|") -> list[str]:
    """Spell label ids with ``symbols`` and split on the separator (empty words dropped)."""
    return [w for w in "".join(symbols[i] for i in labels).split(separator) if w]


def ctc_prefix_beam_search(log_probs: np.ndarray, symbols: Sequence[str], lexicon: Sequence[str] | None = None,
                           lm: Callable[[str, tuple[str, ...]], float] | None = None, alpha: float = 1.0,
                           beta: float = 0.0, beam: int = 8, blank: int = 0, separator: str = "|",
                           prune: float = -12.0) -> list[str]:
    """The best word sequence of one utterance by prefix beam search, optionally with a lexicon and an LM.

    Args:
        log_probs: (T, C) per-frame log-probabilities of one utterance (its valid frames).
        symbols: the symbol of each class (``symbols[blank]`` unused, ``separator`` between words).
        lexicon: the allowed words; a prefix must stay inside a word of the lexicon. Default: None (any).
        lm: ``lm(word, previous_words) -> probability`` (e.g. ``NGramLM.prob``); ``"</s>"`` is
            scored at the end. Default: None (no LM).
        alpha: LM weight. beta: bonus per word. beam: prefixes kept per frame.
        blank: the blank class. separator: the word-boundary symbol.
        prune: classes with ln p below this at a frame are not extended (speed only).

    Returns:
        The words of the best prefix.
    """
    prefixes = set()
    if lexicon is not None:
        prefixes = {w[:i] for w in lexicon for i in range(len(w) + 1)}
        words_ok = set(lexicon)
    sep = symbols.index(separator)

    def split(prefix: tuple) -> tuple[tuple[str, ...], str]:
        text = "".join(symbols[i] for i in prefix).split(separator)
        return tuple(w for w in text[:-1] if w), text[-1]

    lm_cache: dict[tuple, float] = {}

    def lm_score(words: tuple[str, ...], final: bool) -> float:
        key = words + (("</s>",) if final else ())
        if key not in lm_cache:
            score = 0.0
            if lm is not None:
                for i, w in enumerate(key):
                    score += alpha * math.log(max(lm(w, key[:i]), 1e-12))
            lm_cache[key] = score + beta * len(words)
        return lm_cache[key]

    def allowed(prefix: tuple, c: int) -> bool:
        words, partial = split(prefix)
        if c == sep:
            return partial != "" and (lexicon is None or partial in words_ok)
        return lexicon is None or partial + symbols[c] in prefixes

    lp = np.asarray(log_probs, dtype=np.float64)
    beams: dict[tuple, list[float]] = {(): [0.0, _NEG]}  # prefix → [ln p_b, ln p_nb]
    for t in range(lp.shape[0]):
        cands = [c for c in np.flatnonzero(lp[t] > prune).tolist()] or [int(lp[t].argmax())]
        nxt: dict[tuple, list[float]] = defaultdict(lambda: [_NEG, _NEG])
        for prefix, (pb, pnb) in beams.items():
            total = _lse(pb, pnb)
            for c in cands:
                p = lp[t, c]
                if c == blank:
                    nxt[prefix][0] = _lse(nxt[prefix][0], total + p)
                    continue
                last = prefix[-1] if prefix else None
                if c == last:  # "aa" needs a blank between; without one the frame extends the same label
                    nxt[prefix][1] = _lse(nxt[prefix][1], pnb + p)
                    if not allowed(prefix, c):
                        continue
                    ext = prefix + (c,)
                    nxt[ext][1] = _lse(nxt[ext][1], pb + p)
                    continue
                if not allowed(prefix, c):
                    continue
                ext = prefix + (c,)
                nxt[ext][1] = _lse(nxt[ext][1], total + p)

        def rank(item) -> float:
            prefix, (pb, pnb) = item
            return _lse(pb, pnb) + lm_score(split(prefix)[0], False)

        beams = dict(sorted(nxt.items(), key=rank, reverse=True)[:beam])

    best, best_score = (), _NEG
    for prefix, (pb, pnb) in beams.items():
        words, partial = split(prefix)
        if partial:
            if lexicon is not None and partial not in words_ok:
                continue
            words = words + (partial,)
        score = _lse(pb, pnb) + lm_score(words, True)
        if score > best_score:
            best, best_score = words, score
    return list(best)


def edit_distance(ref: Sequence, hyp: Sequence) -> int:
    """Levenshtein distance: the fewest substitutions, deletions and insertions turning ``ref`` into ``hyp``."""
    prev = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        cur = [i] + [0] * len(hyp)
        for j, h in enumerate(hyp, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (r != h))
        prev = cur
    return prev[-1]


def word_error_rate(refs: Sequence[Sequence[str]], hyps: Sequence[Sequence[str]]) -> float:
    """WER = Σ edit_distance(ref, hyp) / Σ |ref| over a corpus of word sequences."""
    if len(refs) != len(hyps):
        raise ValueError(f"word_error_rate: {len(refs)} references but {len(hyps)} hypotheses")
    words = sum(len(r) for r in refs)
    if words == 0:
        raise ValueError("word_error_rate: the references hold no words")
    return sum(edit_distance(r, h) for r, h in zip(refs, hyps)) / words
