"""VGG: stacks of 3×3 convolutions (Simonyan & Zisserman, 2014), in torchvision's layout."""

from __future__ import annotations

from typing import Sequence, Union

from nnlab import nn
from nnlab.autograd.tensor import Tensor
from nnlab.models._weights import with_weights

# Filters per 3×3 conv, "M" a 2×2 stride-2 max pool: the paper's configurations A, B, D, E.
CFGS: dict[str, list[Union[int, str]]] = {
    "vgg11": [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "vgg13": [64, 64, "M", 128, 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "vgg16": [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"],
    "vgg19": [64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512, 512, 512, 512, "M", 512, 512, 512, 512, "M"],
}


def make_layers(cfg: Sequence[Union[int, str]], batch_norm: bool = False, in_channels: int = 3) -> nn.Sequential:
    """The VGG feature extractor: each int c adds Conv2d(·, c, 3, padding=1) [→ BatchNorm2d(c)]
    → ReLU, each ``"M"`` a MaxPool2d(2, 2); indices match torchvision's ``features.N``."""
    layers: list[nn.Module] = []
    for v in cfg:
        if v == "M":
            layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
            continue
        if not isinstance(v, int) or v <= 0:
            raise ValueError(f"make_layers: cfg entries must be positive ints or 'M', got {v!r}")
        layers.append(nn.Conv2d(in_channels, v, kernel_size=3, padding=1))
        if batch_norm:
            layers.append(nn.BatchNorm2d(v))
        layers.append(nn.ReLU(inplace=True))
        in_channels = v
    return nn.Sequential(*layers)


class VGG(nn.Module):
    """logits = classifier(flatten(avgpool(features(x)))), features = stacks of 3×3 convs.

    VGG (Simonyan & Zisserman, 2014, "Very deep convolutional networks for large-scale
    image recognition") showed that **depth** made of a single small building block wins:
    only 3×3 convolutions (stride 1, padding 1) and 2×2 max pools, the channels doubling
    64 → 128 → 256 → 512 after each pool. Two stacked 3×3 convs see a 5×5 region and three
    see 7×7, with fewer parameters (3·3²C² vs 7²C²) and more non-linearities than one large
    filter. VGG-16 (13 convs + 3 FC) has **138,357,544 parameters** at 224×224×3 and 1000
    classes (138,365,992 with batch norm), most of them (102.8 M) in the first FC layer.

    Layout and names follow torchvision's ``VGG``: ``features`` (``make_layers``),
    ``avgpool = AdaptiveAvgPool2d((7, 7))`` (an identity at 224×224; it lets small inputs
    through), ``classifier`` = Linear(512·7·7, 4096) → ReLU → Dropout → Linear(4096, 4096)
    → ReLU → Dropout → Linear(4096, K).

    Args:
        features: the convolutional part (see ``make_layers``); the classifier takes its last
            conv's channel count × 7 × 7 (512 × 7 × 7 for the published configurations).
        num_classes: K (default 1000).
        init_weights: torchvision's init (default ``True``); ``False`` keeps the layers'
            default init and skips a second pass over 138 M weights.
        dropout: classifier dropout probability (default 0.5).
        classifier_width: the hidden fully connected layers' width (default 4096, torchvision's).
        With ``vgg11(width_mult=...)`` and a small ``classifier_width`` the whole
        architecture (every conv, pool and FC layer, the same ``state_dict`` keys) runs at
        a test-friendly size.

    Shape:
        input (N, 3, H, W) with H, W ≥ 32 (five 2× pools); output (N, K).

    Attributes:
        features: ``features.0.weight`` (64, 3, 3, 3); convs initialized
            kaiming_normal_(mode="fan_out", nonlinearity="relu"), biases 0; BatchNorm γ = 1, β = 0.
        classifier: ``classifier.0.weight`` (4096, 25088), ``classifier.6.weight`` (K, 4096);
            weights N(0, 0.01²), biases 0.
    """

    def __init__(self, features: nn.Module, num_classes: int = 1000, init_weights: bool = True, dropout: float = 0.5,
                 classifier_width: int = 4096):
        super().__init__()
        self.features = features
        convs = [m for m in features.modules() if isinstance(m, nn.Conv2d)]
        channels = convs[-1].out_channels if convs else 512
        self.avgpool = nn.AdaptiveAvgPool2d((7, 7))
        self.classifier = nn.Sequential(
            nn.Linear(channels * 7 * 7, classifier_width),
            nn.ReLU(inplace=True),
            nn.Dropout(p=dropout),
            nn.Linear(classifier_width, classifier_width),
            nn.ReLU(inplace=True),
            nn.Dropout(p=dropout),
            nn.Linear(classifier_width, num_classes),
        )
        if init_weights:
            self.reset_parameters()

    def reset_parameters(self) -> None:
        """torchvision's VGG init (from the seeded generator)."""
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
                if m.bias is not None:
                    nn.init.zeros_(m.bias)
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)
            elif isinstance(m, nn.Linear):
                nn.init.normal_(m.weight, 0.0, 0.01)
                nn.init.zeros_(m.bias)

    def forward(self, x: Tensor) -> Tensor:
        x = self.avgpool(self.features(x))
        return self.classifier(x.flatten(1))


def _vgg(name: str, batch_norm: bool, num_classes: int, width_mult: float = 1.0, **kwargs) -> VGG:
    """Configuration ``name``; ``width_mult`` scales every conv's filters (64 → round(64·m), at least 1)."""
    if width_mult <= 0:
        raise ValueError(f"{name}: width_mult must be positive, got {width_mult}")
    cfg = [v if v == "M" else max(1, int(round(v * width_mult))) for v in CFGS[name]]
    return VGG(make_layers(cfg, batch_norm=batch_norm), num_classes=num_classes, **kwargs)


@with_weights
def vgg11(num_classes: int = 1000, batch_norm: bool = False, width_mult: float = 1.0, **kwargs) -> VGG:
    """VGG-11 (configuration A): 8 convs + 3 FC, 132,863,336 params (132,868,840 with BN).

    ``width_mult`` (conv filters) and ``classifier_width`` (FC width, via ``**kwargs`` to
    :class:`VGG`) shrink it without changing its architecture or state_dict keys.
    """
    return _vgg("vgg11", batch_norm, num_classes, width_mult, **kwargs)


@with_weights
def vgg13(num_classes: int = 1000, batch_norm: bool = False, width_mult: float = 1.0, **kwargs) -> VGG:
    """VGG-13 (configuration B): 10 convs + 3 FC, 133,047,848 params (133,053,736 with BN)."""
    return _vgg("vgg13", batch_norm, num_classes, width_mult, **kwargs)


@with_weights
def vgg16(num_classes: int = 1000, batch_norm: bool = False, width_mult: float = 1.0, **kwargs) -> VGG:
    """VGG-16 (configuration D): 13 convs + 3 FC, 138,357,544 params (138,365,992 with BN)."""
    return _vgg("vgg16", batch_norm, num_classes, width_mult, **kwargs)


@with_weights
def vgg19(num_classes: int = 1000, batch_norm: bool = False, width_mult: float = 1.0, **kwargs) -> VGG:
    """VGG-19 (configuration E): 16 convs + 3 FC, 143,667,240 params (143,678,248 with BN)."""
    return _vgg("vgg19", batch_norm, num_classes, width_mult, **kwargs)
