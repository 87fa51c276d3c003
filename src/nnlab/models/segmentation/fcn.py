"""Fully convolutional networks (Long, Shelhamer & Darrell, 2015): the seeds' segmentation baseline.

A classification backbone with its fully connected layers turned into convolutions
scores every cell of its coarsest feature map (stride 2^depth, 32 in the paper); a
transposed convolution initialized to bilinear interpolation upsamples those scores
back to the input's size in one jump (FCN-32s). FCN-16s first adds scores read from the
stride-16 features (the level above) to the ×2-upsampled coarse scores, and FCN-8s also
adds the stride-8 ones, so finer layers sharpen the coarse, blobby prediction — the
same idea as U-Net's skips, applied to scores rather than to features (seed 000,
"R-CNN and Fully Convolutional Networks").

Here the backbone is a small VGG-style stack of conv–conv–pool stages (``depth`` of
them) with batch normalization; all upsampling layers stay learnable after their
bilinear initialization. Input sizes follow :class:`~nnlab.models.segmentation.UNet`:
multiples of 2^depth, or padded and cropped back when ``pad_input=True``.
"""

from __future__ import annotations

import numpy as np

from nnlab.autograd.tensor import Tensor
from nnlab.autograd.grad_mode import no_grad
from nnlab.nn import Conv2d, ConvTranspose2d, MaxPool2d, Module, ModuleList, ReLU, Sequential
from nnlab.models.segmentation.unet import conv_block, padded_to_multiple

__all__ = ["FCN", "bilinear_kernel", "fcn32s", "fcn16s", "fcn8s"]

_VARIANTS = {"32s": 0, "16s": 1, "8s": 2}


def bilinear_kernel(channels: int, kernel_size: int) -> np.ndarray:
    """Weights (C, C, k, k) making ``ConvTranspose2d(C, C, k, stride=k//2, padding=k//4)`` bilinear upsampling.

    w[c, c, i, j] = (1 − |i − m| / f)(1 − |j − m| / f) with f = ⌈k/2⌉ and m = f − 1 (k even:
    m = f − 0.5); channels do not mix.
    """
    f = (kernel_size + 1) // 2
    centre = f - 1 if kernel_size % 2 == 1 else f - 0.5
    ramp = 1 - np.abs(np.arange(kernel_size) - centre) / f
    w = np.zeros((channels, channels, kernel_size, kernel_size), dtype=np.float32)
    w[np.arange(channels), np.arange(channels)] = np.outer(ramp, ramp)
    return w


def _upsampler(channels: int, factor: int) -> ConvTranspose2d:
    """A learnable ×factor upsampling of score maps, initialized to bilinear interpolation, bias 0."""
    layer = ConvTranspose2d(channels, channels, 2 * factor, stride=factor, padding=factor // 2)
    with no_grad():
        layer.weight.array[...] = bilinear_kernel(channels, 2 * factor)
        layer.bias.array[...] = 0.0
    return layer


class FCN(Module):
    """scores = upsample(score(features_coarse) [+ score(features_finer) ...]): FCN-32s / 16s / 8s.

    Args:
        in_channels: C_in (default 3).
        num_classes: K (default 2).
        variant: ``"32s"`` (coarse scores only), ``"16s"`` (+ one finer level) or ``"8s"``
            (+ two finer levels). Default: ``"32s"``.
        depth: backbone stages, each conv–conv–pool (default 5: stride 32 as in the paper).
        width: first stage's channels, doubled per stage up to 8·width (default 16).
        pad_input: pad sizes that are not multiples of 2^depth and crop back (default ``True``).

    Shape:
        input (N, C_in, H, W); output (N, K, H, W) logits.

    Attributes:
        stages: ``depth`` conv blocks (Conv2d default init) followed by 2×2 max pools.
        classifier: the "fully connected" layers as a 1×1 conv + ReLU at the coarsest level.
        score: 1×1 convs to K classes, the coarsest first, then one per fused finer level.
        up2: ×2 bilinear-initialized ConvTranspose2d(K, K, 4, 2, 1), one per fused level.
        up_final: ×2^(depth − fused levels) bilinear-initialized ConvTranspose2d to full size.
    """

    def __init__(self, in_channels: int = 3, num_classes: int = 2, variant: str = "32s", depth: int = 5,
                 width: int = 16, pad_input: bool = True) -> None:
        super().__init__()
        if variant not in _VARIANTS:
            raise ValueError(f"FCN: variant must be one of {tuple(_VARIANTS)}, got {variant!r}")
        fused = _VARIANTS[variant]
        if depth < fused + 1 or width < 1 or num_classes < 1:
            raise ValueError(f"FCN: FCN-{variant} needs depth ≥ {fused + 1} and width, num_classes ≥ 1, "
                             f"got depth={depth}, width={width}, num_classes={num_classes}")
        self.variant, self.depth, self.fused, self.pad_input = variant, depth, fused, pad_input
        self.in_channels, self.num_classes = in_channels, num_classes
        chans = [width * 2 ** min(level, 3) for level in range(depth)]
        self.stages = ModuleList([conv_block(c_in, c_out) for c_in, c_out in zip([in_channels] + chans[:-1], chans)])
        self.pool = MaxPool2d(2)
        self.classifier = Sequential(Conv2d(chans[-1], chans[-1], 1), ReLU())
        self.score = ModuleList([Conv2d(chans[-1 - k], num_classes, 1) for k in range(fused + 1)])
        self.up2 = ModuleList([_upsampler(num_classes, 2) for _ in range(fused)])
        self.up_final = _upsampler(num_classes, 2 ** (depth - fused))

    def forward(self, x: Tensor) -> Tensor:
        if x.ndim != 4 or x.shape[1] != self.in_channels:
            raise ValueError(f"FCN: expected input (N, {self.in_channels}, H, W), got shape {tuple(x.shape)}")
        h, w = x.shape[-2:]
        x, (top, _, left, _) = padded_to_multiple(x, 2**self.depth, f"FCN-{self.variant}", self.pad_input)
        pooled = []
        for stage in self.stages:
            x = self.pool(stage(x))
            pooled.append(x)
        scores = self.score[0](self.classifier(x))
        for k, up in enumerate(self.up2, start=1):
            scores = up(scores) + self.score[k](pooled[-1 - k])
        out = self.up_final(scores)
        if out.shape[-2:] != (h, w):
            out = out[:, :, top:top + h, left:left + w]
        return out

    def extra_repr(self) -> str:
        return f"FCN-{self.variant}, depth={self.depth}, classes={self.num_classes}"


def fcn32s(in_channels: int = 3, num_classes: int = 2, **kwargs) -> FCN:
    """FCN-32s: coarse scores upsampled once (see :class:`FCN`)."""
    return FCN(in_channels, num_classes, "32s", **kwargs)


def fcn16s(in_channels: int = 3, num_classes: int = 2, **kwargs) -> FCN:
    """FCN-16s: coarse scores fused with the next finer level's (see :class:`FCN`)."""
    return FCN(in_channels, num_classes, "16s", **kwargs)


def fcn8s(in_channels: int = 3, num_classes: int = 2, **kwargs) -> FCN:
    """FCN-8s: coarse scores fused with two finer levels' (see :class:`FCN`)."""
    return FCN(in_channels, num_classes, "8s", **kwargs)
