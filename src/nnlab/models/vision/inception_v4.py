"""Inception-v4 (Szegedy, Ioffe, Vanhoucke & Alemi, 2016, "Inception-v4, Inception-ResNet and the
impact of residual connections"): a uniform, deeper pure-Inception network."""

from __future__ import annotations

from nnlab import functional as F
from nnlab import nn
from nnlab.autograd.tensor import Tensor
from nnlab.models._weights import with_weights
from nnlab.models.vision._init import kaiming_conv_bn_init_
from nnlab.models.vision.googlenet import BasicConv2d
from nnlab.ops.movement import cat


def _conv(c_in: int, c_out: int, k, stride: int = 1, padding=0) -> BasicConv2d:
    return BasicConv2d(c_in, c_out, kernel_size=k, stride=stride, padding=padding)


def _seq(*layers: nn.Module) -> nn.Sequential:
    return nn.Sequential(*layers)


def _avg_proj(c_in: int, c_out: int) -> nn.Sequential:
    """avgpool 3×3 s1 (padding not counted) → 1×1 conv: the pool branch of the A, B and C blocks."""
    return nn.Sequential(nn.AvgPool2d(3, stride=1, padding=1, count_include_pad=False), _conv(c_in, c_out, 1))


class Stem(nn.Module):
    """299×299×3 → 35×35×384 with three two-branch concatenations (conv ‖ pool, 1×1→3×3 ‖ 1×1→7×1→1×7→3×3)."""

    def __init__(self):
        super().__init__()
        self.conv1 = _seq(_conv(3, 32, 3, 2), _conv(32, 32, 3), _conv(32, 64, 3, padding=1))
        self.pool3a = nn.MaxPool2d(3, stride=2)
        self.conv3a = _conv(64, 96, 3, 2)
        self.branch4a_0 = _seq(_conv(160, 64, 1), _conv(64, 96, 3))
        self.branch4a_1 = _seq(_conv(160, 64, 1), _conv(64, 64, (1, 7), padding=(0, 3)),
                               _conv(64, 64, (7, 1), padding=(3, 0)), _conv(64, 96, 3))
        self.conv5a = _conv(192, 192, 3, 2)
        self.pool5a = nn.MaxPool2d(3, stride=2)

    def forward(self, x: Tensor) -> Tensor:
        x = self.conv1(x)
        x = cat([self.pool3a(x), self.conv3a(x)], 1)
        x = cat([self.branch4a_0(x), self.branch4a_1(x)], 1)
        return cat([self.conv5a(x), self.pool5a(x)], 1)


class InceptionA4(nn.Module):
    """35×35, 384 → 384: cat[1×1 96, 1×1→3×3 96, 1×1→3×3→3×3 96, avgpool→1×1 96]."""

    def __init__(self):
        super().__init__()
        self.branch0 = _conv(384, 96, 1)
        self.branch1 = _seq(_conv(384, 64, 1), _conv(64, 96, 3, padding=1))
        self.branch2 = _seq(_conv(384, 64, 1), _conv(64, 96, 3, padding=1), _conv(96, 96, 3, padding=1))
        self.branch3 = _avg_proj(384, 96)

    def forward(self, x: Tensor) -> Tensor:
        return cat([self.branch0(x), self.branch1(x), self.branch2(x), self.branch3(x)], 1)


class ReductionA4(nn.Module):
    """35 → 17, 384 → 1024: cat[3×3 s2 384, 1×1→3×3→3×3 s2 256, maxpool s2]."""

    def __init__(self):
        super().__init__()
        self.branch0 = _conv(384, 384, 3, 2)
        self.branch1 = _seq(_conv(384, 192, 1), _conv(192, 224, 3, padding=1), _conv(224, 256, 3, 2))
        self.branch2 = nn.MaxPool2d(3, stride=2)

    def forward(self, x: Tensor) -> Tensor:
        return cat([self.branch0(x), self.branch1(x), self.branch2(x)], 1)


class InceptionB4(nn.Module):
    """17×17, 1024 → 1024 with 7×7 factorized into 1×7 and 7×1 convs."""

    def __init__(self):
        super().__init__()
        self.branch0 = _conv(1024, 384, 1)
        self.branch1 = _seq(_conv(1024, 192, 1), _conv(192, 224, (1, 7), padding=(0, 3)),
                            _conv(224, 256, (7, 1), padding=(3, 0)))
        self.branch2 = _seq(_conv(1024, 192, 1), _conv(192, 192, (7, 1), padding=(3, 0)),
                            _conv(192, 224, (1, 7), padding=(0, 3)), _conv(224, 224, (7, 1), padding=(3, 0)),
                            _conv(224, 256, (1, 7), padding=(0, 3)))
        self.branch3 = _avg_proj(1024, 128)

    def forward(self, x: Tensor) -> Tensor:
        return cat([self.branch0(x), self.branch1(x), self.branch2(x), self.branch3(x)], 1)


class ReductionB4(nn.Module):
    """17 → 8, 1024 → 1536: cat[1×1→3×3 s2 192, 1×1→1×7→7×1→3×3 s2 320, maxpool s2]."""

    def __init__(self):
        super().__init__()
        self.branch0 = _seq(_conv(1024, 192, 1), _conv(192, 192, 3, 2))
        self.branch1 = _seq(_conv(1024, 256, 1), _conv(256, 256, (1, 7), padding=(0, 3)),
                            _conv(256, 320, (7, 1), padding=(3, 0)), _conv(320, 320, 3, 2))
        self.branch2 = nn.MaxPool2d(3, stride=2)

    def forward(self, x: Tensor) -> Tensor:
        return cat([self.branch0(x), self.branch1(x), self.branch2(x)], 1)


class InceptionC4(nn.Module):
    """8×8, 1536 → 1536: the 3×3 split into parallel 1×3 and 3×1 convs (expanded filter bank)."""

    def __init__(self):
        super().__init__()
        self.branch0 = _conv(1536, 256, 1)
        self.branch1_0 = _conv(1536, 384, 1)
        self.branch1_1a = _conv(384, 256, (1, 3), padding=(0, 1))
        self.branch1_1b = _conv(384, 256, (3, 1), padding=(1, 0))
        self.branch2_0 = _seq(_conv(1536, 384, 1), _conv(384, 448, (3, 1), padding=(1, 0)),
                              _conv(448, 512, (1, 3), padding=(0, 1)))
        self.branch2_1a = _conv(512, 256, (1, 3), padding=(0, 1))
        self.branch2_1b = _conv(512, 256, (3, 1), padding=(1, 0))
        self.branch3 = _avg_proj(1536, 256)

    def forward(self, x: Tensor) -> Tensor:
        b1 = self.branch1_0(x)
        b2 = self.branch2_0(x)
        return cat([self.branch0(x), self.branch1_1a(b1), self.branch1_1b(b1),
                    self.branch2_1a(b2), self.branch2_1b(b2), self.branch3(x)], 1)


class InceptionV4(nn.Module):
    """logits = last_linear(dropout(gap(C×3(RB(B×7(RA(A×4(stem(x))))))))).

    The stem, 4 Inception-A, Reduction-A, 7 Inception-B, Reduction-B, 3 Inception-C blocks
    (the paper's Figure 9), every conv followed by batch norm (eps 1e-3) and ReLU; the
    block's widths are the paper's (Reduction-A's k, l, m, n = 192, 224, 256, 384).
    Parameters at 1000 classes: 42,679,816 (the count of timm's ``inception_v4``).

    Args:
        num_classes: K (default 1000). dropout: before the classifier (default 0.2, the paper's keep 0.8).

    Shape:
        input (N, 3, H, W), 299×299 in the paper (H, W ≥ 75 pass); output (N, K).

    Attributes:
        features: Sequential(Stem, 4×InceptionA4, ReductionA4, 7×InceptionB4, ReductionB4, 3×InceptionC4);
        last_linear: Linear(1536, K). Convs kaiming_normal_(fan_out, relu), BatchNorm γ = 1, β = 0.
    """

    def __init__(self, num_classes: int = 1000, dropout: float = 0.2):
        super().__init__()
        blocks = [Stem()] + [InceptionA4() for _ in range(4)] + [ReductionA4()]
        blocks += [InceptionB4() for _ in range(7)] + [ReductionB4()] + [InceptionC4() for _ in range(3)]
        self.features = nn.Sequential(*blocks)
        self.dropout = nn.Dropout(p=dropout)
        self.last_linear = nn.Linear(1536, num_classes)
        kaiming_conv_bn_init_(self)

    def forward(self, x: Tensor) -> Tensor:
        x = F.adaptive_avg_pool2d(self.features(x), (1, 1)).flatten(1)
        return self.last_linear(self.dropout(x))


@with_weights
def inception_v4(num_classes: int = 1000, **kwargs) -> InceptionV4:
    """Inception-v4: 42,679,816 params at 1000 classes; see :class:`InceptionV4`."""
    return InceptionV4(num_classes=num_classes, **kwargs)
