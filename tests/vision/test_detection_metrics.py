"""Detection metrics: hand-computed AP, matching rules, and equality with pycocotools on the same detections."""

import contextlib
import io

import numpy as np
import pytest
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

from nnlab.vision.detection_metrics import (
    average_precision, evaluate_detections, mean_average_precision, precision_recall_curve,
)


def scene(rng, n_img=25, classes=3, jitter=2.0):
    preds, targets = [], []
    for _ in range(n_img):
        g = int(rng.integers(0, 4))
        xy = rng.uniform(0, 80, (g, 2))
        gt = np.concatenate([xy, xy + rng.uniform(5, 30, (g, 2))], 1)
        gl = rng.integers(0, classes, g)
        targets.append({"boxes": gt, "labels": gl})
        fxy = rng.uniform(0, 80, (2, 2))
        pb = np.concatenate([gt + rng.normal(0, jitter, gt.shape), np.concatenate([fxy, fxy + 15], 1)])
        pb[:, 2:] = np.maximum(pb[:, 2:], pb[:, :2] + 1)
        pl = np.concatenate([np.where(rng.random(g) < 0.85, gl, rng.integers(0, classes, g)), rng.integers(0, classes, 2)])
        preds.append({"boxes": pb, "labels": pl, "scores": np.round(rng.random(len(pb)), 2)})  # rounding: ties
    return preds, targets


def pycocotools_stats(preds, targets, classes=3):
    images, anns, dets = [], [], []
    for i, (p, t) in enumerate(zip(preds, targets)):
        images.append({"id": i + 1, "width": 128, "height": 128})
        for b, lab in zip(t["boxes"], t["labels"]):
            w, h = b[2] - b[0], b[3] - b[1]
            anns.append({"id": len(anns) + 1, "image_id": i + 1, "category_id": int(lab) + 1,
                         "bbox": [b[0], b[1], w, h], "area": w * h, "iscrowd": 0})
        for b, lab, s in zip(p["boxes"], p["labels"], p["scores"]):
            dets.append({"image_id": i + 1, "category_id": int(lab) + 1,
                         "bbox": [b[0], b[1], b[2] - b[0], b[3] - b[1]], "score": float(s)})
    gt = COCO()
    gt.dataset = {"images": images, "annotations": anns, "categories": [{"id": c + 1, "name": str(c)} for c in range(classes)]}
    with contextlib.redirect_stdout(io.StringIO()):
        gt.createIndex()
        ev = COCOeval(gt, gt.loadRes(dets), "bbox")
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    return ev.stats


@pytest.mark.parametrize("seed,jitter", [(0, 1.0), (1, 3.0), (2, 0.5)])
def test_equal_to_pycocotools(seed, jitter):
    preds, targets = scene(np.random.default_rng(seed), jitter=jitter)
    stats = pycocotools_stats(preds, targets)
    ev = evaluate_detections(preds, targets)
    assert ev.map == pytest.approx(stats[0], abs=1e-12)  # AP@[.5:.95]
    assert ev.map_50 == pytest.approx(stats[1], abs=1e-12)  # AP@0.5
    assert ev.map_at(0.75) == pytest.approx(stats[2], abs=1e-12)
    assert mean_average_precision(preds, targets) == pytest.approx(stats[1], abs=1e-12)


def test_hand_computed_curve_and_ap():
    # 3 objects; detections by score: TP, FP, TP → precision 1, 1/2, 2/3; recall 1/3, 1/3, 2/3.
    prec, rec = precision_recall_curve(np.array([0.9, 0.8, 0.7]), np.array([True, False, True]), 3)
    np.testing.assert_allclose(prec, [1, 0.5, 2 / 3])
    np.testing.assert_allclose(rec, [1 / 3, 1 / 3, 2 / 3])
    # VOC: envelope 1 up to 1/3, 2/3 up to 2/3 → 1/3 + 2/9.
    assert average_precision(prec, rec, "voc") == pytest.approx(1 / 3 + 2 / 9)
    # COCO: recalls 0..0.33 (34 points) get 1, 0.34..0.66 (33 points) get 2/3, the other 34 get 0.
    assert average_precision(prec, rec, "coco") == pytest.approx((34 + 33 * 2 / 3) / 101)


def test_duplicates_are_false_positives_and_iou_half_counts():
    gt = [{"boxes": np.array([[0, 0, 10, 10]]), "labels": np.array([0])}]
    # Second box has IoU exactly 0.5 with the object; the first, better one takes it.
    dup = [{"boxes": np.array([[0, 0, 10, 10], [0, 0, 10, 5]]), "scores": np.array([0.9, 0.8]), "labels": np.array([0, 0])}]
    ev = evaluate_detections(dup, gt, iou_thresholds=(0.5,))
    prec, rec = ev.curves[(0.5, 0)]
    np.testing.assert_allclose(prec, [1.0, 0.5], rtol=1e-9)
    half = [{"boxes": np.array([[0, 0, 10, 5]]), "scores": np.array([0.8]), "labels": np.array([0])}]
    assert mean_average_precision(half, gt) == pytest.approx(1.0)  # IoU ≥ 0.5 counts as correct
    wrong_class = [{"boxes": np.array([[0, 0, 10, 10]]), "scores": np.array([0.9]), "labels": np.array([1])}]
    assert mean_average_precision(wrong_class, gt) == 0.0


def test_errors():
    with pytest.raises(ValueError, match="evaluate_detections: 1 prediction entries for 2 images"):
        evaluate_detections([{}], [{}, {}])
    with pytest.raises(ValueError, match="evaluate_detections: image 0 must be a dict with 'scores'"):
        evaluate_detections([{"boxes": np.zeros((0, 4)), "labels": []}], [{"boxes": np.zeros((0, 4)), "labels": []}])
