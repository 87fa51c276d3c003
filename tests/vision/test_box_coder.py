"""R-CNN box offsets (vision/box_coder.py)."""

import numpy as np
import pytest

from nnlab.vision.box_coder import BBOX_XFORM_CLIP, decode_box_deltas, encode_box_deltas


def test_hand_computed_offsets():
    ref = np.array([[0.0, 0.0, 10.0, 10.0]], np.float32)
    tgt = np.array([[5.0, 0.0, 15.0, 20.0]], np.float32)  # centre (10, 10) vs (5, 5); same width, twice the height
    np.testing.assert_allclose(encode_box_deltas(ref, tgt), [[0.5, 0.5, 0.0, np.log(2)]], rtol=1e-6)
    np.testing.assert_allclose(encode_box_deltas(ref, tgt, (10, 10, 5, 5)), [[5.0, 5.0, 0.0, 5 * np.log(2)]], rtol=1e-6)
    assert encode_box_deltas(ref, tgt).dtype == np.float32


def test_round_trip_and_clamp():
    rng = np.random.default_rng(0)
    xy = rng.uniform(0, 50, (20, 2))
    ref = np.concatenate([xy, xy + rng.uniform(2, 30, (20, 2))], axis=1)
    xy = rng.uniform(0, 50, (20, 2))
    tgt = np.concatenate([xy, xy + rng.uniform(2, 30, (20, 2))], axis=1)
    for w in ((1, 1, 1, 1), (10, 10, 5, 5)):
        np.testing.assert_allclose(decode_box_deltas(encode_box_deltas(ref, tgt, w), ref, w), tgt, rtol=1e-9, atol=1e-9)
    huge = decode_box_deltas(np.array([[0.0, 0.0, 50.0, 50.0]]), np.array([[0.0, 0.0, 1.0, 1.0]]))
    assert np.isfinite(huge).all() and huge[0, 2] - huge[0, 0] == pytest.approx(np.exp(BBOX_XFORM_CLIP))


def test_errors():
    with pytest.raises(ValueError, match="encode_box_deltas: reference"):
        encode_box_deltas(np.zeros((2, 4)) + [0, 0, 1, 1], np.zeros((3, 4)) + [0, 0, 1, 1])
    with pytest.raises(ValueError, match="positive width"):
        encode_box_deltas(np.array([[0, 0, 0, 1.0]]), np.array([[0, 0, 1, 1.0]]))
    with pytest.raises(ValueError, match="decode_box_deltas"):
        decode_box_deltas(np.zeros((2, 3)), np.zeros((2, 4)))
