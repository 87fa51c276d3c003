"""word2vec: subsampling / negative-sampling tables by hand, pair generation, gradients against finite
differences, and analogy quality on the synthetic corpus (skip-gram and CBOW)."""

import numpy as np
import pytest

from nnlab.text.analogy_corpus import make_analogy_corpus
from nnlab.text.word2vec import Word2Vec, cbow_windows, skipgram_pairs, subsample_keep_prob, unigram_table


def test_subsample_keep_prob_matches_formula():
    counts = np.array([900, 90, 10])
    t = 0.01
    f = counts / 1000
    expected = np.minimum(1, (np.sqrt(f / t) + 1) * t / f)
    np.testing.assert_allclose(subsample_keep_prob(counts, t), expected)
    assert expected[0] == pytest.approx((np.sqrt(90) + 1) / 90)
    np.testing.assert_array_equal(subsample_keep_prob(counts, 0), [1, 1, 1])


def test_unigram_table_is_counts_to_three_quarters():
    cdf = unigram_table(np.array([16, 1]))
    assert cdf[0] == pytest.approx(8 / 9)  # 16^0.75 = 8
    assert cdf[-1] == 1.0


def test_pairs_respect_window_and_sentences():
    ids = np.array([10, 11, 12, 20, 21])
    sent = np.array([0, 0, 0, 1, 1])
    rng = np.random.default_rng(0)
    c, o = skipgram_pairs(ids, sent, window=1, rng=rng)
    assert sorted(zip(c.tolist(), o.tolist())) == [(10, 11), (11, 10), (11, 12), (12, 11), (20, 21), (21, 20)]
    centers, ctx, mask = cbow_windows(ids, sent, window=2, rng=np.random.default_rng(0))
    assert centers.shape == (5,) and ctx.shape == (5, 4)
    for cen, row, m in zip(centers, ctx, mask):
        same = {10, 11, 12} if cen < 20 else {20, 21}
        assert set(row[m].tolist()) <= same - {cen}


def test_negative_sampling_gradients_match_finite_differences():
    m = Word2Vec(vector_size=4, negative=3, dtype=np.float64)
    m.build_vocab([["a", "b", "c", "d"]] * 5)
    rng = np.random.default_rng(1)
    m.syn1neg = rng.normal(size=m.syn1neg.shape)
    h = rng.normal(size=(2, 4))
    target, neg = np.array([0, 1]), np.array([[2, 3, 1], [0, 3, 2]])
    loss, g_h, g_pos, g_neg = m._ns_grads(h, target, neg)
    eps = 1e-6
    num = np.zeros_like(h)
    for idx in np.ndindex(h.shape):
        hp, hm = h.copy(), h.copy()
        hp[idx] += eps
        hm[idx] -= eps
        num[idx] = (m._ns_grads(hp, target, neg)[0] - m._ns_grads(hm, target, neg)[0]) / (2 * eps)
    np.testing.assert_allclose(g_h, num, rtol=1e-5, atol=1e-7)
    W = m.syn1neg.copy()
    r, d = 1, 2  # target row of example 1 (it is also a negative of example 0)
    m.syn1neg[r, d] = W[r, d] + eps
    up = m._ns_grads(h, target, neg)[0]
    m.syn1neg[r, d] = W[r, d] - eps
    down = m._ns_grads(h, target, neg)[0]
    m.syn1neg = W
    analytic = g_pos[1, d] + g_neg[0, 2, d]
    assert analytic == pytest.approx((up - down) / (2 * eps), rel=1e-5)


@pytest.fixture(scope="module")
def corpus():
    return make_analogy_corpus(10000, seed=0)


@pytest.mark.parametrize("sg", [1, 0])
def test_word2vec_learns_analogies(corpus, sg):
    model = Word2Vec(corpus.sentences, vector_size=32, window=5, min_count=1, sg=sg, epochs=5, seed=0)
    assert model.wv.vectors.dtype == np.float32
    assert model.losses[-1] < model.losses[0]
    acc = model.wv.evaluate_analogies(corpus.questions)
    assert acc >= 0.8, acc
    assert model.wv.most_similar(positive=["king", "woman"], negative=["man"], topn=1)[0][0] == "queen"


def test_word2vec_is_deterministic(corpus):
    a = Word2Vec(corpus.sentences[:500], vector_size=8, min_count=1, epochs=1, seed=3)
    b = Word2Vec(corpus.sentences[:500], vector_size=8, min_count=1, epochs=1, seed=3)
    np.testing.assert_array_equal(a.wv.vectors, b.wv.vectors)


def test_word2vec_bad_arguments():
    with pytest.raises(ValueError, match="sg must be"):
        Word2Vec(sg=2)
    with pytest.raises(ValueError, match="min_count=5"):
        Word2Vec([["a", "b"]], min_count=5)


def test_example_runs_and_plots(tmp_path):
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "examples"))
    import word2vec_analogies

    res = word2vec_analogies.main(num_sentences=4000, vector_size=16, w2v_epochs=3, glove_epochs=20,
                                  out_dir=str(tmp_path), verbose=False)
    assert set(res) == {"skipgram", "cbow", "glove"}
    assert all(0.0 <= r["accuracy"] <= 1.0 for r in res.values())
    assert res["skipgram"]["accuracy"] > 0.5 and res["skipgram"]["king-man+woman"] == "queen"
    assert (tmp_path / "word_vectors_pca.png").read_bytes()[:4] == b"\x89PNG"
