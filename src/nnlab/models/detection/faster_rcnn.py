"""Faster R-CNN (Ren et al. 2015): a shared backbone, a region proposal network and the Fast R-CNN head.

The seeds' picture (004 §9): R-CNN classified ~2000 warped crops one by one; Fast R-CNN
ran the CNN once and pooled each proposal from the shared feature map (RoI pooling);
Faster R-CNN makes the proposals themselves with a small network on that same map, so
the whole detector trains end to end. One forward:

    features = backbone(images)                         stride s (4 here)
    proposals, L_rpn = RPN(features)                    anchors → objectness, deltas → NMS
    detections, L_det = RoIHeads(features, proposals)   RoIAlign 7×7 → 2 FC → class + deltas
    loss = L_objectness + L_rpn_box + L_classifier + L_box          (the multi-task loss)

The targets of a batch travel as one padded array (N, M, 5) of rows (x1, y1, x2, y2,
label) with label −1 for padding (:func:`pack_targets`), so the ordinary ``DataLoader``
batches them and ``training_step`` hands the loss to the one :class:`~nnlab.train.Trainer`.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from nnlab import nn
from nnlab.autograd.tensor import Tensor
from nnlab.ops.creation import as_tensor
from nnlab.vision.roi_modules import RoIAlign, RoIPool
from nnlab.models.detection.roi_heads import FastRCNNPredictor, RoIHeads, TwoMLPHead, detecting
from nnlab.models.detection.rpn import RegionProposalNetwork

__all__ = ["FasterRCNN", "small_backbone", "pack_targets", "unpack_targets"]


def small_backbone(channels: Sequence[int] = (16, 32, 64), in_channels: int = 3) -> nn.Sequential:
    """[conv3×3 → BN → ReLU → max-pool 2] for all widths but the last, then two conv blocks at the last width.

    The stride is 2^(len(channels) − 1): 4 with the default, a 16×16 map for a 64×64 image.
    """
    layers: list[nn.Module] = []
    c = in_channels
    for i, width in enumerate(channels):
        layers += [nn.Conv2d(c, width, 3, padding=1, bias=False), nn.BatchNorm2d(width), nn.ReLU()]
        layers += [nn.MaxPool2d(2)] if i < len(channels) - 1 else \
            [nn.Conv2d(width, width, 3, padding=1, bias=False), nn.BatchNorm2d(width), nn.ReLU()]
        c = width
    return nn.Sequential(*layers)


def pack_targets(boxes: Sequence[np.ndarray], labels: Sequence[np.ndarray], max_objects: int | None = None) -> np.ndarray:
    """(N, M, 5) float32 rows (x1, y1, x2, y2, label), padded with label −1 (M = most objects in an image)."""
    m = max_objects if max_objects is not None else max([len(b) for b in boxes] + [1])
    out = np.zeros((len(boxes), m, 5), dtype=np.float32)
    out[..., 4] = -1
    for i, (b, lab) in enumerate(zip(boxes, labels)):
        if len(b) > m:
            raise ValueError(f"pack_targets: image {i} has {len(b)} objects, more than max_objects = {m}")
        out[i, : len(b), :4], out[i, : len(b), 4] = b, lab
    return out


def unpack_targets(packed) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """The per-image boxes (G_i, 4) and labels (G_i,) of a :func:`pack_targets` array (or Tensor)."""
    arr = packed.array if isinstance(packed, Tensor) else np.asarray(packed)
    keep = [row[:, 4] >= 0 for row in arr]
    return ([row[k, :4].astype(np.float32) for row, k in zip(arr, keep)],
            [row[k, 4].astype(np.int64) for row, k in zip(arr, keep)])


class FasterRCNN(nn.Module):
    """A small Faster R-CNN for the synthetic shapes (module docstring).

    Args:
        num_classes: C object classes (background is added). image_size: square input side. Default: 64.
        channels: backbone widths (:func:`small_backbone`). Default: (16, 32, 64).
        anchor_sizes, aspect_ratios: RPN anchors in pixels, h/w. Default: (12, 18, 26), (1.0,).
        pooler: ``"align"`` (RoIAlign, sampling 2, aligned) or ``"pool"`` (RoIPool). Default: ``"align"``.
        roi_size: PH = PW of the pooled RoI. Default: 7. representation_size: FC width. Default: 256.
        rpn_kwargs, roi_kwargs: passed to :class:`RegionProposalNetwork` and :class:`RoIHeads`.

    Attributes:
        backbone, rpn (:class:`RegionProposalNetwork`), roi_heads (:class:`RoIHeads`).
    """

    def __init__(self, num_classes: int, image_size: int = 64, channels: Sequence[int] = (16, 32, 64),
                 anchor_sizes: Sequence[float] = (12.0, 18.0, 26.0), aspect_ratios: Sequence[float] = (1.0,),
                 pooler: str = "align", roi_size: int = 7, representation_size: int = 256,
                 rpn_kwargs: dict | None = None, roi_kwargs: dict | None = None) -> None:
        super().__init__()
        if pooler not in ("align", "pool"):
            raise ValueError(f"FasterRCNN: pooler must be 'align' or 'pool', got {pooler!r}")
        self.num_classes, self.image_size = int(num_classes), int(image_size)
        self.stride = 2 ** (len(channels) - 1)
        if self.image_size % self.stride:
            raise ValueError(f"FasterRCNN: image_size {image_size} must be divisible by the stride {self.stride}")
        c = int(channels[-1])
        self.backbone = small_backbone(channels)
        self.rpn = RegionProposalNetwork(c, self.stride, anchor_sizes, aspect_ratios, **(rpn_kwargs or {}))
        # aligned: sample at pixel centres (a feature cell j covers image pixels s·j … s·j + s − 1)
        pool = (RoIAlign(roi_size, 1.0 / self.stride, 2, aligned=True) if pooler == "align"
                else RoIPool(roi_size, 1.0 / self.stride))
        self.roi_heads = RoIHeads(pool, TwoMLPHead(c * roi_size * roi_size, representation_size),
                                  FastRCNNPredictor(representation_size, self.num_classes + 1), **(roi_kwargs or {}))

    @property
    def size(self) -> tuple[int, int]:
        return self.image_size, self.image_size

    def forward(self, images: Tensor, gt_boxes: Sequence[np.ndarray] | None = None,
                gt_labels: Sequence[np.ndarray] | None = None):
        """Given the truth, the dict of the four losses; without it, the detections per image
        ``{"boxes" (D, 4) xyxy, "scores" (D,), "labels" (D,)}``.

        Shape:
            - images: :math:`(N, 3, H, W)`; gt_boxes: N arrays :math:`(G_i, 4)`; gt_labels: N :math:`(G_i,)`.
        """
        features = self.backbone(images)
        proposals, rpn_losses = self.rpn(features, self.size, gt_boxes)
        detections, det_losses, _ = self.roi_heads(features, proposals, self.size, gt_boxes, gt_labels)
        return {**rpn_losses, **det_losses} if gt_boxes is not None else detections

    def training_step(self, batch) -> dict:
        """``(images, packed targets)`` → ``{"loss": the sum, and each term as a number}`` for the Trainer."""
        images, packed = batch[0], batch[1]
        boxes, labels = unpack_targets(packed)
        losses = self(images, boxes, labels)
        total = sum(losses.values())
        return {"loss": total, **{k: float(v.array) for k, v in losses.items()}}

    def detect(self, images, conf_threshold: float = 0.05, iou_threshold: float = 0.5,
               batch_size: int = 32) -> list[dict]:
        """Detections of ``images`` (N, 3, H, W) in evaluation mode, without gradients, batch by batch.

        Args:
            conf_threshold: smallest class probability kept. Default: 0.05.
            iou_threshold: class-wise NMS threshold. Default: 0.5. batch_size: images per forward. Default: 32.
        """
        arr = images.array if isinstance(images, Tensor) else np.asarray(images, dtype=np.float32)
        out: list[dict] = []
        with detecting(self, self.roi_heads, conf_threshold, iou_threshold):
            for i in range(0, len(arr), batch_size):
                out += self(as_tensor(arr[i : i + batch_size]))
        return out
