"""RoI pooling and RoI align with torchvision.ops' signatures and semantics, differentiable in the input.

A region of interest (RoI) is a box ``(x1, y1, x2, y2)`` in image pixels; ``spatial_scale``
maps it onto the feature map (1/16 for a stride-16 backbone). Both ops cut every RoI into
an output_size = PH × PW grid of bins and give one value per bin and channel, so boxes of
any size become fixed-size features for a classifier head (Fast R-CNN).

**RoIPool** (Fast R-CNN) *quantizes* twice: the box corners are rounded to feature cells,

    x1' = round(x1·s), x2' = round(x2·s),   w = max(x2' − x1' + 1, 1),

and bin (i, j) covers the cells ⌊i·h/PH⌋ … ⌈(i+1)·h/PH⌉ − 1 (shifted by y1', clipped to the
map); its output is the maximum there (0 for an empty bin). The gradient flows to the
arg-max cell of each bin only.

**RoIAlign** (Mask R-CNN) does not round: bin (i, j) of the box starting at
(x1·s − o, y1·s − o) (o = ½ when ``aligned``, pixel centres; else 0, and a box is at
least 1×1) is sampled at g_h × g_w evenly spaced points (``sampling_ratio``, or
⌈h/PH⌉ × ⌈w/PW⌉ when it is ≤ 0), each read by bilinear interpolation of the four
surrounding cells, and the samples are averaged:

    out[i, j] = 1/(g_h g_w) Σ_samples Σ_corners w_y w_x F[y_c, x_c].

A sample more than one cell outside the map reads 0; one just outside is clamped to the
edge. Bilinear weights factor into a y part and an x part, so for every RoI the op is two
small interpolation matrices, A_y (PH × H) and A_x (PW × W), each row holding the summed
weights of a bin's samples:

    out_k = A_y · F[n_k] · A_xᵀ / (g_h g_w),    ∂L/∂F[n_k] += A_yᵀ · G_k · A_x / (g_h g_w),

two matrix products forward and two backward per image, with no Python loop over RoIs.

Boxes come as a list of per-image (K_i, 4) arrays/Tensors or one (K, 5) array/Tensor whose
first column is the batch index; no gradient flows to the boxes (as in torchvision).
"""

from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np

from nnlab.autograd.function import Context, Function
from nnlab.autograd.tensor import Tensor

__all__ = ["roi_pool", "roi_align", "convert_boxes_to_roi_format", "roi_align_matrices"]


def _array(x: Any) -> np.ndarray:
    return x.array if isinstance(x, Tensor) else np.asarray(x)


def _pair(output_size: int | Sequence[int], fn: str) -> tuple[int, int]:
    size = (output_size, output_size) if np.isscalar(output_size) else tuple(output_size)
    if len(size) != 2 or min(int(s) for s in size) <= 0:
        raise ValueError(f"{fn}: output_size must be a positive int or (height, width), got {output_size}")
    return int(size[0]), int(size[1])


def convert_boxes_to_roi_format(boxes: Any, fn: str = "roi_align") -> np.ndarray:
    """(K, 5) float rows ``(batch_index, x1, y1, x2, y2)`` from a list of per-image boxes or a (K, 5) array.

    Raises:
        ValueError: naming ``fn`` when a list entry is not (K_i, 4) or a tensor is not (K, 5).
    """
    if isinstance(boxes, (list, tuple)):
        rows = []
        for i, b in enumerate(boxes):
            b = _array(b)
            if b.ndim != 2 or b.shape[1] != 4:
                raise ValueError(f"{fn}: boxes[{i}] must have shape (K, 4) (x1, y1, x2, y2), got {tuple(b.shape)}")
            rows.append(np.concatenate([np.full((len(b), 1), i, dtype=np.float64), b.astype(np.float64)], 1))
        return np.concatenate(rows, 0) if rows else np.zeros((0, 5))
    b = _array(boxes)
    if b.ndim != 2 or b.shape[1] != 5:
        raise ValueError(f"{fn}: boxes must be a list of (K_i, 4) tensors or a (K, 5) tensor with the batch index "
                         f"first, got shape {tuple(b.shape)}")
    return b.astype(np.float64)


def _check(input: Tensor, boxes: Any, output_size, fn: str) -> tuple[np.ndarray, np.ndarray, tuple[int, int]]:
    if not isinstance(input, Tensor):
        raise TypeError(f"{fn}: input must be a Tensor, got {type(input).__name__}")
    if input.ndim != 4:
        raise ValueError(f"{fn}: input must be (N, C, H, W), got shape {tuple(input.shape)}")
    rois = convert_boxes_to_roi_format(boxes, fn)
    idx = rois[:, 0].astype(np.int64)
    if len(idx) and (idx.min() < 0 or idx.max() >= input.shape[0] or not np.array_equal(idx, rois[:, 0])):
        raise ValueError(f"{fn}: batch indices must be integers in [0, {input.shape[0]}) for an input of "
                         f"{input.shape[0]} images, got values in [{rois[:, 0].min()}, {rois[:, 0].max()}]")
    return rois, idx, _pair(output_size, fn)


def _round(x: np.ndarray) -> np.ndarray:
    """C's round(): halves away from zero (NumPy's round goes to even)."""
    return np.sign(x) * np.floor(np.abs(x) + 0.5)


# ---- RoIAlign -----------------------------------------------------------------------------------
def _axis_matrix(start: np.ndarray, bin_size: np.ndarray, grid: np.ndarray, bins: int, size: int) -> np.ndarray:
    """(K, bins, size): the bilinear weights of each bin's ``grid`` samples along one axis, summed per cell."""
    k_count = len(start)
    g_max = int(grid.max()) if k_count else 0
    out = np.zeros((k_count, bins, size), dtype=np.float64)
    if g_max == 0:
        return out
    b = np.arange(bins)[None, :, None]
    g = np.arange(g_max)[None, None, :]
    pos = (start[:, None, None] + b * bin_size[:, None, None]
           + (g + 0.5) * bin_size[:, None, None] / np.maximum(grid, 1)[:, None, None])
    live = (g < grid[:, None, None]) & (pos >= -1.0) & (pos <= size)
    pos = np.maximum(pos, 0.0)
    low = np.floor(pos).astype(np.int64)
    edge = low >= size - 1
    low = np.where(edge, size - 1, low)
    high = np.where(edge, size - 1, low + 1)
    frac = np.where(edge, 0.0, pos - low)
    row = (np.arange(k_count)[:, None, None] * bins + b) * size  # flat offset of (roi, bin, cell 0)
    cells = np.concatenate([(row + low)[live], (row + high)[live]])
    weights = np.concatenate([(1.0 - frac)[live], frac[live]])
    return np.bincount(cells, weights, minlength=out.size).reshape(out.shape)


def roi_align_matrices(rois: np.ndarray, output_size: tuple[int, int], height: int, width: int,
                       spatial_scale: float, sampling_ratio: int, aligned: bool
                       ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The interpolation matrices A_y (K, PH, H), A_x (K, PW, W) and sample counts (K,) of RoIAlign."""
    ph, pw = output_size
    offset = 0.5 if aligned else 0.0
    x1, y1 = rois[:, 1] * spatial_scale - offset, rois[:, 2] * spatial_scale - offset
    rw, rh = rois[:, 3] * spatial_scale - offset - x1, rois[:, 4] * spatial_scale - offset - y1
    if not aligned:  # the legacy behaviour: a box is at least one cell
        rw, rh = np.maximum(rw, 1.0), np.maximum(rh, 1.0)
    if sampling_ratio > 0:
        gh = gw = np.full(len(rois), sampling_ratio, dtype=np.int64)
    else:
        gh, gw = np.ceil(rh / ph).astype(np.int64), np.ceil(rw / pw).astype(np.int64)
        gh, gw = np.maximum(gh, 0), np.maximum(gw, 0)
    ay = _axis_matrix(y1, rh / ph, gh, ph, height)
    ax = _axis_matrix(x1, rw / pw, gw, pw, width)
    return ay, ax, np.maximum(gh * gw, 1).astype(np.float64)


class RoIAlignFunction(Function):
    """out_k = A_y F[n_k] A_xᵀ / count_k (module docstring); ∂L/∂F[n] = Σ_{k: n_k = n} A_yᵀ G_k A_x / count_k.

    Per image n with RoIs k = 1..K_n the products are batched: forward, F (C·H × W) times the
    RoIs' A_xᵀ side by side (W × K_n·PW), then each RoI's A_y; backward, G_k A_x per RoI, then
    one product of all A_yᵀ (H × K_n·PH) with the stacked results, which sums over the RoIs.
    """

    @staticmethod
    def forward(ctx: Context, x, rois, idx, output_size, spatial_scale, sampling_ratio, aligned):
        n, c, h, w = x.shape
        ph, pw = output_size
        ay, ax, count = roi_align_matrices(rois, output_size, h, w, spatial_scale, sampling_ratio, aligned)
        ay = (ay / count[:, None, None]).astype(x.dtype)
        ax = ax.astype(x.dtype)
        ctx.ay, ctx.ax, ctx.idx, ctx.shape = ay, ax, idx, x.shape
        out = np.zeros((len(rois), c, ph, pw), dtype=x.dtype)
        for img in np.unique(idx):
            ks = np.nonzero(idx == img)[0]
            t = x[img].reshape(c * h, w) @ ax[ks].transpose(2, 0, 1).reshape(w, len(ks) * pw)  # (C·H, K·PW)
            t = t.reshape(c, h, len(ks), pw).transpose(2, 1, 0, 3).reshape(len(ks), h, c * pw)
            out[ks] = np.matmul(ay[ks], t).reshape(len(ks), ph, c, pw).transpose(0, 2, 1, 3)
        return out

    @staticmethod
    def backward(ctx: Context, grad):
        n, c, h, w = ctx.shape
        ph = ctx.ay.shape[1]
        gx = np.zeros(ctx.shape, dtype=grad.dtype)
        for img in np.unique(ctx.idx):
            ks = np.nonzero(ctx.idx == img)[0]
            u = np.matmul(grad[ks], ctx.ax[ks][:, None])  # (K, C, PH, W)
            u = u.transpose(0, 2, 1, 3).reshape(len(ks) * ph, c * w)
            gx[img] = (ctx.ay[ks].transpose(2, 0, 1).reshape(h, len(ks) * ph) @ u).reshape(h, c, w).transpose(1, 0, 2)
        return gx, None, None, None, None, None, None


def roi_align(input: Tensor, boxes: Any, output_size: int | Sequence[int], spatial_scale: float = 1.0,
              sampling_ratio: int = -1, aligned: bool = False) -> Tensor:
    """RoIAlign: each RoI's bins averaged over bilinearly interpolated samples (module docstring).

    Args:
        input: the feature map. boxes: list of per-image (K_i, 4) xyxy boxes, or (K, 5) with
            the batch index first. output_size: PH × PW bins (int or pair).
        spatial_scale: box coordinates × this = feature coordinates. Default: 1.0.
        sampling_ratio: samples per bin along each axis; ≤ 0 for ⌈roi size / bins⌉. Default: -1.
        aligned: shift the box by −½ cell (pixel centres, Detectron2's fix). Default: False.

    Shape:
        - input: :math:`(N, C, H, W)`. Output: :math:`(K, C, PH, PW)`, RoIs in the order given.
    """
    rois, idx, size = _check(input, boxes, output_size, "roi_align")
    return RoIAlignFunction.apply(input, rois, idx, size, float(spatial_scale), int(sampling_ratio), bool(aligned))


# ---- RoIPool ------------------------------------------------------------------------------------
def _pool_bins(start: np.ndarray, length: np.ndarray, bins: int, size: int) -> tuple[np.ndarray, np.ndarray]:
    """(K, bins) first and one-past-last cell of every bin along one axis, clipped to [0, size]."""
    bin_size = length / bins
    b = np.arange(bins)[None, :]
    lo = np.floor(b * bin_size[:, None]).astype(np.int64) + start[:, None]
    hi = np.ceil((b + 1) * bin_size[:, None]).astype(np.int64) + start[:, None]
    return np.clip(lo, 0, size), np.clip(hi, 0, size)


class RoIPoolFunction(Function):
    """out = max over each quantized bin (0 if empty); the gradient goes to the bin's first arg-max cell."""

    @staticmethod
    def forward(ctx: Context, x, rois, idx, output_size, spatial_scale):
        n, c, h, w = x.shape
        ph, pw = output_size
        x1, y1, x2, y2 = (_round(rois[:, i] * spatial_scale).astype(np.int64) for i in range(1, 5))
        ys, ye = _pool_bins(y1, np.maximum(y2 - y1 + 1, 1), ph, h)
        xs, xe = _pool_bins(x1, np.maximum(x2 - x1 + 1, 1), pw, w)
        out = np.zeros((len(rois), c, ph, pw), dtype=x.dtype)
        argmax = np.full((len(rois), c, ph, pw), -1, dtype=np.int64)
        rows, cols = np.arange(h), np.arange(w)
        for k in range(len(rois)):
            r0, r1, c0, c1 = ys[k].min(), ye[k].max(), xs[k].min(), xe[k].max()
            if r1 <= r0 or c1 <= c0:
                continue
            crop = x[idx[k], :, r0:r1, c0:c1]  # (C, h_k, w_k), every bin of the RoI inside it
            my = (rows[None, r0:r1] >= ys[k][:, None]) & (rows[None, r0:r1] < ye[k][:, None])  # (PH, h_k)
            mx = (cols[None, c0:c1] >= xs[k][:, None]) & (cols[None, c0:c1] < xe[k][:, None])  # (PW, w_k)
            mask = my[:, None, :, None] & mx[None, :, None, :]  # (PH, PW, h_k, w_k)
            vals = np.where(mask[None], crop[:, None, None], -np.inf).reshape(c, ph, pw, -1)
            best = np.argmax(vals, axis=-1)
            empty = ~mask.reshape(ph, pw, -1).any(-1)
            out[k] = np.where(empty, 0, np.take_along_axis(vals, best[..., None], -1)[..., 0])
            cell = (r0 + best // (c1 - c0)) * w + c0 + best % (c1 - c0)
            argmax[k] = np.where(empty, -1, cell)
        ctx.argmax, ctx.idx, ctx.shape = argmax, idx, x.shape
        return out

    @staticmethod
    def backward(ctx: Context, grad):
        n, c, h, w = ctx.shape
        live = ctx.argmax >= 0
        k, ch = np.nonzero(live)[:2]
        cells = (ctx.idx[k] * c + ch) * (h * w) + ctx.argmax[live]
        gx = np.bincount(cells, grad[live].astype(np.float64), minlength=n * c * h * w)
        return gx.reshape(ctx.shape).astype(grad.dtype), None, None, None, None


def roi_pool(input: Tensor, boxes: Any, output_size: int | Sequence[int], spatial_scale: float = 1.0) -> Tensor:
    """RoIPool: max over each bin of the RoI rounded to feature cells (module docstring).

    Args:
        input: the feature map. boxes: list of per-image (K_i, 4) xyxy boxes, or (K, 5) with
            the batch index first. output_size: PH × PW bins (int or pair).
        spatial_scale: box coordinates × this = feature coordinates. Default: 1.0.

    Shape:
        - input: :math:`(N, C, H, W)`. Output: :math:`(K, C, PH, PW)`, RoIs in the order given.
    """
    rois, idx, size = _check(input, boxes, output_size, "roi_pool")
    if not math.isfinite(spatial_scale) or spatial_scale <= 0:
        raise ValueError(f"roi_pool: spatial_scale must be positive, got {spatial_scale}")
    return RoIPoolFunction.apply(input, rois, idx, size, float(spatial_scale))
