"""Modules over the RoI ops: ``RoIPool``, ``RoIAlign`` and ``MultiScaleRoIAlign`` (torchvision.ops' names).

``MultiScaleRoIAlign`` pools each box from one level of a feature pyramid (FPN, Lin et
al. 2017). Level scales are inferred from the feature sizes, s_l = 2^round(log2(H_l / H_img)),
and a box of size √(w·h) goes to level

    k = clamp(⌊k₀ + log2(√(w·h) / 224) + 10⁻⁶⌋, k_min, k_max),   k₀ = 4,

the level whose stride suits its size (224 pixels, an ImageNet crop, sits on level 4);
k_min = −log2 s_first and k_max = −log2 s_last, so a pyramid of strides 4 … 32 spans levels 2 … 5.
"""

from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np

from nnlab.autograd.tensor import Tensor
from nnlab.nn.module import Module
from nnlab.ops import movement as _mv
from nnlab.vision.roi import convert_boxes_to_roi_format, roi_align, roi_pool

__all__ = ["RoIPool", "RoIAlign", "MultiScaleRoIAlign", "infer_scale", "map_levels"]


class RoIPool(Module):
    """:func:`~nnlab.vision.roi.roi_pool` as a module.

    Args:
        output_size: PH × PW bins. spatial_scale: box coordinates × this = feature coordinates.

    Shape:
        - input: :math:`(N, C, H, W)`, boxes as in ``roi_pool``. Output: :math:`(K, C, PH, PW)`.
    """

    def __init__(self, output_size: int | Sequence[int], spatial_scale: float) -> None:
        super().__init__()
        self.output_size, self.spatial_scale = output_size, float(spatial_scale)

    def forward(self, input: Tensor, rois: Any) -> Tensor:
        return roi_pool(input, rois, self.output_size, self.spatial_scale)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}, spatial_scale={self.spatial_scale}"


class RoIAlign(Module):
    """:func:`~nnlab.vision.roi.roi_align` as a module.

    Args:
        output_size: PH × PW bins. spatial_scale: box coordinates × this = feature coordinates.
        sampling_ratio: samples per bin and axis (≤ 0: adaptive). aligned: half-pixel shift. Default: False.

    Shape:
        - input: :math:`(N, C, H, W)`, boxes as in ``roi_align``. Output: :math:`(K, C, PH, PW)`.
    """

    def __init__(self, output_size: int | Sequence[int], spatial_scale: float, sampling_ratio: int,
                 aligned: bool = False) -> None:
        super().__init__()
        self.output_size, self.spatial_scale = output_size, float(spatial_scale)
        self.sampling_ratio, self.aligned = int(sampling_ratio), bool(aligned)

    def forward(self, input: Tensor, rois: Any) -> Tensor:
        return roi_align(input, rois, self.output_size, self.spatial_scale, self.sampling_ratio, self.aligned)

    def extra_repr(self) -> str:
        return (f"output_size={self.output_size}, spatial_scale={self.spatial_scale}, "
                f"sampling_ratio={self.sampling_ratio}, aligned={self.aligned}")


def infer_scale(feature_size: Sequence[int], image_size: Sequence[int]) -> float:
    """2^round(log2(feature height / image height)): 0.25 for a stride-4 map (round half to even, as torch)."""
    return float(2.0 ** np.round(math.log2(float(feature_size[0]) / float(image_size[0]))))


def map_levels(rois: np.ndarray, k_min: int, k_max: int, canonical_scale: float = 224.0,
               canonical_level: int = 4, eps: float = 1e-6) -> np.ndarray:
    """The pyramid level (0 = the first map) of each (K, 5) RoI, by the formula of the module docstring."""
    s = np.sqrt(np.maximum(rois[:, 3] - rois[:, 1], 0) * np.maximum(rois[:, 4] - rois[:, 2], 0))
    with np.errstate(divide="ignore"):
        lvl = np.floor(canonical_level + np.log2(s / canonical_scale) + eps)
    return (np.clip(lvl, k_min, k_max) - k_min).astype(np.int64)


class MultiScaleRoIAlign(Module):
    """RoIAlign over a feature pyramid, each box pooled from the level its size maps to (module docstring).

    Args:
        featmap_names: the keys of the feature dict to use, finest first.
        output_size: PH × PW bins. sampling_ratio: as in ``roi_align``.
        canonical_scale, canonical_level: 224 and 4 (FPN's). Default as given.

    Shape:
        - x: dict name → :math:`(N, C, H_l, W_l)`; boxes: N per-image :math:`(K_i, 4)`;
          image_shapes: N pairs (height, width). Output: :math:`(ΣK_i, C, PH, PW)`.
    """

    def __init__(self, featmap_names: Sequence[str], output_size: int | Sequence[int], sampling_ratio: int,
                 canonical_scale: int = 224, canonical_level: int = 4) -> None:
        super().__init__()
        self.featmap_names = list(featmap_names)
        self.output_size, self.sampling_ratio = output_size, int(sampling_ratio)
        self.canonical_scale, self.canonical_level = canonical_scale, canonical_level

    def forward(self, x: dict, boxes: Sequence[Any], image_shapes: Sequence[Sequence[int]]) -> Tensor:
        feats = [v for k, v in x.items() if k in self.featmap_names]
        if not feats:
            raise ValueError(f"MultiScaleRoIAlign: none of the features {list(x)} is in {self.featmap_names}")
        if not image_shapes:
            raise ValueError("MultiScaleRoIAlign: image_shapes is empty; give (height, width) per image")
        top = (max(int(s[0]) for s in image_shapes), max(int(s[1]) for s in image_shapes))
        scales = [infer_scale(f.shape[-2:], top) for f in feats]
        rois = convert_boxes_to_roi_format(list(boxes), "MultiScaleRoIAlign")
        if len(feats) == 1:
            return roi_align(feats[0], rois, self.output_size, scales[0], self.sampling_ratio)
        k_min, k_max = int(-math.log2(scales[0])), int(-math.log2(scales[-1]))
        levels = map_levels(rois, k_min, k_max, self.canonical_scale, self.canonical_level)
        parts, order = [], []
        for level, (feat, scale) in enumerate(zip(feats, scales)):
            where = np.nonzero(levels == level)[0]
            if len(where):
                parts.append(roi_align(feat, rois[where], self.output_size, scale, self.sampling_ratio))
                order.append(where)
        if not parts:
            return roi_align(feats[0], rois, self.output_size, scales[0], self.sampling_ratio)
        pooled = _mv.cat(parts, 0) if len(parts) > 1 else parts[0]
        return pooled[np.argsort(np.concatenate(order), kind="stable")]

    def extra_repr(self) -> str:
        return f"featmap_names={self.featmap_names}, output_size={self.output_size}, sampling_ratio={self.sampling_ratio}"
