"""R-CNN (Girshick et al., CVPR 2014): region proposals → warped crops → CNN → classes and boxes.

Each proposal of an image (selective search) is cut out with a little context around it,
warped to a fixed square (``crop_size``) whatever its aspect ratio, and passed through the
CNN *on its own*: the cost grows with the number of proposals, the slowness Fast R-CNN removes.
The CNN ends in two heads: C+1 class scores (background first) and 4C class-specific box
offsets (:func:`~nnlab.vision.box_coder.encode_box_deltas`). The original trains the CNN, then
per-class SVMs and ridge regressors on its features, one after another; here one multi-task
loss (:func:`~nnlab.models.detection.region.region_loss`) trains both heads together through
the :class:`~nnlab.train.Trainer`, on crops sampled once (the original also caches its crops'
features to disk). Detection: softmax scores, decoded boxes, class-wise NMS.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from nnlab import nn, optim
from nnlab.autograd.grad_mode import no_grad
from nnlab.autograd.tensor import Tensor
from nnlab.data import DataLoader, TensorDataset
from nnlab.models.detection.region import region_loss, regions_to_detections, sample_regions, warp_regions
from nnlab.ops.creation import from_numpy
from nnlab.train import Trainer

__all__ = ["RCNN", "rcnn_training_set", "train_rcnn", "conv_stages", "TwoHeads"]


def conv_stages(channels: Sequence[int], in_channels: int = 3, pools: int | None = None) -> list[nn.Module]:
    """[conv3×3 → BN → ReLU (→ max-pool 2)] per width; the first ``pools`` stages pool (default: all)."""
    layers: list[nn.Module] = []
    c = in_channels
    pools = len(channels) if pools is None else pools
    for i, width in enumerate(channels):
        layers += [nn.Conv2d(c, width, 3, padding=1, bias=False), nn.BatchNorm2d(width), nn.ReLU()]
        if i < pools:
            layers.append(nn.MaxPool2d(2))
        c = width
    return layers


class TwoHeads(nn.Module):
    """Flattened region features → FC → ReLU → (class scores (K, C+1), class-specific offsets (K, 4C))."""

    def __init__(self, in_features: int, num_classes: int, hidden: int) -> None:
        super().__init__()
        self.fc = nn.Sequential(nn.Flatten(), nn.Linear(in_features, hidden), nn.ReLU())
        self.cls_score = nn.Linear(hidden, num_classes + 1)
        self.bbox_pred = nn.Linear(hidden, 4 * num_classes)

    def forward(self, x: Tensor) -> tuple[Tensor, Tensor]:
        h = self.fc(x)
        return self.cls_score(h), self.bbox_pred(h)


class RCNN(nn.Module):
    """A small R-CNN: conv stages on each warped crop, then the two heads.

    Args:
        num_classes: C object classes (background is added). Default: 3.
        crop_size: side of the warped crop. Default: 32.
        channels: widths of the conv stages, each followed by a 2×2 max-pool. Default: (16, 32, 64).
        hidden: FC width. Default: 128. context: margin added on each side, as a fraction of
            the box (R-CNN pads by 16 of 227 pixels). Default: 0.1.

    Shape:
        - Input: crops (K, 3, crop_size, crop_size). Output: (K, C+1) and (K, 4C).
    """

    def __init__(self, num_classes: int = 3, crop_size: int = 32, channels: Sequence[int] = (16, 32, 64),
                 hidden: int = 128, context: float = 0.1) -> None:
        super().__init__()
        side = crop_size // 2 ** len(channels)
        if side < 1:
            raise ValueError(f"RCNN: crop_size {crop_size} is too small for {len(channels)} pooling stages")
        self.num_classes, self.crop_size, self.context = num_classes, crop_size, context
        self.features = nn.Sequential(*conv_stages(channels))
        self.heads = TwoHeads(channels[-1] * side * side, num_classes, hidden)

    def forward(self, crops: Tensor) -> tuple[Tensor, Tensor]:
        return self.heads(self.features(crops))

    def warp(self, image: np.ndarray, boxes: np.ndarray) -> np.ndarray:
        """The crops this model reads: :func:`warp_regions` with its size and context."""
        return warp_regions(image, boxes, self.crop_size, self.context)

    def detect(self, images: np.ndarray, proposals: Sequence[np.ndarray], score_threshold: float = 0.05,
               nms_threshold: float = 0.3, batch_size: int = 256) -> list[dict]:
        """Detections ``{"boxes", "scores", "labels"}`` of each image (N, 3, H, W) from its proposals."""
        if len(images) != len(proposals):
            raise ValueError(f"RCNN.detect: {len(images)} images but {len(proposals)} proposal lists")
        was_training = self.training
        self.eval()
        out = []
        with no_grad():
            for image, props in zip(images, proposals):
                props = np.asarray(props, np.float32).reshape(-1, 4)
                crops = self.warp(image, props)
                logits, deltas = [], []
                for i in range(0, len(crops), batch_size):
                    lg, dl = self(from_numpy(crops[i:i + batch_size]))
                    logits.append(lg.data)
                    deltas.append(dl.data)
                c = self.num_classes
                logits = np.concatenate(logits) if logits else np.zeros((0, c + 1), np.float32)
                deltas = np.concatenate(deltas) if deltas else np.zeros((0, 4 * c), np.float32)
                out.append(regions_to_detections(logits, deltas, props, image.shape[1:], score_threshold,
                                                 nms_threshold))
        self.train(was_training)
        return out


def rcnn_training_set(model: RCNN, images: np.ndarray, proposals: Sequence[np.ndarray], boxes: Sequence[np.ndarray],
                      labels: Sequence[np.ndarray], regions_per_image: int = 32, fg_fraction: float = 0.25,
                      seed: int = 0) -> TensorDataset:
    """Warped crops of sampled regions, their classes and box targets, all images together.

    Returns:
        ``TensorDataset(crops (M, 3, S, S) float32, classes (M,) int64, targets (M, 4) float32)``.
    """
    rng = np.random.default_rng(seed)
    crops, classes, targets = [], [], []
    for image, props, gt, lab in zip(images, proposals, boxes, labels):
        b, c, t = sample_regions(props, gt, lab, regions_per_image, rng, fg_fraction)
        crops.append(model.warp(image, b))
        classes.append(c)
        targets.append(t)
    return TensorDataset(np.concatenate(crops).astype(np.float32), np.concatenate(classes),
                         np.concatenate(targets).astype(np.float32))


def _array(x) -> np.ndarray:
    return x.data if isinstance(x, Tensor) else np.asarray(x)


def train_rcnn(model: RCNN, dataset: TensorDataset, epochs: int = 5, batch_size: int = 64, lr: float = 2e-3,
               box_weight: float = 1.0, quiet: bool = True):
    """Fit both heads with the multi-task loss through the Trainer (Adam, cosine-annealed); returns the History."""
    optimizer = optim.Adam(model.parameters(), lr=lr)
    scheduler = optim.CosineAnnealingLR(optimizer, T_max=epochs)

    def step(trainer: Trainer, batch) -> dict:
        crops, classes, targets = batch
        logits, deltas = trainer.model(crops if isinstance(crops, Tensor) else from_numpy(crops))
        loss, cls_loss, box_loss = region_loss(logits, deltas, _array(classes), _array(targets), box_weight)
        return {"loss": loss, "cls_loss": float(cls_loss.data), "box_loss": float(box_loss.data)}

    trainer = Trainer(model, optimizer=optimizer, scheduler=scheduler, step_fn=step, quiet=quiet)
    return trainer.fit(DataLoader(dataset, batch_size=batch_size, shuffle=True), epochs=epochs)
