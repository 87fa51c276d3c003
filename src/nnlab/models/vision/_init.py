"""The CNN zoo's shared initialization: He-normal convolutions, BatchNorm γ = 1 and β = 0."""

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
