"""Detection metrics: matching, precision–recall curves, AP per class, mAP@0.5 and COCO's mAP@[.5:.95].

A detection is correct (a true positive) when its IoU with a not-yet-matched ground-truth
box of its class is at least the threshold (the seeds' "IoU ≥ 0.5 counts as correct");
detections are matched greedily by decreasing score, each to the unmatched box it
overlaps most, so a second detection of the same object is a false positive. Over all
images, sorted by score, the cumulative counts give

    precision_i = TP_i / (TP_i + FP_i),   recall_i = TP_i / (number of ground-truth boxes).

AP is the area under the precision–recall curve after making precision non-increasing
(p(r) = max over r' ≥ r), sampled as COCO does at the 101 recalls 0, 0.01, …, 1
(``method="coco"``, the numbers pycocotools reports) or integrated exactly over every
recall step (``method="voc"``, PASCAL VOC 2010+). mAP is the mean of AP over the classes
that have ground truth; COCO's headline number averages it over IoU 0.50, 0.55, …, 0.95.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np

from nnlab.vision.boxes import box_iou

__all__ = ["COCO_IOU_THRESHOLDS", "DetectionEval", "evaluate_detections", "precision_recall_curve",
           "average_precision", "mean_average_precision"]

COCO_IOU_THRESHOLDS = tuple(np.round(np.linspace(0.5, 0.95, 10), 2).tolist())
RECALL_THRESHOLDS = np.linspace(0.0, 1.0, 101)


def _field(item: Any, key: str, fn: str, i: int) -> np.ndarray:
    try:
        return np.asarray(item[key])
    except (KeyError, TypeError, IndexError):
        raise ValueError(f"{fn}: image {i} must be a dict with {key!r}, got {type(item).__name__}") from None


def _image(item: Any, fn: str, i: int, with_scores: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    boxes = _field(item, "boxes", fn, i).reshape(-1, 4).astype(np.float64)
    labels = _field(item, "labels", fn, i).reshape(-1).astype(np.int64)
    scores = _field(item, "scores", fn, i).reshape(-1).astype(np.float64) if with_scores else None
    if len(labels) != len(boxes) or (scores is not None and len(scores) != len(boxes)):
        raise ValueError(f"{fn}: image {i} has {len(boxes)} boxes but {len(labels)} labels"
                         + ("" if scores is None else f" and {len(scores)} scores"))
    return boxes, labels, scores


def _match(iou: np.ndarray, threshold: float) -> np.ndarray:
    """Greedy COCO matching of score-sorted detections (rows) to ground truths (columns): True = TP."""
    matched = np.zeros(iou.shape[1], dtype=bool)
    tp = np.zeros(iou.shape[0], dtype=bool)
    for d in range(iou.shape[0]):
        best, best_iou = -1, min(threshold, 1 - 1e-10)
        for g in range(iou.shape[1]):
            if matched[g] or iou[d, g] < best_iou:
                continue
            best, best_iou = g, iou[d, g]
        if best >= 0:
            matched[best] = tp[d] = True
    return tp


def precision_recall_curve(scores: np.ndarray, tp: np.ndarray, num_gt: int) -> tuple[np.ndarray, np.ndarray]:
    """Precision and recall after each detection, detections taken by decreasing score (stable).

    Args:
        scores: (D,) detection scores; tp: (D,) True where the detection is a true positive;
        num_gt: number of ground-truth boxes (> 0).

    Returns:
        ``(precision, recall)``, both (D,), raw (not interpolated).
    """
    if num_gt <= 0:
        raise ValueError(f"precision_recall_curve: num_gt must be positive, got {num_gt}")
    order = np.argsort(-np.asarray(scores, dtype=np.float64), kind="mergesort")
    hits = np.asarray(tp, dtype=bool)[order]
    tps, fps = np.cumsum(hits), np.cumsum(~hits)
    return tps / (tps + fps + np.spacing(1)), tps / num_gt


def average_precision(precision: np.ndarray, recall: np.ndarray, method: str = "coco") -> float:
    """AP: area under the non-increasing envelope of the precision–recall curve.

    Args:
        precision, recall: the curve from :func:`precision_recall_curve`.
        method: ``"coco"`` (mean of the envelope at the 101 recalls 0, 0.01, …, 1) or
            ``"voc"`` (exact sum of Δrecall × precision). Default: ``"coco"``.
    """
    if method not in ("coco", "voc"):
        raise ValueError(f"average_precision: method must be 'coco' or 'voc', got {method!r}")
    p = np.maximum.accumulate(np.asarray(precision, dtype=np.float64)[::-1])[::-1]
    r = np.asarray(recall, dtype=np.float64)
    if not len(r):
        return 0.0
    if method == "voc":
        return float(np.sum(np.diff(np.concatenate([[0.0], r])) * p))
    idx = np.searchsorted(r, RECALL_THRESHOLDS, side="left")
    q = np.where(idx < len(p), p[np.minimum(idx, len(p) - 1)], 0.0)
    return float(q.mean())


@dataclass
class DetectionEval:
    """What :func:`evaluate_detections` measured.

    Attributes:
        iou_thresholds: the T thresholds; classes: the K class ids seen.
        ap: (T, K) AP per threshold and class (NaN for a class without ground truth).
        curves: ``curves[(t, k)] = (precision, recall)`` raw curves.
        num_gt: (K,) ground-truth boxes per class.
    """

    iou_thresholds: tuple[float, ...]
    classes: np.ndarray
    ap: np.ndarray
    num_gt: np.ndarray
    curves: dict = field(default_factory=dict, repr=False)

    def map_at(self, threshold: float) -> float:
        """mAP at one IoU threshold: the mean AP over classes with ground truth."""
        t = int(np.argmin(np.abs(np.asarray(self.iou_thresholds) - threshold)))
        if abs(self.iou_thresholds[t] - threshold) > 1e-9:
            raise ValueError(f"DetectionEval.map_at: {threshold} is not one of {self.iou_thresholds}")
        row = self.ap[t]
        return float(np.nanmean(row)) if np.isfinite(row).any() else float("nan")

    @property
    def map(self) -> float:
        """mAP averaged over all thresholds (COCO's AP@[.5:.95] with the default thresholds)."""
        valid = np.isfinite(self.ap)
        return float(self.ap[valid].mean()) if valid.any() else float("nan")

    @property
    def map_50(self) -> float:
        return self.map_at(0.5)

    def ap_per_class(self, threshold: float = 0.5) -> dict[int, float]:
        t = int(np.argmin(np.abs(np.asarray(self.iou_thresholds) - threshold)))
        return {int(k): float(a) for k, a in zip(self.classes, self.ap[t])}


def evaluate_detections(preds: Sequence[dict], targets: Sequence[dict],
                        iou_thresholds: Sequence[float] = COCO_IOU_THRESHOLDS, max_dets: int = 100,
                        method: str = "coco") -> DetectionEval:
    """Match detections to ground truth per image and class; AP for every threshold and class.

    Args:
        preds: one dict per image with ``boxes`` (D, 4) xyxy, ``scores`` (D,), ``labels`` (D,).
        targets: one dict per image with ``boxes`` (G, 4) xyxy and ``labels`` (G,).
        iou_thresholds: default COCO's 0.50:0.05:0.95.
        max_dets: keep each image's top-scoring detections per class (COCO: 100). Default: 100.
        method: AP interpolation, see :func:`average_precision`. Default: ``"coco"``.
    """
    fn = "evaluate_detections"
    if len(preds) != len(targets):
        raise ValueError(f"{fn}: {len(preds)} prediction entries for {len(targets)} images")
    thresholds = tuple(float(t) for t in iou_thresholds)
    if not thresholds or any(not 0 <= t <= 1 for t in thresholds):
        raise ValueError(f"{fn}: iou_thresholds must be non-empty values in [0, 1], got {iou_thresholds}")
    dets = [_image(p, fn, i, True) for i, p in enumerate(preds)]
    gts = [_image(t, fn, i, False) for i, t in enumerate(targets)]
    classes = np.unique(np.concatenate([g[1] for g in gts] + [d[1] for d in dets] + [np.zeros(0, np.int64)]))
    ap = np.full((len(thresholds), len(classes)), np.nan)
    num_gt = np.zeros(len(classes), dtype=np.int64)
    curves: dict = {}
    for k_i, k in enumerate(classes):
        scores, hits = [], [[] for _ in thresholds]
        for (db, dl, ds), (gb, gl, _) in zip(dets, gts):
            d_idx = np.nonzero(dl == k)[0]
            d_idx = d_idx[np.argsort(-ds[d_idx], kind="mergesort")][:max_dets]
            g = gb[gl == k]
            num_gt[k_i] += len(g)
            scores.append(ds[d_idx])
            iou = box_iou(db[d_idx], g) if len(d_idx) and len(g) else np.zeros((len(d_idx), len(g)))
            for t_i, t in enumerate(thresholds):
                hits[t_i].append(_match(iou, t))
        if num_gt[k_i] == 0:
            continue
        all_scores = np.concatenate(scores)
        for t_i in range(len(thresholds)):
            prec, rec = precision_recall_curve(all_scores, np.concatenate(hits[t_i]), int(num_gt[k_i]))
            curves[(thresholds[t_i], int(k))] = (prec, rec)
            ap[t_i, k_i] = average_precision(prec, rec, method)
    return DetectionEval(thresholds, classes, ap, num_gt, curves)


def mean_average_precision(preds: Sequence[dict], targets: Sequence[dict], iou_threshold: float = 0.5,
                           method: str = "coco") -> float:
    """mAP at one IoU threshold (default 0.5): :func:`evaluate_detections` reduced to one number."""
    return evaluate_detections(preds, targets, (iou_threshold,), method=method).map_at(iou_threshold)
