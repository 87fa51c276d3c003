"""Fast R-CNN (Girshick, ICCV 2015): one shared feature map, RoI pooling, two heads, one loss.

The convolutional layers run once per image, not once per proposal as in R-CNN; each
proposal is then cut out of the *feature map* by RoI pooling (:class:`~nnlab.vision.RoIPool`:
the box scaled by the backbone's stride and rounded to cells, split into a fixed grid of
bins, max over each bin), so regions of any size give fixed-size features for the fully
connected head (:class:`~nnlab.models.detection.roi_heads.TwoMLPHead`): C+1 class scores and
4 offsets per class. Training is end-to-end on the multi-task loss with hierarchical
sampling: a mini-batch holds a few images and ``batch_size_per_image`` regions of each (25 %
foreground), so the regions of one image share its forward and backward pass through the
backbone. Faster R-CNN (:class:`~nnlab.models.detection.FasterRCNN`) is this network with
the proposals made by a region proposal network on the same map instead of selective search.
"""

from __future__ import annotations

from typing import Sequence

from nnlab.models.detection.faster_rcnn import small_backbone
from nnlab.models.detection.region import ProposalDetector
from nnlab.models.detection.roi_heads import FastRCNNPredictor, RoIHeads, TwoMLPHead
from nnlab.vision.roi_modules import RoIAlign, RoIPool

__all__ = ["FastRCNN"]


class FastRCNN(ProposalDetector):
    """A small Fast R-CNN: the shapes backbone → RoI pooling of every proposal → 2 FC → two outputs.

    Args:
        num_classes: C object classes (background is added). Default: 3.
        channels: backbone widths (stride 2^(k−1): 4 by default, a 16×16 map for 64×64). Default: (16, 32, 64).
        pooler: ``"pool"`` (RoIPool, Fast R-CNN's) or ``"align"`` (RoIAlign, sampling 2, aligned). Default: ``"pool"``.
        roi_size: PH = PW of the pooled region. Default: 4. representation_size: FC width. Default: 256.
        roi_kwargs: passed to :class:`RoIHeads` (default ``batch_size_per_image=32``).

    Shape:
        - Input: images (N, 3, H, W), proposals N × (K_i, 4). Output: see :class:`ProposalDetector`.
    """

    def __init__(self, num_classes: int = 3, channels: Sequence[int] = (16, 32, 64), pooler: str = "pool",
                 roi_size: int = 4, representation_size: int = 256, roi_kwargs: dict | None = None) -> None:
        if pooler not in ("pool", "align"):
            raise ValueError(f"FastRCNN: pooler must be 'pool' or 'align', got {pooler!r}")
        stride = 2 ** (len(channels) - 1)
        pool = RoIPool(roi_size, 1.0 / stride) if pooler == "pool" else RoIAlign(roi_size, 1.0 / stride, 2, aligned=True)
        c = int(channels[-1])
        heads = RoIHeads(pool, TwoMLPHead(c * roi_size * roi_size, representation_size),
                         FastRCNNPredictor(representation_size, num_classes + 1),
                         **{"batch_size_per_image": 32, **(roi_kwargs or {})})
        super().__init__(small_backbone(channels), heads)
        self.num_classes, self.stride, self.pooler = int(num_classes), stride, pooler
