"""What R-CNN and Fast R-CNN share: labelling and sampling proposals, the multi-task loss,
turning per-region scores and class-specific box offsets into detections, and warping crops.

Labelling (Fast R-CNN, §2.3): a proposal whose best IoU with a ground-truth box is ≥ 0.5 takes
that box's class (1..C; the gt boxes themselves are added to the proposals in training);
one whose best IoU lies in [0.1, 0.5) is background (class 0); the rest are not used. A
sample of ``num`` regions holds at most ``fg_fraction`` of foreground.

The multi-task loss (Fast R-CNN, eq. 1) on a batch of N sampled regions with classes u:

    L = (1/N) Σ [ −log p_u + λ [u ≥ 1] Σ_{k∈x,y,w,h} smooth_L1(t^u_k − v_k) ],

where t^u are the offsets predicted for the region's own class (class-specific regression)
and v the targets of :func:`nnlab.vision.box_coder.encode_box_deltas` (weights (10, 10, 5, 5)).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

import nnlab.functional as F
from nnlab.autograd.tensor import Tensor
from nnlab.autograd.grad_mode import no_grad
from nnlab.ops.creation import as_tensor, from_numpy
from nnlab.vision.box_coder import decode_box_deltas, encode_box_deltas
from nnlab.vision.boxes import iou_broadcast
from nnlab.vision.nms import batched_nms
from nnlab.vision.roi import roi_align

__all__ = ["BOX_WEIGHTS", "label_proposals", "sample_regions", "region_loss", "regions_to_detections",
           "warp_regions"]

BOX_WEIGHTS = (10.0, 10.0, 5.0, 5.0)


def label_proposals(proposals: np.ndarray, gt_boxes: np.ndarray, gt_labels: np.ndarray, fg_iou: float = 0.5,
                    bg_iou: tuple[float, float] = (0.1, 0.5)) -> tuple[np.ndarray, np.ndarray]:
    """Class of each proposal (1..C foreground, 0 background, −1 unused) and its matched gt box.

    Shape:
        - proposals: (K, 4); gt_boxes: (G, 4); gt_labels: (G,) in 0..C−1. Output: (K,), (K, 4).
    """
    proposals = np.asarray(proposals, np.float64).reshape(-1, 4)
    gt_boxes = np.asarray(gt_boxes, np.float64).reshape(-1, 4)
    labels = np.full(len(proposals), -1, dtype=np.int64)
    if len(gt_boxes) == 0:
        labels[:] = 0
        return labels, proposals.copy()
    iou = iou_broadcast(proposals[:, None], gt_boxes[None])
    best, arg = iou.max(axis=1), iou.argmax(axis=1)
    labels[(best >= bg_iou[0]) & (best < bg_iou[1])] = 0
    fg = best >= fg_iou
    labels[fg] = np.asarray(gt_labels, np.int64)[arg[fg]] + 1
    return labels, gt_boxes[arg]


def sample_regions(proposals: np.ndarray, gt_boxes: np.ndarray, gt_labels: np.ndarray, num: int,
                   rng: np.random.Generator, fg_fraction: float = 0.25) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``num`` training regions of one image (the gt boxes join the proposals): boxes, classes, box targets.

    Foreground are drawn first (at most ``fg_fraction·num``), background fill the rest (fewer if
    the image has fewer). Box targets of background regions are zero (they carry no box loss).

    Shape:
        - Output: boxes (M, 4) float32, classes (M,) int64, targets (M, 4) float32 with M ≤ num.
    """
    boxes = np.concatenate([np.asarray(proposals, np.float32).reshape(-1, 4),
                            np.asarray(gt_boxes, np.float32).reshape(-1, 4)])
    keep = (boxes[:, 2] - boxes[:, 0] > 1) & (boxes[:, 3] - boxes[:, 1] > 1)
    boxes = boxes[keep]
    labels, matched = label_proposals(boxes, gt_boxes, gt_labels)
    fg, bg = np.flatnonzero(labels > 0), np.flatnonzero(labels == 0)
    n_fg = min(len(fg), int(round(fg_fraction * num)))
    fg = rng.choice(fg, n_fg, replace=False)
    bg = rng.choice(bg, min(len(bg), num - n_fg), replace=False)
    idx = np.concatenate([fg, bg]).astype(np.int64)
    targets = np.zeros((len(idx), 4), np.float32)
    if n_fg:
        targets[:n_fg] = encode_box_deltas(boxes[fg], matched[fg].astype(np.float32), BOX_WEIGHTS)
    return boxes[idx], labels[idx], targets


def region_loss(logits: Tensor, deltas: Tensor, labels: np.ndarray, targets: np.ndarray,
                box_weight: float = 1.0) -> tuple[Tensor, Tensor, Tensor]:
    """The multi-task loss L = L_cls + λ L_loc (module docstring); returns (L, L_cls, L_loc).

    Shape:
        - logits: (N, C+1); deltas: (N, 4C); labels: (N,) in 0..C; targets: (N, 4).
    """
    n, c1 = logits.shape
    if deltas.shape != (n, 4 * (c1 - 1)) or np.shape(labels) != (n,) or np.shape(targets) != (n, 4):
        raise ValueError(f"region_loss: expected logits (N, C+1), deltas (N, 4C), labels (N,), targets (N, 4); "
                         f"got {logits.shape}, {deltas.shape}, {np.shape(labels)}, {np.shape(targets)}")
    labels = np.asarray(labels, np.int64)
    cls_loss = F.cross_entropy(logits, as_tensor(labels))
    mask = np.zeros((n, c1 - 1, 4), dtype=deltas.dtype)
    fg = np.flatnonzero(labels > 0)
    mask[fg, labels[fg] - 1] = 1.0
    wanted = np.asarray(targets, deltas.dtype)[:, None, :] * mask
    box_loss = F.smooth_l1_loss(deltas.reshape(n, c1 - 1, 4) * as_tensor(mask), as_tensor(wanted),
                                reduction="sum", beta=1.0) * (1.0 / n)
    return cls_loss + box_weight * box_loss, cls_loss, box_loss


def regions_to_detections(logits: np.ndarray, deltas: np.ndarray, proposals: np.ndarray,
                          image_size: Sequence[int], score_threshold: float = 0.05, nms_threshold: float = 0.3,
                          max_detections: int = 100) -> dict:
    """Softmax scores and class-specific boxes of one image's regions → ``{"boxes", "scores", "labels"}``.

    Every (region, class) pair scoring at least ``score_threshold`` gives that class's decoded
    box, clipped to the image; class-wise NMS and the ``max_detections`` best remain.
    """
    k, c1 = logits.shape
    z = logits - logits.max(axis=1, keepdims=True)
    probs = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    boxes = decode_box_deltas(deltas.reshape(k, c1 - 1, 4), np.asarray(proposals, np.float32)[:, None], BOX_WEIGHTS)
    h, w = image_size
    boxes = np.clip(boxes, 0, np.array([w, h, w, h], np.float32))
    region, cls = np.nonzero(probs[:, 1:] >= score_threshold)
    b, s = boxes[region, cls], probs[region, cls + 1]
    ok = (b[:, 2] > b[:, 0]) & (b[:, 3] > b[:, 1])
    b, s, cls = b[ok], s[ok], cls[ok]
    keep = batched_nms(b, s, cls, nms_threshold)[:max_detections]
    return {"boxes": b[keep].astype(np.float32), "scores": s[keep].astype(np.float32), "labels": cls[keep].astype(np.int64)}


def warp_regions(image: np.ndarray, boxes: np.ndarray, size: int, context: float = 0.0) -> np.ndarray:
    """R-CNN's warp: each box (grown by ``context`` of its size on every side) resampled to size×size.

    One bilinear sample at the centre of each cell of a size×size grid over the box, whatever
    its aspect ratio: :func:`~nnlab.vision.roi.roi_align` with one sample per bin, pixel-centred.

    Shape:
        - image: (C, H, W); boxes: (K, 4) xyxy. Output: (K, C, size, size), image's dtype.
    """
    image = np.asarray(image)
    boxes = np.asarray(boxes, np.float64).reshape(-1, 4)
    if image.ndim != 3 or size < 1:
        raise ValueError(f"warp_regions: expected an image (C, H, W) and size >= 1, got {image.shape}, {size}")
    grow = context * np.concatenate([boxes[:, 2:] - boxes[:, :2]] * 2, axis=1) * np.array([-1, -1, 1, 1])
    with no_grad():
        crops = roi_align(from_numpy(np.ascontiguousarray(image[None])), [(boxes + grow).astype(image.dtype)], size,
                          spatial_scale=1.0, sampling_ratio=1, aligned=True)
    return crops.data
