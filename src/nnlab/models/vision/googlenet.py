"""GoogLeNet / Inception v1 (Szegedy et al., 2014) with the paper's 5×5 branch, in torchvision's layout."""

from __future__ import annotations

from typing import NamedTuple, Optional, Union

from nnlab import nn
from nnlab.autograd.tensor import Tensor
from nnlab.ops.movement import cat
from nnlab.models._weights import with_weights
from nnlab.models.vision._init import trunc_normal_init_


class BasicConv2d(nn.Module):
    """y = relu(bn(conv(x))): a bias-free convolution, BatchNorm2d (eps 1e-3), ReLU.

    Args:
        in_channels: C_in; out_channels: C_out; **kwargs: ``Conv2d``'s kernel_size, stride, padding.

    Shape:
        input (N, C_in, H, W); output (N, C_out, H', W').

    Attributes:
        conv: weight (C_out, C_in, k, k), no bias; bn: BatchNorm2d(C_out, eps=1e-3).
    """

    def __init__(self, in_channels: int, out_channels: int, **kwargs):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, bias=False, **kwargs)
        self.bn = nn.BatchNorm2d(out_channels, eps=0.001)
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x: Tensor) -> Tensor:
        return self.relu(self.bn(self.conv(x)))


class Inception(nn.Module):
    """y = cat([1×1(x), 3×3(1×1(x)), 5×5(1×1(x)), 1×1(maxpool₃ₓ₃(x))], dim=1).

    Four parallel branches over the same input, concatenated on the channel axis, so the
    network need not choose one filter size per layer. The 1×1 "reduction" convs before
    the 3×3 and 5×5 convs (and the projection after the pool) shrink the channels the
    expensive convs see: at inception3a a 5×5 conv from 192 to 32 channels costs
    25·192·32 = 153,600 weights directly, but 192·16 + 25·16·32 = 15,872 through the
    16-channel reduction.

    Args:
        in_channels: C_in.
        ch1x1: filters of the 1×1 branch.
        ch3x3red, ch3x3: 1×1 reduction and 3×3 filters of the second branch.
        ch5x5red, ch5x5: 1×1 reduction and 5×5 filters of the third branch.
        pool_proj: 1×1 filters after the 3×3 stride-1 max pool.
        five_by_five: kernel 5 in the third branch as in the paper (default ``True``);
            ``False`` uses 3×3 there, as torchvision's ``Inception`` does.

    Shape:
        input (N, C_in, H, W); output (N, ch1x1 + ch3x3 + ch5x5 + pool_proj, H, W).

    Attributes:
        branch1: BasicConv2d; branch2, branch3: Sequential(BasicConv2d 1×1, BasicConv2d k×k);
        branch4: Sequential(MaxPool2d(3, 1, 1, ceil_mode=True), BasicConv2d 1×1).
    """

    def __init__(self, in_channels: int, ch1x1: int, ch3x3red: int, ch3x3: int, ch5x5red: int, ch5x5: int,
                 pool_proj: int, five_by_five: bool = True):
        super().__init__()
        k = 5 if five_by_five else 3
        self.branch1 = BasicConv2d(in_channels, ch1x1, kernel_size=1)
        self.branch2 = nn.Sequential(
            BasicConv2d(in_channels, ch3x3red, kernel_size=1),
            BasicConv2d(ch3x3red, ch3x3, kernel_size=3, padding=1),
        )
        self.branch3 = nn.Sequential(
            BasicConv2d(in_channels, ch5x5red, kernel_size=1),
            BasicConv2d(ch5x5red, ch5x5, kernel_size=k, padding=k // 2),
        )
        self.branch4 = nn.Sequential(
            nn.MaxPool2d(kernel_size=3, stride=1, padding=1, ceil_mode=True),
            BasicConv2d(in_channels, pool_proj, kernel_size=1),
        )

    def forward(self, x: Tensor) -> Tensor:
        return cat([self.branch1(x), self.branch2(x), self.branch3(x), self.branch4(x)], 1)


class InceptionAux(nn.Module):
    """logits = fc2(dropout(relu(fc1(flatten(conv(avgpool₄ₓ₄(x))))))): an auxiliary classifier.

    Attached to inception4a and inception4d during training; its loss (weighted 0.3 in the
    paper) injects gradient into the middle of the 22-layer network.

    Args:
        in_channels: C_in (512 or 528); num_classes: K; dropout: probability (default 0.7).

    Shape:
        input (N, C_in, H, W); output (N, K).

    Attributes:
        conv: BasicConv2d(C_in, 128, 1); fc1: Linear(2048, 1024); fc2: Linear(1024, K).
    """

    def __init__(self, in_channels: int, num_classes: int, dropout: float = 0.7):
        super().__init__()
        self.pool = nn.AdaptiveAvgPool2d((4, 4))
        self.conv = BasicConv2d(in_channels, 128, kernel_size=1)
        self.fc1 = nn.Linear(2048, 1024)
        self.fc2 = nn.Linear(1024, num_classes)
        self.relu = nn.ReLU(inplace=True)
        self.dropout = nn.Dropout(p=dropout)

    def forward(self, x: Tensor) -> Tensor:
        x = self.conv(self.pool(x)).flatten(1)
        return self.fc2(self.dropout(self.relu(self.fc1(x))))


class GoogLeNetOutputs(NamedTuple):
    """What ``GoogLeNet`` returns in training mode with ``aux_logits=True`` (torchvision's order)."""

    logits: Tensor
    aux_logits2: Tensor
    aux_logits1: Tensor


# (C_in, #1×1, #3×3 reduce, #3×3, #5×5 reduce, #5×5, pool proj): the paper's Table 1.
_INCEPTION_CFG = {
    "inception3a": (192, 64, 96, 128, 16, 32, 32),
    "inception3b": (256, 128, 128, 192, 32, 96, 64),
    "inception4a": (480, 192, 96, 208, 16, 48, 64),
    "inception4b": (512, 160, 112, 224, 24, 64, 64),
    "inception4c": (512, 128, 128, 256, 24, 64, 64),
    "inception4d": (512, 112, 144, 288, 32, 64, 64),
    "inception4e": (528, 256, 160, 320, 32, 128, 128),
    "inception5a": (832, 256, 160, 320, 32, 128, 128),
    "inception5b": (832, 384, 192, 384, 48, 128, 128),
}


class GoogLeNet(nn.Module):
    """logits = fc(dropout(avgpool(inception5b(…inception3a(stem(x)))))): 22 layers of Inception.

    GoogLeNet (Szegedy et al., 2014, "Going deeper with convolutions") won ILSVRC-2014
    with 12× fewer parameters than AlexNet. It introduced the **Inception module**:
    parallel 1×1, 3×3 and 5×5 convs and a 3×3 max pool over the same input, concatenated
    on channels, with **1×1 convolutions as bottlenecks** ("network in network") that cut
    the channels before the expensive convs. Nine modules are stacked, a **global average
    pool** replaces the big FC layers, and two **auxiliary classifiers** on intermediate
    layers help gradients reach the early layers during training.

    Layout and names follow torchvision's ``GoogLeNet`` (``conv1.conv``, ``inception3a.
    branch2.1.bn``, ``aux1.fc1``, ``fc``), including its batch norm after every conv (the
    2014 network had none; BN came with Inception v2) and no LRN in the stem. One
    difference, by default: the third branch uses the paper's **5×5** conv, where
    torchvision uses 3×3. Counts at 1000 classes: **7,005,832** parameters with 5×5
    (``five_by_five=False``: 6,624,904, torchvision's); the auxiliary heads add 6,379,984.

    Args:
        num_classes: K (default 1000).
        aux_logits: build the two auxiliary classifiers (default ``False``).
        dropout: before ``fc`` (default 0.2); dropout_aux: in the aux heads (default 0.7).
        five_by_five: the paper's 5×5 branch (default ``True``) or torchvision's 3×3.
        init_weights: torchvision's init (default ``True``).

    Shape:
        input (N, 3, H, W), 224×224 in the paper (H, W ≥ 15 pass: four stride-2 stages
        with ceil-mode pools, then global pooling); output (N, K), or in training mode with
        ``aux_logits`` a ``GoogLeNetOutputs(logits, aux_logits2, aux_logits1)``.

    Attributes:
        conv1: BasicConv2d(3, 64, 7, stride 2); conv2: 1×1 64 → 64; conv3: 3×3 64 → 192.
        inception3a … inception5b: ``Inception`` modules (``_INCEPTION_CFG``).
        aux1, aux2: ``InceptionAux`` (on 4a and 4d) or ``None``.
        fc: Linear(1024, K). Convs and Linears are initialized trunc_normal_(std=0.01,
            a=−2, b=2), BatchNorm γ = 1, β = 0.
    """

    def __init__(self, num_classes: int = 1000, aux_logits: bool = False, dropout: float = 0.2,
                 dropout_aux: float = 0.7, five_by_five: bool = True, init_weights: bool = True):
        super().__init__()
        self.aux_logits = bool(aux_logits)
        self.five_by_five = bool(five_by_five)
        self.conv1 = BasicConv2d(3, 64, kernel_size=7, stride=2, padding=3)
        self.maxpool1 = nn.MaxPool2d(3, stride=2, ceil_mode=True)
        self.conv2 = BasicConv2d(64, 64, kernel_size=1)
        self.conv3 = BasicConv2d(64, 192, kernel_size=3, padding=1)
        self.maxpool2 = nn.MaxPool2d(3, stride=2, ceil_mode=True)
        for name in ("inception3a", "inception3b"):
            setattr(self, name, Inception(*_INCEPTION_CFG[name], five_by_five=five_by_five))
        self.maxpool3 = nn.MaxPool2d(3, stride=2, ceil_mode=True)
        for name in ("inception4a", "inception4b", "inception4c", "inception4d", "inception4e"):
            setattr(self, name, Inception(*_INCEPTION_CFG[name], five_by_five=five_by_five))
        self.maxpool4 = nn.MaxPool2d(2, stride=2, ceil_mode=True)
        for name in ("inception5a", "inception5b"):
            setattr(self, name, Inception(*_INCEPTION_CFG[name], five_by_five=five_by_five))
        self.aux1: Optional[InceptionAux] = InceptionAux(512, num_classes, dropout_aux) if aux_logits else None
        self.aux2: Optional[InceptionAux] = InceptionAux(528, num_classes, dropout_aux) if aux_logits else None
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.dropout = nn.Dropout(p=dropout)
        self.fc = nn.Linear(1024, num_classes)
        if init_weights:
            self.reset_parameters()

    def reset_parameters(self) -> None:
        """torchvision's GoogLeNet init (from the seeded generator)."""
        trunc_normal_init_(self, std=0.01)

    def forward(self, x: Tensor) -> Union[Tensor, GoogLeNetOutputs]:
        x = self.maxpool1(self.conv1(x))
        x = self.maxpool2(self.conv3(self.conv2(x)))
        x = self.maxpool3(self.inception3b(self.inception3a(x)))
        x = self.inception4a(x)
        aux1 = self.aux1(x) if self.aux1 is not None and self.training else None
        x = self.inception4d(self.inception4c(self.inception4b(x)))
        aux2 = self.aux2(x) if self.aux2 is not None and self.training else None
        x = self.maxpool4(self.inception4e(x))
        x = self.inception5b(self.inception5a(x))
        logits = self.fc(self.dropout(self.avgpool(x).flatten(1)))
        if aux1 is not None:
            return GoogLeNetOutputs(logits, aux2, aux1)
        return logits

    def extra_repr(self) -> str:
        return f"aux_logits={self.aux_logits}, five_by_five={self.five_by_five}"


@with_weights
def googlenet(num_classes: int = 1000, aux_logits: bool = False, **kwargs) -> GoogLeNet:
    """GoogLeNet with the paper's 5×5 branch: 7,005,832 params at 1000 classes
    (13,385,816 with the auxiliary classifiers); see :class:`GoogLeNet`."""
    return GoogLeNet(num_classes=num_classes, aux_logits=aux_logits, **kwargs)
