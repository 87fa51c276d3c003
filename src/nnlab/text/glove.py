"""GloVe (Pennington et al., 2014): word vectors from a weighted least-squares fit to log co-occurrence counts.

    J = Σ_{i,j: X_ij > 0} f(X_ij) (w_iᵀ w̃_j + b_i + b̃_j − log X_ij)²,   f(x) = min(1, (x / x_max)^α)

X_ij sums 1/d over every occurrence of word j at distance d ≤ window from word i (both sides, so X
is symmetric). Training is AdaGrad on shuffled mini-batches of the nonzero entries; the word vectors
returned are W + W̃.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from nnlab.text.keyed_vectors import KeyedVectors
from nnlab.data.vocab import Vocab, index_stream

__all__ = ["GloVe", "cooccurrence", "glove_weight"]


def cooccurrence(ids: np.ndarray, sent: np.ndarray, vocab_size: int, window: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The nonzero entries (rows, cols, values) of X_ij = Σ 1/d over word pairs at distance d ≤ window.

    Args:
        ids: the token stream, (S,) word indices.
        sent: the sentence id of each token, (S,); pairs never cross sentences.
        vocab_size: V.
        window: the largest distance counted.

    Returns:
        int64 rows, int64 cols and float64 values, sorted by (row, col); X is symmetric.
    """
    if window < 1:
        raise ValueError(f"cooccurrence: window must be >= 1, got {window}")
    keys, weights = [], []
    for d in range(1, window + 1):  # one vectorized pass per distance
        i = np.arange(len(ids) - d)
        j = i + d
        same = sent[i] == sent[j]
        a, b = ids[i[same]], ids[j[same]]
        keys += [a * vocab_size + b, b * vocab_size + a]
        weights += [np.full(2 * len(a), 1.0 / d)]
    keys_all = np.concatenate(keys)
    uniq, inv = np.unique(keys_all, return_inverse=True)
    values = np.bincount(inv, weights=np.concatenate(weights), minlength=len(uniq))
    return uniq // vocab_size, uniq % vocab_size, values


def glove_weight(x: np.ndarray, x_max: float = 100.0, alpha: float = 0.75) -> np.ndarray:
    """f(x) = (x / x_max)^α for x < x_max, else 1."""
    return np.minimum(1.0, (np.asarray(x) / x_max) ** alpha)


class GloVe:
    """GloVe word vectors fitted by AdaGrad to the log co-occurrence counts of ``sentences``.

    Args:
        sentences: token lists. Default: None (call :meth:`fit` later).
        vector_size: D. Default: 50.
        window: co-occurrence window. Default: 5.
        min_count: drop words rarer than this. Default: 1.
        x_max: the count at which the weight f saturates. Default: 100.
        alpha: the exponent of f. Default: 0.75.
        epochs: passes over the nonzero entries. Default: 25.
        lr: AdaGrad learning rate. Default: 0.05.
        batch_size: nonzero entries per mini-batch. Default: 512.
        seed: seed of init and shuffling. Default: 0.
        dtype: vector dtype. Default: float32.

    Attributes:
        W, W_tilde: (V, D) word and context vectors, init U(−0.5/D, 0.5/D).
        b, b_tilde: (V,) biases, init 0.
        wv: :class:`KeyedVectors` of W + W̃ (after fitting).
        losses: the mean weighted squared error (½ f·diff²) of each epoch.
    """

    def __init__(self, sentences: Sequence[Sequence[str]] | None = None, vector_size: int = 50, window: int = 5,
                 min_count: int = 1, x_max: float = 100.0, alpha: float = 0.75, epochs: int = 25, lr: float = 0.05,
                 batch_size: int = 512, seed: int = 0, dtype=np.float32) -> None:
        for name, value in (("vector_size", vector_size), ("window", window), ("min_count", min_count),
                            ("epochs", epochs), ("batch_size", batch_size)):
            if int(value) < 1:
                raise ValueError(f"GloVe: {name} must be >= 1, got {value}")
        if x_max <= 0 or alpha <= 0 or lr <= 0:
            raise ValueError(f"GloVe: x_max, alpha and lr must be > 0, got {x_max}, {alpha}, {lr}")
        self.vector_size, self.window, self.min_count = int(vector_size), int(window), int(min_count)
        self.x_max, self.alpha, self.epochs, self.lr = float(x_max), float(alpha), int(epochs), float(lr)
        self.batch_size, self.seed, self.dtype = int(batch_size), int(seed), np.dtype(dtype)
        self.losses: list[float] = []
        if sentences is not None:
            self.fit(sentences)

    def fit(self, sentences: Sequence[Sequence[str]]) -> "GloVe":
        """Count co-occurrences in ``sentences`` and fit the vectors; returns self."""
        self.vocab = Vocab.build(sentences, min_freq=self.min_count, specials=(), unk_token=None)
        V, D = len(self.vocab), self.vector_size
        if V == 0:
            raise ValueError(f"GloVe: no word occurs at least min_count={self.min_count} times")
        ids, sent = index_stream(self.vocab, sentences)
        rows, cols, x = cooccurrence(ids, sent, V, self.window)
        if len(x) == 0:
            raise ValueError("GloVe: no two known words co-occur within the window")
        self.cooc = (rows, cols, x)
        rng = np.random.default_rng(self.seed)
        self.W = ((rng.random((V, D)) - 0.5) / D).astype(self.dtype)
        self.W_tilde = ((rng.random((V, D)) - 0.5) / D).astype(self.dtype)
        self.b = np.zeros(V, dtype=self.dtype)
        self.b_tilde = np.zeros(V, dtype=self.dtype)
        # AdaGrad accumulators start at 1, as in the reference implementation, so the first steps are lr-sized.
        self._G = [np.ones_like(p) for p in (self.W, self.W_tilde, self.b, self.b_tilde)]
        logx = np.log(x).astype(self.dtype)
        fx = glove_weight(x, self.x_max, self.alpha).astype(self.dtype)
        for _ in range(self.epochs):
            perm = rng.permutation(len(x))
            total = 0.0
            for start in range(0, len(perm), self.batch_size):
                e = perm[start:start + self.batch_size]
                total += self._step(rows[e], cols[e], logx[e], fx[e])
            self.losses.append(total / len(x))
        self.wv = KeyedVectors(self.vocab.get_itos(), self.W + self.W_tilde)
        return self

    def _step(self, i: np.ndarray, j: np.ndarray, logx: np.ndarray, fx: np.ndarray) -> float:
        """One AdaGrad step on a batch of entries; returns Σ ½ f·diff².

        With diff = w_iᵀw̃_j + b_i + b̃_j − log X_ij and g = f·diff: ∂/∂w_i = g w̃_j, ∂/∂w̃_j = g w_i,
        ∂/∂b_i = ∂/∂b̃_j = g (the ½ absorbs the square's 2). Repeated rows in a batch add up.
        """
        wi, wj = self.W[i], self.W_tilde[j]
        diff = np.einsum("bd,bd->b", wi, wj) + self.b[i] + self.b_tilde[j] - logx
        g = fx * diff
        updates = ((self.W, i, g[:, None] * wj), (self.W_tilde, j, g[:, None] * wi),
                   (self.b, i, g), (self.b_tilde, j, g))
        for (param, idx, grad), acc in zip(updates, self._G):
            touched, inv = np.unique(idx, return_inverse=True)
            summed = np.zeros((len(touched),) + param.shape[1:], dtype=self.dtype)
            np.add.at(summed, inv, grad)
            acc[touched] += summed * summed
            param[touched] -= self.lr * summed / np.sqrt(acc[touched])
        return float(0.5 * np.dot(g, diff))

    def __repr__(self) -> str:
        words = len(self.vocab) if hasattr(self, "vocab") else 0
        return f"GloVe(words={words}, vector_size={self.vector_size}, window={self.window})"
