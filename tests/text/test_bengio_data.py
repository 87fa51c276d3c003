"""n-gram windows for the Bengio model and cosine-similarity read-outs."""

import numpy as np
import pytest

from nnlab.text import Vocab, cosine_similarity_matrix, most_similar, ngram_windows


def test_ngram_windows_with_bos_and_eos():
    ctx, tgt = ngram_windows([[5, 6, 7], [8]], n=2, bos_index=2, eos_index=3)
    np.testing.assert_array_equal(ctx, [[2, 2], [2, 5], [5, 6], [6, 7], [2, 2], [2, 8]])
    np.testing.assert_array_equal(tgt, [5, 6, 7, 3, 8, 3])
    assert ctx.dtype == tgt.dtype == np.int64


def test_ngram_windows_on_one_stream():
    ctx, tgt = ngram_windows([1, 2, 3, 4], n=3)
    np.testing.assert_array_equal(ctx, [[1, 2, 3]])
    np.testing.assert_array_equal(tgt, [4])
    with pytest.raises(ValueError, match="longer than the context size n=5"):
        ngram_windows([1, 2, 3], n=5)


def test_cosine_similarity_and_neighbours():
    E = np.array([[0, 0], [0, 0], [0, 0], [0, 0], [1, 0], [2, 0.1], [0, 1], [-1, 0]], dtype=np.float32)
    S = cosine_similarity_matrix(E)
    assert S.dtype == np.float32
    np.testing.assert_allclose(S[4, 7], -1.0, atol=1e-6)
    np.testing.assert_allclose(S[4, 6], 0.0, atol=1e-6)
    assert S[0, 4] == 0.0  # zero vectors give 0, not nan
    vocab = Vocab(["<pad>", "<unk>", "<bos>", "<eos>", "cat", "dog", "sat", "tac"])
    nbrs = most_similar(E, vocab, "cat", k=2)
    assert [w for w, _ in nbrs] == ["dog", "sat"]
    assert nbrs[0][1] == pytest.approx(2 / np.hypot(2, 0.1), rel=1e-6)
