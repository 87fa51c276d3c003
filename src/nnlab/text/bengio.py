"""Data and read-outs for a Bengio-style neural language model (Bengio et al., 2003).

The model predicts word t from the n words before it; its training examples are
sliding windows ``(w_{t−n}, …, w_{t−1}) → w_t`` over sentences, and the rows of its
embedding matrix C are the learned word vectors, compared by cosine similarity.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from nnlab.autograd.tensor import Tensor
from nnlab.data.vocab import Vocab

__all__ = ["ngram_windows", "cosine_similarity_matrix", "most_similar"]


def ngram_windows(sentences: Sequence[Sequence[int]], n: int, bos_index: int | None = None,
                  eos_index: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """contexts[m] = (w_{t−n}, …, w_{t−1}), targets[m] = w_t for every position t of every sentence.

    Args:
        sentences: token-index lists (one sentence each), or a single list for one stream.
        n: the context size.
        bos_index: when given, each sentence is left-padded with n of these so that its
            first word is a target too. Default: None (targets start at position n).
        eos_index: when given, appended to each sentence so the model learns to end it.
            Default: None.

    Returns:
        ``(contexts, targets)``: int64 arrays of shapes (M, n) and (M,).
    """
    if n < 1:
        raise ValueError(f"ngram_windows: context size n must be >= 1, got {n}")
    if len(sentences) and np.ndim(sentences[0]) == 0:
        sentences = [sentences]  # one stream of indices
    ctx, tgt = [], []
    for sent in sentences:
        ids = ([bos_index] * n if bos_index is not None else []) + [int(i) for i in sent]
        if eos_index is not None:
            ids.append(eos_index)
        arr = np.asarray(ids, dtype=np.int64)
        if len(arr) <= n:
            continue
        windows = np.lib.stride_tricks.sliding_window_view(arr, n + 1)
        ctx.append(windows[:, :n])
        tgt.append(windows[:, n])
    if not ctx:
        raise ValueError(f"ngram_windows: no sentence is longer than the context size n={n}")
    return np.ascontiguousarray(np.concatenate(ctx)), np.ascontiguousarray(np.concatenate(tgt))


def cosine_similarity_matrix(vectors: Any) -> np.ndarray:
    """S[i, j] = ⟨e_i, e_j⟩ / (‖e_i‖ ‖e_j‖) for the rows e_i of ``vectors`` (zero rows give 0).

    Shape:
        vectors: (V, D); output: (V, V), in the vectors' dtype.
    """
    E = np.asarray(vectors.array if isinstance(vectors, Tensor) else vectors)
    if E.ndim != 2:
        raise ValueError(f"cosine_similarity_matrix: expected (V, D) vectors, got shape {E.shape}")
    norms = np.linalg.norm(E, axis=1, keepdims=True)
    unit = E / np.where(norms > 0, norms, 1).astype(E.dtype)
    return unit @ unit.T


def most_similar(vectors: Any, vocab: Vocab, word: str, k: int = 5, skip_specials: bool = True) -> list[tuple[str, float]]:
    """The k words whose vectors have the highest cosine similarity to ``word``'s (itself excluded).

    Args:
        vectors: the embedding matrix, (V, D), row i for ``vocab.index_to_token(i)``.
        vocab: the vocabulary.
        word: the query word (must be in the vocabulary).
        k: how many neighbours. Default: 5.
        skip_specials: leave out ``<pad>``, ``<unk>``, ... Default: True.

    Returns:
        ``[(word, similarity), ...]``, most similar first.
    """
    if word not in vocab:
        raise KeyError(f"most_similar: {word!r} is not in the vocabulary")
    E = np.asarray(vectors.array if isinstance(vectors, Tensor) else vectors)
    if len(E) != len(vocab):
        raise ValueError(f"most_similar: {len(E)} vectors for a vocabulary of {len(vocab)} tokens")
    q = vocab.token_to_index(word)
    sims = cosine_similarity_matrix(E)[q]
    skip = {q} | ({vocab.token_to_index(s) for s in vocab.specials} if skip_specials else set())
    order = [int(i) for i in np.argsort(-sims, kind="stable") if int(i) not in skip]
    return [(vocab.index_to_token(i), float(sims[i])) for i in order[:k]]
