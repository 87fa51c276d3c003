"""Fast R-CNN (Girshick, ICCV 2015): one shared feature map, RoI pooling, two heads, one loss.

The convolutional layers run once per image, not once per proposal as in R-CNN; each
proposal is then cut out of the *feature map* by RoI pooling (:func:`~nnlab.vision.roi.roi_pool`:
the box scaled by the backbone's stride, split into a fixed grid of bins, max over each bin),
so regions of any size give fixed-size features for the fully connected head: C+1 class scores
and 4C class-specific box offsets. Training is end-to-end on the multi-task loss
(:func:`~nnlab.models.detection.region.region_loss`) with hierarchical sampling: a
mini-batch holds a few images and ``rois_per_image`` regions of each (25 % foreground), so
the regions of one image share its forward and backward pass through the backbone.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from nnlab import nn, optim
from nnlab.autograd.grad_mode import no_grad
from nnlab.autograd.tensor import Tensor
from nnlab.data import DataLoader, TensorDataset
from nnlab.models.detection.rcnn import TwoHeads, conv_stages
from nnlab.models.detection.region import region_loss, regions_to_detections, sample_regions
from nnlab.ops.creation import from_numpy
from nnlab.train import Trainer
from nnlab.vision.roi import roi_align, roi_pool

__all__ = ["FastRCNN", "train_fast_rcnn"]

POOLERS = ("roi_pool", "roi_align")


class FastRCNN(nn.Module):
    """A small Fast R-CNN: conv backbone → RoI pooling of every proposal → FC → two heads.

    Args:
        num_classes: C object classes (background is added). Default: 3.
        channels: widths of the backbone's conv stages. Default: (16, 32, 64).
        pools: how many of them end in a 2×2 max-pool; the feature stride is 2**pools. Default: 2.
        pool_size: RoI pooling output, pool_size × pool_size bins. Default: 4.
        hidden: FC width. Default: 256. pooler: "roi_pool" (Fast R-CNN) or "roi_align". Default: "roi_pool".

    Shape:
        - Input: images (N, 3, H, W) and regions, a list of N (K_i, 4) xyxy arrays.
        - Output: (K, C+1) and (K, 4C), K = Σ K_i, regions in the order given.
    """

    def __init__(self, num_classes: int = 3, channels: Sequence[int] = (16, 32, 64), pools: int = 2,
                 pool_size: int = 4, hidden: int = 256, pooler: str = "roi_pool") -> None:
        super().__init__()
        if pooler not in POOLERS or not 0 <= pools <= len(channels):
            raise ValueError(f"FastRCNN: pooler must be one of {POOLERS} and 0 <= pools <= {len(channels)}, "
                             f"got {pooler!r}, {pools}")
        self.num_classes, self.pool_size, self.pooler = num_classes, pool_size, pooler
        self.spatial_scale = 1.0 / 2 ** pools
        self.backbone = nn.Sequential(*conv_stages(channels, pools=pools))
        self.heads = TwoHeads(channels[-1] * pool_size * pool_size, num_classes, hidden)

    def pool(self, features: Tensor, regions: list) -> Tensor:
        """Fixed-size features (K, C_f, P, P) of every region, cut from the shared feature map."""
        boxes = [np.asarray(r, np.float32).reshape(-1, 4) for r in regions]
        if self.pooler == "roi_pool":
            return roi_pool(features, boxes, self.pool_size, self.spatial_scale)
        return roi_align(features, boxes, self.pool_size, self.spatial_scale, sampling_ratio=2, aligned=True)

    def forward(self, images: Tensor, regions: list) -> tuple[Tensor, Tensor]:
        if len(regions) != images.shape[0]:
            raise ValueError(f"FastRCNN: {images.shape[0]} images but {len(regions)} region lists")
        return self.heads(self.pool(self.backbone(images), regions))

    def detect(self, images: np.ndarray, proposals: Sequence[np.ndarray], score_threshold: float = 0.05,
               nms_threshold: float = 0.3, batch_size: int = 16) -> list[dict]:
        """Detections ``{"boxes", "scores", "labels"}`` of each image (N, 3, H, W) from its proposals."""
        if len(images) != len(proposals):
            raise ValueError(f"FastRCNN.detect: {len(images)} images but {len(proposals)} proposal lists")
        was_training = self.training
        self.eval()
        out = []
        with no_grad():
            for i in range(0, len(images), batch_size):
                props = [np.asarray(p, np.float32).reshape(-1, 4) for p in proposals[i:i + batch_size]]
                logits, deltas = self(from_numpy(np.ascontiguousarray(images[i:i + batch_size])), props)
                ends = np.cumsum([len(p) for p in props])
                for k, (p, lg, dl) in enumerate(zip(props, np.split(logits.data, ends[:-1]),
                                                    np.split(deltas.data, ends[:-1]))):
                    out.append(regions_to_detections(lg, dl, p, images.shape[2:], score_threshold, nms_threshold))
        self.train(was_training)
        return out


def train_fast_rcnn(model: FastRCNN, images: np.ndarray, proposals: Sequence[np.ndarray], boxes: Sequence[np.ndarray],
                    labels: Sequence[np.ndarray], epochs: int = 10, images_per_batch: int = 4, rois_per_image: int = 32,
                    lr: float = 2e-3, box_weight: float = 1.0, seed: int = 0, quiet: bool = True):
    """End-to-end training on the multi-task loss through the Trainer; regions resampled every batch.

    Args:
        images: (N, 3, H, W); proposals, boxes, labels: N arrays each (labels in 0..C−1).
        images_per_batch: images of a mini-batch (Fast R-CNN: 2). rois_per_image: sampled
            regions per image (Fast R-CNN: 64), 25 % foreground. Adam at ``lr``, cosine-annealed.
        seed: the region sampling's generator (the loader shuffles with nnlab's global one).

    Returns:
        The Trainer's History (loss, cls_loss, box_loss per epoch).
    """
    rng = np.random.default_rng(seed)
    optimizer = optim.Adam(model.parameters(), lr=lr)
    scheduler = optim.CosineAnnealingLR(optimizer, T_max=epochs)

    def step(trainer: Trainer, batch) -> dict:
        imgs, idx = batch
        idx = idx.data if isinstance(idx, Tensor) else np.asarray(idx)
        sampled = [sample_regions(proposals[i], boxes[i], labels[i], rois_per_image, rng) for i in idx.tolist()]
        logits, deltas = trainer.model(imgs if isinstance(imgs, Tensor) else from_numpy(imgs), [s[0] for s in sampled])
        loss, cls_loss, box_loss = region_loss(logits, deltas, np.concatenate([s[1] for s in sampled]),
                                               np.concatenate([s[2] for s in sampled]), box_weight)
        return {"loss": loss, "cls_loss": float(cls_loss.data), "box_loss": float(box_loss.data)}

    loader = DataLoader(TensorDataset(np.asarray(images, np.float32), np.arange(len(images))),
                        batch_size=images_per_batch, shuffle=True)
    trainer = Trainer(model, optimizer=optimizer, scheduler=scheduler, step_fn=step, quiet=quiet)
    return trainer.fit(loader, epochs=epochs)
