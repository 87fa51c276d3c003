"""Sliding-window detection, both ways: crop-and-classify, and the convolutional implementation.

The seeds' window classifier takes a 14×14×3 crop: conv 5×5 (16 filters) → 10×10×16,
max-pool 2 → 5×5×16, FC 400 → FC 400 → FC (classes). Sliding it over an image with
stride 2 and classifying each crop repeats most of the work, since neighbouring windows
share most of their pixels. Turning the fully connected layers into convolutions —
FC 400 over the 5×5×16 volume is a 5×5 convolution with 400 filters, the next FCs are
1×1 convolutions — gives a network that runs on any image size in one forward pass:
on 16×16 it outputs 2×2×classes, on 28×28 8×8×classes, each output position being the
score of the window at (2·row, 2·col). The scores are the same numbers, computed once.
"""

from __future__ import annotations

import numpy as np

from nnlab import nn
from nnlab.autograd.grad_mode import no_grad
from nnlab.autograd.tensor import Tensor
from nnlab.ops.creation import as_tensor

__all__ = ["WindowClassifier", "sliding_window_scores", "conv_sliding_window_scores"]


class WindowClassifier(nn.Module):
    """The seeds' 14×14 window classifier; :meth:`to_convolutional` gives its fully convolutional twin.

    Args:
        num_classes: outputs (e.g. background + 3 shapes). Default: 4.
        in_channels: Default: 3. window: crop size (≥ 6, even). Default: 14.
        filters: conv filters. Default: 16. hidden: FC width. Default: 400.

    Attributes:
        conv (Conv2d 5×5), pool (MaxPool2d 2), fc1 (Linear 16·5·5 → 400), fc2 (400 → 400),
        fc3 (400 → num_classes).

    Shape:
        - Input: :math:`(N, C_{in}, 14, 14)`. Output: :math:`(N, \\text{num_classes})` logits.
    """

    def __init__(self, num_classes: int = 4, in_channels: int = 3, window: int = 14, filters: int = 16,
                 hidden: int = 400) -> None:
        super().__init__()
        if window < 6 or (window - 4) % 2:
            raise ValueError(f"WindowClassifier: window must be even and at least 6, got {window}")
        self.window, self.side = window, (window - 4) // 2
        self.conv = nn.Conv2d(in_channels, filters, 5)
        self.pool = nn.MaxPool2d(2)
        self.fc1 = nn.Linear(filters * self.side * self.side, hidden)
        self.fc2 = nn.Linear(hidden, hidden)
        self.fc3 = nn.Linear(hidden, num_classes)
        self.relu = nn.ReLU()

    @property
    def stride(self) -> int:
        """Pixels between neighbouring windows of the convolutional version (the pooling stride)."""
        return 2

    def forward(self, x: Tensor) -> Tensor:
        h = self.pool(self.relu(self.conv(x))).flatten(1)
        return self.fc3(self.relu(self.fc2(self.relu(self.fc1(h)))))

    def to_convolutional(self) -> nn.Sequential:
        """The same network with its FC layers as convolutions (weights copied, reshaped)."""
        f, hidden, classes = self.conv.out_channels, self.fc1.out_features, self.fc3.out_features
        conv1 = nn.Conv2d(f, hidden, self.side)
        conv2 = nn.Conv2d(hidden, hidden, 1)
        conv3 = nn.Conv2d(hidden, classes, 1)
        # Linear's input is the (C, H, W) flatten of the pooled volume, exactly a conv kernel's layout.
        for conv, fc in ((conv1, self.fc1), (conv2, self.fc2), (conv3, self.fc3)):
            conv.weight.array[...] = fc.weight.array.reshape(conv.weight.shape)
            conv.bias.array[...] = fc.bias.array
        head = nn.Conv2d(self.conv.in_channels, f, 5)
        head.weight.array[...] = self.conv.weight.array
        head.bias.array[...] = self.conv.bias.array
        return nn.Sequential(head, nn.ReLU(), nn.MaxPool2d(2), conv1, nn.ReLU(), conv2, nn.ReLU(), conv3)


def _image(image) -> np.ndarray:
    arr = image.array if isinstance(image, Tensor) else np.asarray(image, dtype=np.float32)
    if arr.ndim != 3:
        raise ValueError(f"sliding windows: image must be (C, H, W), got shape {arr.shape}")
    return arr


def sliding_window_scores(classifier: WindowClassifier, image, stride: int = 2, batch_size: int = 256) -> np.ndarray:
    """Crop every ``window``×``window`` patch at ``stride`` and classify each crop.

    Shape:
        - image: :math:`(C, H, W)`. Output: :math:`(\\text{classes}, R, Q)` logits with
          R = (H − window) / stride + 1 (floor) and Q likewise; entry (k, r, q) scores the
          window whose top-left corner is (stride·r, stride·q).
    """
    arr, w = _image(image), classifier.window
    rows = (arr.shape[1] - w) // stride + 1
    cols = (arr.shape[2] - w) // stride + 1
    if rows < 1 or cols < 1:
        raise ValueError(f"sliding_window_scores: image {arr.shape} is smaller than the {w}×{w} window")
    crops = np.stack([arr[:, r * stride : r * stride + w, q * stride : q * stride + w]
                      for r in range(rows) for q in range(cols)])
    was_training = classifier.training
    classifier.eval()
    try:
        with no_grad():
            out = np.concatenate([classifier(as_tensor(crops[i : i + batch_size])).array
                                  for i in range(0, len(crops), batch_size)])
    finally:
        classifier.train(was_training)
    return out.reshape(rows, cols, -1).transpose(2, 0, 1)


def conv_sliding_window_scores(conv_net: nn.Module, image) -> np.ndarray:
    """All windows at stride 2 in one forward pass of :meth:`WindowClassifier.to_convolutional`'s network.

    Shape:
        - image: :math:`(C, H, W)`. Output: :math:`(\\text{classes}, R, Q)` as :func:`sliding_window_scores`.
    """
    arr = _image(image)
    was_training = conv_net.training
    conv_net.eval()
    try:
        with no_grad():
            return conv_net(as_tensor(arr[None])).array[0]
    finally:
        conv_net.train(was_training)
