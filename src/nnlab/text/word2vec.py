"""word2vec (Mikolov et al., 2013): skip-gram and CBOW with negative sampling, trained with vectorized NumPy SGD.

Skip-gram maximizes, for each (center c, context o) pair within a window and K negatives n_k drawn
from the unigram distribution raised to 3/4,

    log σ(u_oᵀ v_c) + Σ_k log σ(−u_{n_k}ᵀ v_c),

with v = input vectors (``W_in``, the word vectors) and u = output vectors (``W_out``). CBOW does the
same with v_c replaced by h = mean of the context words' input vectors, predicting the center.
Frequent words are subsampled: a word of corpus frequency f is kept with probability
(√(f/t) + 1)·t/f (t = ``sample``), as in the reference C code. Training runs over mini-batches of
index arrays; the sparse row updates are scattered with ``np.add.at`` (repeated rows add up, as
Hogwild SGD would), and the learning rate decays linearly to ``min_lr``.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from nnlab.text.keyed_vectors import KeyedVectors
from nnlab.data.vocab import Vocab, index_stream

__all__ = ["Word2Vec", "subsample_keep_prob", "unigram_table", "skipgram_pairs", "cbow_windows"]


def subsample_keep_prob(counts: np.ndarray, sample: float) -> np.ndarray:
    """P(keep w) = min(1, (√(f_w/t) + 1) · t/f_w) with f_w = count_w / Σ count (1 everywhere when t = 0)."""
    counts = np.asarray(counts, dtype=np.float64)
    if sample <= 0:
        return np.ones_like(counts)
    f = counts / counts.sum()
    return np.minimum(1.0, (np.sqrt(f / sample) + 1.0) * sample / np.maximum(f, 1e-300))


def unigram_table(counts: np.ndarray, power: float = 0.75) -> np.ndarray:
    """The cumulative distribution of P(w) ∝ count_w^power, for sampling negatives by ``searchsorted``."""
    p = np.asarray(counts, dtype=np.float64) ** power
    cdf = np.cumsum(p / p.sum())
    cdf[-1] = 1.0
    return cdf


def _positions(ids: np.ndarray, sent: np.ndarray, window: int, rng: np.random.Generator):
    """(center position, context position) pairs: |offset| ≤ b_center (b ~ U{1..window}), same sentence."""
    reach = rng.integers(1, window + 1, size=len(ids))
    n = len(ids)
    centers, contexts = [], []
    for d in range(1, window + 1):  # a loop over offsets, not over pairs
        i = np.arange(n - d)
        j = i + d
        same = sent[i] == sent[j]
        fwd = same & (reach[i] >= d)
        bwd = same & (reach[j] >= d)
        centers += [i[fwd], j[bwd]]
        contexts += [j[fwd], i[bwd]]
    return np.concatenate(centers), np.concatenate(contexts)


def skipgram_pairs(ids: np.ndarray, sent: np.ndarray, window: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(center word, context word) index pairs of a token stream ``ids`` with sentence ids ``sent``."""
    c, o = _positions(ids, sent, window, rng)
    return ids[c], ids[o]


def cbow_windows(ids: np.ndarray, sent: np.ndarray, window: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(centers (M,), contexts (M, 2·window), mask (M, 2·window)) for every position with a context."""
    c, o = _positions(ids, sent, window, rng)
    order = np.argsort(c, kind="stable")
    c, o = c[order], o[order]
    uniq, start, count = np.unique(c, return_index=True, return_counts=True)
    slot = np.arange(len(c)) - np.repeat(start, count)
    ctx = np.zeros((len(uniq), 2 * window), dtype=np.int64)
    mask = np.zeros((len(uniq), 2 * window), dtype=bool)
    row = np.repeat(np.arange(len(uniq)), count)
    ctx[row, slot] = ids[o]
    mask[row, slot] = True
    return ids[uniq], ctx, mask


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (np.tanh(0.5 * x) + 1.0)  # no overflow for large |x|


class Word2Vec:
    """Word vectors from skip-gram (``sg=1``) or CBOW (``sg=0``) with negative sampling.

    Args:
        sentences: token lists. Default: None (call :meth:`train` later with sentences).
        vector_size: D. Default: 100.
        window: the largest context offset; each center draws its own reach in 1..window. Default: 5.
        min_count: drop words rarer than this. Default: 5.
        sg: 1 for skip-gram, 0 for CBOW. Default: 1.
        negative: K, negatives per positive. Default: 5.
        sample: subsampling threshold t (0 disables it). Default: 1e-3.
        epochs: passes over the corpus. Default: 5.
        lr: initial learning rate, decayed linearly to ``min_lr``. Default: 0.025.
        min_lr: final learning rate. Default: 1e-4.
        batch_size: positives per mini-batch. Default: 1024.
        seed: seed of init, subsampling, windows and negatives. Default: 0.
        dtype: vector dtype. Default: float32.

    Attributes:
        wv: the :class:`KeyedVectors` of the input vectors W_in (V, D), init U(−0.5/D, 0.5/D).
        syn1neg: the output vectors W_out (V, D), init 0.
        vocab: the :class:`Vocab` (no specials), words by decreasing count.
        losses: the mean negative-sampling loss of each epoch.
    """

    def __init__(self, sentences: Sequence[Sequence[str]] | None = None, vector_size: int = 100, window: int = 5,
                 min_count: int = 5, sg: int = 1, negative: int = 5, sample: float = 1e-3, epochs: int = 5,
                 lr: float = 0.025, min_lr: float = 1e-4, batch_size: int = 1024, seed: int = 0,
                 dtype=np.float32) -> None:
        for name, value in (("vector_size", vector_size), ("window", window), ("min_count", min_count),
                            ("negative", negative), ("epochs", epochs), ("batch_size", batch_size)):
            if int(value) < 1:
                raise ValueError(f"Word2Vec: {name} must be >= 1, got {value}")
        if sg not in (0, 1):
            raise ValueError(f"Word2Vec: sg must be 1 (skip-gram) or 0 (CBOW), got {sg}")
        if sample < 0 or lr <= 0 or min_lr < 0:
            raise ValueError(f"Word2Vec: need sample >= 0, lr > 0, min_lr >= 0; got {sample}, {lr}, {min_lr}")
        self.vector_size, self.window, self.min_count = int(vector_size), int(window), int(min_count)
        self.sg, self.negative, self.sample, self.epochs = int(sg), int(negative), float(sample), int(epochs)
        self.lr, self.min_lr, self.batch_size, self.seed = float(lr), float(min_lr), int(batch_size), int(seed)
        self.dtype = np.dtype(dtype)
        self.losses: list[float] = []
        if sentences is not None:
            self.build_vocab(sentences)
            self.train(sentences)

    def build_vocab(self, sentences: Sequence[Sequence[str]]) -> None:
        """Count words, keep those seen ``min_count`` times, and initialize both vector sets."""
        self.vocab = Vocab.build(sentences, min_freq=self.min_count, specials=(), unk_token=None)
        if len(self.vocab) == 0:
            raise ValueError(f"Word2Vec: no word occurs at least min_count={self.min_count} times")
        self.counts = np.asarray(self.vocab.counts, dtype=np.int64)
        self.rng = np.random.default_rng(self.seed)
        V, D = len(self.vocab), self.vector_size
        W_in = ((self.rng.random((V, D)) - 0.5) / D).astype(self.dtype)
        self.syn1neg = np.zeros((V, D), dtype=self.dtype)
        self.wv = KeyedVectors(self.vocab.get_itos(), W_in)

    def train(self, sentences: Sequence[Sequence[str]]) -> list[float]:
        """Run ``epochs`` passes of SGD over ``sentences``; returns (and appends to ``losses``) the epoch losses."""
        if not hasattr(self, "wv"):
            self.build_vocab(sentences)
        ids, sent = index_stream(self.vocab, sentences)
        if len(ids) < 2:
            raise ValueError("Word2Vec.train: the sentences hold fewer than 2 known words")
        keep_p = subsample_keep_prob(self.counts, self.sample)
        cdf = unigram_table(self.counts)
        # The lr schedule needs the total number of batches up front; estimate it from the expected
        # number of kept tokens (each kept center has about `window` positives on average).
        expected = keep_p[ids].sum() * (self.window + 1 if self.sg else 1)
        total_steps = max(1, int(np.ceil(expected / self.batch_size)) * self.epochs)
        step, epoch_losses = 0, []
        for _ in range(self.epochs):
            keep = self.rng.random(len(ids)) < keep_p[ids]
            k_ids, k_sent = ids[keep], sent[keep]
            if self.sg:
                centers, contexts = skipgram_pairs(k_ids, k_sent, self.window, self.rng)
                data = (centers, contexts)
            else:
                data = cbow_windows(k_ids, k_sent, self.window, self.rng)
            perm = self.rng.permutation(len(data[0]))
            total, seen = 0.0, 0
            for start in range(0, len(perm), self.batch_size):
                b = perm[start:start + self.batch_size]
                lr = max(self.min_lr, self.lr - (self.lr - self.min_lr) * step / total_steps)
                neg = np.searchsorted(cdf, self.rng.random((len(b), self.negative)), side="right")
                neg = np.minimum(neg, len(cdf) - 1)
                if self.sg:
                    loss = self._step_skipgram(data[0][b], data[1][b], neg, lr)
                else:
                    loss = self._step_cbow(data[0][b], data[1][b], data[2][b], neg, lr)
                total += loss
                seen += len(b)
                step += 1
            epoch_losses.append(total / max(seen, 1))
        self.wv._unit = None  # the vectors changed in place
        self.losses += epoch_losses
        return epoch_losses

    def _ns_grads(self, h: np.ndarray, target: np.ndarray, neg: np.ndarray):
        """Negative-sampling loss and gradients for hidden vectors h (B, D) and output rows target (B,), neg (B, K).

        With s⁺ = σ(u_oᵀh), s⁻_k = σ(u_kᵀh): ∂/∂h = (s⁺ − 1) u_o + Σ_k s⁻_k u_k,
        ∂/∂u_o = (s⁺ − 1) h, ∂/∂u_k = s⁻_k h.
        """
        W_out = self.syn1neg
        u_pos, u_neg = W_out[target], W_out[neg]
        s_pos = _sigmoid(np.einsum("bd,bd->b", h, u_pos))
        s_neg = _sigmoid(np.einsum("bd,bkd->bk", h, u_neg))
        eps = np.finfo(self.dtype).tiny
        loss = -(np.log(s_pos + eps).sum() + np.log(1.0 - s_neg + eps).sum())
        g_pos = (s_pos - 1.0)[:, None]
        g_h = g_pos * u_pos + np.einsum("bk,bkd->bd", s_neg, u_neg)
        return float(loss), g_h, g_pos * h, s_neg[:, :, None] * h[:, None, :]

    def _update_out(self, target: np.ndarray, neg: np.ndarray, g_pos: np.ndarray, g_neg: np.ndarray, lr: float) -> None:
        rows = np.concatenate([target, neg.ravel()])
        grads = np.concatenate([g_pos, g_neg.reshape(-1, g_neg.shape[-1])])
        np.add.at(self.syn1neg, rows, (-lr * grads).astype(self.dtype, copy=False))

    def _step_skipgram(self, centers: np.ndarray, contexts: np.ndarray, neg: np.ndarray, lr: float) -> float:
        W_in = self.wv.vectors
        loss, g_h, g_pos, g_neg = self._ns_grads(W_in[centers], contexts, neg)
        self._update_out(contexts, neg, g_pos, g_neg, lr)
        np.add.at(W_in, centers, (-lr * g_h).astype(self.dtype, copy=False))
        return loss

    def _step_cbow(self, centers: np.ndarray, ctx: np.ndarray, mask: np.ndarray, neg: np.ndarray, lr: float) -> float:
        W_in = self.wv.vectors
        m = mask.astype(self.dtype)
        n_ctx = m.sum(axis=1, keepdims=True)
        h = np.einsum("bw,bwd->bd", m, W_in[ctx]) / n_ctx
        loss, g_h, g_pos, g_neg = self._ns_grads(h, centers, neg)
        self._update_out(centers, neg, g_pos, g_neg, lr)
        # As in the reference code, each context word gets the whole ∂/∂h (not divided by the count).
        np.add.at(W_in, ctx[mask], np.repeat(-lr * g_h, mask.sum(axis=1), axis=0).astype(self.dtype, copy=False))
        return loss

    def __repr__(self) -> str:
        kind = "skip-gram" if self.sg else "CBOW"
        words = len(self.vocab) if hasattr(self, "vocab") else 0
        return f"Word2Vec({kind}, words={words}, vector_size={self.vector_size}, window={self.window})"
