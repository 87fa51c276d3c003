"""Inception v3 (Szegedy et al., 2015, "Rethinking the Inception architecture"), in torchvision's layout.

Inception v2/v3 keep GoogLeNet's parallel branches and add batch normalization after every
convolution plus **factorized convolutions**: a 5×5 conv becomes two stacked 3×3 convs
(18 instead of 25 weights per channel pair, same receptive field), and an n×n conv becomes a
1×n conv followed by an n×1 conv (2n instead of n² weights). Grids shrink with parallel
stride-2 conv and pool branches instead of a pool alone (no representational bottleneck).
"""

from __future__ import annotations

from typing import NamedTuple, Optional, Union

from nnlab import functional as F
from nnlab import nn
from nnlab.autograd.tensor import Tensor
from nnlab.models._weights import with_weights
from nnlab.models.vision._init import trunc_normal_init_
from nnlab.models.vision.googlenet import BasicConv2d
from nnlab.ops.movement import cat


def _avg3(x: Tensor) -> Tensor:
    """3×3 stride-1 average pool, padding 1 (the pool branch of every v3 block)."""
    return F.avg_pool2d(x, kernel_size=3, stride=1, padding=1)


def _max3s2(x: Tensor) -> Tensor:
    """3×3 stride-2 max pool without padding (the grid-reduction pool)."""
    return F.max_pool2d(x, kernel_size=3, stride=2)


class InceptionA(nn.Module):
    """35×35 block: cat[1×1, 1×1→5×5, 1×1→3×3→3×3, avgpool→1×1]; output 224 + pool_features channels."""

    def __init__(self, in_channels: int, pool_features: int):
        super().__init__()
        self.branch1x1 = BasicConv2d(in_channels, 64, kernel_size=1)
        self.branch5x5_1 = BasicConv2d(in_channels, 48, kernel_size=1)
        self.branch5x5_2 = BasicConv2d(48, 64, kernel_size=5, padding=2)
        self.branch3x3dbl_1 = BasicConv2d(in_channels, 64, kernel_size=1)
        self.branch3x3dbl_2 = BasicConv2d(64, 96, kernel_size=3, padding=1)
        self.branch3x3dbl_3 = BasicConv2d(96, 96, kernel_size=3, padding=1)
        self.branch_pool = BasicConv2d(in_channels, pool_features, kernel_size=1)

    def forward(self, x: Tensor) -> Tensor:
        b1 = self.branch1x1(x)
        b5 = self.branch5x5_2(self.branch5x5_1(x))
        b3 = self.branch3x3dbl_3(self.branch3x3dbl_2(self.branch3x3dbl_1(x)))
        return cat([b1, b5, b3, self.branch_pool(_avg3(x))], 1)


class InceptionB(nn.Module):
    """Grid reduction 35 → 17: cat[3×3 s2, 1×1→3×3→3×3 s2, maxpool s2]; output 480 + C_in channels."""

    def __init__(self, in_channels: int):
        super().__init__()
        self.branch3x3 = BasicConv2d(in_channels, 384, kernel_size=3, stride=2)
        self.branch3x3dbl_1 = BasicConv2d(in_channels, 64, kernel_size=1)
        self.branch3x3dbl_2 = BasicConv2d(64, 96, kernel_size=3, padding=1)
        self.branch3x3dbl_3 = BasicConv2d(96, 96, kernel_size=3, stride=2)

    def forward(self, x: Tensor) -> Tensor:
        b3 = self.branch3x3(x)
        bd = self.branch3x3dbl_3(self.branch3x3dbl_2(self.branch3x3dbl_1(x)))
        return cat([b3, bd, _max3s2(x)], 1)


class InceptionC(nn.Module):
    """17×17 block with 7×7 factorized into 1×7 and 7×1: cat[1×1, 1×7→7×1, (7×1→1×7)×2, pool→1×1]; 768 out."""

    def __init__(self, in_channels: int, channels_7x7: int):
        super().__init__()
        c7 = channels_7x7
        self.branch1x1 = BasicConv2d(in_channels, 192, kernel_size=1)
        self.branch7x7_1 = BasicConv2d(in_channels, c7, kernel_size=1)
        self.branch7x7_2 = BasicConv2d(c7, c7, kernel_size=(1, 7), padding=(0, 3))
        self.branch7x7_3 = BasicConv2d(c7, 192, kernel_size=(7, 1), padding=(3, 0))
        self.branch7x7dbl_1 = BasicConv2d(in_channels, c7, kernel_size=1)
        self.branch7x7dbl_2 = BasicConv2d(c7, c7, kernel_size=(7, 1), padding=(3, 0))
        self.branch7x7dbl_3 = BasicConv2d(c7, c7, kernel_size=(1, 7), padding=(0, 3))
        self.branch7x7dbl_4 = BasicConv2d(c7, c7, kernel_size=(7, 1), padding=(3, 0))
        self.branch7x7dbl_5 = BasicConv2d(c7, 192, kernel_size=(1, 7), padding=(0, 3))
        self.branch_pool = BasicConv2d(in_channels, 192, kernel_size=1)

    def forward(self, x: Tensor) -> Tensor:
        b1 = self.branch1x1(x)
        b7 = self.branch7x7_3(self.branch7x7_2(self.branch7x7_1(x)))
        bd = self.branch7x7dbl_1(x)
        for conv in (self.branch7x7dbl_2, self.branch7x7dbl_3, self.branch7x7dbl_4, self.branch7x7dbl_5):
            bd = conv(bd)
        return cat([b1, b7, bd, self.branch_pool(_avg3(x))], 1)


class InceptionD(nn.Module):
    """Grid reduction 17 → 8: cat[1×1→3×3 s2, 1×1→1×7→7×1→3×3 s2, maxpool s2]; output 512 + C_in."""

    def __init__(self, in_channels: int):
        super().__init__()
        self.branch3x3_1 = BasicConv2d(in_channels, 192, kernel_size=1)
        self.branch3x3_2 = BasicConv2d(192, 320, kernel_size=3, stride=2)
        self.branch7x7x3_1 = BasicConv2d(in_channels, 192, kernel_size=1)
        self.branch7x7x3_2 = BasicConv2d(192, 192, kernel_size=(1, 7), padding=(0, 3))
        self.branch7x7x3_3 = BasicConv2d(192, 192, kernel_size=(7, 1), padding=(3, 0))
        self.branch7x7x3_4 = BasicConv2d(192, 192, kernel_size=3, stride=2)

    def forward(self, x: Tensor) -> Tensor:
        b3 = self.branch3x3_2(self.branch3x3_1(x))
        b7 = self.branch7x7x3_4(self.branch7x7x3_3(self.branch7x7x3_2(self.branch7x7x3_1(x))))
        return cat([b3, b7, _max3s2(x)], 1)


class InceptionE(nn.Module):
    """8×8 block with 3×3 split into parallel 1×3 and 3×1 (wider, not deeper); 2048 channels out."""

    def __init__(self, in_channels: int):
        super().__init__()
        self.branch1x1 = BasicConv2d(in_channels, 320, kernel_size=1)
        self.branch3x3_1 = BasicConv2d(in_channels, 384, kernel_size=1)
        self.branch3x3_2a = BasicConv2d(384, 384, kernel_size=(1, 3), padding=(0, 1))
        self.branch3x3_2b = BasicConv2d(384, 384, kernel_size=(3, 1), padding=(1, 0))
        self.branch3x3dbl_1 = BasicConv2d(in_channels, 448, kernel_size=1)
        self.branch3x3dbl_2 = BasicConv2d(448, 384, kernel_size=3, padding=1)
        self.branch3x3dbl_3a = BasicConv2d(384, 384, kernel_size=(1, 3), padding=(0, 1))
        self.branch3x3dbl_3b = BasicConv2d(384, 384, kernel_size=(3, 1), padding=(1, 0))
        self.branch_pool = BasicConv2d(in_channels, 192, kernel_size=1)

    def forward(self, x: Tensor) -> Tensor:
        b3 = self.branch3x3_1(x)
        b3 = cat([self.branch3x3_2a(b3), self.branch3x3_2b(b3)], 1)
        bd = self.branch3x3dbl_2(self.branch3x3dbl_1(x))
        bd = cat([self.branch3x3dbl_3a(bd), self.branch3x3dbl_3b(bd)], 1)
        return cat([self.branch1x1(x), b3, bd, self.branch_pool(_avg3(x))], 1)


class InceptionV3Aux(nn.Module):
    """logits = fc(gap(conv1(conv0(avgpool₅ₓ₅,s3(x))))): the auxiliary classifier on the 17×17 grid.

    Attributes:
        conv0: BasicConv2d(C_in, 128, 1); conv1: BasicConv2d(128, 768, 5); fc: Linear(768, K).
    """

    def __init__(self, in_channels: int, num_classes: int):
        super().__init__()
        self.conv0 = BasicConv2d(in_channels, 128, kernel_size=1)
        self.conv1 = BasicConv2d(128, 768, kernel_size=5)
        self.fc = nn.Linear(768, num_classes)

    def forward(self, x: Tensor) -> Tensor:
        x = F.avg_pool2d(x, kernel_size=5, stride=3)
        x = F.adaptive_avg_pool2d(self.conv1(self.conv0(x)), (1, 1))
        return self.fc(x.flatten(1))


class InceptionV3Outputs(NamedTuple):
    """What ``InceptionV3`` returns in training mode with ``aux_logits=True`` (torchvision's order)."""

    logits: Tensor
    aux_logits: Tensor


class InceptionV3(nn.Module):
    """logits = fc(dropout(gap(Mixed_7c(…Mixed_5b(stem(x)))))): 11 Inception blocks on a 299×299 input.

    Stem: five BN-conv layers and two max pools (299 → 35 grid); three ``InceptionA`` (35×35),
    ``InceptionB`` (→ 17), four ``InceptionC`` with factorized 7×7 (17×17), ``InceptionD``
    (→ 8), two ``InceptionE`` (8×8), global average pooling, dropout 0.5, a linear classifier;
    an auxiliary classifier sits on the 17×17 grid (used in training mode only). Names follow
    torchvision's ``inception_v3`` (``Conv2d_1a_3x3.conv``, ``Mixed_6b.branch7x7_2.bn``,
    ``AuxLogits.fc``), so ``state_dict`` keys line up. Parameters at 1000 classes:
    **27,161,264** with the auxiliary classifier (torchvision's count), 23,834,568 without.

    Args:
        num_classes: K (default 1000). aux_logits: build the auxiliary classifier (default True).
        dropout: before ``fc`` (default 0.5).

    Shape:
        input (N, 3, H, W), 299×299 in the paper (H, W ≥ 75 pass in eval mode; the auxiliary
        classifier, run in training mode, needs the 17×17 grid of a 299×299 input); output (N, K), or in training
        mode with ``aux_logits`` an ``InceptionV3Outputs(logits, aux_logits)``.

    Attributes:
        Conv2d_1a_3x3 … Conv2d_4a_3x3: the stem's BasicConv2d layers; Mixed_5b … Mixed_7c: the blocks;
        AuxLogits: ``InceptionV3Aux`` or ``None``; fc: Linear(2048, K). Convs and Linears are
        initialized trunc_normal_(std=0.1, a=−2, b=2), BatchNorm γ = 1, β = 0.
    """

    def __init__(self, num_classes: int = 1000, aux_logits: bool = True, dropout: float = 0.5):
        super().__init__()
        self.aux_logits = bool(aux_logits)
        self.Conv2d_1a_3x3 = BasicConv2d(3, 32, kernel_size=3, stride=2)
        self.Conv2d_2a_3x3 = BasicConv2d(32, 32, kernel_size=3)
        self.Conv2d_2b_3x3 = BasicConv2d(32, 64, kernel_size=3, padding=1)
        self.maxpool1 = nn.MaxPool2d(kernel_size=3, stride=2)
        self.Conv2d_3b_1x1 = BasicConv2d(64, 80, kernel_size=1)
        self.Conv2d_4a_3x3 = BasicConv2d(80, 192, kernel_size=3)
        self.maxpool2 = nn.MaxPool2d(kernel_size=3, stride=2)
        self.Mixed_5b = InceptionA(192, pool_features=32)
        self.Mixed_5c = InceptionA(256, pool_features=64)
        self.Mixed_5d = InceptionA(288, pool_features=64)
        self.Mixed_6a = InceptionB(288)
        self.Mixed_6b = InceptionC(768, channels_7x7=128)
        self.Mixed_6c = InceptionC(768, channels_7x7=160)
        self.Mixed_6d = InceptionC(768, channels_7x7=160)
        self.Mixed_6e = InceptionC(768, channels_7x7=192)
        self.AuxLogits: Optional[InceptionV3Aux] = InceptionV3Aux(768, num_classes) if aux_logits else None
        self.Mixed_7a = InceptionD(768)
        self.Mixed_7b = InceptionE(1280)
        self.Mixed_7c = InceptionE(2048)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.dropout = nn.Dropout(p=dropout)
        self.fc = nn.Linear(2048, num_classes)
        trunc_normal_init_(self, std=0.1)

    def forward(self, x: Tensor) -> Union[Tensor, InceptionV3Outputs]:
        x = self.Conv2d_2b_3x3(self.Conv2d_2a_3x3(self.Conv2d_1a_3x3(x)))
        x = self.Conv2d_4a_3x3(self.Conv2d_3b_1x1(self.maxpool1(x)))
        x = self.maxpool2(x)
        for name in ("Mixed_5b", "Mixed_5c", "Mixed_5d", "Mixed_6a", "Mixed_6b", "Mixed_6c", "Mixed_6d", "Mixed_6e"):
            x = getattr(self, name)(x)
        aux = self.AuxLogits(x) if self.AuxLogits is not None and self.training else None
        x = self.Mixed_7c(self.Mixed_7b(self.Mixed_7a(x)))
        logits = self.fc(self.dropout(self.avgpool(x).flatten(1)))
        return InceptionV3Outputs(logits, aux) if aux is not None else logits

    def extra_repr(self) -> str:
        return f"aux_logits={self.aux_logits}"


@with_weights
def inception_v3(num_classes: int = 1000, aux_logits: bool = True, **kwargs) -> InceptionV3:
    """Inception v3: 27,161,264 params at 1000 classes with the auxiliary classifier; see :class:`InceptionV3`."""
    return InceptionV3(num_classes=num_classes, aux_logits=aux_logits, **kwargs)
