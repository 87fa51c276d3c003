"""The Fast R-CNN head of Faster / Mask R-CNN: RoI features → class scores and per-class box deltas.

In training the proposals (with the true boxes added, so every object has at least one
perfect RoI) are matched to the true boxes: IoU ≥ 0.5 is foreground with that box's class,
< 0.5 background (class 0). ``batch_size_per_image`` RoIs are sampled, at most a quarter
foreground. Each RoI is pooled to a fixed PH×PW grid (RoIAlign or RoIPool), flattened
through two fully connected layers, and scored for K + 1 classes, with one set of box
deltas per class (weights (10, 10, 5, 5), so the deltas are of order one). The multi-task loss

    L = CE(p, u) + [u ≥ 1] · smooth-L1_β=1/9(t^u − v) / (number of sampled RoIs)

classifies every sampled RoI and regresses only the foreground ones, with the deltas of
their own class. At inference the class probabilities and the decoded per-class boxes
give (box, class, score) candidates; those scoring above ``score_thresh`` go through
class-wise NMS at IoU 0.5 and the best ``detections_per_img`` remain.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

from nnlab import functional as F
from nnlab import nn
from nnlab.autograd.grad_mode import no_grad
from nnlab.autograd.tensor import Tensor
from nnlab.backend import default_generator
from nnlab.ops.creation import as_tensor
from nnlab.vision.boxes import clip_boxes_to_image, decode_deltas, encode_deltas, remove_small_boxes
from nnlab.vision.nms import batched_nms
from nnlab.models.detection.rpn import match_boxes, sample_labels

__all__ = ["TwoMLPHead", "FastRCNNPredictor", "RoIHeads", "RoISamples", "fastrcnn_loss"]

BOX_WEIGHTS = (10.0, 10.0, 5.0, 5.0)


class TwoMLPHead(nn.Module):
    """flatten → Linear → ReLU → Linear → ReLU: the per-RoI feature (torchvision's box head).

    Args:
        in_features: C·PH·PW of the pooled RoI. representation_size: hidden width R.

    Shape:
        - Input: :math:`(K, C, PH, PW)`. Output: :math:`(K, R)`.
    """

    def __init__(self, in_features: int, representation_size: int) -> None:
        super().__init__()
        self.fc6 = nn.Linear(in_features, representation_size)
        self.fc7 = nn.Linear(representation_size, representation_size)

    def forward(self, x: Tensor) -> Tensor:
        return F.relu(self.fc7(F.relu(self.fc6(x.reshape(x.shape[0], -1)))))


class FastRCNNPredictor(nn.Module):
    """Class logits (K + 1, background first) and 4·(K + 1) box deltas from the RoI feature.

    Shape:
        - Input: :math:`(K_{roi}, R)`. Output: :math:`(K_{roi}, K+1)` and :math:`(K_{roi}, 4(K+1))`.
    """

    def __init__(self, in_features: int, num_classes: int) -> None:
        super().__init__()
        self.cls_score = nn.Linear(in_features, num_classes)
        self.bbox_pred = nn.Linear(in_features, 4 * num_classes)

    def forward(self, x: Tensor) -> tuple[Tensor, Tensor]:
        return self.cls_score(x), self.bbox_pred(x)


def fastrcnn_loss(class_logits: Tensor, box_regression: Tensor, labels: np.ndarray,
                  regression_targets: np.ndarray) -> tuple[Tensor, Tensor]:
    """(classification loss, box loss) of the sampled RoIs (module docstring).

    Shape:
        - class_logits :math:`(K, C+1)`, box_regression :math:`(K, 4(C+1))`, labels :math:`(K,)`
          in [0, C], regression_targets :math:`(K, 4)`.
    """
    cls_loss = F.cross_entropy(class_logits, as_tensor(labels))
    pos = np.nonzero(labels > 0)[0]
    cols = 4 * labels[pos][:, None] + np.arange(4)[None, :]
    pred = box_regression[pos[:, None], cols]
    box_loss = F.smooth_l1_loss(pred, as_tensor(regression_targets[pos]), reduction="sum", beta=1 / 9)
    return cls_loss, box_loss / max(len(labels), 1)


@dataclass
class RoISamples:
    """The RoIs sampled for training: per image ``proposals`` (P_i, 4), ``labels`` (P_i,) in [0, C]
    (0 background), ``matched`` (P_i,) the index of each RoI's true box, ``targets`` (P_i, 4) deltas."""

    proposals: list
    labels: list
    matched: list
    targets: list


class RoIHeads(nn.Module):
    """Sampling, pooling, the box head and predictor, the loss and the post-processing (module docstring).

    Args:
        pooler: ``pooler(features, boxes_per_image) -> (K, C, PH, PW)`` (an ``RoIAlign`` or ``RoIPool``).
        box_head: e.g. :class:`TwoMLPHead`. box_predictor: e.g. :class:`FastRCNNPredictor`.
        fg_iou_thresh, bg_iou_thresh: 0.5, 0.5. batch_size_per_image: 64. positive_fraction: 0.25.
        score_thresh: 0.05. nms_thresh: 0.5. detections_per_img: 100.
    """

    def __init__(self, pooler: Callable, box_head: nn.Module, box_predictor: nn.Module, fg_iou_thresh: float = 0.5,
                 bg_iou_thresh: float = 0.5, batch_size_per_image: int = 64, positive_fraction: float = 0.25,
                 score_thresh: float = 0.05, nms_thresh: float = 0.5, detections_per_img: int = 100) -> None:
        super().__init__()
        self.pooler, self.box_head, self.box_predictor = pooler, box_head, box_predictor
        self.fg_iou_thresh, self.bg_iou_thresh = fg_iou_thresh, bg_iou_thresh
        self.batch_size_per_image, self.positive_fraction = int(batch_size_per_image), float(positive_fraction)
        self.score_thresh, self.nms_thresh, self.detections_per_img = score_thresh, nms_thresh, int(detections_per_img)

    def select_training_samples(self, proposals: Sequence[np.ndarray], gt_boxes: Sequence[np.ndarray],
                                gt_labels: Sequence[np.ndarray]) -> RoISamples:
        """Add the true boxes to the proposals, match, sample (module docstring); labels are class + 1."""
        rng = default_generator()
        out = RoISamples([], [], [], [])
        for props, gt, lab in zip(proposals, gt_boxes, gt_labels):
            props = np.concatenate([props, gt]).astype(np.float32)
            flags, matched = match_boxes(props, gt, self.fg_iou_thresh, self.bg_iou_thresh, False)
            pos, neg = sample_labels(flags, self.batch_size_per_image, self.positive_fraction, rng)
            keep = np.concatenate([pos, neg])
            labels = np.zeros(len(keep), dtype=np.int64)
            labels[: len(pos)] = lab[matched[pos]] + 1
            targets = np.zeros((len(keep), 4), dtype=np.float32)
            if len(pos):
                targets[: len(pos)] = encode_deltas(gt[matched[pos]], props[pos], BOX_WEIGHTS)
            out.proposals.append(props[keep])
            out.labels.append(labels)
            out.matched.append(matched[keep])
            out.targets.append(targets)
        return out

    def scores(self, features: Tensor, boxes: Sequence[np.ndarray]) -> tuple[Tensor, Tensor]:
        """Class logits and box deltas of the RoIs ``boxes`` (per image) on ``features``."""
        return self.box_predictor(self.box_head(self.pooler(features, list(boxes))))

    def postprocess(self, class_logits: np.ndarray, box_regression: np.ndarray, proposals: Sequence[np.ndarray],
                    image_size: tuple[int, int]) -> list[dict]:
        """Detections per image ``{"boxes", "scores", "labels"}`` (labels 0-based, background removed)."""
        e = np.exp(class_logits - class_logits.max(axis=1, keepdims=True))
        probs = e / e.sum(axis=1, keepdims=True)
        num_classes = class_logits.shape[1]
        results, start = [], 0
        for props in proposals:
            stop = start + len(props)
            boxes = decode_deltas(box_regression[start:stop], props, BOX_WEIGHTS).reshape(-1, num_classes, 4)
            boxes = clip_boxes_to_image(boxes[:, 1:].reshape(-1, 4), image_size)
            scores = probs[start:stop, 1:].reshape(-1)
            labels = np.tile(np.arange(num_classes - 1), len(props))
            keep = np.nonzero(scores > self.score_thresh)[0]
            keep = keep[remove_small_boxes(boxes[keep], 1e-2)]
            boxes, scores, labels = boxes[keep], scores[keep], labels[keep]
            keep = batched_nms(boxes, scores, labels, self.nms_thresh)[: self.detections_per_img]
            results.append({"boxes": boxes[keep].astype(np.float32), "scores": scores[keep].astype(np.float32),
                            "labels": labels[keep].astype(np.int64)})
            start = stop
        return results

    def forward(self, features: Tensor, proposals: Sequence[np.ndarray], image_size: tuple[int, int],
                gt_boxes: Sequence[np.ndarray] | None = None, gt_labels: Sequence[np.ndarray] | None = None
                ) -> tuple[list[dict], dict, RoISamples | None]:
        """Training (given the truth): ``([], losses, samples)``; else ``(detections, {}, None)``."""
        if gt_boxes is not None:
            samples = self.select_training_samples(proposals, gt_boxes, gt_labels)
            logits, deltas = self.scores(features, samples.proposals)
            cls_loss, box_loss = fastrcnn_loss(logits, deltas, np.concatenate(samples.labels),
                                               np.concatenate(samples.targets))
            return [], {"loss_classifier": cls_loss, "loss_box_reg": box_loss}, samples
        logits, deltas = self.scores(features, proposals)
        return self.postprocess(logits.array, deltas.array, proposals, image_size), {}, None


@contextlib.contextmanager
def detecting(model: nn.Module, heads, conf_threshold: float, iou_threshold: float):
    """For a ``detect`` call: evaluation mode, no gradients and the heads' score / NMS thresholds
    set to ``conf_threshold`` / ``iou_threshold``; all restored afterwards, even on error."""
    saved = (model.training, heads.score_thresh, heads.nms_thresh)
    model.eval()
    heads.score_thresh, heads.nms_thresh = float(conf_threshold), float(iou_threshold)
    try:
        with no_grad():
            yield
    finally:
        model.train(saved[0])
        heads.score_thresh, heads.nms_thresh = saved[1], saved[2]
