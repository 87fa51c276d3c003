"""U-Net (Ronneberger, Fischer & Brox, 2015): a contracting path, a bottleneck and an expanding path with skips.

The contracting path repeats conv–conv–pool: two 3×3 convolutions (each followed by
batch normalization and ReLU) then a 2×2 max pool, doubling the channels at every level
while halving the resolution. The bottleneck is one more conv–conv block. The
expanding path undoes each pool with a 2×2 transposed convolution of stride 2 (halving
the channels), concatenates the feature map of the same level from the contracting
path (the skip connection: fine detail that the pooled features lost) and applies a
conv–conv block. A 1×1 convolution maps the last features to one score per class and
pixel. The seeds' U-Net is built exactly this way (seed 001, "Semantic segmentation
with U-Net"); here the 3×3 convolutions are padded, so the output keeps the input's
size instead of shrinking as in the paper.

With ``skip=False`` the expanding path gets no concatenation: the same network with its
"U" cut, which must rebuild the boundaries from the bottleneck alone.

Input sizes: every level halves H and W, so they must be multiples of 2^depth. With
``pad_input=True`` (the default) any other size is replicate-padded around the image up
to the next multiple and the scores are centre-cropped back, so the output always has
the input's size; with ``pad_input=False`` such a size raises a ``ValueError`` naming
the size and the multiple.
"""

from __future__ import annotations

from nnlab.autograd.tensor import Tensor
from nnlab.nn import BatchNorm2d, Conv2d, ConvTranspose2d, MaxPool2d, Module, ModuleList, ReLU, Sequential
from nnlab.ops.movement import cat, pad

__all__ = ["UNet", "conv_block", "padded_to_multiple"]


def conv_block(in_channels: int, out_channels: int, batch_norm: bool = True) -> Sequential:
    """Two (3×3 conv, padding 1 → [BatchNorm] → ReLU) layers: the unit of both U-Net paths."""
    layers = []
    for c_in in (in_channels, out_channels):
        layers.append(Conv2d(c_in, out_channels, 3, padding=1, bias=not batch_norm))
        if batch_norm:
            layers.append(BatchNorm2d(out_channels))
        layers.append(ReLU())
    return Sequential(*layers)


def padded_to_multiple(x: Tensor, multiple: int, op: str, allow: bool) -> tuple[Tensor, tuple[int, int, int, int]]:
    """Replicate-pad x (N, C, H, W) around its borders so H and W become multiples of ``multiple``.

    Returns the padded tensor and ``(top, bottom, left, right)``; raises a ``ValueError`` naming ``op``
    when a pad is needed but ``allow`` is False.
    """
    h, w = x.shape[-2:]
    ph, pw = -h % multiple, -w % multiple
    if not ph and not pw:
        return x, (0, 0, 0, 0)
    if not allow:
        raise ValueError(f"{op}: input size {h}×{w} is not a multiple of {multiple} (2^depth); "
                         f"pass pad_input=True or resize to {h + ph}×{w + pw}")
    widths = (ph // 2, ph - ph // 2, pw // 2, pw - pw // 2)
    return pad(x, (widths[2], widths[3], widths[0], widths[1]), mode="replicate"), widths


class UNet(Module):
    """scores = 1×1 conv ∘ expanding path(bottleneck(contracting path(x)), skips): per-pixel class scores.

    Args:
        in_channels: C_in (default 3).
        num_classes: K, score maps in the output (default 2).
        depth: number of pooling levels (default 3); H and W are divided by 2^depth at the bottleneck.
        width: channels of the first level, doubled at every level down (default 16;
            the paper's is 64 with depth 4).
        skip: concatenate the contracting path's maps into the expanding path (default ``True``).
        batch_norm: BatchNorm2d after each 3×3 convolution (default ``True``; the paper had none).
        pad_input: pad sizes that are not multiples of 2^depth and crop the output back
            (default ``True``), else raise (see the module notes).

    Shape:
        input (N, C_in, H, W); output (N, K, H, W) logits (feed them to ``F.cross_entropy``
        with an (N, H, W) integer target).

    Attributes:
        down: ``depth`` conv blocks, level l has width·2^l channels (Conv2d default init).
        bottleneck: conv block to width·2^depth channels.
        up: ``depth`` ConvTranspose2d(2^(l+1)·width → 2^l·width, 2, stride 2).
        dec: ``depth`` conv blocks taking 2·2^l·width channels (2^l·width without skips).
        head: Conv2d(width → K, 1).
    """

    def __init__(self, in_channels: int = 3, num_classes: int = 2, depth: int = 3, width: int = 16,
                 skip: bool = True, batch_norm: bool = True, pad_input: bool = True) -> None:
        super().__init__()
        if depth < 1 or width < 1 or num_classes < 1 or in_channels < 1:
            raise ValueError(f"UNet: depth, width, num_classes and in_channels must be ≥ 1, got depth={depth}, "
                             f"width={width}, num_classes={num_classes}, in_channels={in_channels}")
        self.depth, self.width, self.skip, self.pad_input = depth, width, skip, pad_input
        self.in_channels, self.num_classes = in_channels, num_classes
        chans = [width * 2**level for level in range(depth + 1)]
        self.down = ModuleList([conv_block(c_in, c_out, batch_norm)
                                for c_in, c_out in zip([in_channels] + chans[:-2], chans[:-1])])
        self.pool = MaxPool2d(2)
        self.bottleneck = conv_block(chans[-2], chans[-1], batch_norm)
        self.up = ModuleList([ConvTranspose2d(chans[lv + 1], chans[lv], 2, stride=2) for lv in reversed(range(depth))])
        self.dec = ModuleList([conv_block(chans[lv] * (2 if skip else 1), chans[lv], batch_norm)
                               for lv in reversed(range(depth))])
        self.head = Conv2d(width, num_classes, 1)

    def forward(self, x: Tensor) -> Tensor:
        if x.ndim != 4 or x.shape[1] != self.in_channels:
            raise ValueError(f"UNet: expected input (N, {self.in_channels}, H, W), got shape {tuple(x.shape)}")
        h, w = x.shape[-2:]
        x, (top, _, left, _) = padded_to_multiple(x, 2**self.depth, "UNet", self.pad_input)
        skips = []
        for block in self.down:
            x = block(x)
            skips.append(x)
            x = self.pool(x)
        x = self.bottleneck(x)
        for up, dec, s in zip(self.up, self.dec, reversed(skips)):
            x = up(x)
            x = dec(cat([s, x], dim=1) if self.skip else x)
        out = self.head(x)
        if out.shape[-2:] != (h, w):
            out = out[:, :, top:top + h, left:left + w]
        return out

    def extra_repr(self) -> str:
        return f"depth={self.depth}, width={self.width}, skip={self.skip}, classes={self.num_classes}"
