"""Sentiment: the synthetic corpus's labels follow negation and clause order; the LSTM beats the
averaged-embedding model on negated reviews; the example runs."""

import sys
from pathlib import Path

import numpy as np
import pytest

import nnlab
from nnlab.text import Vocab
from nnlab.text.sentiment import (NEGATIVE_WORDS, POSITIVE_WORDS, AveragedEmbeddingClassifier,
                                  build_lstm_classifier, make_sentiment_corpus)

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "examples"))
import sentiment as example  # noqa: E402


def _polarity(word):
    return 1 if word in POSITIVE_WORDS else 0 if word in NEGATIVE_WORDS else None


def test_corpus_labels_follow_order_and_negation():
    c = make_sentiment_corpus(600, seed=0)
    assert set(c.kinds) == {"plain", "negated", "contrast"}
    assert 0.4 < c.labels.mean() < 0.6
    for words, label, kind in zip(c.texts, c.labels, c.kinds):
        if kind == "plain":
            assert _polarity(words[-1]) == label
        elif kind == "contrast":
            assert words[1:3] == [",", "but"] and _polarity(words[-1]) == label and _polarity(words[0]) == 1 - label
        elif words[0] in ("completely", "full"):
            assert label == (words[0] == "full")
        else:
            assert words[3] in ("not", "never") and _polarity(words[-1]) == 1 - label
    again = make_sentiment_corpus(600, seed=0)
    assert again.texts == c.texts


def test_average_classifier_is_the_masked_mean():
    nnlab.manual_seed(0)
    model = AveragedEmbeddingClassifier(6, 3, padding_idx=0)
    x = nnlab.tensor(np.array([[1, 2, 0], [3, 4, 5]]))
    out = model(x, nnlab.tensor(np.array([2, 3]))).array
    E, W, b = model.embedding.weight.array, model.head.weight.array, model.head.bias.array
    expected = np.stack([E[[1, 2]].mean(0), E[[3, 4, 5]].mean(0)]) @ W.T + b
    np.testing.assert_allclose(out, expected, rtol=1e-5)
    np.testing.assert_allclose(model(x).array, expected, rtol=1e-5)  # lengths from the padding index


def test_lstm_beats_average_on_negated_reviews():
    results = example.main(num_train=1200, num_test=400, embedding_dim=16, hidden_size=24, epochs=5, verbose=False)
    avg, lstm, bilstm = results["average"], results["lstm"], results["bilstm"]
    assert lstm["negated"] >= avg["negated"] + 0.15, (avg, lstm)
    assert lstm["negated"] >= 0.9 and bilstm["negated"] >= 0.9
    assert lstm["contrast"] >= 0.9 and lstm["overall"] > avg["overall"]
    assert avg["plain"] >= 0.85  # the average model is not broken: it fails only where order matters


def test_lstm_builder_uses_pretrained_vectors():
    vectors = np.random.default_rng(0).normal(size=(7, 4)).astype(np.float32)
    model = build_lstm_classifier(7, 4, 5, bidirectional=True, pretrained=vectors, freeze=True)
    assert not model.embedding.weight.requires_grad
    np.testing.assert_array_equal(model.embedding.weight.array, vectors)
    assert model(nnlab.tensor(np.array([[1, 2, 3]])), nnlab.tensor(np.array([3]))).shape == (1, 2)
    with pytest.raises(ValueError, match="shape \\(7, 4\\)"):
        build_lstm_classifier(8, 4, 5, pretrained=vectors)
