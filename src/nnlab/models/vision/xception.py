"""Xception (Chollet, 2017, "Xception: deep learning with depthwise separable convolutions").

The "extreme Inception" hypothesis: an Inception module maps cross-channel correlations
(1×1 convs) and spatial correlations (3×3 convs) separately; taken to the limit, one spatial
filter per channel after one 1×1 map is a **depthwise separable convolution**. Xception
stacks 36 of them (as 14 residual modules) in place of Inception modules.
"""

from __future__ import annotations

from nnlab import functional as F
from nnlab import nn
from nnlab.autograd.tensor import Tensor
from nnlab.models._weights import with_weights
from nnlab.models.vision._init import kaiming_conv_bn_init_


class SeparableConv2d(nn.Module):
    """y = pointwise(depthwise(x)): a k×k conv per channel (groups = C_in), then a 1×1 conv across channels.

    Weights: C_in·k² + C_in·C_out instead of C_in·C_out·k² for a full conv. Counts as one
    layer of depth (as in the paper's "36 convolutional layers").

    Args:
        in_channels: C_in. out_channels: C_out. kernel_size: k (default 3). stride (default 1).
        padding (default 1).

    Shape:
        input (N, C_in, H, W); output (N, C_out, H', W').

    Attributes:
        conv1: depthwise weight (C_in, 1, k, k), no bias; pointwise: (C_out, C_in, 1, 1), no bias.
    """

    counts_as_one_layer = True

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int = 3, stride: int = 1, padding: int = 1):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, in_channels, kernel_size, stride, padding, groups=in_channels, bias=False)
        self.pointwise = nn.Conv2d(in_channels, out_channels, 1, bias=False)

    def forward(self, x: Tensor) -> Tensor:
        return self.pointwise(self.conv1(x))


class XceptionBlock(nn.Module):
    """y = rep(x) + skip(x), rep = [relu → sepconv → BN] × reps (+ 3×3 s2 max pool when strided).

    Args:
        in_channels, out_channels: C_in, C_out. reps: separable convs in the block.
        stride: 1, or 2 to end with a max pool. start_with_relu: ReLU before the first sepconv
        (``False`` for the first block, which follows a ReLU already). grow_first: change the
        width at the first sepconv (else at the last).

    Attributes:
        skip: Conv2d 1×1 (stride) + ``skipbn``, when the shape changes, else ``None`` (identity);
        rep: Sequential of ReLU / SeparableConv2d / BatchNorm2d (/ MaxPool2d).
    """

    def __init__(self, in_channels: int, out_channels: int, reps: int, stride: int = 1,
                 start_with_relu: bool = True, grow_first: bool = True):
        super().__init__()
        if out_channels != in_channels or stride != 1:
            self.skip = nn.Conv2d(in_channels, out_channels, 1, stride=stride, bias=False)
            self.skipbn = nn.BatchNorm2d(out_channels)
        else:
            self.skip = None
        widths = [out_channels] * reps
        if not grow_first:
            widths = [in_channels] * (reps - 1) + [out_channels]
        layers, c = [], in_channels
        for w in widths:
            layers += [nn.ReLU(), SeparableConv2d(c, w), nn.BatchNorm2d(w)]
            c = w
        if not start_with_relu:
            layers = layers[1:]
        if stride != 1:
            layers.append(nn.MaxPool2d(3, stride, 1))
        self.rep = nn.Sequential(*layers)

    def forward(self, x: Tensor) -> Tensor:
        skip = x if self.skip is None else self.skipbn(self.skip(x))
        return self.rep(x) + skip


class Xception(nn.Module):
    """logits = fc(gap(relu(bn4(conv4(relu(bn3(conv3(middle(entry(x)))))))))).

    Entry flow: two 3×3 convs and three strided blocks (128, 256, 728 channels); middle flow:
    eight 728-channel blocks of three separable convs; exit flow: a 728 → 1024 block, two
    separable convs to 1536 and 2048, global average pooling, a linear classifier. Every
    block but the last two layers has a residual shortcut. 22,855,952 parameters at 1000
    classes (the count of Keras' and timm's Xception).

    Args:
        num_classes: K (default 1000).

    Shape:
        input (N, 3, H, W), 299×299 in the paper (H, W ≥ 32 pass); output (N, K).

    Attributes:
        conv1: (32, 3, 3, 3) stride 2; conv2: (64, 32, 3, 3); block1 … block12: ``XceptionBlock``;
        conv3, conv4: ``SeparableConv2d`` to 1536 and 2048; fc: Linear(2048, K).
    """

    def __init__(self, num_classes: int = 1000):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 32, 3, 2, 0, bias=False)
        self.bn1 = nn.BatchNorm2d(32)
        self.conv2 = nn.Conv2d(32, 64, 3, bias=False)
        self.bn2 = nn.BatchNorm2d(64)
        self.block1 = XceptionBlock(64, 128, 2, 2, start_with_relu=False)
        self.block2 = XceptionBlock(128, 256, 2, 2)
        self.block3 = XceptionBlock(256, 728, 2, 2)
        for i in range(4, 12):
            setattr(self, f"block{i}", XceptionBlock(728, 728, 3, 1))
        self.block12 = XceptionBlock(728, 1024, 2, 2, grow_first=False)
        self.conv3 = SeparableConv2d(1024, 1536)
        self.bn3 = nn.BatchNorm2d(1536)
        self.conv4 = SeparableConv2d(1536, 2048)
        self.bn4 = nn.BatchNorm2d(2048)
        self.fc = nn.Linear(2048, num_classes)
        kaiming_conv_bn_init_(self)

    def forward(self, x: Tensor) -> Tensor:
        x = F.relu(self.bn1(self.conv1(x)))
        x = F.relu(self.bn2(self.conv2(x)))
        for i in range(1, 13):
            x = getattr(self, f"block{i}")(x)
        x = F.relu(self.bn3(self.conv3(x)))
        x = F.relu(self.bn4(self.conv4(x)))
        return self.fc(F.adaptive_avg_pool2d(x, (1, 1)).flatten(1))


@with_weights
def xception(num_classes: int = 1000, **kwargs) -> Xception:
    """Xception: 22,855,952 params at 1000 classes; see :class:`Xception`."""
    return Xception(num_classes=num_classes, **kwargs)
