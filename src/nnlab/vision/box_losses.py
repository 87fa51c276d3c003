"""Differentiable IoU losses between matched boxes (torchvision.ops' ``*_box_iou_loss``).

For predicted boxes A and their targets B, row by row (xyxy, Tensors), with
IoU = |A ∩ B| / (|A ∪ B| + eps):

    generalized_box_iou_loss = 1 − IoU + (|C| − |A ∪ B|) / (|C| + eps)
    distance_box_iou_loss    = 1 − IoU + ρ² / (c² + eps)
    complete_box_iou_loss    = distance_box_iou_loss + α v,   α = v / (1 − IoU + v + eps) held constant

(C the enclosing box, ρ the centre distance, c its diagonal, v the aspect term of
:func:`nnlab.vision.boxes.aspect_term`). As in torchvision, α carries no gradient.
"""

from __future__ import annotations

from typing import Any

from nnlab.autograd.tensor import Tensor
from nnlab.ops._promotion import as_float
from nnlab.ops.creation import as_tensor
from nnlab.vision.boxes import aspect_term, box_terms

__all__ = ["generalized_box_iou_loss", "distance_box_iou_loss", "complete_box_iou_loss"]

REDUCTIONS = ("none", "mean", "sum")


def _inputs(fn: str, boxes1: Any, boxes2: Any, reduction: str) -> tuple[Tensor, Tensor]:
    if reduction not in REDUCTIONS:
        raise ValueError(f"{fn}: reduction must be one of {REDUCTIONS}, got {reduction!r}")
    a = boxes1 if isinstance(boxes1, Tensor) else as_tensor(boxes1)
    b = boxes2 if isinstance(boxes2, Tensor) else as_tensor(boxes2)
    if a.shape != b.shape or a.shape[-1:] != (4,):
        raise ValueError(f"{fn}: boxes1 and boxes2 must both have shape (..., 4) and match, "
                         f"got {tuple(a.shape)} and {tuple(b.shape)}")
    return as_float(a), as_float(b)


def _reduce(loss: Tensor, reduction: str) -> Tensor:
    if reduction == "none":
        return loss
    if loss.size == 0:  # torchvision: the mean of no boxes is 0, not NaN
        return loss.sum()
    return loss.mean() if reduction == "mean" else loss.sum()


def _diou_iou(fn: str, boxes1: Any, boxes2: Any, reduction: str, eps: float):
    a, b = _inputs(fn, boxes1, boxes2, reduction)
    t = box_terms(a, b)
    iou = t.inter / (t.union + eps)
    return t, iou, 1 - iou + t.rho2 / (t.diag2 + eps)


def generalized_box_iou_loss(boxes1: Any, boxes2: Any, reduction: str = "none", eps: float = 1e-7) -> Tensor:
    """1 − GIoU of matched xyxy boxes; gradient flows even when they do not overlap.

    Args:
        boxes1: predicted boxes; boxes2: their targets.
        reduction: ``"none"`` | ``"mean"`` | ``"sum"``. Default: ``"none"``.
        eps: guards the divisions. Default: 1e-7.

    Shape:
        - boxes1, boxes2: :math:`(N, 4)` (or any ``(..., 4)``). Output: :math:`(N,)` or a scalar.
    """
    a, b = _inputs("generalized_box_iou_loss", boxes1, boxes2, reduction)
    t = box_terms(a, b)
    iou = t.inter / (t.union + eps)
    return _reduce(1 - iou + (t.enclose - t.union) / (t.enclose + eps), reduction)


def distance_box_iou_loss(boxes1: Any, boxes2: Any, reduction: str = "none", eps: float = 1e-7) -> Tensor:
    """1 − DIoU = 1 − IoU + ρ²/c² of matched xyxy boxes (pulls the centres together).

    Args and shapes as :func:`generalized_box_iou_loss`.
    """
    _, _, loss = _diou_iou("distance_box_iou_loss", boxes1, boxes2, reduction, eps)
    return _reduce(loss, reduction)


def complete_box_iou_loss(boxes1: Any, boxes2: Any, reduction: str = "none", eps: float = 1e-7) -> Tensor:
    """1 − CIoU = 1 − IoU + ρ²/c² + α v of matched xyxy boxes (also matches the aspect ratio).

    Args and shapes as :func:`generalized_box_iou_loss`.
    """
    t, iou, loss = _diou_iou("complete_box_iou_loss", boxes1, boxes2, reduction, eps)
    v = aspect_term(t, eps=eps)
    alpha = (v / (1 - iou + v + eps)).detach()
    return _reduce(loss + alpha * v, reduction)
