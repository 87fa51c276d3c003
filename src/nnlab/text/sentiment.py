"""Sentiment classification: a seeded synthetic review corpus whose labels depend on word order, and the
seeds' two classifiers (averaged word vectors → softmax; word vectors → LSTM → softmax).

The corpus mixes three kinds of sentence:

- ``plain``: "the food was delicious" — the label is the adjective's polarity;
- ``negated``: "the food was not good", "the service was not bad", "completely lacking in good
  taste, good service and good ambiance" — negation flips the polarity;
- ``contrast``: "slow, but the acting was phenomenal" — the clause after "but" decides.

A bag of words cannot solve ``negated``: "not good" is negative and "not bad" positive, while plain
"good" is positive and "bad" negative, an XOR that no linear function of the averaged vectors
separates; and "good, but … bad" holds the same words as "bad, but … good". An LSTM reads the order.

The two classifiers live in :mod:`nnlab.models.sequence.sentiment` (re-exported here).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from nnlab.autograd.tensor import Tensor
from nnlab.models.sequence.sentiment import (AveragedEmbeddingClassifier, build_average_classifier,
                                             build_lstm_classifier)
from nnlab.ops.creation import from_numpy
from nnlab.text.batching import pad_sequences
from nnlab.data.vocab import Vocab

__all__ = ["POSITIVE_WORDS", "NEGATIVE_WORDS", "SentimentCorpus", "make_sentiment_corpus",
           "AveragedEmbeddingClassifier", "build_average_classifier", "build_lstm_classifier", "label_name"]

POSITIVE_WORDS = ("good", "great", "excellent", "phenomenal", "delicious", "wonderful")
NEGATIVE_WORDS = ("bad", "terrible", "awful", "slow", "bland", "boring")
_ASPECTS = ("food", "service", "acting", "plot", "ambiance", "music", "staff", "taste")
_NEGATORS = ("not", "never")
_INTENSIFIERS = ("", "", "really", "truly", "quite")
_LABELS = {1: "positive", 0: "negative"}


class SentimentCorpus(NamedTuple):
    """texts: token lists; labels: int64 (N,), 1 = positive; kinds: 'plain' / 'negated' / 'contrast' per text."""

    texts: list[list[str]]
    labels: np.ndarray
    kinds: list[str]

    def encode(self, vocab: Vocab) -> tuple[Tensor, Tensor, Tensor]:
        """(padded token indices (N, L), lengths (N,), labels (N,)) with ``vocab``'s padding index."""
        x, lengths = pad_sequences([vocab.encode(t) for t in self.texts], pad_index=vocab.pad_index or 0)
        return x, lengths, from_numpy(self.labels.copy())


def _clause(rng: np.random.Generator, polarity: int, negate: bool) -> list[str]:
    """"the <aspect> was [not] [really] <adjective>" with the adjective's polarity chosen so the clause has ``polarity``."""
    adj_pol = 1 - polarity if negate else polarity
    adj = str(rng.choice(POSITIVE_WORDS if adj_pol else NEGATIVE_WORDS))
    words = ["the", str(rng.choice(_ASPECTS)), "was"]
    if negate:
        words.append(str(rng.choice(_NEGATORS)))
    intensifier = str(rng.choice(_INTENSIFIERS))
    return words + ([intensifier] if intensifier else []) + [adj]


def _lacking(rng: np.random.Generator, polarity: int) -> list[str]:
    """"completely lacking in good taste, good service and good ambiance" (negative) or "full of ..." (positive)."""
    aspects = rng.choice(_ASPECTS, size=3, replace=False)
    adjs = rng.choice(POSITIVE_WORDS, size=3)
    head = ["full", "of"] if polarity else ["completely", "lacking", "in"]
    return head + [str(adjs[0]), str(aspects[0]), ",", str(adjs[1]), str(aspects[1]), "and", str(adjs[2]), str(aspects[2])]


def make_sentiment_corpus(num_reviews: int = 2000, seed: int = 0, negated_frac: float = 0.35,
                          contrast_frac: float = 0.25) -> SentimentCorpus:
    """A balanced synthetic review corpus; labels depend on negation and on the order of contrasted clauses.

    Args:
        num_reviews: N. Default: 2000.
        seed: the generator seed; same seed, same corpus. Default: 0.
        negated_frac: the share of ``negated`` reviews (one in five of them the "lacking in" /
            "full of" form). Default: 0.35.
        contrast_frac: the share of ``contrast`` reviews ("<adj>, but <clause>", the first part
            of the opposite polarity). Default: 0.25.

    Returns:
        A :class:`SentimentCorpus`.
    """
    if num_reviews < 1:
        raise ValueError(f"make_sentiment_corpus: num_reviews must be >= 1, got {num_reviews}")
    if negated_frac < 0 or contrast_frac < 0 or negated_frac + contrast_frac > 1:
        raise ValueError(f"make_sentiment_corpus: need fractions >= 0 summing to <= 1, got negated_frac={negated_frac}, "
                         f"contrast_frac={contrast_frac}")
    rng = np.random.default_rng(seed)
    texts, labels, kinds = [], [], []
    for _ in range(num_reviews):
        polarity = int(rng.integers(2))
        u = rng.random()
        if u < negated_frac:
            kind = "negated"
            words = _lacking(rng, polarity) if rng.random() < 0.2 else _clause(rng, polarity, negate=True)
        elif u < negated_frac + contrast_frac:
            kind = "contrast"
            first = str(rng.choice(NEGATIVE_WORDS if polarity else POSITIVE_WORDS))
            words = [first, ",", "but"] + _clause(rng, polarity, negate=False)
        else:
            kind = "plain"
            words = _clause(rng, polarity, negate=False)
        texts.append(words)
        labels.append(polarity)
        kinds.append(kind)
    return SentimentCorpus(texts, np.asarray(labels, dtype=np.int64), kinds)


def label_name(label: int) -> str:
    """'positive' for 1, 'negative' for 0."""
    return _LABELS[int(label)]
