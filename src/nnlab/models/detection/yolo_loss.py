"""The YOLO loss (YOLOv2's terms, batch-summed and divided by the batch size N).

With 1^obj marking the anchors responsible for an object (its midpoint's cell, its best
anchor), 1^noobj the others (minus those whose predicted box already overlaps some
object by more than ``ignore_threshold``, which YOLOv2 neither rewards nor punishes):

    L = λ_coord Σ 1^obj [(σ(t_x) − t̂_x)² + (σ(t_y) − t̂_y)² + (t_w − t̂_w)² + (t_h − t̂_h)²]
      + Σ 1^obj BCE(t_o, IoU(b, b̂))  +  λ_noobj Σ 1^noobj BCE(t_o, 0)
      + Σ 1^obj CE(logits, ĉ)

so σ(t_o) learns the seeds' confidence P(object)·IoU (``rescore=True``; with False the
target is 1). The IoU target is computed from the detached prediction: it is a target,
not a path for gradients.
"""

from __future__ import annotations

import numpy as np

from nnlab import functional as F
from nnlab import nn
from nnlab.autograd.tensor import Tensor
from nnlab.models.detection.yolo import sigmoid_np
from nnlab.ops.creation import as_tensor
from nnlab.vision.anchors import decode_boxes
from nnlab.vision.boxes import iou_broadcast

__all__ = ["YOLOLoss"]


class YOLOLoss(nn.Module):
    """YOLO loss between raw predictions and dense targets from :meth:`YOLO.encode_targets`.

    Args:
        anchors: (B, 2) anchor widths and heights in pixels; image_size: input size in pixels.
        lambda_coord: weight of the box terms. Default: 5.0 (YOLO).
        lambda_noobj: weight of the no-object confidence term. Default: 0.5 (YOLO).
        rescore: confidence target IoU(pred, truth) (True) or 1 (False). Default: True.
        ignore_threshold: no-object anchors whose box overlaps an object by more than this
            are left out of the no-object term; None keeps them all. Default: 0.6.

    Shape:
        - pred: :math:`(N, S, S, B, 5 + C)`; target: :math:`(N, S, S, B, 10)`. Output: scalar.

    Attributes:
        last: the four terms of the last call, as floats (``coord``, ``obj``, ``noobj``, ``cls``).
    """

    def __init__(self, anchors, image_size: int, lambda_coord: float = 5.0, lambda_noobj: float = 0.5,
                 rescore: bool = True, ignore_threshold: float | None = 0.6) -> None:
        super().__init__()
        self.anchors = np.asarray(anchors, dtype=np.float32).reshape(-1, 2)
        self.image_size = int(image_size)
        self.lambda_coord, self.lambda_noobj = float(lambda_coord), float(lambda_noobj)
        self.rescore, self.ignore_threshold = bool(rescore), ignore_threshold
        self.last: dict[str, float] = {}

    def _check(self, pred: Tensor, target: np.ndarray) -> None:
        if pred.ndim != 5 or pred.shape[3] != len(self.anchors) or pred.shape[4] < 6:
            raise ValueError(f"YOLOLoss: pred must be (N, S, S, B={len(self.anchors)}, 5 + C), got {tuple(pred.shape)}")
        if target.shape != (*pred.shape[:4], 10):
            raise ValueError(f"YOLOLoss: target must be {(*pred.shape[:4], 10)} (see YOLO.encode_targets), "
                             f"got {target.shape}")

    def _targets(self, pred: np.ndarray, target: np.ndarray, obj: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Confidence targets (IoU or 1 on object anchors) and the no-object mask."""
        xy = sigmoid_np(pred[..., 0:2])
        boxes = decode_boxes(np.concatenate([xy, pred[..., 2:4]], axis=-1), self.anchors, self.image_size)
        conf = np.where(obj, iou_broadcast(boxes, target[..., 6:10]) if self.rescore else 1.0, 0.0)
        noobj = ~obj
        if self.ignore_threshold is not None:
            for i in range(len(pred)):
                truth = target[i][obj[i]][:, 6:10]
                if len(truth):
                    best = iou_broadcast(boxes[i][..., None, :], truth).max(axis=-1)
                    noobj[i] &= best <= self.ignore_threshold
        return conf.astype(pred.dtype), noobj

    def forward(self, pred: Tensor, target) -> Tensor:
        target = target.array if isinstance(target, Tensor) else np.asarray(target)
        self._check(pred, target)
        n = pred.shape[0]
        obj = target[..., 0] > 0.5
        conf, noobj = self._targets(pred.array, target, obj)
        dtype = pred.dtype
        obj_m = as_tensor(obj.astype(dtype))
        noobj_m = as_tensor(noobj.astype(dtype))
        xy = F.sigmoid(pred[..., 0:2])
        d_xy = xy - as_tensor(target[..., 1:3].astype(dtype))
        d_wh = pred[..., 2:4] - as_tensor(target[..., 3:5].astype(dtype))
        coord = ((d_xy * d_xy + d_wh * d_wh).sum(-1) * obj_m).sum()
        bce = F.binary_cross_entropy_with_logits(pred[..., 4], as_tensor(conf), reduction="none")
        obj_loss = (bce * obj_m).sum()
        noobj_loss = (bce * noobj_m).sum()
        num_classes = pred.shape[4] - 5
        onehot = np.zeros((*obj.shape, num_classes), dtype=dtype)
        if obj.any():
            onehot[obj, target[..., 5][obj].astype(np.int64)] = 1.0
        cls = -(F.log_softmax(pred[..., 5:], dim=-1) * as_tensor(onehot)).sum()
        total = (self.lambda_coord * coord + obj_loss + self.lambda_noobj * noobj_loss + cls) / n
        self.last = {k: float(v.array) / n for k, v in
                     (("coord", coord), ("obj", obj_loss), ("noobj", noobj_loss), ("cls", cls))}
        return total
