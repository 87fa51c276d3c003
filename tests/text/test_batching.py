"""pad_sequences, batchify / get_batch / LMBatcher: hand-checked layouts."""

import numpy as np
import pytest

from nnlab.text import LMBatcher, batchify, get_batch, pad_sequences


def test_pad_sequences_post_pre_truncate():
    seqs = [[1, 2, 3], [4], [5, 6]]
    x, lengths = pad_sequences(seqs, pad_index=0)
    assert x.dtype == np.int64 and lengths.dtype == np.int64
    np.testing.assert_array_equal(x.numpy(), [[1, 2, 3], [4, 0, 0], [5, 6, 0]])
    np.testing.assert_array_equal(lengths.numpy(), [3, 1, 2])
    x, lengths = pad_sequences(seqs, pad_index=9, max_len=2, padding="pre")
    np.testing.assert_array_equal(x.numpy(), [[1, 2], [9, 4], [5, 6]])
    np.testing.assert_array_equal(lengths.numpy(), [2, 1, 2])
    x, _ = pad_sequences(seqs, batch_first=False)
    assert x.shape == (3, 3) and x.numpy()[:, 0].tolist() == [1, 2, 3]


def test_pad_sequences_feature_sequences_keep_float_dtype():
    a = np.ones((2, 3), dtype=np.float32)
    b = np.full((1, 3), 2.0, dtype=np.float32)
    x, lengths = pad_sequences([a, b], pad_index=-1.0)
    assert x.shape == (2, 2, 3) and x.dtype == np.float32
    np.testing.assert_array_equal(x.numpy()[1], [[2, 2, 2], [-1, -1, -1]])
    with pytest.raises(ValueError, match="trailing shape"):
        pad_sequences([np.ones((2, 3)), np.ones((2, 4))])


def test_batchify_matches_the_word_lm_layout():
    src = batchify(np.arange(26), 4)  # 6 rows per column, the 2 leftover tokens dropped
    assert src.shape == (6, 4) and src.dtype == np.int64
    np.testing.assert_array_equal(src[:, 0], np.arange(6))
    np.testing.assert_array_equal(src[:, 1], np.arange(6, 12))
    np.testing.assert_array_equal(src[0], [0, 6, 12, 18])
    with pytest.raises(ValueError, match="cannot cut"):
        batchify(np.arange(3), 4)


def test_get_batch_and_lm_batcher_chunks_continue_each_other():
    src = batchify(np.arange(26), 4)
    x, y = get_batch(src, 0, 4, batch_first=False)
    np.testing.assert_array_equal(x.numpy(), src[0:4])
    np.testing.assert_array_equal(y.numpy(), src[1:5])
    b = LMBatcher(np.arange(26), batch_size=4, bptt=4)
    chunks = list(b)
    assert len(b) == len(chunks) == 2 and b.num_tokens == 20
    (x0, y0), (x1, y1) = chunks
    assert x0.shape == (4, 4) and x1.shape == (4, 1)  # 5 input rows: 4 + 1
    np.testing.assert_array_equal(x0.numpy()[1], [6, 7, 8, 9])
    np.testing.assert_array_equal(y0.numpy()[1], [7, 8, 9, 10])
    np.testing.assert_array_equal(x1.numpy()[1], [10])  # column 1 continues where chunk 0 stopped
    np.testing.assert_array_equal(y1.numpy()[1], [11])
    # every target token of the stream (but each column's first) appears exactly once
    targets = np.concatenate([c[1].numpy() for c in chunks], axis=1)
    np.testing.assert_array_equal(targets, src[1:].T)
