"""NMS: the seeds' steps on hand-made scenes, a slow reference on random boxes, ties, empty input, Soft-NMS."""

import numpy as np
import pytest

from nnlab.vision import batched_nms, box_iou, nms, soft_nms


def slow_nms(boxes, scores, thr):
    order = sorted(range(len(boxes)), key=lambda i: (-scores[i], i))
    keep = []
    for i in order:
        if all(box_iou(boxes[i : i + 1], boxes[k : k + 1])[0, 0] <= thr for k in keep):
            keep.append(i)
    return keep


def random_scene(rng, n, scale=100.0):
    xy = rng.uniform(0, scale, (n, 2))
    boxes = np.concatenate([xy, xy + rng.uniform(2, 40, (n, 2))], 1).astype(np.float32)
    return boxes, rng.random(n).astype(np.float32)


def test_seeds_picture_one_box_per_car():
    # Two cars, three overlapping detections each: one box per car survives.
    boxes = np.array([[10, 10, 50, 40], [12, 11, 52, 42], [8, 9, 49, 38],
                      [100, 20, 140, 60], [102, 22, 141, 63], [98, 18, 138, 58]], np.float32)
    scores = np.array([0.9, 0.6, 0.7, 0.8, 0.5, 0.75], np.float32)
    keep = nms(boxes, scores, 0.5)
    np.testing.assert_array_equal(keep, [0, 3])
    assert keep.dtype == np.int64


def test_threshold_is_strict():
    boxes = np.array([[0, 0, 2, 2], [1, 1, 3, 3]], np.float32)  # IoU exactly 1/7
    assert len(nms(boxes, np.array([1.0, 0.5]), 1 / 7 + 1e-6)) == 2
    assert len(nms(boxes, np.array([1.0, 0.5]), 1 / 7 - 1e-6)) == 1


@pytest.mark.parametrize("seed", range(5))
def test_matches_slow_reference(seed):
    rng = np.random.default_rng(seed)
    boxes, scores = random_scene(rng, 200)
    thr = float(rng.uniform(0.1, 0.7))
    assert nms(boxes, scores, thr).tolist() == slow_nms(boxes, scores, thr)


def test_ties_keep_input_order_and_empty_input():
    boxes = np.array([[0, 0, 1, 1], [0, 0, 1, 1], [5, 5, 6, 6]], np.float32)
    assert nms(boxes, np.array([0.5, 0.5, 0.5]), 0.5).tolist() == [0, 2]
    empty = nms(np.zeros((0, 4), np.float32), np.zeros(0, np.float32), 0.5)
    assert empty.shape == (0,) and empty.dtype == np.int64
    assert batched_nms(np.zeros((0, 4)), np.zeros(0), np.zeros(0, int), 0.5).shape == (0,)


def test_batched_nms_classes_do_not_suppress_each_other():
    rng = np.random.default_rng(3)
    boxes, scores = random_scene(rng, 150, scale=40.0)
    labels = rng.integers(0, 3, 150)
    keep = batched_nms(boxes, scores, labels, 0.4)
    want = []
    for c in range(3):
        idx = np.nonzero(labels == c)[0]
        want += idx[slow_nms(boxes[idx], scores[idx], 0.4)].tolist()
    assert sorted(keep.tolist()) == sorted(want)
    assert np.all(np.diff(scores[keep]) <= 0)  # by decreasing score
    same = np.array([[0, 0, 10, 10], [0, 0, 10, 10]], np.float32)
    assert len(batched_nms(same, np.array([0.9, 0.8]), np.array([0, 1]), 0.5)) == 2


def test_soft_nms_decays_instead_of_discarding():
    boxes = np.array([[0, 0, 10, 10], [1, 0, 11, 10], [50, 50, 60, 60]], np.float32)
    scores = np.array([0.9, 0.8, 0.7], np.float32)
    iou = box_iou(boxes[:1], boxes[1:2])[0, 0]
    keep, new = soft_nms(boxes, scores, method="linear", iou_threshold=0.3)
    assert keep.tolist() == [0, 2, 1]
    np.testing.assert_allclose(new, [0.9, 0.7, 0.8 * (1 - iou)], rtol=1e-6)
    keep, new = soft_nms(boxes, scores, method="gaussian", sigma=0.5)
    np.testing.assert_allclose(new[keep.tolist().index(1)], 0.8 * np.exp(-iou**2 / 0.5), rtol=1e-6)
    # A score threshold drops decayed boxes; "hard" is plain NMS.
    assert soft_nms(boxes, scores, method="linear", score_threshold=0.5)[0].tolist() == [0, 2]
    rng = np.random.default_rng(4)
    b, s = random_scene(rng, 100)
    assert sorted(soft_nms(b, s, 0.5, method="hard", score_threshold=1e-12)[0].tolist()) == sorted(slow_nms(b, s, 0.5))


def test_bad_input_errors():
    b = np.array([[0, 0, 1, 1]], np.float32)
    with pytest.raises(ValueError, match=r"nms: boxes must have shape \(N, 4\)"):
        nms(np.zeros((2, 3)), np.zeros(2), 0.5)
    with pytest.raises(ValueError, match="nms: boxes must be .*x2 >= x1"):
        nms(np.array([[3.0, 0, 1, 1]]), np.zeros(1), 0.5)
    with pytest.raises(ValueError, match=r"nms: scores must have shape \(1,\)"):
        nms(b, np.zeros(2), 0.5)
    with pytest.raises(ValueError, match=r"nms: iou_threshold must lie in \[0, 1\], got 1.5"):
        nms(b, np.zeros(1), 1.5)
    with pytest.raises(ValueError, match="soft_nms: method"):
        soft_nms(b, np.zeros(1), method="cubic")


def test_dense_and_windowed_paths_agree(monkeypatch):
    # Up to _DENSE_MAX boxes NMS uses one IoU matrix; beyond, a window search per kept box.
    import sys

    nms_module = sys.modules["nnlab.vision.nms"]  # the package exports the function under the module's name

    rng = np.random.default_rng(11)
    boxes, scores = random_scene(rng, 400, scale=60.0)
    dense = nms(boxes, scores, 0.5)
    monkeypatch.setattr(nms_module, "_DENSE_MAX", 0)
    np.testing.assert_array_equal(nms(boxes, scores, 0.5), dense)
