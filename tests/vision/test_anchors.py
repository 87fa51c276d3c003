"""Anchors: generation, assignment on constructed scenes, encode/decode round trip, k-means with 1 − IoU."""

import numpy as np
import pytest

from nnlab.vision.anchors import (
    anchor_boxes, assign_to_grid, decode_boxes, encode_boxes, iou_wh, kmeans_anchors,
)


def test_anchor_boxes_centres_and_shapes():
    a = anchor_boxes((2, 3), 16, sizes=(8, 16), aspect_ratios=(0.5, 1.0, 2.0))
    assert a.shape == (2 * 3 * 6, 4) and a.dtype == np.float32
    first = a[:6]
    np.testing.assert_allclose((first[:, 0] + first[:, 2]) / 2, 8.0)  # cell (0, 0) centre
    np.testing.assert_allclose((first[:, 2] - first[:, 0]) * (first[:, 3] - first[:, 1]),
                               [64, 64, 64, 256, 256, 256], rtol=1e-6)  # area s² for every ratio
    np.testing.assert_allclose((first[:, 3] - first[:, 1]) / (first[:, 2] - first[:, 0]), [0.5, 1, 2] * 2, rtol=1e-6)
    last = a[-6:]
    np.testing.assert_allclose((last[:, 0] + last[:, 2]) / 2, 40.0)  # cell (1, 2): x = 2.5 · 16
    np.testing.assert_allclose((last[:, 1] + last[:, 3]) / 2, 24.0)


def test_assignment_on_constructed_scene():
    anchors = np.array([[10.0, 10.0], [30.0, 10.0], [10.0, 30.0]])
    # 3×3 grid over 90×90: cells are 30 px. A wide box centred in cell (0, 2), a tall one in (2, 1),
    # a square one exactly on the border x = 30 (belongs to column 1), one centred on the right edge.
    boxes = np.array([[62, 10, 88, 18], [40, 62, 49, 89], [25, 40, 35, 50], [85, 40, 95, 50]], np.float64)
    rows, cols, anchor = assign_to_grid(boxes, 3, 90, anchors)
    assert rows.tolist() == [0, 2, 1, 1]
    assert cols.tolist() == [2, 1, 1, 2]
    assert anchor.tolist() == [1, 2, 0, 0]


def test_encode_decode_round_trip():
    rng = np.random.default_rng(0)
    anchors = np.array([[12.0, 12.0], [24.0, 16.0]])
    xy = rng.uniform(0, 40, (20, 2))
    boxes = np.concatenate([xy, xy + rng.uniform(4, 24, (20, 2))], 1)
    rows, cols, anchor = assign_to_grid(boxes, 8, 64, anchors)
    _, first = np.unique(np.stack([rows, cols, anchor], 1), axis=0, return_index=True)  # one box per slot
    boxes, rows, cols, anchor = boxes[first], rows[first], cols[first], anchor[first]
    t = encode_boxes(boxes, rows, cols, anchor, anchors, 8, 64)
    assert ((t[:, :2] >= 0) & (t[:, :2] < 1)).all()  # centre offsets lie inside the cell
    grid = np.zeros((8, 8, 2, 4), np.float32)
    grid[rows, cols, anchor] = t
    decoded = decode_boxes(grid, anchors, 64)[rows, cols, anchor]
    np.testing.assert_allclose(decoded, boxes, atol=1e-4)


def test_kmeans_recovers_planted_shapes_and_beats_random():
    rng = np.random.default_rng(1)
    planted = np.array([[8.0, 8.0], [30.0, 12.0], [14.0, 40.0]])
    wh = np.concatenate([p * rng.uniform(0.9, 1.1, (100, 2)) for p in planted])
    km = kmeans_anchors(wh, 3, seed=0)
    np.testing.assert_allclose(km.anchors, planted[np.argsort(planted.prod(1))], rtol=0.08)
    assert km.mean_iou > 0.8
    random_anchors = wh[rng.choice(len(wh), 3, replace=False)]
    assert km.mean_iou >= iou_wh(wh, random_anchors).max(1).mean()
    assert np.array_equal(km.assignment, np.argmax(iou_wh(wh, km.anchors), axis=1))


def test_iou_wh_and_errors():
    np.testing.assert_allclose(iou_wh(np.array([[2.0, 2.0]]), np.array([[4.0, 1.0]])), [[2 / 6]])
    with pytest.raises(ValueError, match="kmeans_anchors: k must be between 1 and the 2 distinct"):
        kmeans_anchors(np.array([[1.0, 1.0], [2.0, 2.0]]), 3)
    with pytest.raises(ValueError, match="anchor_boxes: sizes"):
        anchor_boxes((2, 2), 8, sizes=())
