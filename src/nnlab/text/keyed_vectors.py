"""``KeyedVectors``: word → vector lookup with cosine neighbours, analogies, persistence and a PCA plot.

The analogy solver is 3CosAdd (Mikolov et al., 2013): for a : b :: c : ?, the answer is the word d,
other than a, b and c, whose unit vector has the largest cosine with  b̂ − â + ĉ.
"""

from __future__ import annotations

import os
from typing import Iterable, Sequence

import numpy as np

from nnlab.io.serialization import load, save
from nnlab.train.plots import save_figure

__all__ = ["KeyedVectors"]

_FORMAT = "nnlab.KeyedVectors"


def _as_list(words: str | Iterable[str] | None) -> list[str]:
    if words is None:
        return []
    return [words] if isinstance(words, str) else list(words)


class KeyedVectors:
    """vectors[key_to_index[w]] is the vector of word w (gensim's ``KeyedVectors`` in spirit).

    Args:
        index_to_key: the words, row i ↔ ``index_to_key[i]``; unique.
        vectors: the (V, D) matrix; kept in its floating dtype (float32 by default).

    Attributes:
        vectors: (V, D) array. key_to_index: word → row. vector_size: D.
    """

    def __init__(self, index_to_key: Sequence[str], vectors: np.ndarray) -> None:
        vectors = np.asarray(vectors)
        if vectors.ndim != 2 or vectors.dtype.kind != "f":
            raise ValueError(f"KeyedVectors: vectors must be a 2-D float array, got shape {vectors.shape} "
                             f"dtype {vectors.dtype}")
        if len(index_to_key) != len(vectors):
            raise ValueError(f"KeyedVectors: {len(index_to_key)} keys for {len(vectors)} vectors")
        self.index_to_key = [str(k) for k in index_to_key]
        self.key_to_index = {k: i for i, k in enumerate(self.index_to_key)}
        if len(self.key_to_index) != len(self.index_to_key):
            raise ValueError("KeyedVectors: the keys are not unique")
        self.vectors = vectors
        self._unit: np.ndarray | None = None

    # ---- lookups -------------------------------------------------------------------------------------
    @property
    def vector_size(self) -> int:
        return int(self.vectors.shape[1])

    def __len__(self) -> int:
        return len(self.index_to_key)

    def __contains__(self, key: object) -> bool:
        return key in self.key_to_index

    def index(self, key: str) -> int:
        """The row of ``key`` (KeyError naming the word when it is unknown)."""
        try:
            return self.key_to_index[key]
        except KeyError:
            raise KeyError(f"KeyedVectors: word {key!r} is not in the vocabulary of {len(self)} words") from None

    def __getitem__(self, key: str) -> np.ndarray:
        return self.vectors[self.index(key)]

    def get_vector(self, key: str, norm: bool = False) -> np.ndarray:
        """The vector of ``key``; its unit-length version when ``norm``."""
        return (self.unit_vectors if norm else self.vectors)[self.index(key)]

    @property
    def unit_vectors(self) -> np.ndarray:
        """v_i / ‖v_i‖ for every row (zero rows stay zero); cached until ``vectors`` is replaced."""
        if self._unit is None or self._unit.shape != self.vectors.shape:
            norms = np.linalg.norm(self.vectors, axis=1, keepdims=True)
            self._unit = self.vectors / np.where(norms > 0, norms, 1).astype(self.vectors.dtype)
        return self._unit

    def similarity(self, w1: str, w2: str) -> float:
        """cos(v_{w1}, v_{w2})."""
        return float(self.get_vector(w1, norm=True) @ self.get_vector(w2, norm=True))

    def most_similar(self, positive: str | Iterable[str] | None = None, negative: str | Iterable[str] | None = None,
                     topn: int = 10) -> list[tuple[str, float]]:
        """The ``topn`` words w maximizing cos(v̂_w, Σ_pos v̂ − Σ_neg v̂), the query words excluded.

        Args:
            positive: words added (a single word gives its nearest neighbours). Default: None.
            negative: words subtracted. Default: None.
            topn: how many results. Default: 10.

        Returns:
            ``[(word, cosine), ...]``, best first.
        """
        pos, neg = _as_list(positive), _as_list(negative)
        if not pos and not neg:
            raise ValueError("most_similar: give at least one positive or negative word")
        unit = self.unit_vectors
        query = np.zeros(self.vector_size, dtype=self.vectors.dtype)
        for w in pos:
            query += unit[self.index(w)]
        for w in neg:
            query -= unit[self.index(w)]
        qn = np.linalg.norm(query)
        sims = unit @ (query / qn if qn > 0 else query)
        sims[[self.key_to_index[w] for w in pos + neg]] = -np.inf
        k = min(int(topn), len(self) - len(set(pos + neg)))
        order = np.argsort(-sims, kind="stable")[:max(k, 0)]
        return [(self.index_to_key[i], float(sims[i])) for i in order]

    def analogy(self, a: str, b: str, c: str, topn: int = 1) -> list[tuple[str, float]]:
        """a : b :: c : ? — the words nearest to b − a + c (3CosAdd), excluding a, b and c."""
        return self.most_similar(positive=[b, c], negative=[a], topn=topn)

    def evaluate_analogies(self, questions: Iterable[Sequence[str]]) -> float:
        """The fraction of questions (a, b, c, d) whose top analogy answer is d.

        Questions with a word outside the vocabulary count as wrong (they are not skipped), so a
        small vocabulary cannot inflate the score.
        """
        questions = [tuple(q) for q in questions]
        if not questions:
            raise ValueError("evaluate_analogies: got no questions")
        bad = [q for q in questions if len(q) != 4]
        if bad:
            raise ValueError(f"evaluate_analogies: each question must be (a, b, c, d), got {bad[0]!r}")
        known = [q for q in questions if all(w in self.key_to_index for w in q)]
        if not known:
            return 0.0
        unit = self.unit_vectors
        idx = np.array([[self.key_to_index[w] for w in q] for q in known], dtype=np.int64)
        # All questions at once: one (Q, V) score matrix, query words masked out.
        query = unit[idx[:, 1]] - unit[idx[:, 0]] + unit[idx[:, 2]]
        scores = query @ unit.T
        rows = np.arange(len(idx))[:, None]
        scores[rows, idx[:, :3]] = -np.inf
        correct = int(np.count_nonzero(np.argmax(scores, axis=1) == idx[:, 3]))
        return correct / len(questions)

    # ---- projection and plot -------------------------------------------------------------------------
    def pca_2d(self, words: Sequence[str] | None = None) -> tuple[list[str], np.ndarray]:
        """Project vectors onto their first two principal components (SVD of the centered matrix).

        Args:
            words: which words; default all. The components are fitted on these words.

        Returns:
            ``(words, coords)`` with coords of shape (len(words), 2).
        """
        words = list(self.index_to_key) if words is None else list(words)
        if len(words) < 2:
            raise ValueError(f"pca_2d: need at least 2 words, got {len(words)}")
        X = self.vectors[[self.index(w) for w in words]]
        Xc = X - X.mean(axis=0, keepdims=True)
        _, _, vt = np.linalg.svd(Xc, full_matrices=False)
        return words, (Xc @ vt[:2].T).astype(self.vectors.dtype)

    def plot_pca(self, path: str | os.PathLike, words: Sequence[str] | None = None, title: str = "word vectors (PCA)") -> None:
        """Write a labelled 2-D PCA scatter plot of ``words`` to the PNG ``path``."""
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        words, xy = self.pca_2d(words)
        fig = Figure(figsize=(7, 6))
        FigureCanvasAgg(fig)
        ax = fig.add_subplot(1, 1, 1)
        ax.scatter(xy[:, 0], xy[:, 1], s=12)
        for w, (x, y) in zip(words, xy):
            ax.annotate(w, (x, y), fontsize=8, xytext=(2, 2), textcoords="offset points")
        ax.set_title(title)
        ax.set_xlabel("PC 1")
        ax.set_ylabel("PC 2")
        save_figure(fig, path, dpi=100)

    # ---- persistence ---------------------------------------------------------------------------------
    def save(self, path: str | os.PathLike) -> None:
        """Write the words and vectors with ``nnlab.save`` (safetensors + JSON metadata, no pickle)."""
        save({"format": _FORMAT, "index_to_key": list(self.index_to_key), "vectors": self.vectors}, path)

    @classmethod
    def load(cls, path: str | os.PathLike) -> "KeyedVectors":
        """Read vectors written by :meth:`save`."""
        state = load(path)
        if not isinstance(state, dict) or state.get("format") != _FORMAT:
            raise ValueError(f"KeyedVectors.load: {os.fspath(path)!r} does not hold KeyedVectors "
                             f"(expected format {_FORMAT!r})")
        vec = state["vectors"]
        return cls(state["index_to_key"], np.asarray(getattr(vec, "data", vec)))

    def __repr__(self) -> str:
        return f"KeyedVectors(words={len(self)}, vector_size={self.vector_size})"
