"""Instance-mask metrics: pairwise mask IoU and the mean mask IoU of matched instances.

The mask IoU of a predicted mask P and a true mask T (both boolean H×W) is the box IoU's
formula on pixel sets, |P ∩ T| / |P ∪ T| (0 when both are empty). :func:`mean_mask_iou`
scores an instance segmenter per true object: the highest-scoring detection of the
object's class whose *box* overlaps the true box by IoU ≥ 0.5 (each detection used once,
objects visited in order) is its match, and the object's score is the IoU of the two
masks; an object without a match scores 0. The mean over all true objects therefore
falls for missed objects as well as for poor masks.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from nnlab.vision.boxes import box_iou

__all__ = ["mask_iou", "mean_mask_iou"]


def mask_iou(masks1: np.ndarray, masks2: np.ndarray) -> np.ndarray:
    """Pairwise IoU |A ∩ B| / |A ∪ B| of two sets of boolean masks (0 where both are empty).

    Shape:
        - masks1 :math:`(N, H, W)`, masks2 :math:`(M, H, W)`. Output :math:`(N, M)` float64.
    """
    a, b = np.asarray(masks1, dtype=bool), np.asarray(masks2, dtype=bool)
    if a.ndim != 3 or b.ndim != 3 or a.shape[1:] != b.shape[1:]:
        raise ValueError(f"mask_iou: masks must be (N, H, W) and (M, H, W) of one size, got {a.shape} and {b.shape}")
    fa, fb = a.reshape(len(a), -1).astype(np.float64), b.reshape(len(b), -1).astype(np.float64)
    inter = fa @ fb.T
    union = fa.sum(1)[:, None] + fb.sum(1)[None, :] - inter
    out = np.zeros_like(inter)
    np.divide(inter, union, out=out, where=union > 0)
    return out


def mean_mask_iou(preds: Sequence[dict], targets: Sequence[dict], box_threshold: float = 0.5,
                  mask_threshold: float = 0.5) -> float:
    """Mean over true objects of the mask IoU with their matched detection (module docstring).

    Args:
        preds: per image ``{"boxes" (D, 4), "scores" (D,), "labels" (D,), "masks" (D, H, W) probabilities}``.
        targets: per image ``{"boxes" (G, 4), "labels" (G,), "masks" (G, H, W) bool}``.
        box_threshold: box IoU a match needs. Default: 0.5. mask_threshold: a pixel is the
            object when its probability is at least this. Default: 0.5.
    """
    if len(preds) != len(targets):
        raise ValueError(f"mean_mask_iou: {len(preds)} prediction entries for {len(targets)} images")
    scores: list[float] = []
    for i, (p, t) in enumerate(zip(preds, targets)):
        if "masks" not in p or "masks" not in t:
            raise ValueError(f"mean_mask_iou: image {i} needs 'masks' in both the prediction and the target")
        gt_boxes, gt_labels = np.asarray(t["boxes"]).reshape(-1, 4), np.asarray(t["labels"])
        if not len(gt_boxes):
            continue
        if not len(p["boxes"]):
            scores += [0.0] * len(gt_boxes)
            continue
        order = np.argsort(-np.asarray(p["scores"]), kind="stable")
        boxes, labels = np.asarray(p["boxes"])[order], np.asarray(p["labels"])[order]
        masks = np.asarray(p["masks"])[order] >= mask_threshold
        overlap = box_iou(gt_boxes, boxes)
        ious = mask_iou(np.asarray(t["masks"]), masks)
        used = np.zeros(len(boxes), dtype=bool)
        for g in range(len(gt_boxes)):
            ok = np.nonzero((overlap[g] >= box_threshold) & (labels == gt_labels[g]) & ~used)[0]
            if len(ok):
                used[ok[0]] = True
                scores.append(float(ious[g, ok[0]]))
            else:
                scores.append(0.0)
    return float(np.mean(scores)) if scores else float("nan")
