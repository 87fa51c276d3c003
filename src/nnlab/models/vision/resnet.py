"""ResNet with basic and bottleneck residual blocks (He et al., 2015), in torchvision's layout."""

from __future__ import annotations

from typing import Optional, Sequence, Type, Union

from nnlab import nn
from nnlab.autograd.tensor import Tensor
from nnlab.models._weights import with_weights
from nnlab.models.vision._init import kaiming_conv_bn_init_


def conv3x3(in_planes: int, out_planes: int, stride: int = 1, groups: int = 1) -> nn.Conv2d:
    """3×3 convolution, padding 1, no bias (a BatchNorm follows)."""
    return nn.Conv2d(in_planes, out_planes, kernel_size=3, stride=stride, padding=1, groups=groups, bias=False)


def conv1x1(in_planes: int, out_planes: int, stride: int = 1) -> nn.Conv2d:
    """1×1 convolution, no bias: mixes channels, changes their number, or (stride 2) downsamples."""
    return nn.Conv2d(in_planes, out_planes, kernel_size=1, stride=stride, bias=False)


class BasicBlock(nn.Module):
    """y = relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x)), two 3×3 convs (ResNet-18/34).

    Args:
        inplanes: input channels C_in.
        planes: channels of both convs; output channels = planes·expansion (expansion 1).
        stride: stride of conv1 (2 halves H and W at the first block of a stage).
        downsample: the projection shortcut (conv1x1 + BatchNorm2d) when the shape changes,
            else ``None`` (identity shortcut).

    Shape:
        input (N, C_in, H, W); output (N, planes, H/stride, W/stride).

    Attributes:
        conv1: (planes, C_in, 3, 3); conv2: (planes, planes, 3, 3); bn1, bn2: BatchNorm2d(planes).
    """

    expansion = 1

    def __init__(self, inplanes: int, planes: int, stride: int = 1, downsample: Optional[nn.Module] = None):
        super().__init__()
        self.conv1 = conv3x3(inplanes, planes, stride)
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = conv3x3(planes, planes)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = downsample
        self.stride = stride

    def forward(self, x: Tensor) -> Tensor:
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + identity)


class Bottleneck(nn.Module):
    """y = relu(bn3(conv3(relu(bn2(conv2(relu(bn1(conv1(x)))))))) + shortcut(x)): 1×1 → 3×3 → 1×1.

    The 1×1 convs first reduce the channels to ``planes`` and then expand them ×4, so the
    costly 3×3 conv runs on the narrow tensor (ResNet-50/101/152). The stride sits on the
    3×3 conv ("ResNet v1.5", as torchvision; the paper put it on the first 1×1).

    Args:
        inplanes: input channels C_in.
        planes: width of the 3×3 conv; output channels = planes·expansion (expansion 4).
        stride: stride of conv2.
        downsample: projection shortcut, or ``None`` for the identity.

    Shape:
        input (N, C_in, H, W); output (N, 4·planes, H/stride, W/stride).

    Attributes:
        conv1: (planes, C_in, 1, 1); conv2: (planes, planes, 3, 3); conv3: (4·planes, planes, 1, 1);
        bn1, bn2: BatchNorm2d(planes); bn3: BatchNorm2d(4·planes).
    """

    expansion = 4

    def __init__(self, inplanes: int, planes: int, stride: int = 1, downsample: Optional[nn.Module] = None):
        super().__init__()
        self.conv1 = conv1x1(inplanes, planes)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = conv3x3(planes, planes, stride)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv3 = conv1x1(planes, planes * self.expansion)
        self.bn3 = nn.BatchNorm2d(planes * self.expansion)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample
        self.stride = stride

    def forward(self, x: Tensor) -> Tensor:
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        return self.relu(out + identity)


Block = Union[Type[BasicBlock], Type[Bottleneck]]


class ResNet(nn.Module):
    """logits = fc(flatten(avgpool(layer4(layer3(layer2(layer1(maxpool(relu(bn1(conv1(x)))))))))).

    ResNet (He, Zhang, Ren & Sun, 2015, "Deep residual learning for image recognition")
    won ILSVRC-2015 with 152 layers. Plain networks that deep train *worse* than shallower
    ones (the degradation problem, not overfitting); residual blocks fix it by learning
    F(x) = H(x) − x and adding the input back through a **skip connection**, y = F(x) + x,
    so an identity is the easy default and gradients flow straight through the additions.
    When a block changes the shape (stride 2 or more channels) the shortcut is a 1×1
    projection (``downsample`` = conv1x1 + BatchNorm2d). Every conv is followed by batch
    normalization, and a global average pool replaces VGG's big FC layers.

    Names follow torchvision (``conv1``, ``bn1``, ``layer1.0.conv1``,
    ``layer2.0.downsample.0/1``, ``fc``), so ``state_dict`` keys line up with
    ``torchvision.models.resnet*``. Parameters at 1000 classes: ResNet-18 11,689,512,
    ResNet-34 21,797,672, ResNet-50 25,557,032.

    Args:
        block: ``BasicBlock`` or ``Bottleneck``.
        layers: blocks per stage, e.g. ``(2, 2, 2, 2)`` for ResNet-18.
        num_classes: K (default 1000).
        zero_init_residual: start each block's last BN with γ = 0, so every residual
            branch begins as the identity (default ``False``).

    Shape:
        input (N, 3, H, W), 224×224 in the paper (any H, W ≥ 1 passes: adaptive pooling);
        output (N, K).

    Attributes:
        conv1: (64, 3, 7, 7), stride 2, no bias; convs initialized
            kaiming_normal_(mode="fan_out", nonlinearity="relu"); BatchNorm γ = 1, β = 0.
        layer1..layer4: ``Sequential`` stages of 64, 128, 256, 512 planes (strides 1, 2, 2, 2).
        fc: Linear(512·expansion, K), PyTorch's default Linear init.
    """

    def __init__(self, block: Block, layers: Sequence[int], num_classes: int = 1000, zero_init_residual: bool = False):
        super().__init__()
        if len(layers) != 4 or any(int(n) < 1 for n in layers):
            raise ValueError(f"ResNet: layers must be 4 positive block counts, got {tuple(layers)}")
        self.inplanes = 64
        self.conv1 = nn.Conv2d(3, self.inplanes, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(self.inplanes)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.layer1 = self._make_layer(block, 64, layers[0])
        self.layer2 = self._make_layer(block, 128, layers[1], stride=2)
        self.layer3 = self._make_layer(block, 256, layers[2], stride=2)
        self.layer4 = self._make_layer(block, 512, layers[3], stride=2)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(512 * block.expansion, num_classes)
        self._init_weights(zero_init_residual)

    def _make_layer(self, block: Block, planes: int, blocks: int, stride: int = 1) -> nn.Sequential:
        downsample = None
        if stride != 1 or self.inplanes != planes * block.expansion:
            downsample = nn.Sequential(
                conv1x1(self.inplanes, planes * block.expansion, stride),
                nn.BatchNorm2d(planes * block.expansion),
            )
        layers = [block(self.inplanes, planes, stride, downsample)]
        self.inplanes = planes * block.expansion
        layers += [block(self.inplanes, planes) for _ in range(1, int(blocks))]
        return nn.Sequential(*layers)

    def _init_weights(self, zero_init_residual: bool) -> None:
        kaiming_conv_bn_init_(self)
        if zero_init_residual:
            for m in self.modules():
                if isinstance(m, Bottleneck):
                    nn.init.zeros_(m.bn3.weight)
                elif isinstance(m, BasicBlock):
                    nn.init.zeros_(m.bn2.weight)

    def forward(self, x: Tensor) -> Tensor:
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        x = self.avgpool(x)
        return self.fc(x.flatten(1))


@with_weights
def resnet18(num_classes: int = 1000, **kwargs) -> ResNet:
    """ResNet-18: BasicBlock × (2, 2, 2, 2), 11,689,512 params at 1000 classes."""
    return ResNet(BasicBlock, (2, 2, 2, 2), num_classes=num_classes, **kwargs)


@with_weights
def resnet34(num_classes: int = 1000, **kwargs) -> ResNet:
    """ResNet-34: BasicBlock × (3, 4, 6, 3), 21,797,672 params at 1000 classes."""
    return ResNet(BasicBlock, (3, 4, 6, 3), num_classes=num_classes, **kwargs)


@with_weights
def resnet50(num_classes: int = 1000, **kwargs) -> ResNet:
    """ResNet-50: Bottleneck × (3, 4, 6, 3), 25,557,032 params at 1000 classes."""
    return ResNet(Bottleneck, (3, 4, 6, 3), num_classes=num_classes, **kwargs)


@with_weights
def resnet101(num_classes: int = 1000, **kwargs) -> ResNet:
    """ResNet-101: Bottleneck × (3, 4, 23, 3), 44,549,160 params at 1000 classes."""
    return ResNet(Bottleneck, (3, 4, 23, 3), num_classes=num_classes, **kwargs)


@with_weights
def resnet152(num_classes: int = 1000, **kwargs) -> ResNet:
    """ResNet-152: Bottleneck × (3, 8, 36, 3), 60,192,808 params at 1000 classes (ILSVRC-2015's winner)."""
    return ResNet(Bottleneck, (3, 8, 36, 3), num_classes=num_classes, **kwargs)
