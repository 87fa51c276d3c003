"""Felzenszwalb–Huttenlocher segmentation and selective search (vision/felzenszwalb.py, selective_search.py)."""

import numpy as np
import pytest

from nnlab.data import make_shapes
from nnlab.vision.felzenszwalb import DisjointSet, felzenszwalb, gaussian_blur
from nnlab.vision.selective_search import (
    hierarchical_grouping, proposal_recall, rgb_to_hsv, rgb_to_lab, selective_search,
)


def _two_flat_regions() -> np.ndarray:
    img = np.zeros((3, 24, 32), np.float32)
    img[0, :, :16] = 0.3
    img[:, :, 16:] = 0.8
    return img


def test_two_flat_regions_give_two_segments():
    labels = felzenszwalb(_two_flat_regions(), scale=100, sigma=0.0)
    assert labels.shape == (24, 32)
    assert set(np.unique(labels)) == {0, 1}
    assert (labels[:, :16] == 0).all() and (labels[:, 16:] == 1).all()
    # with the blur the edge's columns are merged into one side or the other by min_size
    blurred = felzenszwalb(_two_flat_regions(), scale=100, sigma=0.8, min_size=30)
    assert len(np.unique(blurred)) == 2 and blurred[0, 0] != blurred[0, -1]


def test_scale_sets_region_size():
    rng = np.random.default_rng(0)
    img = rng.uniform(0, 1, (3, 20, 20)).astype(np.float32)
    counts = [len(np.unique(felzenszwalb(img, scale=k, sigma=0.0, min_size=0))) for k in (10, 300, 3000)]
    assert counts[0] > counts[1] > counts[2]


def test_disjoint_set_and_blur():
    ds = DisjointSet(5)
    ds.union(ds.find(0), ds.find(3), 2.0)
    ds.union(ds.find(3), ds.find(4), 5.0)
    assert ds.labels().tolist() == [0, 1, 2, 0, 0]
    assert ds.internal[ds.find(4)] == 5.0 and ds.size[ds.find(0)] == 3
    flat = np.full((1, 9, 9), 0.7)
    np.testing.assert_allclose(gaussian_blur(flat, 1.5), flat)  # the kernel sums to one
    spike = np.zeros((1, 13, 13))
    spike[0, 6, 6] = 1.0
    out = gaussian_blur(spike, 1.0)
    assert out.sum() == pytest.approx(1.0) and out[0, 6, 6] == out.max() and out[0, 6, 5] == pytest.approx(out[0, 5, 6])


def test_colour_spaces():
    rgb = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [1.0, 1.0, 1.0]]).T.reshape(3, 1, 3)
    hsv = rgb_to_hsv(rgb)
    np.testing.assert_allclose(hsv[:, 0, 0], [0.0, 1.0, 1.0])
    np.testing.assert_allclose(hsv[:, 0, 1], [1 / 3, 1.0, 1.0])
    np.testing.assert_allclose(hsv[:, 0, 2], [0.0, 0.0, 1.0])
    lab = rgb_to_lab(rgb)  # white: L = 100, a = b = 0; red: L ≈ 53.2
    np.testing.assert_allclose(lab[:, 0, 2], [1.0, 128 / 255, 128 / 255], atol=2e-3)
    assert lab[0, 0, 0] * 100 == pytest.approx(53.24, abs=0.1)


def test_grouping_merges_neighbours_by_similarity():
    # three vertical stripes red | blue | red: the two reds are alike but not neighbours,
    # so the first merge must involve the blue stripe; with a fourth, reddish stripe at the
    # right end, the first merge joins it with its red neighbour.
    img = np.zeros((3, 12, 40))
    labels = np.zeros((12, 40), np.int64)
    for r, (c0, colour) in enumerate([(0, (0.9, 0.1, 0.1)), (10, (0.1, 0.1, 0.9)), (20, (0.9, 0.1, 0.1)),
                                      (30, (0.88, 0.12, 0.1))]):
        img[:, :, c0:c0 + 10] = np.array(colour)[:, None, None]
        labels[:, c0:c0 + 10] = r
    h = hierarchical_grouping(img, labels, ("colour",))
    assert h.merges[0][:2] == (2, 3)
    assert len(h.merges) == 3 and len(h.boxes) == 7
    np.testing.assert_array_equal(h.boxes[-1], [0, 0, 40, 12])  # the last region is the whole image
    np.testing.assert_array_equal(h.boxes[4], [20, 0, 40, 12])
    for i, j, _ in h.merges[1:]:  # later merges also join touching regions only
        bi, bj = h.boxes[i], h.boxes[j]
        assert bi[2] == bj[0] or bj[2] == bi[0]


def test_recall_on_generated_shapes():
    ds = make_shapes(3, seed=11)
    props = [selective_search(im, seed=0) for im in ds.images]
    assert all(p.dtype == np.float32 and p.shape[1] == 4 for p in props)
    assert all(len(np.unique(p, axis=0)) == len(p) for p in props)  # duplicates dropped
    assert proposal_recall(props, ds.boxes, 100) >= 0.9  # measured 1.0 on 300 images
    assert proposal_recall(props, ds.boxes, 10) < proposal_recall(props, ds.boxes, 100) + 1e-9
    again = selective_search(ds.images[0], seed=0)
    np.testing.assert_array_equal(again, props[0])
    assert len(selective_search(ds.images[0], max_proposals=7)) == 7


def test_bad_input_errors():
    with pytest.raises(ValueError, match="felzenszwalb: expected an image"):
        felzenszwalb(np.zeros((4, 5, 5)))
    with pytest.raises(ValueError, match="felzenszwalb: scale"):
        felzenszwalb(np.zeros((3, 5, 5)), scale=-1)
    with pytest.raises(ValueError, match="finite"):
        felzenszwalb(np.full((3, 5, 5), np.nan))
    with pytest.raises(ValueError, match="selective_search: expected an RGB"):
        selective_search(np.zeros((8, 8)))
    with pytest.raises(ValueError, match="unknown strategy"):
        selective_search(np.zeros((3, 8, 8)), strategy="best")
    with pytest.raises(ValueError, match="unknown colour space"):
        selective_search(np.zeros((3, 8, 8)), strategy=[("xyz", 100, ("size",))])
    with pytest.raises(ValueError, match="similarities"):
        hierarchical_grouping(np.zeros((3, 4, 4)), np.zeros((4, 4), np.int64), ("shape",))
    with pytest.raises(ValueError, match="labels must be"):
        hierarchical_grouping(np.zeros((3, 4, 4)), np.zeros((4, 5), np.int64))
