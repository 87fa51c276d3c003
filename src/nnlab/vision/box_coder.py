"""Box regression targets of the R-CNN family: a box as offsets from a reference box.

With a reference (proposal or anchor) P of centre (p_x, p_y) and size (p_w, p_h) and a target
box G (R-CNN, Girshick et al. 2014, appendix C):

    t_x = w_x (g_x − p_x)/p_w,   t_y = w_y (g_y − p_y)/p_h,
    t_w = w_w log(g_w/p_w),      t_h = w_h log(g_h/p_h),

and decoding inverts it: ĝ_x = p_x + p_w t_x/w_x, ĝ_w = p_w exp(t_w/w_w). The weights
(w_x, w_y, w_w, w_h) only rescale the targets to unit-ish variance; torchvision's RoI heads use
(10, 10, 5, 5), its RPN (1, 1, 1, 1). Decoding clamps t_w/w_w and t_h/w_h at log(1000/16), as
torchvision does, so that an untrained head cannot overflow exp. Boxes are xyxy in pixels.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from nnlab.vision.boxes import check_boxes

__all__ = ["encode_box_deltas", "decode_box_deltas", "BBOX_XFORM_CLIP"]

BBOX_XFORM_CLIP = float(np.log(1000.0 / 16))


def _centres(boxes: np.ndarray) -> tuple[np.ndarray, ...]:
    w = boxes[..., 2] - boxes[..., 0]
    h = boxes[..., 3] - boxes[..., 1]
    return boxes[..., 0] + 0.5 * w, boxes[..., 1] + 0.5 * h, w, h


def encode_box_deltas(reference: np.ndarray, target: np.ndarray,
                      weights: Sequence[float] = (1.0, 1.0, 1.0, 1.0)) -> np.ndarray:
    """The offsets (t_x, t_y, t_w, t_h) that move each ``reference`` box onto its ``target`` box.

    Shape:
        - reference, target: (N, 4) xyxy with positive widths and heights. Output: (N, 4).
    """
    reference = check_boxes(np.asarray(reference), "encode_box_deltas", "reference")
    target = check_boxes(np.asarray(target), "encode_box_deltas", "target")
    if reference.shape != target.shape:
        raise ValueError(f"encode_box_deltas: reference {reference.shape} and target {target.shape} differ in shape")
    px, py, pw, ph = _centres(reference.astype(np.float64))
    gx, gy, gw, gh = _centres(target.astype(np.float64))
    if (pw <= 0).any() or (ph <= 0).any() or (gw <= 0).any() or (gh <= 0).any():
        raise ValueError("encode_box_deltas: every box needs a positive width and height")
    wx, wy, ww, wh = weights
    out = np.stack([wx * (gx - px) / pw, wy * (gy - py) / ph, ww * np.log(gw / pw), wh * np.log(gh / ph)], axis=-1)
    return out.astype(np.result_type(reference.dtype, np.float32))


def decode_box_deltas(deltas: np.ndarray, reference: np.ndarray,
                      weights: Sequence[float] = (1.0, 1.0, 1.0, 1.0)) -> np.ndarray:
    """Apply offsets to reference boxes: the inverse of :func:`encode_box_deltas` (sizes clamped).

    Shape:
        - deltas: (..., 4); reference: broadcastable to it, (..., 4). Output: (..., 4) xyxy.
    """
    deltas = np.asarray(deltas)
    reference = np.asarray(reference)
    if deltas.shape[-1:] != (4,) or reference.shape[-1:] != (4,):
        raise ValueError(f"decode_box_deltas: deltas {deltas.shape} and reference {reference.shape} must end in 4")
    px, py, pw, ph = _centres(reference.astype(np.float64))
    wx, wy, ww, wh = weights
    d = deltas.astype(np.float64)
    cx = px + pw * d[..., 0] / wx
    cy = py + ph * d[..., 1] / wy
    w = pw * np.exp(np.minimum(d[..., 2] / ww, BBOX_XFORM_CLIP))
    h = ph * np.exp(np.minimum(d[..., 3] / wh, BBOX_XFORM_CLIP))
    out = np.stack([cx - 0.5 * w, cy - 0.5 * h, cx + 0.5 * w, cy + 0.5 * h], axis=-1)
    return out.astype(np.result_type(deltas.dtype, np.float32))
