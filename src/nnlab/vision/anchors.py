"""Anchor boxes: generation over a feature map, grid/anchor assignment, offsets, and k-means anchors.

An S_h×S_w grid over an H×W image has cells of ch = H/S_h by cw = W/S_w pixels. An object
belongs to the cell holding its midpoint (the seeds' rule) and to the anchor (prior
shape p_w × p_h) whose shape overlaps it best. Its box is coded relative to both
(YOLOv2's parameterization, cell units for the centre):

    t_x = c_x / cw − col ∈ [0, 1),  t_y = c_y / ch − row,  t_w = log(w / p_w),  t_h = log(h / p_h)

and decoded back by b_x = (col + t_x)·cw, b_w = p_w·exp(t_w) (the network predicts t_x
through a sigmoid). YOLOv2 picks the anchor shapes by k-means over the training boxes'
(w, h) with the distance d = 1 − IoU (boxes compared as if they shared a centre), so
that large boxes do not dominate as they would under Euclidean distance.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from nnlab.backend import get_default_dtype
from nnlab.vision.boxes import check_boxes, iou_broadcast

__all__ = ["anchor_boxes", "iou_wh", "kmeans_anchors", "KMeansAnchors", "assign_to_grid", "encode_boxes",
           "decode_boxes"]


def anchor_boxes(feature_size: tuple[int, int], stride: float | tuple[float, float], sizes: Sequence[float],
                 aspect_ratios: Sequence[float] = (1.0,)) -> np.ndarray:
    """Anchors (xyxy) centred on every cell of a feature map: len(sizes)·len(aspect_ratios) per cell.

    An anchor of size s and aspect ratio r = h/w (torchvision's convention) has
    w = s/√r and h = s·√r (area s²), centred at ((col + ½)·stride_x, (row + ½)·stride_y).

    Args:
        feature_size: (S_h, S_w) cells; stride: pixels per cell (one number or (y, x)).
        sizes: anchor sizes in pixels (scales); aspect_ratios: h/w ratios. Default: (1.0,).

    Shape:
        - Output: :math:`(S_h·S_w·A, 4)`, cells row by row, the A anchors of a cell together
          (sizes outer, ratios inner).
    """
    sh, sw = (int(v) for v in feature_size)
    sy, sx = (float(stride), float(stride)) if np.isscalar(stride) else (float(stride[0]), float(stride[1]))
    if sh <= 0 or sw <= 0 or sy <= 0 or sx <= 0:
        raise ValueError(f"anchor_boxes: feature_size and stride must be positive, got {feature_size}, {stride}")
    if not len(sizes) or not len(aspect_ratios) or min(sizes) <= 0 or min(aspect_ratios) <= 0:
        raise ValueError(f"anchor_boxes: sizes and aspect_ratios must be non-empty and positive, "
                         f"got {list(sizes)}, {list(aspect_ratios)}")
    s = np.asarray(sizes, dtype=np.float64)[:, None]
    r = np.sqrt(np.asarray(aspect_ratios, dtype=np.float64))[None, :]
    w, h = (s / r).ravel(), (s * r).ravel()
    base = np.stack([-w / 2, -h / 2, w / 2, h / 2], axis=1)  # (A, 4) around the origin
    cy, cx = np.meshgrid((np.arange(sh) + 0.5) * sy, (np.arange(sw) + 0.5) * sx, indexing="ij")
    centres = np.stack([cx, cy, cx, cy], axis=-1).reshape(-1, 1, 4)
    return (centres + base[None]).reshape(-1, 4).astype(get_default_dtype())


def iou_wh(wh1: np.ndarray, wh2: np.ndarray) -> np.ndarray:
    """IoU of box shapes placed on a common centre: min(w)·min(h) / (w1h1 + w2h2 − min(w)·min(h)).

    Shape:
        - wh1: :math:`(N, 2)`, wh2: :math:`(M, 2)`. Output: :math:`(N, M)`.
    """
    wh1, wh2 = np.asarray(wh1, dtype=np.float64), np.asarray(wh2, dtype=np.float64)
    for name, a in (("wh1", wh1), ("wh2", wh2)):
        if a.ndim != 2 or a.shape[1] != 2 or (a < 0).any():
            raise ValueError(f"iou_wh: {name} must be (K, 2) non-negative widths and heights, got shape {a.shape}")
    b1 = np.concatenate([-wh1 / 2, wh1 / 2], axis=1)
    b2 = np.concatenate([-wh2 / 2, wh2 / 2], axis=1)
    return iou_broadcast(b1[:, None, :], b2[None, :, :])


@dataclass
class KMeansAnchors:
    """The result of :func:`kmeans_anchors`: ``anchors`` (k, 2) by increasing area, each box's
    ``assignment`` (N,), the ``mean_iou`` of boxes with their anchor, and ``iterations`` run."""

    anchors: np.ndarray
    assignment: np.ndarray
    mean_iou: float
    iterations: int


def kmeans_anchors(wh: np.ndarray, k: int, iters: int = 300, seed: int = 0) -> KMeansAnchors:
    """k-means on box shapes with distance d(box, centroid) = 1 − IoU (YOLOv2's anchor choice).

    Centroids start at k distinct boxes drawn by k-means++ seeding (probability ∝ d² to the
    nearest centroid chosen so far) with ``np.random.default_rng(seed)``; each
    step assigns every box to its highest-IoU centroid and moves each centroid to the
    median shape of its boxes (the medians resist outliers; an empty cluster keeps its
    centroid), until the assignment stops changing or ``iters`` steps have run.

    Args:
        wh: (N, 2) widths and heights; k: number of anchors (≤ number of distinct shapes).
        iters: at most this many steps. Default: 300. seed: start. Default: 0.
    """
    wh = np.asarray(wh, dtype=np.float64)
    if wh.ndim != 2 or wh.shape[1] != 2 or (wh <= 0).any():
        raise ValueError(f"kmeans_anchors: wh must be (N, 2) positive widths and heights, got shape {wh.shape}")
    distinct = np.unique(wh, axis=0)
    if not 1 <= k <= len(distinct):
        raise ValueError(f"kmeans_anchors: k must be between 1 and the {len(distinct)} distinct shapes, got {k}")
    rng = np.random.default_rng(seed)
    # k-means++ seeding under d = 1 − IoU: each next centroid drawn with probability ∝ d² to the nearest one.
    chosen = [int(rng.integers(len(distinct)))]
    for _ in range(1, k):
        d = 1.0 - iou_wh(distinct, distinct[chosen]).max(axis=1)
        p = d * d
        chosen.append(int(rng.choice(len(distinct), p=p / p.sum())) if p.sum() > 0 else
                      int(rng.choice(np.setdiff1d(np.arange(len(distinct)), chosen))))
    centroids = distinct[chosen].copy()
    assignment = np.full(len(wh), -1)
    it = 0
    for it in range(1, iters + 1):
        new = np.argmax(iou_wh(wh, centroids), axis=1)
        if np.array_equal(new, assignment):
            break
        assignment = new
        for c in range(k):
            members = wh[assignment == c]
            if len(members):
                centroids[c] = np.median(members, axis=0)
    order = np.argsort(centroids[:, 0] * centroids[:, 1], kind="stable")
    centroids = centroids[order]
    ious = iou_wh(wh, centroids)
    assignment = np.argmax(ious, axis=1)
    best = ious[np.arange(len(wh)), assignment]
    return KMeansAnchors(centroids.astype(get_default_dtype()), assignment, float(best.mean()), it)


def _grid(grid_size: int | tuple[int, int], image_size: int | tuple[int, int]) -> tuple[int, int, float, float]:
    sh, sw = (grid_size, grid_size) if np.isscalar(grid_size) else grid_size
    ih, iw = (image_size, image_size) if np.isscalar(image_size) else image_size
    return int(sh), int(sw), float(ih) / int(sh), float(iw) / int(sw)


def assign_to_grid(boxes: np.ndarray, grid_size: int | tuple[int, int], image_size: int | tuple[int, int],
                   anchors_wh: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The cell holding each box's midpoint and the anchor whose shape has the best IoU with it.

    Args:
        boxes: (K, 4) xyxy boxes in pixels; grid_size: S or (S_h, S_w);
        image_size: H or (H, W) in pixels; anchors_wh: (B, 2) anchor widths and heights in pixels.

    Returns:
        ``(rows, cols, anchor)``: three int64 arrays of length K. A midpoint on the image's
        right or bottom edge belongs to the last cell.
    """
    boxes = check_boxes(boxes, "assign_to_grid")
    sh, sw, ch, cw = _grid(grid_size, image_size)
    cx, cy = (boxes[:, 0] + boxes[:, 2]) / 2, (boxes[:, 1] + boxes[:, 3]) / 2
    rows = np.clip(np.floor(cy / ch), 0, sh - 1).astype(np.int64)
    cols = np.clip(np.floor(cx / cw), 0, sw - 1).astype(np.int64)
    wh = np.stack([boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1]], axis=1)
    anchor = np.argmax(iou_wh(wh, anchors_wh), axis=1).astype(np.int64) if len(boxes) else np.zeros(0, np.int64)
    return rows, cols, anchor


def encode_boxes(boxes: np.ndarray, rows: np.ndarray, cols: np.ndarray, anchor: np.ndarray, anchors_wh: np.ndarray,
                 grid_size: int | tuple[int, int], image_size: int | tuple[int, int]) -> np.ndarray:
    """Offsets (t_x, t_y, t_w, t_h) of xyxy boxes relative to their cell and anchor (module docstring).

    Shape:
        - boxes: :math:`(K, 4)`; rows, cols, anchor: :math:`(K,)`. Output: :math:`(K, 4)`.
    """
    _, _, ch, cw = _grid(grid_size, image_size)
    anchors_wh = np.asarray(anchors_wh, dtype=np.float64)
    w = np.maximum(boxes[:, 2] - boxes[:, 0], 1e-6)
    h = np.maximum(boxes[:, 3] - boxes[:, 1], 1e-6)
    tx = (boxes[:, 0] + boxes[:, 2]) / 2 / cw - cols
    ty = (boxes[:, 1] + boxes[:, 3]) / 2 / ch - rows
    tw = np.log(w / anchors_wh[anchor, 0])
    th = np.log(h / anchors_wh[anchor, 1])
    return np.stack([tx, ty, tw, th], axis=1).astype(get_default_dtype())


def decode_boxes(offsets: np.ndarray, anchors_wh: np.ndarray, image_size: int | tuple[int, int]) -> np.ndarray:
    """xyxy boxes in pixels from a grid of offsets (t_x, t_y already in [0, 1], t_w, t_h raw).

    Shape:
        - offsets: :math:`(..., S_h, S_w, B, 4)`, anchors_wh: :math:`(B, 2)`. Output: same as offsets.
    """
    offsets = np.asarray(offsets)
    if offsets.ndim < 4 or offsets.shape[-1] != 4 or offsets.shape[-2] != len(anchors_wh):
        raise ValueError(f"decode_boxes: offsets must be (..., S_h, S_w, B, 4) with B = {len(anchors_wh)} anchors, "
                         f"got {offsets.shape}")
    sh, sw = offsets.shape[-4], offsets.shape[-3]
    _, _, ch, cw = _grid((sh, sw), image_size)
    rows = np.arange(sh).reshape(sh, 1, 1)
    cols = np.arange(sw).reshape(1, sw, 1)
    anchors_wh = np.asarray(anchors_wh, dtype=offsets.dtype)
    cx = (cols + offsets[..., 0]) * cw
    cy = (rows + offsets[..., 1]) * ch
    w = anchors_wh[:, 0] * np.exp(np.minimum(offsets[..., 2], 20.0))
    h = anchors_wh[:, 1] * np.exp(np.minimum(offsets[..., 3], 20.0))
    return np.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], axis=-1).astype(offsets.dtype, copy=False)
