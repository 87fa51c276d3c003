"""R-CNN (Girshick et al., CVPR 2014): region proposals → warped crops → CNN → classes and boxes.

Each proposal of an image (selective search) is cut out with a little context around it,
warped to a fixed square (``crop_size``) whatever its aspect ratio, and passed through the
CNN *on its own*: the cost grows with the number of proposals, the slowness Fast R-CNN removes.
The CNN ends in the Fast R-CNN predictor: C+1 class scores (background first) and one set of
box offsets (t_x, t_y, t_w, t_h) per class. The original trains the CNN, then per-class SVMs
and ridge box regressors on its cached features, one after another; here the multi-task
loss of :class:`~nnlab.models.detection.roi_heads.RoIHeads` trains both outputs together,
through the :class:`~nnlab.train.Trainer` (:func:`~nnlab.models.detection.region.train_on_proposals`).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from nnlab import nn
from nnlab.autograd.tensor import Tensor
from nnlab.models.detection.faster_rcnn import small_backbone
from nnlab.models.detection.region import ProposalDetector
from nnlab.models.detection.roi_heads import FastRCNNPredictor, RoIHeads
from nnlab.vision.roi import roi_align

__all__ = ["RCNN", "WarpRegions", "CropCNN"]


class WarpRegions(nn.Module):
    """R-CNN's warp: each box, grown by ``context`` of its size on every side, resampled to size×size.

    One bilinear sample at the centre of each cell of a size×size grid over the box, whatever
    its aspect ratio (:func:`~nnlab.vision.roi.roi_align` with one sample per bin, pixel-centred).

    Shape:
        - Input: images (N, C, H, W) and N arrays (K_i, 4) of xyxy boxes. Output: (Σ K_i, C, size, size).
    """

    def __init__(self, size: int, context: float = 0.0) -> None:
        super().__init__()
        if size < 1 or context < 0:
            raise ValueError(f"WarpRegions: size must be >= 1 and context >= 0, got {size}, {context}")
        self.size, self.context = int(size), float(context)

    def forward(self, images: Tensor, boxes: Sequence[np.ndarray]) -> Tensor:
        grown = []
        for b in boxes:
            b = np.asarray(b, np.float32).reshape(-1, 4)
            margin = self.context * np.concatenate([b[:, 2:] - b[:, :2]] * 2, axis=1)
            grown.append(b + margin * np.array([-1, -1, 1, 1], np.float32))
        return roi_align(images, grown, self.size, 1.0, sampling_ratio=1, aligned=True)


class CropCNN(nn.Module):
    """The per-crop network: conv stages (the shapes backbone, stride 2^(k−1)) → flatten → FC → ReLU.

    Shape:
        - Input: (K, 3, S, S). Output: (K, hidden).
    """

    def __init__(self, crop_size: int, channels: Sequence[int] = (16, 32, 64), hidden: int = 128) -> None:
        super().__init__()
        side = crop_size // 2 ** (len(channels) - 1)
        if side < 1:
            raise ValueError(f"CropCNN: crop_size {crop_size} is too small for {len(channels) - 1} pooling stages")
        self.features = small_backbone(channels)
        self.fc = nn.Sequential(nn.Flatten(), nn.Linear(channels[-1] * side * side, hidden), nn.ReLU())

    def forward(self, crops: Tensor) -> Tensor:
        return self.fc(self.features(crops))


class RCNN(ProposalDetector):
    """A small R-CNN: warp each proposal, run :class:`CropCNN` on it, score and regress it.

    Args:
        num_classes: C object classes (background is added). Default: 3.
        crop_size: side of the warped crop. Default: 32. context: margin added on each side,
            as a fraction of the box (R-CNN pads by 16 of 227 pixels). Default: 0.1.
        channels: CropCNN widths. Default: (16, 32, 64). hidden: FC width. Default: 128.
        roi_kwargs: passed to :class:`RoIHeads` (default ``batch_size_per_image=32``).

    Shape:
        - Input: images (N, 3, H, W), proposals N × (K_i, 4). Output: see :class:`ProposalDetector`.
    """

    def __init__(self, num_classes: int = 3, crop_size: int = 32, context: float = 0.1,
                 channels: Sequence[int] = (16, 32, 64), hidden: int = 128, roi_kwargs: dict | None = None) -> None:
        heads = RoIHeads(WarpRegions(crop_size, context), CropCNN(crop_size, channels, hidden),
                         FastRCNNPredictor(hidden, num_classes + 1), **{"batch_size_per_image": 32, **(roi_kwargs or {})})
        super().__init__(None, heads)
        self.num_classes = int(num_classes)
