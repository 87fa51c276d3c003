"""BLEU (Papineni et al., 2002): modified n-gram precision with a brevity penalty, over a corpus.

    BLEU = BP · exp(Σ_{n=1..N} (1/N) log p_n),   BP = min(1, exp(1 − r/c)),

where p_n = Σ clipped n-gram matches / Σ hypothesis n-grams over the corpus (each
hypothesis n-gram counted at most as often as in its reference), c the hypotheses' total
length and r the references' (one reference per hypothesis here). With ``smooth`` a zero
count becomes ε = 0.1 (Chen & Cherry's method 1), so a short corpus still scores. An order n
longer than every hypothesis (no n-grams at all) is left out of the mean, so a corpus of
three-word captions is scored on n ≤ 3.
"""

from __future__ import annotations

import math
from collections import Counter
from typing import Sequence

__all__ = ["corpus_bleu"]


def _ngrams(words: Sequence[str], n: int) -> Counter:
    return Counter(tuple(words[i:i + n]) for i in range(len(words) - n + 1))


def corpus_bleu(references: Sequence[Sequence[str]], hypotheses: Sequence[Sequence[str]], max_n: int = 4,
                smooth: bool = True) -> float:
    """Corpus BLEU-``max_n`` of token lists against one reference each, in [0, 1]."""
    if len(references) != len(hypotheses) or not references:
        raise ValueError(f"corpus_bleu: need as many references as hypotheses (> 0), got {len(references)} "
                         f"and {len(hypotheses)}")
    logs = []
    for n in range(1, max_n + 1):
        match = total = 0
        for ref, hyp in zip(references, hypotheses):
            h, r = _ngrams(hyp, n), _ngrams(ref, n)
            match += sum(min(c, r[g]) for g, c in h.items())
            total += sum(h.values())
        if total == 0:
            break  # no hypothesis has n words: this and the higher orders do not apply
        if match == 0:
            if not smooth:
                return 0.0
            match = 0.1
        logs.append(math.log(match / total))
    if not logs:
        return 0.0
    c = sum(len(h) for h in hypotheses)
    r = sum(len(x) for x in references)
    bp = 1.0 if c > r else math.exp(1 - r / max(c, 1))
    return bp * math.exp(sum(logs) / len(logs))
