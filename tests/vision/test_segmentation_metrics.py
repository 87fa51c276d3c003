"""Segmentation metrics: a hand-computed case, scikit-learn as the oracle, NaN for absent classes, ignore_index."""

import numpy as np
import pytest
from sklearn.metrics import f1_score, jaccard_score

import nnlab
from nnlab.vision import (
    SegmentationScores, dice_per_class, iou_per_class, mean_iou, pixel_accuracy, segmentation_confusion,
    segmentation_scores,
)

TARGET = np.array([[[0, 0, 1], [1, 2, 2]]])
PRED = np.array([[[0, 1, 1], [1, 2, 0]]])


def test_hand_computed_case():
    # Rows true 0,1,2: true 0 → (0, 1); true 1 → (1, 1); true 2 → (2, 0).
    cm = segmentation_confusion(TARGET, PRED, 4)
    np.testing.assert_array_equal(cm, [[1, 1, 0, 0], [0, 2, 0, 0], [1, 0, 1, 0], [0, 0, 0, 0]])
    s = segmentation_scores(TARGET, PRED, 4)
    assert s.pixel_accuracy == pytest.approx(4 / 6) == pixel_accuracy(TARGET, PRED)
    # IoU = TP / (TP + FP + FN): 1/3, 2/3, 1/2; class 3 appears nowhere: NaN, left out of the mean.
    np.testing.assert_allclose(s.iou[:3], [1 / 3, 2 / 3, 1 / 2])
    assert np.isnan(s.iou[3]) and np.isnan(s.dice[3])
    assert s.miou == pytest.approx(0.5) == mean_iou(TARGET, PRED, 4)
    np.testing.assert_allclose(s.dice[:3], [0.5, 0.8, 2 / 3])  # 2TP / (2TP + FP + FN)
    assert s.mean_dice == pytest.approx((0.5 + 0.8 + 2 / 3) / 3)
    d = s.as_dict(("bg", "a", "b", "c"))
    assert d["iou"]["a"] == pytest.approx(2 / 3) and d["miou"] == pytest.approx(0.5)


def test_matches_sklearn_on_random_maps_and_scores():
    r = np.random.default_rng(0)
    target = r.integers(0, 5, (3, 16, 20))
    scores = r.standard_normal((3, 5, 16, 20)).astype(np.float32)
    scores[:, 2] += 2 * (target == 2)  # some agreement, so IoUs are not all tiny
    pred = scores.argmax(1)
    t, p = target.ravel(), pred.ravel()
    np.testing.assert_allclose(iou_per_class(target, nnlab.from_numpy(scores), 5),
                               jaccard_score(t, p, average=None, labels=range(5)))
    np.testing.assert_allclose(dice_per_class(target, pred, 5), f1_score(t, p, average=None, labels=range(5)))
    assert mean_iou(target, pred, 5) == pytest.approx(jaccard_score(t, p, average="macro"))
    # Scores summed over batches equal the scores of the whole set.
    parts = [segmentation_scores(target[i:i + 1], pred[i:i + 1], 5) for i in range(3)]
    total = parts[0] + parts[1] + parts[2]
    assert isinstance(total, SegmentationScores) and total.miou == pytest.approx(mean_iou(target, pred, 5))


def test_ignore_index_and_errors():
    target = TARGET.copy()
    target[0, 1, 2] = 255  # the one wrong class-2 pixel becomes "don't care"
    s = segmentation_scores(target, PRED, 3, ignore_index=255)
    assert s.confusion.sum() == 5 and s.iou[2] == 1.0
    assert pixel_accuracy(target, PRED, ignore_index=255) == pytest.approx(4 / 5)
    with pytest.raises(ValueError, match="segmentation_confusion: target shape \\(1, 2, 3\\) and prediction"):
        segmentation_confusion(TARGET, PRED[:, :1], 3)
    with pytest.raises(TypeError, match="class maps must be integers"):
        segmentation_confusion(TARGET, PRED.astype(float), 3)
    with pytest.raises(ValueError, match="outside \\[0, 1\\]"):
        segmentation_confusion(TARGET, PRED, 2)
