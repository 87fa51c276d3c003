"""Embedding lessons measured on synthetic languages: FastText vectors for unseen forms, t-SNE keeping
neighbourhoods PCA loses, Procrustes translation, pretrained vectors reaching words absent from the labels."""

import numpy as np

from nnlab.lessons.embeddings import absent_words, cross_lingual_alignment, tsne_vs_pca, unseen_word_forms
from nnlab.text.fasttext import FastText, char_ngrams, fnv1a
from nnlab.text.procrustes import orthogonal_procrustes


def test_char_ngrams_hash_and_procrustes_recovers_a_rotation():
    assert char_ngrams("where", 3, 3) == ["<wh", "whe", "her", "ere", "re>"]  # the fastText paper's example
    assert fnv1a("") == 2166136261 and fnv1a("a") == 0xE40C292C  # FNV-1a 32-bit reference values
    rng = np.random.default_rng(0)
    X = rng.standard_normal((40, 6))
    R, _ = np.linalg.qr(rng.standard_normal((6, 6)))
    W = orthogonal_procrustes(X, X @ R + 0.01 * rng.standard_normal((40, 6)))
    assert np.abs(W - R).max() < 0.02 and np.abs(W.T @ W - np.eye(6)).max() < 1e-12


def test_fasttext_gives_unseen_forms_meaningful_vectors():
    r = unseen_word_forms(n_sentences=600, epochs=3)
    # measured at 1000 sentences: topic 0.98 (chance 1/6), stem 0.23 (chance 1/48); word2vec has no vector at all
    assert r["held_out"] == 48
    assert r["topic_accuracy"] > r["topic_chance"] + 0.5
    assert r["stem_accuracy"] > 4 * r["stem_chance"]
    ft = FastText([["walked", "walks"]], vector_size=8, min_count=1, epochs=1, bucket=1000)
    assert "walking" not in ft.vocab and ft.vector("walking").shape == (8,)


def test_tsne_keeps_neighbourhoods_that_pca_crushes():
    p = tsne_vs_pca(n_concepts=80, n_sentences=1000)
    assert p.pca.shape == p.tsne.shape == (80, 2)
    assert p.tsne_overlap > p.pca_overlap + 0.15  # measured 0.56 vs 0.23 at 100 concepts


def test_procrustes_translates_between_separately_trained_spaces():
    r = cross_lingual_alignment(n_sentences=1000)
    assert r["orthogonality"] < 1e-10
    assert r["identity"] < 0.15  # unrelated spaces without the map
    assert r["procrustes"] > 0.8  # measured 1.0 on the held-out half of the dictionary


def test_pretrained_embeddings_reach_words_absent_from_the_labelled_set():
    r = absent_words(n_labelled=160, epochs=20)
    assert r["overlap"] == 0.0  # no test key word occurs in the labelled sentences
    assert r["pretrained"] > 0.85 and r["scratch"] < 0.7  # measured 1.0 vs 0.48 (chance 0.5)
