"""Segmentation workload: s_unet, a U-Net train step (per-pixel cross-entropy, Adam), nnlab vs PyTorch.

The network is nnlab's ``models.segmentation.UNet`` (depth 3, width 16: 3×64×64 → 4×64×64)
written once against ``fw.nn`` with the same attribute names, so a state dict copies
across by name (the parity test of ``tests/models/segmentation`` builds its PyTorch twin here).
Only the concatenation of the skip connections differs between the frameworks
(``torch.cat`` / ``nnlab.cat``).
"""

from __future__ import annotations

import numpy as np

from benchmarks.frameworks import Framework
from benchmarks.workload import Step, Workload, features, rng

CLASSES = 4


def _cat(fw: Framework):
    if fw.name == "torch":
        import torch

        return torch.cat
    import nnlab

    return nnlab.cat


def unet_net(fw: Framework, in_channels: int = 3, num_classes: int = CLASSES, depth: int = 3, width: int = 16,
             skip: bool = True):
    """A U-Net with nnlab's ``UNet`` layout (down.l, bottleneck, up.l, dec.l, head) built from ``fw.nn``."""
    nn, cat = fw.nn, _cat(fw)

    def block(c_in: int, c_out: int):
        return nn.Sequential(nn.Conv2d(c_in, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU(),
                             nn.Conv2d(c_out, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU())

    chans = [width * 2**level for level in range(depth + 1)]

    class UNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.down = nn.ModuleList([block(a, b) for a, b in zip([in_channels] + chans[:-2], chans[:-1])])
            self.pool = nn.MaxPool2d(2)
            self.bottleneck = block(chans[-2], chans[-1])
            self.up = nn.ModuleList([nn.ConvTranspose2d(chans[lv + 1], chans[lv], 2, stride=2)
                                     for lv in reversed(range(depth))])
            self.dec = nn.ModuleList([block(chans[lv] * (2 if skip else 1), chans[lv]) for lv in reversed(range(depth))])
            self.head = nn.Conv2d(width, num_classes, 1)

        def forward(self, x):
            skips = []
            for b in self.down:
                x = b(x)
                skips.append(x)
                x = self.pool(x)
            x = self.bottleneck(x)
            for up, dec, s in zip(self.up, self.dec, reversed(skips)):
                x = up(x)
                x = dec(cat([s, x], 1) if skip else x)
            return self.head(x)

    return UNet()


def unet_train(fw: Framework, batch: int = 16) -> Step:
    fw.require("nn.ConvTranspose2d", "nn.BatchNorm2d", "nn.ModuleList", "F.cross_entropy")
    fw.seed(0)
    model = unet_net(fw)
    opt = fw.optim.Adam(model.parameters(), lr=1e-3)
    x = fw.tensor(features((batch, 3, 64, 64)))
    y = fw.tensor(rng().integers(0, CLASSES, (batch, 64, 64)).astype(np.int64))
    model.train()

    def step() -> None:
        opt.zero_grad()
        loss = fw.F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()

    return step


WORKLOADS = [Workload("s_unet", "U-Net depth 3 width 16, 3×64×64 → 4×64×64, batch 16, Adam — train step", 16,
                      unet_train)]
