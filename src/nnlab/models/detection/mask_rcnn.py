"""Mask R-CNN (He et al. 2017): Faster R-CNN plus a small FCN that predicts a binary mask per RoI.

The seeds (004 §9): "Mask R-CNN = instance segmentation + Faster R-CNN" — a mask branch in
parallel with the box branch, and RoIAlign in place of RoIPool, because RoIPool's rounding
shifts the pooled features against the object by up to a cell, which a classifier
tolerates but a pixel mask does not.

Each positive RoI is pooled (RoIAlign, R×R), passed through two conv3×3 → ReLU layers, a
stride-2 transposed convolution (to 2R×2R) and a 1×1 convolution to one mask logit map
per class. The target is the object's true mask cropped and resampled to the RoI (RoIAlign
of the mask itself, :func:`project_masks_on_boxes`); the loss is the per-pixel binary
cross-entropy of the map of the RoI's own class only, so classes do not compete for pixels:

    L_mask = mean over positive RoIs and 2R×2R pixels of BCE(m_u(i, j), t(i, j)),  u the RoI's class.

At inference the mask head runs on the detected boxes, σ of the detected class's map is
pasted back into the image by bilinear resampling (:func:`paste_masks`), and ≥ 0.5 is the object.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from nnlab import functional as F
from nnlab import nn
from nnlab.autograd.tensor import Tensor
from nnlab.backend import default_generator
from nnlab.ops.creation import as_tensor
from nnlab.vision.roi import roi_align
from nnlab.vision.roi_modules import RoIAlign
from nnlab.models.detection.faster_rcnn import FasterRCNN, unpack_targets

__all__ = ["MaskRCNN", "MaskHead", "project_masks_on_boxes", "paste_masks", "pack_masks"]


class MaskHead(nn.Module):
    """conv3×3 → ReLU (×2), ConvTranspose 2×2 stride 2 → ReLU, conv1×1 to C mask logit maps.

    Shape:
        - Input: :math:`(K, C_{in}, R, R)`. Output: :math:`(K, C, 2R, 2R)`.
    """

    def __init__(self, in_channels: int, channels: int, num_classes: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, channels, 3, padding=1)
        self.conv2 = nn.Conv2d(channels, channels, 3, padding=1)
        self.up = nn.ConvTranspose2d(channels, channels, 2, stride=2)
        self.logits = nn.Conv2d(channels, num_classes, 1)

    def forward(self, x: Tensor) -> Tensor:
        x = F.relu(self.conv2(F.relu(self.conv1(x))))
        return self.logits(F.relu(self.up(x)))


def project_masks_on_boxes(gt_masks: np.ndarray, boxes: np.ndarray, matched: np.ndarray, size: int) -> np.ndarray:
    """Each RoI's target: its object's mask (G, H, W) resampled inside the RoI box to size × size, in [0, 1].

    Shape:
        - gt_masks :math:`(G, H, W)`, boxes :math:`(P, 4)`, matched :math:`(P,)`. Output :math:`(P, S, S)`.
    """
    masks = as_tensor(np.asarray(gt_masks, dtype=np.float32)[:, None])
    rois = np.concatenate([np.asarray(matched, np.float64)[:, None], np.asarray(boxes, np.float64)], 1)
    return roi_align(masks, rois, size, 1.0, 2, aligned=True).array[:, 0]


def _paste_axis(lo: np.ndarray, hi: np.ndarray, m: int, size: int) -> np.ndarray:
    """(D, size, m) linear interpolation weights from the m mask cells spanning [lo, hi] to pixel centres."""
    centre = np.arange(size) + 0.5
    u = (centre[None, :] - lo[:, None]) / np.maximum(hi - lo, 1e-6)[:, None] * m - 0.5
    inside = (centre[None, :] >= lo[:, None]) & (centre[None, :] < hi[:, None])
    u = np.clip(u, 0, m - 1)
    low = np.floor(u).astype(np.int64)
    high = np.minimum(low + 1, m - 1)
    frac = u - low
    out = np.zeros((len(lo), size, m))
    d, p = np.nonzero(inside)
    np.add.at(out, (d, p, low[d, p]), 1 - frac[d, p])
    np.add.at(out, (d, p, high[d, p]), frac[d, p])
    return out


def paste_masks(masks: np.ndarray, boxes: np.ndarray, image_size: tuple[int, int]) -> np.ndarray:
    """RoI masks (D, M, M) pasted into the image: bilinear inside each box, 0 outside.

    Shape:
        - masks :math:`(D, M, M)`, boxes :math:`(D, 4)` xyxy. Output :math:`(D, H, W)` float32.
    """
    if not len(masks):
        return np.zeros((0, *image_size), dtype=np.float32)
    m = masks.shape[-1]
    py = _paste_axis(boxes[:, 1], boxes[:, 3], m, image_size[0])
    px = _paste_axis(boxes[:, 0], boxes[:, 2], m, image_size[1])
    return np.matmul(np.matmul(py, masks), px.transpose(0, 2, 1)).astype(np.float32)


def pack_masks(masks: Sequence[np.ndarray], max_objects: int) -> np.ndarray:
    """(N, M, H, W) uint8 instance masks, zero-padded to ``max_objects`` per image (the order of the boxes)."""
    h, w = masks[0].shape[-2:]
    out = np.zeros((len(masks), max_objects, h, w), dtype=np.uint8)
    for i, m in enumerate(masks):
        out[i, : len(m)] = m
    return out


class MaskRCNN(FasterRCNN):
    """:class:`FasterRCNN` with a mask branch (module docstring).

    Args:
        num_classes, image_size, channels, anchor_sizes, ...: as :class:`FasterRCNN` (RoIAlign pooling).
        mask_roi_size: R, the pooled size of a mask RoI (masks are 2R × 2R). Default: 7.
        mask_channels: width of the mask head. Default: 32.
        mask_rois_per_image: positive RoIs per image that train the mask branch. Default: 8.
    """

    def __init__(self, num_classes: int, image_size: int = 64, channels: Sequence[int] = (16, 32, 64),
                 mask_roi_size: int = 7, mask_channels: int = 32, mask_rois_per_image: int = 8, **kwargs) -> None:
        super().__init__(num_classes, image_size, channels, pooler="align", **kwargs)
        self.mask_roi_size, self.mask_rois_per_image = int(mask_roi_size), int(mask_rois_per_image)
        self.mask_pooler = RoIAlign(mask_roi_size, 1.0 / self.stride, 2, aligned=True)
        self.mask_head = MaskHead(int(channels[-1]), mask_channels, num_classes)

    def mask_logits(self, features: Tensor, boxes: Sequence[np.ndarray], labels: np.ndarray) -> Tensor:
        """The mask logits (K, 2R, 2R) of each box, from the map of its class ``labels`` (0-based)."""
        maps = self.mask_head(self.mask_pooler(features, list(boxes)))
        return maps[np.arange(len(labels)), labels]

    def forward(self, images: Tensor, gt_boxes: Sequence[np.ndarray] | None = None,
                gt_labels: Sequence[np.ndarray] | None = None, gt_masks: Sequence[np.ndarray] | None = None):
        """Training: the five losses (with ``loss_mask``); inference: detections with ``"masks"`` (D, H, W) in [0, 1]."""
        features = self.backbone(images)
        proposals, rpn_losses = self.rpn(features, self.size, gt_boxes)
        detections, det_losses, samples = self.roi_heads(features, proposals, self.size, gt_boxes, gt_labels)
        if gt_boxes is None:
            boxes = [d["boxes"] for d in detections]
            if sum(len(b) for b in boxes):
                labels = np.concatenate([d["labels"] for d in detections])
                probs = F.sigmoid(self.mask_logits(features, boxes, labels)).array
            start = 0
            for d in detections:
                stop = start + len(d["boxes"])
                d["masks"] = paste_masks(probs[start:stop], d["boxes"], self.size) if stop > start else \
                    np.zeros((0, *self.size), np.float32)
                start = stop
            return detections
        if gt_masks is None:
            raise ValueError("MaskRCNN: training needs gt_masks beside gt_boxes and gt_labels")
        rng = default_generator()
        boxes, labels, targets = [], [], []
        for props, lab, matched, masks in zip(samples.proposals, samples.labels, samples.matched, gt_masks):
            pos = np.nonzero(lab > 0)[0]
            pos = rng.permutation(pos)[: self.mask_rois_per_image]
            boxes.append(props[pos])
            labels.append(lab[pos] - 1)
            targets.append(project_masks_on_boxes(masks, props[pos], matched[pos], 2 * self.mask_roi_size)
                           if len(pos) else np.zeros((0, 2 * self.mask_roi_size, 2 * self.mask_roi_size), np.float32))
        labels_all = np.concatenate(labels)
        if len(labels_all):
            logits = self.mask_logits(features, boxes, labels_all)
            loss_mask = F.binary_cross_entropy_with_logits(logits, as_tensor(np.concatenate(targets)))
        else:
            loss_mask = features.sum() * 0.0
        return {**rpn_losses, **det_losses, "loss_mask": loss_mask}

    def training_step(self, batch) -> dict:
        """``(images, packed targets, packed masks)`` → ``{"loss", and each term}`` for the Trainer."""
        images, packed, masks = batch[0], batch[1], batch[2]
        boxes, labels = unpack_targets(packed)
        mask_arr = masks.array if isinstance(masks, Tensor) else np.asarray(masks)
        losses = self(images, boxes, labels, [m[: len(b)] for m, b in zip(mask_arr, boxes)])
        return {"loss": sum(losses.values()), **{k: float(v.array) for k, v in losses.items()}}
