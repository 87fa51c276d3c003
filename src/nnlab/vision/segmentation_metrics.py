"""Semantic-segmentation metrics on label maps: pixel accuracy, per-class IoU, mIoU, Dice.

Everything is read off one confusion matrix M over all pixels (M[i, j] counts pixels of
true class i predicted as j; :func:`nnlab.train.metrics.confusion_matrix`), so a whole
test set is scored by summing matrices, not by averaging per-image scores:

- pixel accuracy = Σ_i M[i, i] / Σ M;
- IoU_c = TP / (TP + FP + FN) = M[c, c] / (Σ_j M[c, j] + Σ_i M[i, c] − M[c, c]);
- mIoU = the mean of IoU_c over the classes present in the truth or the prediction;
- Dice_c = 2 TP / (2 TP + FP + FN) = 2 IoU_c / (1 + IoU_c) (the F1 score of class c).

A class absent from both truth and prediction has no IoU or Dice: it is reported as NaN
and left out of the means (what ``torchmetrics`` and most benchmarks do), rather than
counted as a perfect 1 or a failed 0. ``ignore_index`` pixels (e.g. VOC's 255 borders)
are dropped before counting.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from nnlab.autograd.tensor import Tensor
from nnlab.train.metrics import confusion_matrix

__all__ = ["segmentation_confusion", "SegmentationScores", "segmentation_scores", "pixel_accuracy", "iou_per_class",
           "mean_iou", "dice_per_class", "predicted_labels"]


def _array(x: Any) -> np.ndarray:
    return x.array if isinstance(x, Tensor) else np.asarray(x)


def predicted_labels(scores: Any) -> np.ndarray:
    """Class map (N, H, W) int64 from scores (N, K, H, W): the argmax over K."""
    s = _array(scores)
    if s.ndim < 2:
        raise ValueError(f"predicted_labels: expected scores (N, K, ...), got shape {s.shape}")
    return s.argmax(axis=1).astype(np.int64)


def segmentation_confusion(target: Any, pred: Any, num_classes: int, ignore_index: int | None = None) -> np.ndarray:
    """M (K, K) int64 over all pixels: M[i, j] = pixels of true class i predicted as j.

    Args:
        target: true class map, any shape (e.g. (N, H, W)), integer.
        pred: predicted class map of the same shape, or scores (N, K, H, W) (argmax over K).
        num_classes: K.
        ignore_index: target value whose pixels are skipped. Default: None.
    """
    t = _array(target)
    p = _array(pred)
    if p.ndim == t.ndim + 1:
        p = predicted_labels(p)
    if t.shape != p.shape:
        raise ValueError(f"segmentation_confusion: target shape {t.shape} and prediction shape {p.shape} differ "
                         "(give a class map of the target's shape or scores (N, K, ...))")
    if t.dtype.kind not in "iub" or p.dtype.kind not in "iub":
        raise TypeError(f"segmentation_confusion: class maps must be integers, got {t.dtype} and {p.dtype}")
    t, p = t.reshape(-1).astype(np.int64), p.reshape(-1).astype(np.int64)
    if ignore_index is not None:
        keep = t != ignore_index
        t, p = t[keep], p[keep]
    return confusion_matrix(t, p, num_classes)


@dataclass
class SegmentationScores:
    """Scores read off a confusion matrix (see the module notes); NaN marks a class seen nowhere.

    Attributes:
        confusion: (K, K) int64. pixel_accuracy: float. iou, dice: (K,) float64 per class.
        miou, mean_dice: means over the classes with a defined score.
    """

    confusion: np.ndarray

    @property
    def pixel_accuracy(self) -> float:
        total = self.confusion.sum()
        return float(np.trace(self.confusion) / total) if total else float("nan")

    @property
    def iou(self) -> np.ndarray:
        tp = np.diag(self.confusion).astype(np.float64)
        union = self.confusion.sum(0) + self.confusion.sum(1) - tp
        return np.divide(tp, union, out=np.full_like(tp, np.nan), where=union > 0)

    @property
    def dice(self) -> np.ndarray:
        tp = np.diag(self.confusion).astype(np.float64)
        both = self.confusion.sum(0) + self.confusion.sum(1)
        return np.divide(2 * tp, both, out=np.full_like(tp, np.nan), where=both > 0)

    @property
    def miou(self) -> float:
        iou = self.iou
        return float(np.nanmean(iou)) if np.isfinite(iou).any() else float("nan")

    @property
    def mean_dice(self) -> float:
        d = self.dice
        return float(np.nanmean(d)) if np.isfinite(d).any() else float("nan")

    def __add__(self, other: "SegmentationScores") -> "SegmentationScores":
        return SegmentationScores(self.confusion + other.confusion)

    def as_dict(self, classes: tuple[str, ...] | None = None) -> dict:
        """Plain floats for JSON: pixel_accuracy, miou, mean_dice, and iou / dice per class name."""
        names = classes or tuple(str(k) for k in range(len(self.confusion)))
        return {"pixel_accuracy": self.pixel_accuracy, "miou": self.miou, "mean_dice": self.mean_dice,
                "iou": {n: float(v) for n, v in zip(names, self.iou)},
                "dice": {n: float(v) for n, v in zip(names, self.dice)}}


def segmentation_scores(target: Any, pred: Any, num_classes: int, ignore_index: int | None = None) -> SegmentationScores:
    """All scores of one prediction (see :func:`segmentation_confusion` for the arguments)."""
    return SegmentationScores(segmentation_confusion(target, pred, num_classes, ignore_index))


def pixel_accuracy(target: Any, pred: Any, ignore_index: int | None = None) -> float:
    """Σ_pixels [pred = target] / number of (non-ignored) pixels."""
    t, p = _array(target), _array(pred)
    if p.ndim == t.ndim + 1:
        p = predicted_labels(p)
    if t.shape != p.shape:
        raise ValueError(f"pixel_accuracy: target shape {t.shape} and prediction shape {p.shape} differ")
    keep = np.ones(t.shape, bool) if ignore_index is None else t != ignore_index
    if not keep.any():
        raise ValueError("pixel_accuracy: no pixels to score")
    return float(np.count_nonzero((t == p) & keep) / np.count_nonzero(keep))


def iou_per_class(target: Any, pred: Any, num_classes: int, ignore_index: int | None = None) -> np.ndarray:
    """IoU_c = TP / (TP + FP + FN) for each class c, (K,) float64, NaN where a class appears nowhere."""
    return segmentation_scores(target, pred, num_classes, ignore_index).iou


def mean_iou(target: Any, pred: Any, num_classes: int, ignore_index: int | None = None) -> float:
    """mIoU: the mean of :func:`iou_per_class` over the classes that appear."""
    return segmentation_scores(target, pred, num_classes, ignore_index).miou


def dice_per_class(target: Any, pred: Any, num_classes: int, ignore_index: int | None = None) -> np.ndarray:
    """Dice_c = 2 TP / (2 TP + FP + FN) for each class c, (K,) float64, NaN where a class appears nowhere."""
    return segmentation_scores(target, pred, num_classes, ignore_index).dice
