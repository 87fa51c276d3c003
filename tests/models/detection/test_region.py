"""Shared pieces of R-CNN and Fast R-CNN (models/detection/region.py)."""

import numpy as np
import pytest

from nnlab import nn
from nnlab.models.detection.region import (
    BOX_WEIGHTS, label_proposals, region_loss, regions_to_detections, sample_regions, warp_regions,
)
from nnlab.ops.creation import from_numpy
from nnlab.vision.box_coder import encode_box_deltas

GT = np.array([[10, 10, 30, 30], [40, 40, 60, 50]], np.float32)
GT_LABELS = np.array([2, 0])


def test_label_proposals_thresholds():
    props = np.array([[10, 10, 30, 30],   # IoU 1 with gt 0 → class 2 + 1
                      [12, 10, 32, 30],   # IoU 0.82 → foreground
                      [20, 10, 40, 30],   # IoU 1/3 → background
                      [28, 28, 44, 44],   # IoU 0.006 and 0.036 with the two → below 0.1, unused
                      [40, 40, 60, 52]],  # IoU 0.83 with gt 1 → class 0 + 1
                     np.float32)
    labels, matched = label_proposals(props, GT, GT_LABELS)
    assert labels.tolist() == [3, 3, 0, -1, 1]
    np.testing.assert_array_equal(matched[4], GT[1])
    labels, _ = label_proposals(props, np.zeros((0, 4)), np.zeros(0, np.int64))
    assert (labels == 0).all()  # an image without objects: all background


def test_sample_regions_fraction_and_targets():
    rng = np.random.default_rng(0)
    xy = rng.uniform(0, 50, (300, 2))
    props = np.concatenate([xy, xy + rng.uniform(5, 25, (300, 2))], axis=1).astype(np.float32)
    boxes, classes, targets = sample_regions(props, GT, GT_LABELS, 32, rng, fg_fraction=0.25)
    assert len(boxes) == 32 and (classes > 0).sum() <= 8 and (classes >= 0).all()
    fg = classes > 0
    labels, matched = label_proposals(boxes[fg], GT, GT_LABELS)
    np.testing.assert_allclose(targets[fg], encode_box_deltas(boxes[fg], matched.astype(np.float32), BOX_WEIGHTS),
                               rtol=1e-5, atol=1e-6)
    assert (targets[~fg] == 0).all()
    # the gt boxes join the proposals, so an image always has foreground to learn from
    _, classes, _ = sample_regions(np.zeros((0, 4), np.float32), GT, GT_LABELS, 8, rng)
    assert sorted(classes.tolist()) == [1, 3]


def test_region_loss_hand_computed():
    rng = np.random.default_rng(1)
    logits = rng.normal(size=(3, 4)).astype(np.float32)  # C = 3
    deltas = rng.normal(size=(3, 12)).astype(np.float32)
    labels = np.array([0, 2, 3])
    targets = rng.normal(size=(3, 4)).astype(np.float32)
    loss, cls_loss, box_loss = region_loss(from_numpy(logits), from_numpy(deltas), labels, targets, box_weight=2.0)
    logp = logits - np.log(np.exp(logits).sum(1, keepdims=True))
    ce = -logp[np.arange(3), labels].mean()
    d = np.concatenate([deltas[1, 4:8] - targets[1], deltas[2, 8:12] - targets[2]])  # own class only
    sl1 = np.where(np.abs(d) < 1, 0.5 * d ** 2, np.abs(d) - 0.5).sum() / 3
    assert float(cls_loss.data) == pytest.approx(ce, rel=1e-5)
    assert float(box_loss.data) == pytest.approx(sl1, rel=1e-5)
    assert float(loss.data) == pytest.approx(ce + 2 * sl1, rel=1e-5)
    d_logits, d_deltas = from_numpy(logits), from_numpy(deltas)
    d_logits.requires_grad_(True)
    d_deltas.requires_grad_(True)
    region_loss(d_logits, d_deltas, labels, targets)[0].backward()
    assert (d_deltas.grad.data[0] == 0).all() and (d_deltas.grad.data[1, :4] == 0).all()  # background, other classes
    with pytest.raises(ValueError, match="region_loss"):
        region_loss(from_numpy(logits), from_numpy(deltas[:, :8]), labels, targets)


def test_regions_to_detections():
    props = np.array([[10, 10, 30, 30], [11, 10, 31, 30], [40, 40, 60, 60]], np.float32)
    logits = np.log(np.array([[0.1, 0.8, 0.05, 0.05], [0.2, 0.7, 0.05, 0.05], [0.1, 0.0001, 0.0001, 0.8998]]))
    deltas = np.zeros((3, 12), np.float32)
    deltas[2, 8:] = encode_box_deltas(props[2:], np.array([[42, 40, 62, 60]], np.float32), BOX_WEIGHTS)[0]
    det = regions_to_detections(logits.astype(np.float32), deltas, props, (64, 64), score_threshold=0.5)
    assert det["labels"].tolist() == [2, 0]  # class 3 → label 2 first (0.90), duplicate of box 0 suppressed
    np.testing.assert_allclose(det["boxes"], [[42, 40, 62, 60], [10, 10, 30, 30]], atol=1e-4)
    np.testing.assert_allclose(det["scores"], [0.8998, 0.8], rtol=1e-4)


def test_warp_regions_reads_the_box():
    img = np.random.default_rng(2).random((3, 20, 30)).astype(np.float32)
    crops = warp_regions(img, np.array([[2, 3, 7, 8], [0, 0, 30, 20]]), 5)
    assert crops.shape == (2, 3, 5, 5) and crops.dtype == np.float32
    np.testing.assert_allclose(crops[0], img[:, 3:8, 2:7], atol=1e-6)  # a 5×5 box on the pixel grid
    wide = warp_regions(img, np.array([[0, 0, 30, 20]]), 10)[0]  # 30×20 squeezed to 10×10: column j samples x = 3j + 1
    np.testing.assert_allclose(wide[:, 0, :], 0.5 * (img[:, 0, 1::3] + img[:, 1, 1::3]), atol=1e-6)
    grown = warp_regions(img, np.array([[5, 5, 15, 15]]), 12, context=0.1)  # 10 px box + 1 px each side
    np.testing.assert_allclose(grown[0], warp_regions(img, np.array([[4, 4, 16, 16]]), 12)[0], atol=1e-6)
    with pytest.raises(ValueError, match="warp_regions"):
        warp_regions(img[0], np.zeros((1, 4)), 4)
