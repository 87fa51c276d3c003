"""Count-based n-gram language models with add-k and interpolated Kneser–Ney smoothing.

p(w_t | w_{t−n+1} … w_{t−1}) estimated from counts. Unsmoothed, any n-gram unseen in training
gets probability 0 and the perplexity is infinite; smoothing moves mass to the unseen:

- **add-k** (Laplace for k = 1): p(w | h) = (c(h w) + k) / (c(h) + k·V);
- **interpolated Kneser–Ney** (Chen & Goodman, 1998): subtract a discount D from every seen
  count and give the freed mass to the next lower order,
  p(w | h) = max(c(h w) − D, 0) / c(h) + D · N₁₊(h •) / c(h) · p(w | h′),
  where h′ drops the oldest token and the lower orders count *continuations*: c(h′ w) is
  replaced by N₁₊(• h′ w), the number of distinct tokens seen before h′ w ("Francisco" is
  frequent but follows only "San", so it is a poor guess after a new word). The chain ends
  in the uniform 1/V. D per order is Ney's estimate n₁ / (n₁ + 2·n₂) from the counts of
  counts. A context never seen in training passes all its mass to the lower order.

Tokens are any hashable items (characters, words); a vocabulary is built from the training
tokens plus ``<unk>``, to which unseen test tokens map.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from typing import Hashable, Iterable, Sequence

__all__ = ["NGramLM", "EOS"]

_BOS = "<s>"
_UNK = "<unk>"
#: the end-of-sentence token :meth:`NGramLM.fit_sentences` appends (score a finished sentence with it).
EOS = "</s>"


class NGramLM:
    """An order-n count model, ``smoothing="kneser_ney"`` (default) or ``"add_k"``.

    Args:
        n: the order (context of n − 1 tokens). Default: 3.
        smoothing: ``"kneser_ney"`` (interpolated) or ``"add_k"``.
        k: the pseudo-count of add-k. Default: 1.0.
        discount: a fixed Kneser–Ney discount D in (0, 1) for every order; default None
            (Ney's n₁ / (n₁ + 2·n₂) per order).

    Attributes:
        vocab: the training tokens plus ``<unk>`` (V = len(vocab); ``<s>`` pads the start and is never predicted).
        counts: per order m = 1 … n, ``{context: Counter(next token → count)}``.
        discounts: D per order (Kneser–Ney).
    """

    def __init__(self, n: int = 3, smoothing: str = "kneser_ney", k: float = 1.0, discount: float | None = None):
        if n < 1:
            raise ValueError(f"NGramLM: n must be >= 1, got {n}")
        if smoothing not in ("kneser_ney", "add_k"):
            raise ValueError(f"NGramLM: smoothing must be 'kneser_ney' or 'add_k', got {smoothing!r}")
        if k <= 0:
            raise ValueError(f"NGramLM: k must be > 0, got {k}")
        if discount is not None and not 0 < discount < 1:
            raise ValueError(f"NGramLM: discount must lie in (0, 1), got {discount}")
        self.n, self.smoothing, self.k, self.fixed_discount = int(n), smoothing, float(k), discount
        self.vocab: set = set()
        self.counts: dict[int, dict[tuple, Counter]] = {}
        self.discounts: dict[int, float] = {}

    # ---- training -------------------------------------------------------------------------------
    def fit(self, tokens: Sequence[Hashable]) -> "NGramLM":
        """Count every m-gram (m ≤ n) of ``tokens`` (one stream, padded with n − 1 ``<s>``); returns self."""
        return self._fit_streams([list(tokens)])

    def fit_sentences(self, sentences: Iterable[Sequence[Hashable]]) -> "NGramLM":
        """Count m-grams of each sentence, each padded with ``<s>`` and closed by ``</s>`` (see :data:`EOS`)."""
        return self._fit_streams([list(s) + [EOS] for s in sentences])

    def _fit_streams(self, streams: list[list]) -> "NGramLM":
        if not any(streams):
            raise ValueError("NGramLM.fit: no training tokens")
        self.vocab = {w for toks in streams for w in toks} | {_UNK}
        self.counts = {m: defaultdict(Counter) for m in range(1, self.n + 1)}
        for toks in streams:
            stream = [_BOS] * (self.n - 1) + toks
            for i in range(self.n - 1, len(stream)):
                w = stream[i]
                for m in range(1, self.n + 1):
                    self.counts[m][tuple(stream[i - m + 1:i])][w] += 1
        if self.smoothing == "kneser_ney":
            self._fit_kneser_ney()
        return self

    def _fit_kneser_ney(self) -> None:
        # continuation counts of order m < n: N₁₊(• h′ w) = distinct left extensions of the m-gram h′ w
        self.cont: dict[int, dict[tuple, Counter]] = {self.n: self.counts[self.n]}
        for m in range(self.n - 1, 0, -1):
            cont: dict[tuple, Counter] = defaultdict(Counter)
            for ctx, nexts in self.counts[m + 1].items():
                for w in nexts:
                    cont[ctx[1:]][w] += 1
            self.cont[m] = cont
        # per context: the total and the number of distinct followers, for the interpolation weight
        self.totals = {m: {h: sum(c.values()) for h, c in table.items()} for m, table in self.cont.items()}
        self.types = {m: {h: len(c) for h, c in table.items()} for m, table in self.cont.items()}
        for m, table in self.cont.items():
            if self.fixed_discount is not None:
                self.discounts[m] = self.fixed_discount
                continue
            hist = Counter(v for c in table.values() for v in c.values())
            n1, n2 = hist.get(1, 0), hist.get(2, 0)
            self.discounts[m] = n1 / (n1 + 2 * n2) if n1 + n2 > 0 else 0.5

    # ---- probabilities --------------------------------------------------------------------------
    def _map(self, w: Hashable) -> Hashable:
        return w if w in self.vocab else _UNK

    def prob(self, token: Hashable, context: Sequence[Hashable] = ()) -> float:
        """p(token | the last n − 1 tokens of ``context``), context padded with ``<s>`` on the left."""
        if not self.counts:
            raise RuntimeError("NGramLM.prob: call fit(tokens) first")
        ctx = [_BOS] * (self.n - 1) + [self._map(t) if t != _BOS else t for t in context]
        h = tuple(ctx[len(ctx) - (self.n - 1):]) if self.n > 1 else ()
        w = self._map(token)
        if self.smoothing == "add_k":
            nexts = self.counts[self.n].get(h)
            c_hw, c_h = (nexts[w], sum(nexts.values())) if nexts else (0, 0)
            return (c_hw + self.k) / (c_h + self.k * len(self.vocab))
        return self._kn(w, h)

    def _kn(self, w: Hashable, h: tuple) -> float:
        p = 1.0 / len(self.vocab)  # order 0: uniform
        for m in range(1, self.n + 1):  # from unigrams up to the full context, each interpolating the last
            ctx = h[len(h) - (m - 1):] if m > 1 else ()
            total = self.totals[m].get(ctx, 0)
            if total == 0:
                continue  # unseen context: all its mass to the lower order
            d = self.discounts[m]
            c = self.cont[m][ctx][w]
            p = max(c - d, 0.0) / total + d * self.types[m][ctx] / total * p
        return p

    def perplexity(self, tokens: Iterable[Hashable]) -> float:
        """exp(−(1/T) Σ_t ln p(w_t | the n − 1 tokens before it)) over ``tokens`` (a fresh stream)."""
        toks = list(tokens)
        if not toks:
            raise ValueError("NGramLM.perplexity: no tokens")
        nll = 0.0
        history: list = []
        for w in toks:
            nll -= math.log(self.prob(w, history[-(self.n - 1):] if self.n > 1 else ()))
            history.append(w)
        return math.exp(nll / len(toks))
