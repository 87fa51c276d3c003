"""What R-CNN and Fast R-CNN share: detectors that read *given* region proposals (selective search).

Both are a feature extractor followed by the Fast R-CNN head of
:class:`~nnlab.models.detection.roi_heads.RoIHeads` (proposal labelling — IoU ≥ 0.5 with a
true box is that box's class, below is background — sampling of 25 % foreground, the
multi-task loss L = CE(p, u) + [u ≥ 1] smooth-L1(t^u − v) on the offsets of the true class,
and decoding with class-wise NMS). They differ in *where* the regions are cut:

- R-CNN cuts every proposal out of the **image** (warped to a fixed square) and runs the
  whole CNN on each crop: it has no backbone, the head's "pooler" is the warp and its
  "box head" the CNN;
- Fast R-CNN runs the backbone once and cuts every proposal out of the **feature map**
  (RoI pooling); its box head is two FC layers.

Training goes through the one :class:`~nnlab.train.Trainer`: a batch is a few images and
their indices; the step function looks up their proposals and true boxes.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from nnlab import nn, optim
from nnlab.autograd.tensor import Tensor
from nnlab.data import DataLoader, TensorDataset
from nnlab.models.detection.roi_heads import RoIHeads, detecting
from nnlab.ops.creation import as_tensor
from nnlab.train import Trainer

__all__ = ["ProposalDetector", "train_on_proposals"]


class ProposalDetector(nn.Module):
    """A feature extractor (``None``: the images themselves) and the Fast R-CNN head (module docstring).

    Args:
        backbone: images (N, 3, H, W) → the map the regions are cut from, or ``None`` for the images.
        roi_heads: the :class:`RoIHeads` whose pooler cuts the regions from that map.

    Attributes:
        backbone, roi_heads.
    """

    def __init__(self, backbone: nn.Module | None, roi_heads: RoIHeads) -> None:
        super().__init__()
        self.backbone = backbone if backbone is not None else nn.Identity()
        self.roi_heads = roi_heads

    def forward(self, images: Tensor, proposals: Sequence[np.ndarray], gt_boxes: Sequence[np.ndarray] | None = None,
                gt_labels: Sequence[np.ndarray] | None = None):
        """Given the truth, the dict of the two losses; without it, the detections per image
        ``{"boxes" (D, 4) xyxy, "scores" (D,), "labels" (D,)}``.

        Shape:
            - images: (N, 3, H, W); proposals: N arrays (K_i, 4) xyxy; gt_boxes: N (G_i, 4); gt_labels: N (G_i,).
        """
        if len(proposals) != images.shape[0]:
            raise ValueError(f"{type(self).__name__}: {images.shape[0]} images but {len(proposals)} proposal lists")
        proposals = [np.asarray(p, np.float32).reshape(-1, 4) for p in proposals]
        size = (int(images.shape[2]), int(images.shape[3]))
        detections, losses, _ = self.roi_heads(self.backbone(images), proposals, size, gt_boxes, gt_labels)
        return losses if gt_boxes is not None else detections

    def detect(self, images, proposals: Sequence[np.ndarray], conf_threshold: float = 0.05,
               iou_threshold: float = 0.5, batch_size: int = 16) -> list[dict]:
        """Detections of ``images`` (N, 3, H, W) from their proposals, in evaluation mode, batch by batch."""
        arr = images.array if isinstance(images, Tensor) else np.asarray(images, dtype=np.float32)
        if len(arr) != len(proposals):
            raise ValueError(f"{type(self).__name__}.detect: {len(arr)} images but {len(proposals)} proposal lists")
        out: list[dict] = []
        with detecting(self, self.roi_heads, conf_threshold, iou_threshold):
            for i in range(0, len(arr), batch_size):
                out += self(as_tensor(arr[i:i + batch_size]), proposals[i:i + batch_size])
        return out


def train_on_proposals(model: ProposalDetector, images: np.ndarray, proposals: Sequence[np.ndarray],
                       boxes: Sequence[np.ndarray], labels: Sequence[np.ndarray], epochs: int = 10,
                       images_per_batch: int = 4, lr: float = 2e-3, quiet: bool = True):
    """Fit a proposal detector end to end through the Trainer (Adam, cosine-annealed).

    Each batch holds ``images_per_batch`` images; the head samples its regions from their
    proposals afresh every time (``model.roi_heads.batch_size_per_image`` per image, drawn with
    nnlab's global generator, so ``nnlab.manual_seed`` fixes them).

    Returns:
        The History: per epoch the loss and its terms ``loss_classifier``, ``loss_box_reg``.
    """
    if not len(images) == len(proposals) == len(boxes) == len(labels):
        raise ValueError(f"train_on_proposals: {len(images)} images, {len(proposals)} proposal lists, "
                         f"{len(boxes)} box arrays and {len(labels)} label arrays; they must match")
    optimizer = optim.Adam(model.parameters(), lr=lr)
    scheduler = optim.CosineAnnealingLR(optimizer, T_max=epochs)

    def step(trainer: Trainer, batch) -> dict:
        imgs, idx = batch
        idx = (idx.array if isinstance(idx, Tensor) else np.asarray(idx)).tolist()
        losses = trainer.model(imgs if isinstance(imgs, Tensor) else as_tensor(imgs), [proposals[i] for i in idx],
                               [boxes[i] for i in idx], [labels[i] for i in idx])
        return {"loss": sum(losses.values()), **{k: float(v.array) for k, v in losses.items()}}

    loader = DataLoader(TensorDataset(np.asarray(images, np.float32), np.arange(len(images))),
                        batch_size=images_per_batch, shuffle=True)
    return Trainer(model, optimizer=optimizer, scheduler=scheduler, step_fn=step, quiet=quiet).fit(loader, epochs=epochs)
