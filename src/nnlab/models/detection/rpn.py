"""The region proposal network (Faster R-CNN, Ren et al. 2015): objectness and box deltas on anchors.

A 3×3 convolution slides over the backbone's feature map; at every cell two 1×1
convolutions score each of the A anchors centred there (object or not, one logit) and
regress its box deltas (d_x, d_y, d_w, d_h) (:func:`nnlab.vision.boxes.encode_deltas`).

Training targets, per image:

- an anchor with IoU ≥ 0.7 with some true box is positive, one whose best IoU is < 0.3
  negative, the rest ignored; and each true box's best anchors (ties included) are
  positive too, so that no object is left without one;
- 256 anchors are sampled, at most half positive (the rest negative), so that the
  thousands of easy negatives do not swamp the loss;
- loss = BCE(objectness) over the sampled anchors + smooth-L1 (β = 1/9) of the deltas of
  the positives, both summed and divided by the number sampled.

Proposals: decode every anchor's deltas, clip to the image, keep the ``pre_nms_top_n``
highest objectness, drop boxes smaller than ``min_size``, NMS at IoU 0.7, keep ``post_nms_top_n``.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from nnlab import functional as F
from nnlab import nn
from nnlab.autograd.grad_mode import no_grad
from nnlab.autograd.tensor import Tensor
from nnlab.backend import default_generator
from nnlab.ops.creation import as_tensor
from nnlab.vision.anchors import anchor_boxes
from nnlab.vision.boxes import box_iou, clip_boxes_to_image, decode_deltas, encode_deltas, remove_small_boxes
from nnlab.vision.nms import nms

__all__ = ["RPNHead", "RegionProposalNetwork", "match_boxes", "sample_labels"]


def match_boxes(boxes: np.ndarray, gt_boxes: np.ndarray, high: float, low: float,
                allow_low_quality: bool) -> tuple[np.ndarray, np.ndarray]:
    """Label boxes (anchors or proposals) against the true boxes of one image.

    Args:
        boxes: (A, 4) xyxy. gt_boxes: (G, 4) xyxy.
        high: IoU ≥ high is positive. low: best IoU < low is negative; between is ignored.
        allow_low_quality: also make each true box's best-overlapping boxes (ties included,
            IoU > 0) positive.

    Returns:
        ``(labels, matched)``: (A,) int64 labels 1 / 0 / −1 (positive, negative, ignored) and
        (A,) the index of each box's best true box (0 when there is none).
    """
    labels = np.zeros(len(boxes), dtype=np.int64)
    if not len(gt_boxes):
        return labels, np.zeros(len(boxes), dtype=np.int64)
    iou = box_iou(gt_boxes, boxes)  # (G, A)
    matched, best = iou.argmax(axis=0), iou.max(axis=0)
    labels[:] = -1
    labels[best < low] = 0
    labels[best >= high] = 1
    if allow_low_quality:
        top = iou.max(axis=1, keepdims=True)
        g, a = np.nonzero((iou == top) & (top > 0))
        labels[a] = 1
        matched[a] = g  # the box it is best for (torchvision keeps the argmax; equal unless a tie)
    return labels, matched.astype(np.int64)


def sample_labels(labels: np.ndarray, batch_size: int, positive_fraction: float,
                  rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Indices of sampled positives (at most ``batch_size·positive_fraction``) and negatives (the rest).

    Returns:
        ``(pos, neg)``: int64 index arrays, each chosen uniformly without replacement.
    """
    pos, neg = np.nonzero(labels == 1)[0], np.nonzero(labels == 0)[0]
    n_pos = min(len(pos), int(batch_size * positive_fraction))
    n_neg = min(len(neg), batch_size - n_pos)
    return (rng.permutation(pos)[:n_pos].astype(np.int64), rng.permutation(neg)[:n_neg].astype(np.int64))


class RPNHead(nn.Module):
    """conv3×3 → ReLU, then 1×1 convolutions to A objectness logits and 4A deltas per cell.

    Args:
        in_channels: channels of the feature map. num_anchors: A per cell.

    Shape:
        - Input: :math:`(N, C, H, W)`. Output: logits :math:`(N, H·W·A)` and deltas
          :math:`(N, H·W·A, 4)`, cells row by row and the A anchors of a cell together (the
          order of :func:`~nnlab.vision.anchors.anchor_boxes`).

    Attributes:
        conv, cls_logits, bbox_pred: weights N(0, 0.01²), biases 0 (torchvision's).
    """

    def __init__(self, in_channels: int, num_anchors: int) -> None:
        super().__init__()
        self.num_anchors = int(num_anchors)
        self.conv = nn.Conv2d(in_channels, in_channels, 3, padding=1)
        self.cls_logits = nn.Conv2d(in_channels, num_anchors, 1)
        self.bbox_pred = nn.Conv2d(in_channels, 4 * num_anchors, 1)
        for layer in (self.conv, self.cls_logits, self.bbox_pred):
            nn.init.normal_(layer.weight, std=0.01)
            nn.init.zeros_(layer.bias)

    def forward(self, x: Tensor) -> tuple[Tensor, Tensor]:
        n, _, h, w = x.shape
        t = F.relu(self.conv(x))
        logits = self.cls_logits(t).permute(0, 2, 3, 1).reshape(n, h * w * self.num_anchors)
        deltas = self.bbox_pred(t).reshape(n, self.num_anchors, 4, h, w).permute(0, 3, 4, 1, 2)
        return logits, deltas.reshape(n, h * w * self.num_anchors, 4)


class RegionProposalNetwork(nn.Module):
    """Anchors + :class:`RPNHead` + target assignment, sampling, loss and proposal NMS (module docstring).

    Args:
        in_channels: feature channels. stride: image pixels per feature cell.
        sizes, aspect_ratios: anchor sizes (pixels) and h/w ratios; A = len(sizes)·len(ratios).
        pre_nms_top_n, post_nms_top_n: (training, evaluation) proposal counts. Default: (600, 300), (128, 64).
        nms_thresh: proposal NMS IoU. Default: 0.7. fg_iou_thresh, bg_iou_thresh: 0.7, 0.3.
        batch_size_per_image: anchors sampled per image. Default: 256. positive_fraction: 0.5.
        min_size: smallest proposal side in pixels. Default: 1.
    """

    def __init__(self, in_channels: int, stride: int, sizes: Sequence[float], aspect_ratios: Sequence[float] = (1.0,),
                 pre_nms_top_n: tuple[int, int] = (600, 300), post_nms_top_n: tuple[int, int] = (128, 64),
                 nms_thresh: float = 0.7, fg_iou_thresh: float = 0.7, bg_iou_thresh: float = 0.3,
                 batch_size_per_image: int = 256, positive_fraction: float = 0.5, min_size: float = 1.0) -> None:
        super().__init__()
        self.stride, self.sizes, self.aspect_ratios = int(stride), tuple(sizes), tuple(aspect_ratios)
        self.head = RPNHead(in_channels, len(self.sizes) * len(self.aspect_ratios))
        self.pre_nms_top_n, self.post_nms_top_n = tuple(pre_nms_top_n), tuple(post_nms_top_n)
        self.nms_thresh, self.fg_iou_thresh, self.bg_iou_thresh = nms_thresh, fg_iou_thresh, bg_iou_thresh
        self.batch_size_per_image, self.positive_fraction = int(batch_size_per_image), float(positive_fraction)
        self.min_size = float(min_size)
        self._anchors: dict[tuple[int, int], np.ndarray] = {}

    def anchors(self, feature_size: tuple[int, int]) -> np.ndarray:
        """The (H·W·A, 4) anchors of a feature map of ``feature_size`` (cached)."""
        key = (int(feature_size[0]), int(feature_size[1]))
        if key not in self._anchors:
            self._anchors[key] = anchor_boxes(key, self.stride, self.sizes, self.aspect_ratios)
        return self._anchors[key]

    def assign_targets(self, anchors: np.ndarray, gt_boxes: Sequence[np.ndarray]
                       ) -> tuple[np.ndarray, np.ndarray]:
        """Per image: anchor labels (N, A) in {1, 0, −1} and regression targets (N, A, 4)."""
        labels = np.zeros((len(gt_boxes), len(anchors)), dtype=np.int64)
        deltas = np.zeros((len(gt_boxes), len(anchors), 4), dtype=np.float32)
        for i, gt in enumerate(gt_boxes):
            labels[i], matched = match_boxes(anchors, gt, self.fg_iou_thresh, self.bg_iou_thresh, True)
            if len(gt):
                deltas[i] = encode_deltas(gt[matched], anchors)
        return labels, deltas

    def loss(self, logits: Tensor, deltas: Tensor, labels: np.ndarray, targets: np.ndarray) -> tuple[Tensor, Tensor]:
        """(objectness loss, box loss) over ``batch_size_per_image`` sampled anchors per image."""
        rng = default_generator()
        pos, neg = [], []
        for i in range(len(labels)):
            p, q = sample_labels(labels[i], self.batch_size_per_image, self.positive_fraction, rng)
            pos.append(i * labels.shape[1] + p)
            neg.append(i * labels.shape[1] + q)
        pos, neg = np.concatenate(pos), np.concatenate(neg)
        sampled = np.concatenate([pos, neg])
        n = max(len(sampled), 1)
        flat_logits = logits.reshape(-1)[sampled]
        obj_target = as_tensor((labels.reshape(-1)[sampled] == 1).astype(logits.dtype))
        obj_loss = F.binary_cross_entropy_with_logits(flat_logits, obj_target, reduction="sum") / n
        box_pred = deltas.reshape(-1, 4)[pos]
        box_loss = F.smooth_l1_loss(box_pred, as_tensor(targets.reshape(-1, 4)[pos]), reduction="sum", beta=1 / 9) / n
        return obj_loss, box_loss

    def proposals(self, logits: np.ndarray, deltas: np.ndarray, anchors: np.ndarray,
                  image_size: tuple[int, int]) -> list[np.ndarray]:
        """Per image: up to ``post_nms_top_n`` proposals (P, 4), by decreasing objectness."""
        mode = 0 if self.training else 1
        pre, post = self.pre_nms_top_n[mode], self.post_nms_top_n[mode]
        out = []
        for lg, dl in zip(logits, deltas):
            top = np.argsort(-lg, kind="stable")[:pre]
            boxes = clip_boxes_to_image(decode_deltas(dl[top], anchors[top]), image_size)
            keep = remove_small_boxes(boxes, self.min_size)
            boxes, scores = boxes[keep], lg[top][keep]
            keep = nms(boxes, scores, self.nms_thresh)[:post]
            out.append(boxes[keep].astype(np.float32))
        return out

    def forward(self, features: Tensor, image_size: tuple[int, int],
                gt_boxes: Sequence[np.ndarray] | None = None) -> tuple[list[np.ndarray], dict]:
        """Proposals per image and, given the true boxes, ``{"loss_objectness", "loss_rpn_box_reg"}``.

        Shape:
            - features: :math:`(N, C, H, W)`; gt_boxes: N arrays :math:`(G_i, 4)`.
        """
        logits, deltas = self.head(features)
        anchors = self.anchors(features.shape[-2:])
        with no_grad():
            props = self.proposals(logits.array, deltas.array, anchors, image_size)
        losses: dict = {}
        if gt_boxes is not None:
            labels, targets = self.assign_targets(anchors, gt_boxes)
            losses["loss_objectness"], losses["loss_rpn_box_reg"] = self.loss(logits, deltas, labels, targets)
        return props, losses
