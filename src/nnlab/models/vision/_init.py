"""The CNN zoo's shared initializations: He-normal or truncated-normal weights, BatchNorm γ = 1 and β = 0."""

from __future__ import annotations

from nnlab import nn


def kaiming_conv_bn_init_(model: nn.Module) -> None:
    """Every Conv2d: kaiming_normal_(mode="fan_out", nonlinearity="relu"); every BatchNorm2d: γ = 1, β = 0 (torchvision's)."""
    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
        elif isinstance(m, nn.BatchNorm2d):
            nn.init.ones_(m.weight)
            nn.init.zeros_(m.bias)


def trunc_normal_init_(model: nn.Module, std: float) -> None:
    """Every Conv2d and Linear weight: trunc_normal_(std, a=−2, b=2); every BatchNorm2d: γ = 1, β = 0 (the Inceptions')."""
    for m in model.modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            nn.init.trunc_normal_(m.weight, mean=0.0, std=std, a=-2, b=2)
        elif isinstance(m, nn.BatchNorm2d):
            nn.init.ones_(m.weight)
            nn.init.zeros_(m.bias)
