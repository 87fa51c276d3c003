"""Word-embedding phenomena, measured: subword vectors for unseen forms, t-SNE beside PCA,
cross-lingual alignment by Procrustes, and pretrained vectors carrying a classifier to absent words.

All four use the synthetic languages of :mod:`nnlab.text.topic_language`, whose ground truth
(each word's topic and stem, the translation of each word) makes the effects countable.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from nnlab.ops.creation import from_numpy
from nnlab.backend.random import manual_seed
from nnlab import nn, optim
from nnlab.models.sequence.sentiment import build_average_classifier
from nnlab.text.fasttext import FastText
from nnlab.text.procrustes import orthogonal_procrustes, translation_accuracy
from nnlab.text.topic_language import FUNCTION_WORDS, make_topic_language, make_two_languages
from nnlab.text.word2vec import Word2Vec
from nnlab.train.trainer import Trainer

__all__ = ["unseen_word_forms", "tsne_vs_pca", "cross_lingual_alignment", "absent_words"]


def _unit(x: np.ndarray) -> np.ndarray:
    return x / np.maximum(np.linalg.norm(x, axis=-1, keepdims=True), 1e-12)


def unseen_word_forms(n_sentences: int = 1000, epochs: int = 3, seed: int = 0) -> dict[str, float]:
    """FastText vectors of word forms held out of the text: is the nearest seen word of the same stem / topic?

    A word2vec model has no vector for an unseen form at all (its best guess is chance:
    1/#stems for the stem, 1/#topics for the topic); FastText composes one from n-grams.

    Returns:
        ``stem_accuracy``, ``topic_accuracy`` (nearest seen content word shares the stem / topic),
        the two chance levels and ``held_out`` (how many forms).
    """
    lang = make_topic_language(n_sentences=n_sentences, hold_out=True, seed=seed)
    ft = FastText(lang.sentences, vector_size=48, window=4, min_count=1, epochs=epochs, sample=0, bucket=20_000,
                  seed=seed)
    seen = [w for w in ft.wv.index_to_key if w in lang.topic_of]
    X = _unit(np.stack([ft.wv[w] for w in seen]))
    nearest = [seen[int(np.argmax(X @ _unit(ft.vector(w))))] for w in lang.held_out]
    n_topics = len(set(lang.topic_of.values()))
    return {"stem_accuracy": float(np.mean([lang.stem_of[n] == lang.stem_of[w] for n, w in zip(nearest, lang.held_out)])),
            "topic_accuracy": float(np.mean([lang.topic_of[n] == lang.topic_of[w] for n, w in zip(nearest, lang.held_out)])),
            "stem_chance": 1 / len(lang.stems), "topic_chance": 1 / n_topics, "held_out": len(lang.held_out)}


class Projection(NamedTuple):
    """2-D views of the same word vectors and how much of each word's neighbourhood each keeps."""

    words: list[str]
    pca: np.ndarray
    tsne: np.ndarray
    pca_overlap: float
    tsne_overlap: float


def _neighbour_overlap(X: np.ndarray, xy: np.ndarray, k: int = 5) -> float:
    """Mean fraction of each point's k nearest neighbours in X (cosine) that are also among its k nearest in xy."""
    sim = _unit(X) @ _unit(X).T
    np.fill_diagonal(sim, -np.inf)
    d = ((xy[:, None] - xy[None]) ** 2).sum(-1)
    np.fill_diagonal(d, np.inf)
    high, low = np.argsort(-sim, axis=1)[:, :k], np.argsort(d, axis=1)[:, :k]
    return float(np.mean([len(set(h) & set(lo)) / k for h, lo in zip(high, low)]))


def tsne_vs_pca(n_concepts: int = 100, n_sentences: int = 1500, seed: int = 0) -> Projection:
    """word2vec vectors in 2-D by PCA and by t-SNE (scikit-learn), scored by the share of each word's 5 nearest
    neighbours (cosine, in 24-D) that stay among its 5 nearest in the plane.

    PCA keeps the two directions of largest variance (a linear map that preserves global
    spread and crushes everything else); t-SNE places points so that 2-D neighbours match the
    high-dimensional neighbours (non-linear, local structure). The words are the concepts of
    :func:`~nnlab.text.topic_language.make_two_languages`' language A, each with its own
    co-occurrence profile, so their vectors really use many dimensions.
    """
    from sklearn.manifold import TSNE

    sentences, _, _ = make_two_languages(n_concepts=n_concepts, n_sentences=n_sentences, seed=seed)
    wv = Word2Vec(sentences, vector_size=24, window=2, min_count=1, epochs=5, sample=0, seed=seed + 1).wv
    words = list(wv.index_to_key)
    _, pca = wv.pca_2d(words)
    X = _unit(wv.vectors.astype(np.float64))
    # exact gradients: a few hundred words need no Barnes–Hut approximation (whose threads crawl on a busy machine)
    tsne = TSNE(n_components=2, perplexity=10, init="pca", method="exact", random_state=seed).fit_transform(X)
    return Projection(words, pca, tsne, _neighbour_overlap(X, pca), _neighbour_overlap(X, tsne))


def cross_lingual_alignment(n_sentences: int = 1500, dim: int = 24, seed: int = 0) -> dict[str, float]:
    """Translate between two separately trained word2vec spaces with an orthogonal map learned from half the dictionary.

    Returns:
        ``procrustes`` (precision@1 on the held-out half), ``identity`` (no map: the spaces are
        unrelated), ``seed_fit`` (precision@1 on the seed half) and ``orthogonality`` (‖WᵀW − I‖).
    """
    a, b, pairs = make_two_languages(n_sentences=n_sentences, seed=seed)
    wa = Word2Vec(a, vector_size=dim, window=2, min_count=1, epochs=5, sample=0, seed=seed + 1).wv
    wb = Word2Vec(b, vector_size=dim, window=2, min_count=1, epochs=5, sample=0, seed=seed + 2).wv
    order = np.random.default_rng(seed).permutation(len(pairs))
    train = [pairs[i] for i in order[:len(pairs) // 2]]
    test = [pairs[i] for i in order[len(pairs) // 2:]]
    W = orthogonal_procrustes(_unit(np.stack([wa[x] for x, _ in train])), _unit(np.stack([wb[y] for _, y in train])))
    return {"procrustes": translation_accuracy(test, wa, wb, W), "identity": translation_accuracy(test, wa, wb, np.eye(dim)),
            "seed_fit": translation_accuracy(train, wa, wb, W),
            "orthogonality": float(np.abs(W.T @ W - np.eye(dim)).max())}


def _labelled(lang, half: int, n: int, rng: np.random.Generator, stems_per_topic: int) -> tuple[list, np.ndarray]:
    """Sentences whose content words come from stems of one half (even / odd index in their topic);
    label 1 for topics in the first half of the topics."""
    n_topics = len(lang.stems) // stems_per_topic
    sents, labels = [], []
    for _ in range(n):
        t = int(rng.integers(n_topics))
        stems = [lang.stems[t * stems_per_topic + j] for j in range(half, stems_per_topic, 2)]
        sents.append([stems[int(rng.integers(len(stems)))] if rng.random() < 0.8 else
                      FUNCTION_WORDS[int(rng.integers(len(FUNCTION_WORDS)))] for _ in range(8)])
        labels.append(int(t < n_topics // 2))
    return sents, np.array(labels)


def absent_words(n_labelled: int = 200, epochs: int = 30, seed: int = 0) -> dict[str, float]:
    """Averaged-embedding classifiers on test sentences whose key words never occur in the labelled set.

    Word vectors pretrained (word2vec) on unlabelled text that holds every word place the
    absent words near the labelled ones of their topic, so a classifier on frozen pretrained
    vectors carries over; with embeddings learned from the labelled set alone, absent words
    keep their random initial vectors and test accuracy stays near chance (0.5).

    Returns:
        test accuracy of ``pretrained`` (frozen) and ``scratch`` embeddings, and ``overlap`` (the
        fraction of test content words seen in the labelled set: 0).
    """
    spt = 6
    lang = make_topic_language(n_topics=4, stems_per_topic=spt, n_sentences=1500, suffixes=("",), seed=seed)
    wv = Word2Vec(lang.sentences, vector_size=32, window=4, min_count=1, epochs=5, sample=0, seed=seed).wv
    index = {w: i + 1 for i, w in enumerate(wv.index_to_key)}  # 0 is padding
    rng = np.random.default_rng(seed + 1)
    train_s, train_y = _labelled(lang, 0, n_labelled, rng, spt)
    test_s, test_y = _labelled(lang, 1, 400, rng, spt)
    content = lambda ss: {w for s in ss for w in s if w not in FUNCTION_WORDS}  # noqa: E731
    encode = lambda ss: from_numpy(np.array([[index[w] for w in s] for s in ss], dtype=np.int64))  # noqa: E731
    matrix = np.concatenate([np.zeros((1, wv.vector_size), np.float32), wv.vectors.astype(np.float32)])
    xtr, xte = encode(train_s), encode(test_s)
    out = {"overlap": len(content(train_s) & content(test_s)) / len(content(test_s))}
    for name, pretrained in (("pretrained", matrix), ("scratch", None)):
        manual_seed(seed)
        model = build_average_classifier(len(index) + 1, wv.vector_size, 2, pretrained=pretrained,
                                         freeze=pretrained is not None)
        trainer = Trainer(model, nn.CrossEntropyLoss(), optim.Adam(model.parameters(), lr=0.02), quiet=True)
        batches = [(xtr[i:i + 32], from_numpy(train_y[i:i + 32])) for i in range(0, n_labelled, 32)]
        trainer.fit(batches, epochs=epochs)
        out[name] = trainer.evaluate([(xte, from_numpy(test_y))])["accuracy"]
    return out
