"""Upsampling layers: ``Upsample`` (nearest or bilinear) and PyTorch's two fixed-mode shorthands."""

from __future__ import annotations

from typing import Sequence

from nnlab import functional as F
from nnlab.autograd.tensor import Tensor
from nnlab.nn.module import Module


class Upsample(Module):
    """y = interpolate(x, size or scale_factor, mode): resample H and W (see ``F.interpolate``).

    Nearest upsampling repeats pixels; bilinear mixes the four nearest input pixels
    with PyTorch's source coordinates (``align_corners`` picks pixel-centre or corner
    alignment). Used in decoders (U-Net) and feature pyramids. No parameters.

    Args:
        size: output (H_out, W_out), or one int. Default: None.
        scale_factor: multiplier of H and W (one or two floats). Default: None.
        mode: ``'nearest'`` or ``'bilinear'``. Default: ``'nearest'``.
        align_corners: bilinear only; None means False. Default: None.
        recompute_scale_factor: see ``F.interpolate``. Default: None.

    Shape:
        input: (N, C, H, W); output: (N, C, H_out, W_out), H_out = size or ⌊H·scale_factor⌋.
    """

    def __init__(self, size: int | Sequence[int] | None = None, scale_factor: float | Sequence[float] | None = None,
                 mode: str = "nearest", align_corners: bool | None = None, recompute_scale_factor: bool | None = None):
        super().__init__()
        if (size is None) == (scale_factor is None):
            raise ValueError(f"{type(self).__name__}: exactly one of size or scale_factor must be given")
        self.size = tuple(size) if isinstance(size, (list, tuple)) else size
        if isinstance(scale_factor, (list, tuple)):
            self.scale_factor = tuple(float(f) for f in scale_factor)
        else:
            self.scale_factor = float(scale_factor) if scale_factor is not None else None
        self.mode = mode
        self.align_corners = align_corners
        self.recompute_scale_factor = recompute_scale_factor

    def forward(self, x: Tensor) -> Tensor:
        return F.interpolate(x, self.size, self.scale_factor, self.mode, self.align_corners,
                             recompute_scale_factor=self.recompute_scale_factor)

    def extra_repr(self) -> str:
        info = f"scale_factor={self.scale_factor!r}" if self.scale_factor is not None else f"size={self.size!r}"
        return info + f", mode={self.mode!r}"


class UpsamplingNearest2d(Upsample):
    """``Upsample(size, scale_factor, mode='nearest')``.

    Args:
        size: output (H_out, W_out) or one int. Default: None.
        scale_factor: multiplier of H and W. Default: None.

    Shape:
        input: (N, C, H, W); output: (N, C, H_out, W_out).
    """

    def __init__(self, size: int | Sequence[int] | None = None, scale_factor: float | Sequence[float] | None = None):
        super().__init__(size, scale_factor, mode="nearest")


class UpsamplingBilinear2d(Upsample):
    """``Upsample(size, scale_factor, mode='bilinear', align_corners=True)``, as PyTorch defines it.

    Args:
        size: output (H_out, W_out) or one int. Default: None.
        scale_factor: multiplier of H and W. Default: None.

    Shape:
        input: (N, C, H, W); output: (N, C, H_out, W_out).
    """

    def __init__(self, size: int | Sequence[int] | None = None, scale_factor: float | Sequence[float] | None = None):
        super().__init__(size, scale_factor, mode="bilinear", align_corners=True)
