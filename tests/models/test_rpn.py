"""The RPN's target assignment on constructed scenes, anchor sampling, the box coder and the proposals."""

import numpy as np
import pytest

import nnlab
from nnlab.models.detection.rpn import RegionProposalNetwork, match_boxes, sample_labels
from nnlab.vision.boxes import box_iou, decode_deltas, encode_deltas


def test_match_thresholds_and_best_anchor_per_object():
    anchors = np.array([[0, 0, 10, 10],     # IoU 1 with object 0: positive
                        [1, 0, 11, 10],     # IoU 9/11 = 0.82 ≥ 0.7: positive
                        [5, 0, 15, 10],     # IoU 5/15 = 0.33: between, ignored
                        [20, 20, 30, 30],   # IoU 0: negative
                        [38, 38, 50, 50],   # IoU 100/188 = 0.53 with object 1, but its best anchor: positive
                        [43, 43, 55, 55]],  # IoU 81/207 = 0.39 with object 1: ignored
                       np.float32)
    gt = np.array([[0, 0, 10, 10], [40, 40, 52, 52]], np.float32)
    labels, matched = match_boxes(anchors, gt, 0.7, 0.3, allow_low_quality=True)
    assert labels.tolist() == [1, 1, -1, 0, 1, -1]
    assert matched[[0, 1, 4]].tolist() == [0, 0, 1]
    labels, _ = match_boxes(anchors, gt, 0.7, 0.3, allow_low_quality=False)
    assert labels.tolist() == [1, 1, -1, 0, -1, -1]  # without the rule object 1 has no positive anchor


def test_match_ties_and_empty_images():
    anchors = np.array([[0, 0, 10, 10], [20, 0, 30, 10], [0, 20, 10, 30]], np.float32)
    gt = np.array([[10, 0, 20, 10]], np.float32)  # touches anchors 0 and 1 only: IoU 0 with both
    gt2 = np.array([[5, 0, 25, 10]], np.float32)  # IoU 1/3 with anchors 0 and 1: a tie, both positive
    assert match_boxes(anchors, gt2, 0.7, 0.3, True)[0].tolist() == [1, 1, 0]
    assert match_boxes(anchors, gt, 0.7, 0.3, True)[0].tolist() == [0, 0, 0]  # no overlap: no forced positive
    labels, matched = match_boxes(anchors, np.zeros((0, 4), np.float32), 0.7, 0.3, True)
    assert labels.tolist() == [0, 0, 0] and matched.tolist() == [0, 0, 0]


def test_sampling_caps_positives_and_fills_with_negatives():
    rng = np.random.default_rng(0)
    labels = np.full(2000, -1)
    labels[:10], labels[100:1100] = 1, 0
    pos, neg = sample_labels(labels, 256, 0.5, rng)
    assert len(pos) == 10 and len(neg) == 246
    assert (labels[pos] == 1).all() and (labels[neg] == 0).all() and len(set(neg)) == 246
    labels[:300] = 1
    pos, neg = sample_labels(labels, 256, 0.5, rng)
    assert len(pos) == 128 and len(neg) == 128


def test_box_coder_hand_value_and_round_trip():
    anchor = np.array([[0, 0, 10, 10]], np.float32)
    np.testing.assert_allclose(encode_deltas(np.array([[2, 0, 12, 10]], np.float32), anchor), [[0.2, 0, 0, 0]],
                               atol=1e-7)
    np.testing.assert_allclose(encode_deltas(np.array([[0, 0, 20, 10]], np.float32), anchor, (10, 10, 5, 5)),
                               [[5.0, 0, 5 * np.log(2), 0]], rtol=1e-6)
    rng = np.random.default_rng(1)
    xy = rng.uniform(0, 50, (20, 2))
    a = np.concatenate([xy, xy + rng.uniform(2, 30, (20, 2))], 1).astype(np.float32)
    g = a + rng.uniform(-3, 3, (20, 4)).astype(np.float32)
    g[:, 2:] = np.maximum(g[:, 2:], g[:, :2] + 1)
    for w in ((1, 1, 1, 1), (10, 10, 5, 5)):
        np.testing.assert_allclose(decode_deltas(encode_deltas(g, a, w), a, w), g, atol=1e-4)
    with pytest.raises(ValueError, match="encode_deltas"):
        encode_deltas(g[:3], a)


def test_rpn_targets_on_a_scene():
    rpn = RegionProposalNetwork(8, stride=4, sizes=(12.0, 24.0))
    anchors = rpn.anchors((8, 8))  # 32×32 image, 2 anchors per cell
    assert anchors.shape == (8 * 8 * 2, 4)
    gt = [np.array([[0, 0, 12, 12], [10, 6, 34, 30]], np.float32), np.zeros((0, 4), np.float32)]
    labels, deltas = rpn.assign_targets(anchors, gt)
    exact = np.nonzero((anchors == gt[0][0]).all(1))[0]
    assert labels[0, exact].tolist() == [1] and np.abs(deltas[0, exact]).max() < 1e-6
    pos = labels[0] == 1
    iou = box_iou(anchors, gt[0]).max(1)
    assert (iou[labels[0] == 0] < 0.3).all() and (iou[pos] > 0).all()
    # every object has a positive anchor, and positives decode back onto their objects
    assert (box_iou(anchors[pos], gt[0]).max(0) > 0).all()
    decoded = decode_deltas(deltas[0, pos], anchors[pos])
    assert (box_iou(decoded, gt[0]).max(1) > 0.999).all()
    assert (labels[1] == 0).all()  # an empty image: all negatives


def test_proposals_are_clipped_sorted_and_suppressed():
    nnlab.manual_seed(0)
    rpn = RegionProposalNetwork(8, stride=4, sizes=(12.0,), post_nms_top_n=(20, 10))
    rpn.eval()
    feats = nnlab.from_numpy(np.random.default_rng(0).standard_normal((2, 8, 8, 8)).astype(np.float32))
    props, losses = rpn(feats, (32, 32))
    assert losses == {} and len(props) == 2
    for p in props:
        assert 0 < len(p) <= 10 and p.min() >= 0 and p.max() <= 32
        iou = box_iou(p, p)
        assert (iou[~np.eye(len(p), dtype=bool)] <= 0.7 + 1e-6).all()
