"""Classification with localization and landmark detection: one CNN regressing a fixed-length vector.

Localization (one object per image at most): the network outputs the seeds' vector

    y = [p_c, b_x, b_y, b_h, b_w, c_1, …, c_n]

(p_c: is there an object; (b_x, b_y) its centre and (b_h, b_w) its height and width, as
fractions of the image; c_i one-hot class). The seeds' loss counts every term when an
object is present and only p_c when not:

    L(ŷ, y) = Σ_i (ŷ_i − y_i)²  if y_1 = 1,    (ŷ_1 − y_1)²  if y_1 = 0     (``kind="squared"``)

and, as the seeds add, in practice a logistic loss for p_c, squared error for the box
(through a sigmoid, as fractions lie in [0, 1]) and cross-entropy for the classes
(``kind="mixed"``, the default). Landmark detection regresses K points (l_x, l_y),
also as fractions of the image, with squared error; the error reported is the mean
Euclidean distance in pixels.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from nnlab import functional as F
from nnlab import nn
from nnlab.autograd.tensor import Tensor
from nnlab.ops.creation import as_tensor
from nnlab.ops.movement import cat

__all__ = ["ConvRegressor", "localization_net", "landmark_net", "localization_targets", "localization_loss",
           "decode_localization", "landmark_targets", "landmark_loss", "mean_landmark_error"]


class ConvRegressor(nn.Module):
    """[conv3×3 → BN → ReLU → max-pool]×k → flatten → Linear → ReLU → Linear(out_features).

    With ``coords`` the image gets two extra channels holding each pixel's x and y in
    [0, 1] (CoordConv, Liu et al. 2018), so the convolutions see where they are — the
    regression of positions needs it far less than translation-invariant filters do.

    Args:
        out_features: length of the output vector. image_size: square input size. Default: 64.
        channels: widths of the k stages. Default: (16, 32, 64). hidden: FC width. Default: 128.
        in_channels: image channels. Default: 3.

    Shape:
        - Input: :math:`(N, C_{in}, H, H)`. Output: :math:`(N, \\text{out_features})`.
    """

    def __init__(self, out_features: int, image_size: int = 64, channels: Sequence[int] = (16, 32, 64),
                 hidden: int = 128, in_channels: int = 3, coords: bool = True) -> None:
        super().__init__()
        self.coords = bool(coords)
        layers: list[nn.Module] = []
        c = in_channels + 2 * self.coords
        for width in channels:
            layers += [nn.Conv2d(c, width, 3, padding=1, bias=False), nn.BatchNorm2d(width), nn.ReLU(), nn.MaxPool2d(2)]
            c = width
        side = image_size // 2 ** len(channels)
        if side < 1:
            raise ValueError(f"ConvRegressor: image_size {image_size} is too small for {len(channels)} pooling stages")
        self.features = nn.Sequential(*layers)
        self.head = nn.Sequential(nn.Flatten(), nn.Linear(c * side * side, hidden), nn.ReLU(), nn.Linear(hidden, out_features))

    def forward(self, x: Tensor) -> Tensor:
        if self.coords:
            n, _, h, w = x.shape
            ys, xs = np.meshgrid((np.arange(h) + 0.5) / h, (np.arange(w) + 0.5) / w, indexing="ij")
            grid = np.broadcast_to(np.stack([xs, ys]).astype(x.dtype), (n, 2, h, w))
            x = cat([x, as_tensor(np.ascontiguousarray(grid))], dim=1)
        return self.head(self.features(x))


def localization_net(num_classes: int, image_size: int = 64, **kwargs) -> ConvRegressor:
    """A :class:`ConvRegressor` with the seeds' 5 + n outputs [p_c, b_x, b_y, b_h, b_w, c_1 … c_n]."""
    return ConvRegressor(5 + num_classes, image_size, **kwargs)


def landmark_net(num_landmarks: int, image_size: int = 64, **kwargs) -> ConvRegressor:
    """A :class:`ConvRegressor` with 2K outputs (l_x1, l_y1, …, l_xK, l_yK) as fractions of the image."""
    return ConvRegressor(2 * num_landmarks, image_size, **kwargs)


def localization_targets(boxes: Sequence[np.ndarray], labels: Sequence[np.ndarray], num_classes: int,
                         image_size: int) -> np.ndarray:
    """The seeds' target vectors (N, 5 + n) of images with at most one object (none: p_c = 0, rest 0)."""
    y = np.zeros((len(boxes), 5 + num_classes), dtype=np.float32)
    for i, (b, lab) in enumerate(zip(boxes, labels)):
        b = np.asarray(b, dtype=np.float32).reshape(-1, 4)
        if len(b) > 1:
            raise ValueError(f"localization_targets: image {i} has {len(b)} objects; localization takes at most one")
        if len(b):
            x1, y1, x2, y2 = b[0] / image_size
            y[i, :5] = (1.0, (x1 + x2) / 2, (y1 + y2) / 2, y2 - y1, x2 - x1)
            y[i, 5 + int(np.asarray(lab).reshape(-1)[0])] = 1.0
    return y


def localization_loss(output: Tensor, target, kind: str = "mixed", lambda_box: float = 5.0) -> Tensor:
    """The seeds' localization loss, averaged over the batch (see the module docstring).

    Args:
        output: (N, 5 + n) network outputs; target: (N, 5 + n) from :func:`localization_targets`.
        kind: ``"squared"`` (the seeds' formula on the raw outputs) or ``"mixed"`` (logistic
            p_c, squared error on σ(box outputs), cross-entropy classes). Default: ``"mixed"``.
        lambda_box: weight of the box term in ``"mixed"`` (YOLO's λ_coord: squared errors of
            fractions are small beside the log-losses). Default: 5.0.
    """
    t = target.array if isinstance(target, Tensor) else np.asarray(target)
    if output.ndim != 2 or output.shape[1] < 6 or tuple(output.shape) != t.shape:
        raise ValueError(f"localization_loss: output and target must both be (N, 5 + n), "
                         f"got {tuple(output.shape)} and {t.shape}")
    present = as_tensor(t[:, :1].astype(output.dtype))
    y = as_tensor(t.astype(output.dtype))
    n = output.shape[0]
    if kind == "squared":
        d = output - y
        sq = d * d
        return (sq[:, 0].sum() + (sq[:, 1:] * present).sum()) / n
    if kind != "mixed":
        raise ValueError(f"localization_loss: kind must be 'squared' or 'mixed', got {kind!r}")
    pc = F.binary_cross_entropy_with_logits(output[:, 0], y[:, 0], reduction="sum")
    d = F.sigmoid(output[:, 1:5]) - y[:, 1:5]
    box = (d * d * present).sum()
    cls = -(F.log_softmax(output[:, 5:], dim=-1) * y[:, 5:] * present).sum()
    return (pc + lambda_box * box + cls) / n


def decode_localization(output: np.ndarray, image_size: int, kind: str = "mixed") -> dict:
    """P(object) (N,), boxes (N, 4) xyxy in pixels and classes (N,) from localization outputs."""
    out = np.asarray(output, dtype=np.float64)
    if kind == "mixed":
        pc, geo = 1 / (1 + np.exp(-out[:, 0])), 1 / (1 + np.exp(-out[:, 1:5]))
    else:
        pc, geo = out[:, 0], out[:, 1:5]
    bx, by, bh, bw = (geo[:, i] * image_size for i in range(4))
    boxes = np.stack([bx - bw / 2, by - bh / 2, bx + bw / 2, by + bh / 2], axis=1)
    return {"p_object": pc, "boxes": boxes.astype(np.float32), "labels": np.argmax(out[:, 5:], axis=1)}


def landmark_targets(keypoints: Sequence[np.ndarray], image_size: int) -> np.ndarray:
    """(N, 2K) targets (l_x1, l_y1, …) as fractions of the image, from one object's (K, 2) points per image."""
    rows = []
    for i, kp in enumerate(keypoints):
        kp = np.asarray(kp, dtype=np.float32)
        if kp.ndim == 3:
            if kp.shape[0] != 1:
                raise ValueError(f"landmark_targets: image {i} has {kp.shape[0]} objects; one is needed")
            kp = kp[0]
        rows.append(kp.reshape(-1) / image_size)
    return np.stack(rows).astype(np.float32)


def landmark_loss(output: Tensor, target) -> Tensor:
    """Squared error summed over the 2K coordinates, averaged over the batch."""
    t = as_tensor(np.asarray(target.array if isinstance(target, Tensor) else target, dtype=output.dtype))
    if tuple(output.shape) != tuple(t.shape):
        raise ValueError(f"landmark_loss: output {tuple(output.shape)} and target {tuple(t.shape)} differ")
    d = output - t
    return (d * d).sum() / output.shape[0]


def mean_landmark_error(pred: np.ndarray, target: np.ndarray, image_size: int) -> float:
    """Mean Euclidean distance in pixels between predicted and true landmarks (fractions × image_size)."""
    p = np.asarray(pred, dtype=np.float64).reshape(len(pred), -1, 2)
    t = np.asarray(target, dtype=np.float64).reshape(len(target), -1, 2)
    return float(np.linalg.norm((p - t) * image_size, axis=-1).mean())
