"""Non-maximum suppression: greedy NMS, class-wise (batched) NMS and Soft-NMS.

The seeds' steps: drop boxes scoring below a threshold; sort the rest by score; keep the
best box and discard every remaining box whose IoU with it is **greater than**
``iou_threshold``; repeat with the best box not yet discarded. Class-wise NMS runs this
per class (boxes of different classes never suppress each other); Soft-NMS (Bodla et
al. 2017) decays the scores of overlapping boxes instead of discarding them:

    linear:   s_i ← s_i · (1 − IoU(M, b_i))   if IoU(M, b_i) > iou_threshold
    gaussian: s_i ← s_i · exp(−IoU(M, b_i)² / σ)

Each kept box computes its IoUs with all candidate boxes at once (one array operation),
and only with the boxes whose x-range can overlap it, found by binary search over the
boxes sorted by x1: 10,000 boxes take a fraction of a second, not a Python loop over pairs.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nnlab.autograd.tensor import Tensor
from nnlab.vision.boxes import check_boxes, iou_broadcast

__all__ = ["nms", "batched_nms", "soft_nms"]


def _arrays(fn: str, boxes: Any, scores: Any, iou_threshold: float) -> tuple[np.ndarray, np.ndarray]:
    boxes = check_boxes(boxes, fn)
    boxes = boxes.array if isinstance(boxes, Tensor) else boxes
    scores = scores.array if isinstance(scores, Tensor) else np.asarray(scores)
    if scores.ndim != 1 or scores.shape[0] != boxes.shape[0]:
        raise ValueError(f"{fn}: scores must have shape ({boxes.shape[0]},) to match boxes {tuple(boxes.shape)}, "
                         f"got {tuple(scores.shape)}")
    if not 0.0 <= float(iou_threshold) <= 1.0:
        raise ValueError(f"{fn}: iou_threshold must lie in [0, 1], got {iou_threshold}")
    return boxes, scores


#: Up to this many boxes NMS computes the full IoU matrix once (N² memory, a few MB).
_DENSE_MAX = 1024


def _greedy(boxes: np.ndarray, order: np.ndarray, iou_threshold: float) -> np.ndarray:
    """Greedy NMS over ``boxes`` visited in ``order``; each kept box suppresses only its x-neighbours.

    Two boxes with positive overlap satisfy x1_j ∈ [x1_i − max width, x2_i], so with the boxes
    sorted by x1 each kept box needs the IoUs of one contiguous window, not of all N boxes.
    """
    n = len(order)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    if n <= _DENSE_MAX:  # few boxes (an RPN's proposals): one IoU matrix beats a window search per kept box
        iou = iou_broadcast(boxes[:, None, :], boxes[None, :, :])
        alive = np.ones(n, dtype=bool)
        keep = []
        for i in order.tolist():
            if alive[i]:
                keep.append(i)
                alive &= iou[i] <= iou_threshold  # boxes already visited are not looked at again
        return np.asarray(keep, dtype=np.int64)
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n)
    by_x = np.argsort(boxes[:, 0], kind="stable")
    sorted_boxes, sorted_rank = boxes[by_x], rank[by_x]
    x1 = sorted_boxes[:, 0]
    max_w = float((boxes[:, 2] - boxes[:, 0]).max())
    lo = np.searchsorted(x1, boxes[:, 0] - max_w, side="left")
    hi = np.searchsorted(x1, boxes[:, 2], side="right")
    alive = np.ones(n, dtype=bool)
    keep = []
    for i in order.tolist():
        if not alive[i]:
            continue
        keep.append(i)
        a, b = lo[i], hi[i]
        hit = (iou_broadcast(boxes[i], sorted_boxes[a:b]) > iou_threshold) & (sorted_rank[a:b] > rank[i])
        alive[by_x[a:b][hit]] = False
    return np.asarray(keep, dtype=np.int64)


def nms(boxes: Any, scores: Any, iou_threshold: float) -> np.ndarray:
    """Greedy non-maximum suppression (torchvision.ops.nms).

    Args:
        boxes: xyxy boxes; scores: one score per box.
        iou_threshold: a box is discarded when its IoU with a kept box is > this value.

    Returns:
        int64 indices of the kept boxes, by decreasing score (ties keep the input order).

    Shape:
        - boxes: :math:`(N, 4)`, scores: :math:`(N,)`. Output: :math:`(K,)`, K ≤ N.
    """
    boxes, scores = _arrays("nms", boxes, scores, iou_threshold)
    order = np.argsort(-scores, kind="stable")
    return _greedy(boxes, order, float(iou_threshold))


def batched_nms(boxes: Any, scores: Any, idxs: Any, iou_threshold: float) -> np.ndarray:
    """Class-wise NMS: boxes with different ``idxs`` (class labels) never suppress each other.

    Each class's boxes are shifted by ``class × (max coordinate + 1)`` so that boxes of
    different classes cannot overlap, and one greedy NMS runs over all of them.

    Returns:
        int64 indices of the kept boxes, by decreasing score.

    Shape:
        - boxes: :math:`(N, 4)`, scores: :math:`(N,)`, idxs: :math:`(N,)` integers. Output: :math:`(K,)`.
    """
    boxes, scores = _arrays("batched_nms", boxes, scores, iou_threshold)
    idxs = idxs.array if isinstance(idxs, Tensor) else np.asarray(idxs)
    if idxs.shape != scores.shape:
        raise ValueError(f"batched_nms: idxs must have shape {scores.shape} like scores, got {idxs.shape}")
    if boxes.shape[0] == 0:
        return np.zeros(0, dtype=np.int64)
    span = float(boxes.max() - min(boxes.min(), 0)) + 1.0
    _, cls = np.unique(idxs, return_inverse=True)
    shifted = boxes.astype(np.float64) + (cls.reshape(-1) * span)[:, None]
    return _greedy(shifted, np.argsort(-scores, kind="stable"), float(iou_threshold))


def soft_nms(boxes: Any, scores: Any, iou_threshold: float = 0.3, sigma: float = 0.5, method: str = "gaussian",
             score_threshold: float = 0.001) -> tuple[np.ndarray, np.ndarray]:
    """Soft-NMS (Bodla et al. 2017): decay the scores of boxes overlapping a kept box.

    Repeatedly keep the highest-scoring remaining box M and rescale every other remaining
    box: ``linear`` multiplies by (1 − IoU) where IoU > ``iou_threshold``; ``gaussian``
    by exp(−IoU²/σ); ``hard`` zeroes it where IoU > ``iou_threshold`` (plain NMS). Boxes
    whose score falls below ``score_threshold`` are dropped.

    Args:
        boxes: xyxy boxes; scores: one score per box.
        iou_threshold: overlap above which ``linear``/``hard`` decay. Default: 0.3.
        sigma: the Gaussian's σ. Default: 0.5.
        method: ``"gaussian"`` | ``"linear"`` | ``"hard"``. Default: ``"gaussian"``.
        score_threshold: drop boxes whose (decayed) score is below this. Default: 0.001.

    Returns:
        ``(keep, new_scores)``: int64 indices of the kept boxes in the order they were
        selected (decreasing decayed score) and their decayed scores.
    """
    boxes, scores = _arrays("soft_nms", boxes, scores, iou_threshold)
    if method not in ("gaussian", "linear", "hard"):
        raise ValueError(f"soft_nms: method must be 'gaussian', 'linear' or 'hard', got {method!r}")
    if sigma <= 0:
        raise ValueError(f"soft_nms: sigma must be positive, got {sigma}")
    s = scores.astype(np.float64).copy()
    alive = np.nonzero(s >= score_threshold)[0]
    keep, kept_scores = [], []
    while alive.size:
        j = int(np.argmax(s[alive]))  # first of equal maxima: ties keep the input order
        m = alive[j]
        keep.append(m)
        kept_scores.append(s[m])
        alive = np.delete(alive, j)
        if not alive.size:
            break
        iou = iou_broadcast(boxes[m], boxes[alive]).astype(np.float64)
        if method == "gaussian":
            s[alive] *= np.exp(-(iou * iou) / sigma)
        elif method == "linear":
            s[alive] *= np.where(iou > iou_threshold, 1.0 - iou, 1.0)
        else:
            s[alive] *= iou <= iou_threshold
        alive = alive[s[alive] >= score_threshold]
    return np.asarray(keep, dtype=np.int64), np.asarray(kept_scores, dtype=scores.dtype)
