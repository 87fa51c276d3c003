"""MobileNet v1 (Howard et al., 2017): depthwise-separable convolutions, width and resolution multipliers."""

from __future__ import annotations

from dataclasses import dataclass

from nnlab import nn
from nnlab.autograd.tensor import Tensor
from nnlab.models._weights import with_weights
from nnlab.models.vision._init import kaiming_conv_bn_init_


@dataclass(frozen=True)
class ConvCost:
    """Mult-adds and weights of one D_K×D_K conv from M to N channels on a D_F×D_F output map.

    Attributes:
        standard_mult_adds: D_K²·M·N·D_F² (every filter spans every input channel).
        separable_mult_adds: D_K²·M·D_F² (depthwise) + M·N·D_F² (pointwise 1×1).
        standard_params: D_K²·M·N; separable_params: D_K²·M + M·N (biases not counted).
        ratio: separable / standard mult-adds = 1/N + 1/D_K² (the parameter ratio is the same).
    """

    standard_mult_adds: int
    separable_mult_adds: int
    standard_params: int
    separable_params: int
    ratio: float


def depthwise_separable_cost(d_k: int, m: int, n: int, d_f: int) -> ConvCost:
    """Cost of a standard conv vs its depthwise-separable factorization (Howard et al., 2017, §3.1).

    A standard conv costs D_K·D_K·M·N·D_F·D_F mult-adds. Splitting it into a depthwise
    D_K×D_K conv (one filter per input channel, ``groups=M``) and a pointwise 1×1 conv
    that mixes the channels costs D_K·D_K·M·D_F·D_F + M·N·D_F·D_F, a fraction
    1/N + 1/D_K² of the original: with 3×3 kernels, 8 to 9 times less computation.
    The paper's example (14×14 map, 512 → 512 channels, 3×3): 462 M vs 52.3 M mult-adds,
    2.36 M vs 0.27 M weights.

    Args:
        d_k: kernel size D_K. m: input channels M. n: output channels N.
        d_f: output feature map size D_F (square map; stride 1, 'same' padding).

    Returns:
        a :class:`ConvCost`.
    """
    for name, v in (("d_k", d_k), ("m", m), ("n", n), ("d_f", d_f)):
        if int(v) != v or v < 1:
            raise ValueError(f"depthwise_separable_cost: {name} must be a positive integer, got {v!r}")
    d_k, m, n, d_f = int(d_k), int(m), int(n), int(d_f)
    standard = d_k * d_k * m * n * d_f * d_f
    separable = d_k * d_k * m * d_f * d_f + m * n * d_f * d_f
    return ConvCost(standard, separable, d_k * d_k * m * n, d_k * d_k * m + m * n, separable / standard)


class DepthwiseSeparableConv(nn.Module):
    """y = relu(bn2(pointwise(relu(bn1(depthwise(x)))))): depthwise 3×3 then pointwise 1×1.

    Args:
        in_channels: M; out_channels: N; stride: of the depthwise conv (default 1).

    Shape:
        input (N_batch, M, H, W); output (N_batch, N, H/stride, W/stride).

    Attributes:
        depthwise: Conv2d(M, M, 3, stride, padding 1, groups=M, no bias), weight (M, 1, 3, 3).
        pointwise: Conv2d(M, N, 1, no bias), weight (N, M, 1, 1).
        bn1: BatchNorm2d(M); bn2: BatchNorm2d(N).
    """

    def __init__(self, in_channels: int, out_channels: int, stride: int = 1):
        super().__init__()
        self.depthwise = nn.Conv2d(in_channels, in_channels, 3, stride=stride, padding=1, groups=in_channels, bias=False)
        self.bn1 = nn.BatchNorm2d(in_channels)
        self.pointwise = nn.Conv2d(in_channels, out_channels, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(out_channels)
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x: Tensor) -> Tensor:
        x = self.relu(self.bn1(self.depthwise(x)))
        return self.relu(self.bn2(self.pointwise(x)))


def _side(v) -> int:
    return int(v[0]) if isinstance(v, (tuple, list)) else int(v)


# (output channels, stride) of the 13 depthwise-separable layers: the paper's Table 1.
_BLOCKS = [(64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2),
           (512, 1), (512, 1), (512, 1), (512, 1), (512, 1), (1024, 2), (1024, 1)]


class MobileNetV1(nn.Module):
    """logits = fc(flatten(avgpool(features(x)))), features = conv 3×3/2 + 13 depthwise-separable blocks.

    MobileNet (Howard et al., 2017, "MobileNets: Efficient convolutional neural networks
    for mobile vision applications") builds a 28-layer network almost entirely from
    **depthwise-separable convolutions** — a per-channel 3×3 conv followed by a 1×1 conv —
    which cost 1/N + 1/D_K² of a standard conv (see :func:`depthwise_separable_cost`), and
    adds two knobs to trade accuracy for cost:

    - the **width multiplier α** thins every layer to int(α·C) channels, cutting mult-adds
      and parameters roughly by α²;
    - the **resolution multiplier ρ** is applied through the input: the network is fed
      ρ·224 pixels (``resolution`` = 224, 192, 160 or 128). It changes no layer, so the
      parameter count stays the same, while mult-adds and activations scale by ρ². Here
      the model accepts any input size (global average pooling); ``resolution`` records
      the intended one, for ``input_shape``, ``rho`` and ``mult_adds()``.

    At α = 1 and 1000 classes: **4,231,976 parameters** (convs without bias, BatchNorm's
    γ and β, the classifier), the count Keras reports as trainable for its MobileNet; and
    569 M mult-adds at 224×224, the paper's Table 3. The BatchNorm running statistics
    (21,888 values) are buffers, not parameters.

    Args:
        alpha: width multiplier α ∈ (0, 1] (the paper's 1, 0.75, 0.5, 0.25; default 1.0).
        num_classes: K (default 1000).
        resolution: input side ρ·224 (default 224).
        in_channels: input channels (default 3).

    Shape:
        input (N, in_channels, H, W), H = W = ``resolution`` as intended; output (N, K).

    Attributes:
        features: ``Sequential``: ``features.0`` = Sequential(Conv2d(3, int(32α), 3, stride 2,
            padding 1, no bias), BatchNorm2d, ReLU); ``features.1`` … ``features.13`` =
            ``DepthwiseSeparableConv`` blocks. Convs kaiming_normal_(mode="fan_out"), BN γ = 1, β = 0.
        avgpool: ``AdaptiveAvgPool2d((1, 1))`` (the paper's 7×7 average pool at 224).
        fc: Linear(int(1024α), K), PyTorch's default Linear init.
    """

    def __init__(self, alpha: float = 1.0, num_classes: int = 1000, resolution: int = 224, in_channels: int = 3):
        super().__init__()
        if not 0.0 < alpha <= 1.0:
            raise ValueError(f"MobileNetV1: width multiplier alpha must be in (0, 1], got {alpha}")
        if int(resolution) != resolution or resolution < 32:
            raise ValueError(f"MobileNetV1: resolution must be an integer of at least 32 (5 stride-2 layers), got {resolution}")
        self.alpha = float(alpha)
        self.resolution = int(resolution)

        def width(c: int) -> int:
            return max(1, int(c * self.alpha))

        c = width(32)
        layers: list[nn.Module] = [nn.Sequential(
            nn.Conv2d(in_channels, c, 3, stride=2, padding=1, bias=False),
            nn.BatchNorm2d(c),
            nn.ReLU(inplace=True),
        )]
        for out, stride in _BLOCKS:
            layers.append(DepthwiseSeparableConv(c, width(out), stride))
            c = width(out)
        self.features = nn.Sequential(*layers)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(c, num_classes)
        self._init_weights()

    def _init_weights(self) -> None:
        kaiming_conv_bn_init_(self)

    @property
    def rho(self) -> float:
        """Resolution multiplier ρ = resolution / 224."""
        return self.resolution / 224

    @property
    def input_shape(self) -> tuple[int, int, int]:
        """(C, ρ·224, ρ·224): the shape of one intended input, e.g. for ``nnlab.summary``."""
        return (self.features[0][0].in_channels, self.resolution, self.resolution)

    def mult_adds(self, resolution: int | None = None) -> int:
        """Multiply-adds of one forward pass of the convs and the classifier (the paper's count,
        BatchNorm and ReLU excluded) at ``resolution`` (default: the model's)."""
        size = self.resolution if resolution is None else int(resolution)
        total = 0
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                k, s, p = (_side(v) for v in (m.kernel_size, m.stride, m.padding))
                size = (size + 2 * p - k) // s + 1
                total += (m.in_channels // m.groups) * k * k * m.out_channels * size * size
        return total + self.fc.in_features * self.fc.out_features

    def forward(self, x: Tensor) -> Tensor:
        x = self.avgpool(self.features(x))
        return self.fc(x.flatten(1))

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}, resolution={self.resolution}"


@with_weights
def mobilenet_v1(alpha: float = 1.0, num_classes: int = 1000, resolution: int = 224, **kwargs) -> MobileNetV1:
    """MobileNet v1 with width multiplier α and input resolution ρ·224 (4,231,976 params at
    α = 1, 1000 classes); see :class:`MobileNetV1`."""
    return MobileNetV1(alpha=alpha, num_classes=num_classes, resolution=resolution, **kwargs)
