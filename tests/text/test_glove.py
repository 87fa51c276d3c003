"""GloVe: co-occurrence counts and weighting by hand, one AdaGrad step by hand, analogy quality."""

import numpy as np
import pytest

from nnlab.text.analogy_corpus import make_analogy_corpus
from nnlab.text.glove import GloVe, cooccurrence, glove_weight


def test_cooccurrence_weights_by_inverse_distance_and_is_symmetric():
    ids = np.array([0, 1, 2, 0, 1])
    sent = np.array([0, 0, 0, 1, 1])
    rows, cols, x = cooccurrence(ids, sent, vocab_size=3, window=2)
    X = np.zeros((3, 3))
    X[rows, cols] = x
    # sentence 0: (0,1) d=1, (1,2) d=1, (0,2) d=2; sentence 1: (0,1) d=1 (no pair across sentences)
    expected = np.array([[0, 2, 0.5], [2, 0, 1], [0.5, 1, 0]])
    np.testing.assert_allclose(X, expected)


def test_weighting_function():
    np.testing.assert_allclose(glove_weight(np.array([1.0, 50.0, 100.0, 500.0]), x_max=100, alpha=0.75),
                               [0.01 ** 0.75, 0.5 ** 0.75, 1, 1])


def test_adagrad_step_by_hand():
    g = GloVe(vector_size=2, lr=0.1, dtype=np.float64)
    g.W = np.array([[1.0, 0.0], [0.0, 1.0]])
    g.W_tilde = np.array([[0.5, 0.5], [1.0, 2.0]])
    g.b, g.b_tilde = np.zeros(2), np.array([0.0, 1.0])
    g._G = [np.ones_like(p) for p in (g.W, g.W_tilde, g.b, g.b_tilde)]
    logx, fx = np.array([1.0]), np.array([0.5])
    loss = g._step(np.array([0]), np.array([1]), logx, fx)
    diff = (1.0 * 1 + 0 * 2) + 0 + 1 - 1.0  # = 1
    assert loss == pytest.approx(0.5 * 0.5 * diff ** 2)
    grad_w0 = 0.5 * diff * np.array([1.0, 2.0])
    np.testing.assert_allclose(g.W[0], np.array([1.0, 0.0]) - 0.1 * grad_w0 / np.sqrt(1 + grad_w0 ** 2))
    np.testing.assert_allclose(g.W_tilde[1], np.array([1.0, 2.0]) - 0.1 * 0.5 * np.array([1.0, 0]) /
                               np.sqrt(1 + (0.5 * np.array([1.0, 0])) ** 2))
    np.testing.assert_allclose(g.b_tilde[1], 1 - 0.1 * 0.5 / np.sqrt(1.25))
    np.testing.assert_allclose(g.W[1], [0, 1])  # untouched row


def test_glove_learns_analogies():
    corpus = make_analogy_corpus(8000, seed=0)
    model = GloVe(corpus.sentences, vector_size=32, window=5, epochs=40, seed=0)
    assert model.losses[-1] < 0.2 * model.losses[0]
    np.testing.assert_array_equal(model.wv.vectors, model.W + model.W_tilde)
    assert model.wv.vectors.dtype == np.float32
    acc = model.wv.evaluate_analogies(corpus.questions)
    assert acc >= 0.8, acc
    assert model.wv.analogy("man", "king", "woman")[0][0] == "queen"
