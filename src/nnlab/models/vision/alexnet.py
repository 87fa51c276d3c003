"""AlexNet (the 2012 paper's network, or torchvision's layout) and ZFNet."""

from __future__ import annotations

from nnlab import nn
from nnlab.autograd.tensor import Tensor
from nnlab.models._weights import with_weights

# The paper's LRN: b = a / (k + α Σ a²)^β over n = 5 neighbouring channels, k = 2, α = 1e-4,
# β = 0.75. PyTorch's LocalResponseNorm divides α by n, so α is passed as n·1e-4.
_LRN_SIZE, _LRN_ALPHA, _LRN_BETA, _LRN_K = 5, 5 * 1e-4, 0.75, 2.0


def _lrn() -> nn.Module:
    return nn.LocalResponseNorm(_LRN_SIZE, alpha=_LRN_ALPHA, beta=_LRN_BETA, k=_LRN_K)


def scaled_channels(channels: int, width_mult: float, multiple: int = 2) -> int:
    """round(channels · width_mult) to a multiple of ``multiple`` (the two-GPU groups need even counts), ≥ it."""
    if width_mult <= 0:
        raise ValueError(f"width_mult must be positive, got {width_mult}")
    return max(multiple, int(round(channels * width_mult / multiple)) * multiple)


class AlexNet(nn.Module):
    """logits = classifier(flatten(avgpool(features(x)))): 5 conv layers, 3 fully connected.

    AlexNet (Krizhevsky, Sutskever & Hinton, 2012, "ImageNet classification with deep
    convolutional neural networks") won ILSVRC-2012 by a wide margin and started the deep
    learning era in vision. What it introduced or popularized: **ReLU** instead of
    tanh/sigmoid (several times faster training), **dropout** (p = 0.5) in the first two
    fully connected layers, **local response normalization** across channels after conv1
    and conv2, **overlapping max pooling** (3×3 windows, stride 2 < 3), heavy data
    augmentation, and training split over two GPUs.

    Two layouts, chosen by ``lrn``:

    - ``lrn=True`` (default): the 2012 paper's network. 96-256-384-384-256 filters
      (11×11 stride 4, 5×5, then 3×3), ReLU, LRN (n=5, k=2, α=1e-4, β=0.75; passed to
      ``LocalResponseNorm`` as ``alpha=5e-4`` because PyTorch divides α by n) after the
      first two convs, and the paper's two-GPU connectivity kept as ``groups=2`` in conv2,
      conv4 and conv5 (each half of the filters sees only its own GPU's half of the input
      channels). **60,965,224 parameters** at 1000 classes: the paper's "60 million".
    - ``lrn=False``: torchvision's ``AlexNet`` exactly (the single-GPU variant of
      Krizhevsky, 2014, "One weird trick for parallelizing CNNs"): 64-192-384-256-256
      filters, no LRN, no groups; **61,100,840 parameters**, and the same ``state_dict``
      keys and shapes as ``torchvision.models.alexnet()``.

    Both end with ``AdaptiveAvgPool2d((6, 6))`` (an identity at 224×224 input, where the
    last pooled map is already 6×6; it lets small inputs through) and the classifier
    Dropout → Linear(9216, 4096) → ReLU → Dropout → Linear(4096, 4096) → ReLU →
    Linear(4096, K). Weights keep PyTorch's default init (as torchvision's AlexNet does).

    Args:
        num_classes: K (default 1000).
        dropout: dropout probability in the classifier (default 0.5).
        lrn: the paper's network with LRN (default ``True``) or torchvision's layout.
        width_mult: every conv's filter count × this, rounded to an even number (default 1.0:
            the published widths). A small value keeps the whole architecture (depth,
            kernels, strides, groups, pools) at a test- or laptop-friendly size.
        classifier_width: the hidden fully connected layers' width (default 4096).
        The defaults give torchvision's (or the paper's) network; the ``state_dict`` keys
        are the same at every size.

    Shape:
        input (N, 3, H, W), 224×224 as in the paper (anything ≥ 63×63 passes); output (N, K).

    Attributes:
        features: ``Sequential`` of convs, ReLUs, LRNs and max pools; ``features.0.weight``
            is (96, 3, 11, 11) (paper) or (64, 3, 11, 11) (torchvision).
        avgpool: ``AdaptiveAvgPool2d((6, 6))``.
        classifier: ``Sequential``; ``classifier.1.weight`` is (4096, 9216),
            ``classifier.6.weight`` is (K, 4096).
    """

    def __init__(self, num_classes: int = 1000, dropout: float = 0.5, lrn: bool = True, width_mult: float = 1.0,
                 classifier_width: int = 4096):
        super().__init__()
        self.lrn = bool(lrn)
        self.width_mult = float(width_mult)
        self.features = self._make_features(self.lrn, lambda c: scaled_channels(c, self.width_mult))
        last = scaled_channels(256, self.width_mult)
        self.avgpool = nn.AdaptiveAvgPool2d((6, 6))
        self.classifier = nn.Sequential(
            nn.Dropout(p=dropout),
            nn.Linear(last * 6 * 6, classifier_width),
            nn.ReLU(inplace=True),
            nn.Dropout(p=dropout),
            nn.Linear(classifier_width, classifier_width),
            nn.ReLU(inplace=True),
            nn.Linear(classifier_width, num_classes),
        )

    @staticmethod
    def _make_features(lrn: bool, c=lambda n: n) -> nn.Sequential:
        """The convolutional part; ``c`` maps each published filter count to the one built."""
        if not lrn:
            return nn.Sequential(
                nn.Conv2d(3, c(64), kernel_size=11, stride=4, padding=2),
                nn.ReLU(inplace=True),
                nn.MaxPool2d(kernel_size=3, stride=2),
                nn.Conv2d(c(64), c(192), kernel_size=5, padding=2),
                nn.ReLU(inplace=True),
                nn.MaxPool2d(kernel_size=3, stride=2),
                nn.Conv2d(c(192), c(384), kernel_size=3, padding=1),
                nn.ReLU(inplace=True),
                nn.Conv2d(c(384), c(256), kernel_size=3, padding=1),
                nn.ReLU(inplace=True),
                nn.Conv2d(c(256), c(256), kernel_size=3, padding=1),
                nn.ReLU(inplace=True),
                nn.MaxPool2d(kernel_size=3, stride=2),
            )
        return nn.Sequential(
            nn.Conv2d(3, c(96), kernel_size=11, stride=4, padding=2),
            nn.ReLU(inplace=True),
            _lrn(),
            nn.MaxPool2d(kernel_size=3, stride=2),
            nn.Conv2d(c(96), c(256), kernel_size=5, padding=2, groups=2),
            nn.ReLU(inplace=True),
            _lrn(),
            nn.MaxPool2d(kernel_size=3, stride=2),
            nn.Conv2d(c(256), c(384), kernel_size=3, padding=1),
            nn.ReLU(inplace=True),
            nn.Conv2d(c(384), c(384), kernel_size=3, padding=1, groups=2),
            nn.ReLU(inplace=True),
            nn.Conv2d(c(384), c(256), kernel_size=3, padding=1, groups=2),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2),
        )

    def forward(self, x: Tensor) -> Tensor:
        x = self.avgpool(self.features(x))
        return self.classifier(x.flatten(1))

    def extra_repr(self) -> str:
        return f"lrn={self.lrn}" + (f", width_mult={self.width_mult}" if self.width_mult != 1.0 else "")


class ZFNet(AlexNet):
    """AlexNet with the changes Zeiler & Fergus read off their deconvnet visualizations.

    ZFNet (Zeiler & Fergus, 2013, "Visualizing and understanding convolutional networks")
    won ILSVRC-2013. Projecting feature maps back to pixel space showed AlexNet's 11×11
    stride-4 first layer left dead filters and aliasing artifacts, so ZFNet uses a
    **7×7 stride-2 first conv** and a **stride-2 conv2**, keeping more of the mid
    frequencies; it trains on one GPU, so conv3-5 are **dense** (no groups). Filters
    96-256-384-384-256, ReLU, cross-channel (LRN) normalization after the first two
    layers, 3×3 stride-2 max pooling. At 224×224 the maps are 110 → 55 → 26 → 13 → 13 →
    13 → 6, as in the paper's figure 3: the pools round up (``ceil_mode=True``, Caffe's
    convention, which the paper's sizes need). **62,357,608 parameters** at 1000 classes.

    Args:
        num_classes: K (default 1000).
        dropout: dropout probability in the classifier (default 0.5).
        lrn: cross-channel normalization after conv1 and conv2 (default ``True``).

    Shape:
        input (N, 3, H, W), 224×224 as in the paper; output (N, K).

    Attributes:
        features: ``features.0.weight`` is (96, 3, 7, 7); avgpool and classifier as in
            ``AlexNet``.
    """

    @staticmethod
    def _make_features(lrn: bool, c=lambda n: n) -> nn.Sequential:
        def norm() -> list[nn.Module]:
            return [_lrn()] if lrn else []

        return nn.Sequential(
            nn.Conv2d(3, c(96), kernel_size=7, stride=2, padding=1),
            nn.ReLU(inplace=True),
            *norm(),
            nn.MaxPool2d(kernel_size=3, stride=2, ceil_mode=True),
            nn.Conv2d(c(96), c(256), kernel_size=5, stride=2),
            nn.ReLU(inplace=True),
            *norm(),
            nn.MaxPool2d(kernel_size=3, stride=2, ceil_mode=True),
            nn.Conv2d(c(256), c(384), kernel_size=3, padding=1),
            nn.ReLU(inplace=True),
            nn.Conv2d(c(384), c(384), kernel_size=3, padding=1),
            nn.ReLU(inplace=True),
            nn.Conv2d(c(384), c(256), kernel_size=3, padding=1),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2, ceil_mode=True),
        )


@with_weights
def alexnet(num_classes: int = 1000, lrn: bool = True, dropout: float = 0.5, width_mult: float = 1.0,
            classifier_width: int = 4096) -> AlexNet:
    """AlexNet: the 2012 paper's network (``lrn=True``, 60,965,224 params) or torchvision's
    layout (``lrn=False``, 61,100,840 params); see :class:`AlexNet` (``width_mult`` and
    ``classifier_width`` shrink it without changing its architecture or state_dict keys)."""
    return AlexNet(num_classes=num_classes, dropout=dropout, lrn=lrn, width_mult=width_mult,
                   classifier_width=classifier_width)


@with_weights
def zfnet(num_classes: int = 1000, lrn: bool = True, dropout: float = 0.5, width_mult: float = 1.0,
          classifier_width: int = 4096) -> ZFNet:
    """ZFNet (Zeiler & Fergus, 2013): 62,357,608 params at 1000 classes; see :class:`ZFNet`."""
    return ZFNet(num_classes=num_classes, dropout=dropout, lrn=lrn, width_mult=width_mult,
                 classifier_width=classifier_width)
