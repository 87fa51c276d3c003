"""FastText (Bojanowski et al., 2017): skip-gram over character n-grams, so any word has a vector.

A word w is represented by its own vector plus the vectors of its character n-grams
(3 ≤ n ≤ 6) of "<w>" (the angle brackets mark the word's start and end, so the suffix "ed>"
differs from the "ed" inside "bedroom"); n-grams are hashed (FNV-1a) into ``bucket`` rows:

    h_w = (z_w + Σ_{g ∈ G(w)} z_g) / (1 + |G(w)|),    loss = −log σ(u_oᵀ h_w) − Σ_k log σ(−u_kᵀ h_w).

Training is word2vec's skip-gram with negative sampling (:class:`~nnlab.text.word2vec.Word2Vec`)
with h_w in place of the word's single vector; every row of h_w receives the gradient of h_w,
as in the reference code. A word never seen in training still has n-grams, so it gets a
vector: "walking" unseen shares "<wa", "wal", "ing>", … with "walked" and "running".
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from nnlab.text.keyed_vectors import KeyedVectors
from nnlab.text.word2vec import Word2Vec

__all__ = ["FastText", "char_ngrams", "fnv1a"]


def fnv1a(text: str) -> int:
    """32-bit FNV-1a hash of the UTF-8 bytes (the hash fastText uses for n-gram buckets)."""
    h = 2166136261
    for b in text.encode("utf-8"):
        h = ((h ^ b) * 16777619) & 0xFFFFFFFF
    return h


def char_ngrams(word: str, min_n: int = 3, max_n: int = 6) -> list[str]:
    """The character n-grams (min_n ≤ n ≤ max_n) of "<word>", the whole "<word>" excluded."""
    w = f"<{word}>"
    return [w[i:i + n] for n in range(min_n, max_n + 1) for i in range(len(w) - n + 1) if w[i:i + n] != w]


class FastText(Word2Vec):
    """Skip-gram word vectors built from character n-grams; ``vector(word)`` works for unseen words.

    Args:
        sentences: token lists (trained at once when given).
        min_n, max_n: n-gram lengths (default 3 … 6). bucket: hashed n-gram rows (default 100,000).
        **kwargs: :class:`Word2Vec`'s (vector_size, window, min_count, negative, sample, epochs, lr, ...);
            skip-gram only.

    Attributes:
        wv: :class:`KeyedVectors` of the training words' composed vectors h_w (refreshed after training).
        input_rows: (V + bucket, D) word rows then n-gram rows; syn1neg: output vectors (V, D).
    """

    def __init__(self, sentences: Sequence[Sequence[str]] | None = None, min_n: int = 3, max_n: int = 6,
                 bucket: int = 100_000, **kwargs) -> None:
        if kwargs.get("sg", 1) != 1:
            raise ValueError("FastText: only skip-gram (sg=1) is implemented")
        if not 1 <= min_n <= max_n or bucket < 1:
            raise ValueError(f"FastText: need 1 <= min_n <= max_n and bucket >= 1, got {min_n}, {max_n}, {bucket}")
        self.min_n, self.max_n, self.bucket = int(min_n), int(max_n), int(bucket)
        super().__init__(sentences, **kwargs)

    def _subword_rows(self, word: str) -> list[int]:
        V = len(self.vocab)
        return [V + fnv1a(g) % self.bucket for g in char_ngrams(word, self.min_n, self.max_n)]

    def build_vocab(self, sentences: Sequence[Sequence[str]]) -> None:
        super().build_vocab(sentences)
        V, D = len(self.vocab), self.vector_size
        words = self.vocab.get_itos()
        rows = [[i] + self._subword_rows(w) for i, w in enumerate(words)]
        width = max(len(r) for r in rows)
        self.rows = np.zeros((V, width), dtype=np.int64)
        self.row_mask = np.zeros((V, width), dtype=bool)
        for i, r in enumerate(rows):
            self.rows[i, :len(r)] = r
            self.row_mask[i, :len(r)] = True
        self.input_rows = ((self.rng.random((V + self.bucket, D)) - 0.5) / D).astype(self.dtype)
        self.input_rows[:V] = self.wv.vectors

    def _step_skipgram(self, centers: np.ndarray, contexts: np.ndarray, neg: np.ndarray, lr: float) -> float:
        rows, mask = self.rows[centers], self.row_mask[centers]
        m = mask.astype(self.dtype)
        h = np.einsum("bw,bwd->bd", m, self.input_rows[rows]) / m.sum(1, keepdims=True)
        loss, g_h, g_pos, g_neg = self._ns_grads(h, contexts, neg)
        self._update_out(contexts, neg, g_pos, g_neg, lr)
        np.add.at(self.input_rows, rows[mask], np.repeat(-lr * g_h, mask.sum(1), axis=0).astype(self.dtype, copy=False))
        return loss

    def train(self, sentences: Sequence[Sequence[str]]) -> list[float]:
        losses = super().train(sentences)
        words = self.vocab.get_itos()
        self.wv = KeyedVectors(words, np.stack([self.vector(w) for w in words]))
        return losses

    def vector(self, word: str) -> np.ndarray:
        """h_w: the mean of the word's row (if it is in the vocabulary) and its n-gram rows."""
        rows = self._subword_rows(word)
        if word in self.vocab:
            rows = [self.vocab[word]] + rows
        if not rows:
            raise KeyError(f"FastText.vector: {word!r} is not in the vocabulary and has no {self.min_n}-grams")
        return self.input_rows[rows].mean(axis=0)
