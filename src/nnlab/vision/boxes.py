"""Box operations with torchvision.ops' names and semantics: formats, areas, IoU and its variants.

Boxes are rows ``(x1, y1, x2, y2)`` ("xyxy", the default), ``(x, y, w, h)`` ("xywh",
top-left corner and size) or ``(cx, cy, w, h)`` ("cxcywh"). The seeds' intersection over
union of two boxes A and B is

    IoU(A, B) = |A ∩ B| / |A ∪ B|,   |A ∪ B| = |A| + |B| − |A ∩ B|,

and a pair whose union is empty (two zero-area boxes) has IoU 0, not NaN. With C the
smallest box enclosing both, ρ the distance between the centres, c the diagonal of C and
v = 4/π² (atan(w_B/h_B) − atan(w_A/h_A))²:

    GIoU = IoU − (|C| − |A ∪ B|) / |C|
    DIoU = IoU − ρ² / c²
    CIoU = DIoU − α v,   α = v / (1 − IoU + v)

The pairwise functions (``box_iou`` ...) take NumPy arrays or Tensors and return an N×M
matrix of the same kind without gradient; the losses in :mod:`nnlab.vision.box_losses`
use the same terms (:func:`box_terms`) on Tensors, differentiably.
"""

from __future__ import annotations

import math
from types import SimpleNamespace
from typing import Any

import numpy as np

from nnlab.autograd.grad_mode import no_grad
from nnlab.autograd.tensor import Tensor
from nnlab.ops import elementwise as _ew
from nnlab.ops import movement as _mv

__all__ = ["box_convert", "box_area", "box_iou", "generalized_box_iou", "distance_box_iou", "complete_box_iou",
           "clip_boxes_to_image", "remove_small_boxes", "check_boxes", "box_terms", "iou_broadcast", "encode_deltas",
           "decode_deltas"]

FORMATS = ("xyxy", "xywh", "cxcywh")


#: The few array functions the box formulas need, for NumPy arrays and for Tensors.
_NUMPY = SimpleNamespace(maximum=np.maximum, minimum=np.minimum, atan=np.arctan, stack=lambda xs: np.stack(xs, -1),
                         clamp0=lambda x: np.maximum(x, 0), where=np.where)
_TENSOR = SimpleNamespace(maximum=_ew.maximum, minimum=_ew.minimum, atan=_ew.atan, stack=lambda xs: _mv.stack(xs, -1),
                          clamp0=lambda x: _ew.clamp(x, min=0.0), where=_ew.where)


def _lib(x: Any) -> SimpleNamespace:
    return _TENSOR if isinstance(x, Tensor) else _NUMPY


def check_boxes(boxes: Any, fn: str, name: str = "boxes", ordered: bool = True) -> Any:
    """Validate an (N, 4) box array: a NumPy array or Tensor, and ``x2 >= x1``, ``y2 >= y1`` when ``ordered``.

    Raises:
        ValueError: naming ``fn``, the shape or the first offending row.
    """
    if not isinstance(boxes, Tensor):
        boxes = np.asarray(boxes)
        if boxes.dtype.kind not in "fiu":
            raise ValueError(f"{fn}: {name} must be numeric, got dtype {boxes.dtype}")
        if boxes.dtype.kind != "f":
            boxes = boxes.astype(np.float32)
    if boxes.ndim != 2 or boxes.shape[1] != 4:
        raise ValueError(f"{fn}: {name} must have shape (N, 4), got {tuple(boxes.shape)}")
    if ordered and boxes.shape[0]:
        data = boxes.array if isinstance(boxes, Tensor) else boxes
        bad = np.nonzero((data[:, 2] < data[:, 0]) | (data[:, 3] < data[:, 1]))[0]
        if bad.size:
            raise ValueError(f"{fn}: {name} must be (x1, y1, x2, y2) with x2 >= x1 and y2 >= y1; "
                             f"row {int(bad[0])} is {data[bad[0]].tolist()}")
    return boxes


def box_convert(boxes: Any, in_fmt: str, out_fmt: str) -> Any:
    """Convert boxes between ``"xyxy"``, ``"xywh"`` and ``"cxcywh"`` (differentiable for Tensors).

    Args:
        boxes: (N, 4) array or Tensor (any leading shape works: ``(..., 4)``).
        in_fmt: the format of ``boxes``; out_fmt: the format wanted.

    Shape:
        - Output: same as ``boxes``.
    """
    for fmt, what in ((in_fmt, "in_fmt"), (out_fmt, "out_fmt")):
        if fmt not in FORMATS:
            raise ValueError(f"box_convert: {what} must be one of {FORMATS}, got {fmt!r}")
    if boxes.shape[-1] != 4:
        raise ValueError(f"box_convert: boxes must have shape (..., 4), got {tuple(boxes.shape)}")
    if in_fmt == out_fmt:
        return boxes
    lib = _lib(boxes)
    a, b, c, d = (boxes[..., i] for i in range(4))
    if in_fmt == "xywh":
        x1, y1, x2, y2 = a, b, a + c, b + d
    elif in_fmt == "cxcywh":
        x1, y1, x2, y2 = a - c / 2, b - d / 2, a + c / 2, b + d / 2
    else:
        x1, y1, x2, y2 = a, b, c, d
    if out_fmt == "xyxy":
        return lib.stack([x1, y1, x2, y2])
    if out_fmt == "xywh":
        return lib.stack([x1, y1, x2 - x1, y2 - y1])
    return lib.stack([(x1 + x2) / 2, (y1 + y2) / 2, x2 - x1, y2 - y1])


def box_area(boxes: Any) -> Any:
    """Area (x2 − x1)(y2 − y1) of each xyxy box.

    Shape:
        - Input: :math:`(N, 4)`. Output: :math:`(N,)`.
    """
    boxes = check_boxes(boxes, "box_area")
    return (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])


def box_terms(b1: Any, b2: Any) -> SimpleNamespace:
    """The pieces every IoU variant is made of, for broadcastable xyxy boxes ``b1`` and ``b2`` (``(..., 4)``).

    Returns a namespace with ``inter`` (|A ∩ B|), ``union`` (|A ∪ B|), ``enclose`` (|C|),
    ``rho2`` (squared centre distance), ``diag2`` (squared diagonal of C) and the widths
    and heights ``w1, h1, w2, h2``. Works on arrays and, differentiably, on Tensors.
    """
    lib = _lib(b1)
    w1, h1 = b1[..., 2] - b1[..., 0], b1[..., 3] - b1[..., 1]
    w2, h2 = b2[..., 2] - b2[..., 0], b2[..., 3] - b2[..., 1]
    iw = lib.clamp0(lib.minimum(b1[..., 2], b2[..., 2]) - lib.maximum(b1[..., 0], b2[..., 0]))
    ih = lib.clamp0(lib.minimum(b1[..., 3], b2[..., 3]) - lib.maximum(b1[..., 1], b2[..., 1]))
    inter = iw * ih
    union = w1 * h1 + w2 * h2 - inter
    cw = lib.maximum(b1[..., 2], b2[..., 2]) - lib.minimum(b1[..., 0], b2[..., 0])
    ch = lib.maximum(b1[..., 3], b2[..., 3]) - lib.minimum(b1[..., 1], b2[..., 1])
    dx = (b1[..., 0] + b1[..., 2] - b2[..., 0] - b2[..., 2]) / 2
    dy = (b1[..., 1] + b1[..., 3] - b2[..., 1] - b2[..., 3]) / 2
    return SimpleNamespace(inter=inter, union=union, enclose=cw * ch, rho2=dx * dx + dy * dy, diag2=cw * cw + ch * ch,
                           w1=w1, h1=h1, w2=w2, h2=h2)


def aspect_term(t: SimpleNamespace, lib: SimpleNamespace | None = None, eps: float = 1e-7) -> Any:
    """CIoU's v = 4/π² (atan(w2/h2) − atan(w1/h1))² (heights of zero are taken as ``eps``)."""
    lib = lib or _lib(t.w1)
    d = lib.atan(t.w2 / lib.maximum(t.h2, eps)) - lib.atan(t.w1 / lib.maximum(t.h1, eps))
    return (4 / math.pi**2) * d * d


def _safe_div(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """num / den with 0 where den is 0 (degenerate boxes give IoU 0, not NaN)."""
    out = np.zeros(np.broadcast_shapes(num.shape, den.shape), dtype=np.result_type(num, den))
    np.divide(num, den, out=out, where=den > 0)
    return out


def iou_broadcast(b1: np.ndarray, b2: np.ndarray) -> np.ndarray:
    """IoU of broadcastable xyxy box arrays ``(..., 4)`` (0 where the union is empty); NumPy only.

    ``iou_broadcast(box, boxes)`` is one box against K boxes (what each NMS round needs);
    ``iou_broadcast(a[:, None], b[None])`` is the N×M matrix of :func:`box_iou`.
    """
    iw = np.minimum(b1[..., 2], b2[..., 2]) - np.maximum(b1[..., 0], b2[..., 0])
    ih = np.minimum(b1[..., 3], b2[..., 3]) - np.maximum(b1[..., 1], b2[..., 1])
    inter = np.maximum(iw, 0) * np.maximum(ih, 0)
    union = (b1[..., 2] - b1[..., 0]) * (b1[..., 3] - b1[..., 1]) + (b2[..., 2] - b2[..., 0]) * (b2[..., 3] - b2[..., 1])
    return _safe_div(inter, union - inter)


def _pair(fn: str, boxes1: Any, boxes2: Any) -> tuple[np.ndarray, np.ndarray, bool]:
    """Validated arrays of two box sets in a common dtype, and whether to answer with a Tensor."""
    as_tensor = isinstance(boxes1, Tensor) or isinstance(boxes2, Tensor)
    a = check_boxes(boxes1, fn, "boxes1")
    b = check_boxes(boxes2, fn, "boxes2")
    a = a.array if isinstance(a, Tensor) else a
    b = b.array if isinstance(b, Tensor) else b
    dtype = np.result_type(a.dtype, b.dtype)
    return a.astype(dtype, copy=False), b.astype(dtype, copy=False), as_tensor


def _pairwise(fn: str, boxes1: Any, boxes2: Any) -> tuple[SimpleNamespace, np.ndarray, bool]:
    a, b, as_tensor = _pair(fn, boxes1, boxes2)
    t = box_terms(a[:, None, :], b[None, :, :])
    return t, _safe_div(t.inter, t.union), as_tensor


def _out(x: np.ndarray, as_tensor: bool) -> Any:
    if not as_tensor:
        return x
    with no_grad():
        return Tensor(x)


def box_iou(boxes1: Any, boxes2: Any) -> Any:
    """Pairwise IoU = |A ∩ B| / |A ∪ B| of two sets of xyxy boxes (0 where the union is empty).

    Shape:
        - boxes1: :math:`(N, 4)`, boxes2: :math:`(M, 4)`. Output: :math:`(N, M)`.
    """
    a, b, as_tensor = _pair("box_iou", boxes1, boxes2)
    return _out(iou_broadcast(a[:, None, :], b[None, :, :]), as_tensor)


def generalized_box_iou(boxes1: Any, boxes2: Any) -> Any:
    """Pairwise GIoU = IoU − (|C| − |A ∪ B|) / |C|, C the smallest enclosing box; in [−1, 1].

    Shape:
        - boxes1: :math:`(N, 4)`, boxes2: :math:`(M, 4)`. Output: :math:`(N, M)`.
    """
    t, iou, as_tensor = _pairwise("generalized_box_iou", boxes1, boxes2)
    return _out(iou - _safe_div(t.enclose - t.union, t.enclose), as_tensor)


def distance_box_iou(boxes1: Any, boxes2: Any, eps: float = 1e-7) -> Any:
    """Pairwise DIoU = IoU − ρ² / (c² + eps), ρ the distance of the centres, c the enclosing diagonal.

    Shape:
        - boxes1: :math:`(N, 4)`, boxes2: :math:`(M, 4)`. Output: :math:`(N, M)`.
    """
    t, iou, as_tensor = _pairwise("distance_box_iou", boxes1, boxes2)
    return _out(iou - t.rho2 / (t.diag2 + eps), as_tensor)


def complete_box_iou(boxes1: Any, boxes2: Any, eps: float = 1e-7) -> Any:
    """Pairwise CIoU = DIoU − α v, v = 4/π² (atan(w2/h2) − atan(w1/h1))², α = v / (1 − IoU + v + eps).

    Shape:
        - boxes1: :math:`(N, 4)`, boxes2: :math:`(M, 4)`. Output: :math:`(N, M)`.
    """
    t, iou, as_tensor = _pairwise("complete_box_iou", boxes1, boxes2)
    v = aspect_term(t, _NUMPY, eps)
    alpha = v / (1 - iou + v + eps)
    return _out(iou - t.rho2 / (t.diag2 + eps) - alpha * v, as_tensor)


def clip_boxes_to_image(boxes: Any, size: tuple[int, int]) -> Any:
    """Clip xyxy boxes to an image of ``size = (height, width)``: x into [0, width], y into [0, height].

    Shape:
        - Input: :math:`(N, 4)`. Output: :math:`(N, 4)`, same kind as the input.
    """
    boxes = check_boxes(boxes, "clip_boxes_to_image", ordered=False)
    if len(size) != 2 or min(size) < 0:
        raise ValueError(f"clip_boxes_to_image: size must be (height, width) >= 0, got {size}")
    h, w = float(size[0]), float(size[1])
    if isinstance(boxes, Tensor):
        x = _ew.clamp(boxes[:, 0::2], min=0.0, max=w)
        y = _ew.clamp(boxes[:, 1::2], min=0.0, max=h)
        return _mv.stack([x[:, 0], y[:, 0], x[:, 1], y[:, 1]], -1)
    out = boxes.copy()
    out[:, 0::2] = np.clip(out[:, 0::2], 0, w)
    out[:, 1::2] = np.clip(out[:, 1::2], 0, h)
    return out


def remove_small_boxes(boxes: Any, min_size: float) -> np.ndarray:
    """Indices (int64) of the xyxy boxes whose width and height are both at least ``min_size``.

    Shape:
        - Input: :math:`(N, 4)`. Output: :math:`(K,)` int64, increasing.
    """
    boxes = check_boxes(boxes, "remove_small_boxes", ordered=False)
    data = boxes.array if isinstance(boxes, Tensor) else boxes
    keep = ((data[:, 2] - data[:, 0]) >= min_size) & ((data[:, 3] - data[:, 1]) >= min_size)
    return np.nonzero(keep)[0].astype(np.int64)


#: exp(dw) is clamped at 1000/16 (torchvision's bbox_xform_clip): a wild delta cannot overflow.
DELTA_CLIP = math.log(1000.0 / 16)


def encode_deltas(reference: np.ndarray, proposals: np.ndarray,
                  weights: tuple[float, float, float, float] = (1.0, 1.0, 1.0, 1.0)) -> np.ndarray:
    """R-CNN's box regression targets of ``reference`` (true) boxes relative to ``proposals`` (anchors):

        d_x = w_x (g_x − p_x) / p_w,  d_y = w_y (g_y − p_y) / p_h,  d_w = w_w log(g_w / p_w),  d_h = w_h log(g_h / p_h)

    with (x, y) the centres and w, h the sizes (torchvision's BoxCoder; the RPN uses
    weights 1, the Fast R-CNN head (10, 10, 5, 5)).

    Shape:
        - reference, proposals: :math:`(K, 4)` xyxy. Output: :math:`(K, 4)`, proposals' dtype.
    """
    g, p = np.asarray(reference, dtype=np.float64), np.asarray(proposals, dtype=np.float64)
    if g.shape != p.shape or g.ndim != 2 or g.shape[1] != 4:
        raise ValueError(f"encode_deltas: reference and proposals must both be (K, 4), got {g.shape} and {p.shape}")
    wx, wy, ww, wh = weights
    pw, ph = p[:, 2] - p[:, 0], p[:, 3] - p[:, 1]
    gw, gh = g[:, 2] - g[:, 0], g[:, 3] - g[:, 1]
    dx = wx * ((g[:, 0] + g[:, 2]) - (p[:, 0] + p[:, 2])) / 2 / pw
    dy = wy * ((g[:, 1] + g[:, 3]) - (p[:, 1] + p[:, 3])) / 2 / ph
    out = np.stack([dx, dy, ww * np.log(gw / pw), wh * np.log(gh / ph)], axis=1)
    return out.astype(np.asarray(proposals).dtype if np.asarray(proposals).dtype.kind == "f" else np.float32)


def decode_deltas(deltas: np.ndarray, boxes: np.ndarray,
                  weights: tuple[float, float, float, float] = (1.0, 1.0, 1.0, 1.0)) -> np.ndarray:
    """Apply deltas to boxes (the inverse of :func:`encode_deltas`), d_w and d_h clamped at log(1000/16).

    Shape:
        - deltas: :math:`(K, 4·M)` (M sets of deltas per box, e.g. one per class), boxes:
          :math:`(K, 4)` xyxy. Output: :math:`(K, 4·M)` xyxy, deltas' dtype.
    """
    d, b = np.asarray(deltas), np.asarray(boxes, dtype=np.float64)
    if d.ndim != 2 or d.shape[1] % 4 or b.shape != (d.shape[0], 4):
        raise ValueError(f"decode_deltas: deltas must be (K, 4·M) and boxes (K, 4), got {d.shape} and {b.shape}")
    wx, wy, ww, wh = weights
    w, h = (b[:, 2] - b[:, 0])[:, None], (b[:, 3] - b[:, 1])[:, None]
    cx, cy = b[:, 0:1] + w / 2, b[:, 1:2] + h / 2
    dd = d.astype(np.float64)
    px, py = dd[:, 0::4] / wx * w + cx, dd[:, 1::4] / wy * h + cy
    pw = np.exp(np.minimum(dd[:, 2::4] / ww, DELTA_CLIP)) * w
    ph = np.exp(np.minimum(dd[:, 3::4] / wh, DELTA_CLIP)) * h
    out = np.stack([px - pw / 2, py - ph / 2, px + pw / 2, py + ph / 2], axis=2).reshape(d.shape)
    return out.astype(d.dtype if d.dtype.kind == "f" else np.float32)
