"""YOLO: one convolutional pass predicts, for every cell of an S×S grid and each of its B anchors,
a box, an objectness score and class scores — the output volume S×S×B×(5 + C).

Per anchor the 5 + C numbers are (t_x, t_y, t_w, t_h, t_o, class logits): the box is
b_x = (col + σ(t_x))·cell, b_w = p_w·exp(t_w) (:func:`nnlab.vision.anchors.decode_boxes`),
P(object) = σ(t_o), trained towards IoU(predicted box, true box) so that the confidence is
the seeds' P(object)·IoU, and class probabilities softmax(logits). A detection's score for
class c is σ(t_o)·P(c | object); decoding keeps the (box, class) pairs scoring at least a
threshold and runs class-wise NMS. The seeds' shapes: a 3×3 grid with 2 anchors and 3
classes gives 3×3×2×8 = 3×3×16; a 608×608 input with stride 32, 5 anchors and COCO's 80
classes gives 19×19×5×85.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from nnlab import nn
from nnlab.autograd.grad_mode import no_grad
from nnlab.autograd.tensor import Tensor
from nnlab.ops.creation import as_tensor
from nnlab.vision.anchors import assign_to_grid, decode_boxes, encode_boxes, iou_wh
from nnlab.vision.boxes import clip_boxes_to_image
from nnlab.vision.nms import batched_nms

__all__ = ["YOLO", "YOLOHead", "TARGET_FIELDS", "sigmoid_np"]

#: The last axis of a dense YOLO target: objectness, the four offsets, the class, the box in pixels.
TARGET_FIELDS = ("obj", "tx", "ty", "tw", "th", "cls", "x1", "y1", "x2", "y2")


def sigmoid_np(x: np.ndarray) -> np.ndarray:
    """σ(x) = 1/(1 + e^{−x}) on arrays without overflow warnings."""
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


class YOLOHead(nn.Module):
    """A 1×1 convolution to B·(5 + C) channels, viewed as the (N, S_h, S_w, B, 5 + C) volume.

    Args:
        in_channels: channels of the feature map; num_anchors: B; num_classes: C.

    Shape:
        - Input: :math:`(N, C_{in}, S_h, S_w)`. Output: :math:`(N, S_h, S_w, B, 5 + C)`.
    """

    def __init__(self, in_channels: int, num_anchors: int, num_classes: int) -> None:
        super().__init__()
        self.num_anchors, self.num_classes = int(num_anchors), int(num_classes)
        self.conv = nn.Conv2d(in_channels, self.num_anchors * (5 + self.num_classes), 1)
        # Objectness starts at P(object) ≈ 0.01 (most anchors hold nothing), so the first
        # steps are not spent pushing every anchor's confidence down (RetinaNet's prior).
        self.conv.bias.array.reshape(self.num_anchors, -1)[:, 4] = float(np.log(0.01 / 0.99))

    def forward(self, x: Tensor) -> Tensor:
        n, _, sh, sw = x.shape
        out = self.conv(x).reshape(n, self.num_anchors, 5 + self.num_classes, sh, sw)
        return out.permute(0, 3, 4, 1, 2)


def _conv_block(c_in: int, c_out: int) -> list[nn.Module]:
    return [nn.Conv2d(c_in, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out), nn.LeakyReLU(0.1)]


class YOLO(nn.Module):
    """A small YOLOv2-style detector: [conv3×3 → BN → leaky ReLU → max-pool]×k, a conv block, the head.

    Each stage halves the image, so the grid is S = image_size / 2^k (64×64 with 3 stages: 8×8).

    Args:
        num_classes: C. anchors: (B, 2) anchor widths and heights in pixels.
        image_size: the square input size in pixels. Default: 64.
        channels: output channels of the pooling stages; the last one is repeated by the
            block before the head. Default: (16, 32, 64).
        in_channels: image channels. Default: 3.

    Attributes:
        backbone: the stages and the final conv block (``nn.Sequential``).
        head: :class:`YOLOHead`. anchors: (B, 2) float32 NumPy array (saved as a buffer).
    """

    def __init__(self, num_classes: int, anchors: Sequence[Sequence[float]], image_size: int = 64,
                 channels: Sequence[int] = (16, 32, 64), in_channels: int = 3) -> None:
        super().__init__()
        anchors = np.asarray(anchors, dtype=np.float32).reshape(-1, 2)
        stride = 2 ** len(channels)
        if image_size % stride:
            raise ValueError(f"YOLO: image_size {image_size} must be divisible by the stride 2^{len(channels)} = {stride}")
        self.num_classes, self.image_size, self.grid_size = int(num_classes), int(image_size), image_size // stride
        layers: list[nn.Module] = []
        c = in_channels
        for width in channels:
            layers += _conv_block(c, width) + [nn.MaxPool2d(2)]
            c = width
        layers += _conv_block(c, 2 * c)
        self.backbone = nn.Sequential(*layers)
        self.head = YOLOHead(2 * c, len(anchors), num_classes)
        self.register_buffer("anchors_wh", as_tensor(anchors))

    @property
    def anchors(self) -> np.ndarray:
        return self.anchors_wh.array

    def forward(self, x: Tensor) -> Tensor:
        """Raw predictions (t_x, t_y, t_w, t_h, t_o, logits) of shape (N, S, S, B, 5 + C)."""
        return self.head(self.backbone(x))

    def encode_targets(self, boxes: Sequence[np.ndarray], labels: Sequence[np.ndarray]) -> np.ndarray:
        """Dense targets (N, S, S, B, 10) with the fields of :data:`TARGET_FIELDS`.

        Each object goes to the cell of its midpoint and its best-IoU anchor; if another
        object already holds that anchor of the cell, it takes the next best free one
        (and is dropped if the cell's B anchors are all taken).
        """
        s, anchors = self.grid_size, self.anchors
        out = np.zeros((len(boxes), s, s, len(anchors), len(TARGET_FIELDS)), dtype=np.float32)
        for i, (b, lab) in enumerate(zip(boxes, labels)):
            b = np.asarray(b, dtype=np.float32).reshape(-1, 4)
            if not len(b):
                continue
            rows, cols, _ = assign_to_grid(b, s, self.image_size, anchors)
            prefs = np.argsort(-iou_wh(b[:, 2:] - b[:, :2], anchors), axis=1, kind="stable")
            for j in range(len(b)):
                free = [a for a in prefs[j] if out[i, rows[j], cols[j], a, 0] == 0]
                if not free:
                    continue
                a = free[0]
                t = encode_boxes(b[j : j + 1], rows[j : j + 1], cols[j : j + 1], np.array([a]), anchors, s,
                                 self.image_size)[0]
                out[i, rows[j], cols[j], a] = (1.0, *t, float(lab[j]), *b[j])
        return out

    def decode(self, pred: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Boxes (N, S, S, B, 4) in pixels, P(object) (N, S, S, B) and class probabilities (…, C)."""
        xy = sigmoid_np(pred[..., 0:2])
        boxes = decode_boxes(np.concatenate([xy, pred[..., 2:4]], axis=-1), self.anchors, self.image_size)
        logits = pred[..., 5:] - pred[..., 5:].max(axis=-1, keepdims=True)
        probs = np.exp(logits)
        return boxes, sigmoid_np(pred[..., 4]), probs / probs.sum(axis=-1, keepdims=True)

    def detect(self, images, conf_threshold: float = 0.25, iou_threshold: float = 0.45, max_det: int = 100,
               batch_size: int = 64) -> list[dict]:
        """Detections per image: ``{"boxes" (D, 4) xyxy pixels, "scores" (D,), "labels" (D,)}``.

        Score of (box, class c) = P(object)·P(c | object); pairs below ``conf_threshold`` are
        dropped, boxes are clipped to the image, class-wise NMS at ``iou_threshold`` removes
        duplicates and the ``max_det`` best remain, by decreasing score.
        """
        arr = images.array if isinstance(images, Tensor) else np.asarray(images, dtype=np.float32)
        was_training = self.training
        self.eval()
        preds = []
        try:
            with no_grad():
                for i in range(0, len(arr), batch_size):
                    preds.append(self(as_tensor(arr[i : i + batch_size])).array)
        finally:
            self.train(was_training)
        boxes, obj, probs = self.decode(np.concatenate(preds, axis=0) if preds else np.zeros((0,)))
        results = []
        for b, o, p in zip(boxes, obj, probs):
            b, scores = b.reshape(-1, 4), (o[..., None] * p).reshape(-1, self.num_classes)
            cell, cls = np.nonzero(scores >= conf_threshold)
            sel_boxes = clip_boxes_to_image(b[cell], (self.image_size, self.image_size))
            sel_scores = scores[cell, cls]
            keep = batched_nms(sel_boxes, sel_scores, cls, iou_threshold)[:max_det]
            results.append({"boxes": sel_boxes[keep], "scores": sel_scores[keep], "labels": cls[keep].astype(np.int64)})
        return results
