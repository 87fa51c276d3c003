"""``interpolate``: nearest and bilinear resampling of (N, C, H, W) batches, with PyTorch's coordinates.

Resampling is separable: each output row mixes input rows by a fixed (H_out, H)
matrix R_h and each column mixes input columns by a (W_out, W) matrix R_w
(:mod:`nnlab.backend.interp` builds both, with ATen's source-index rules; the NumPy
preprocessing ``nnlab.data.resize_bilinear`` uses the same matrices). The backward is
the transpose: two matrix products, no scatter loops.
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np

from nnlab.autograd.function import Context, Function
from nnlab.autograd.tensor import Tensor
from nnlab.backend.interp import interp_matrix

_MODES = ("nearest", "bilinear")


class Interpolate(Function):
    """y = R_h · x · R_wᵀ for every (n, c) plane; ∂L/∂x = R_hᵀ · g · R_w.

    R_h (H_out × H) and R_w (W_out × W) hold the interpolation weights: two per row
    (1 − λ, λ) for bilinear, a single 1 per row for nearest. For nearest the forward
    is the equivalent gather ``x[..., i_h, :][..., i_w]`` (exact copies, and an inf in
    the input does not spread through 0·inf); its backward is still R_hᵀ g R_w, which
    sums the gradient of every output that copied the same input pixel.
    """

    @staticmethod
    def forward(ctx: Context, x, rows: np.ndarray, cols: np.ndarray, gather: tuple[np.ndarray, np.ndarray] | None):
        if gather is not None:
            ih, iw = gather
            y = x[:, :, ih[:, None], iw[None, :]]
        else:
            n, c, h, w = x.shape
            # One big GEMM along W, then a stack of small ones along H.
            t = (np.ascontiguousarray(x).reshape(-1, w) @ cols.T).reshape(n, c, h, cols.shape[0])
            y = np.matmul(rows, t)
        ctx.save_for_backward(rows, cols)
        return y

    @staticmethod
    def backward(ctx: Context, grad):
        rows, cols = ctx.saved_tensors
        n, c, ho, wo = grad.shape
        t = (np.ascontiguousarray(grad).reshape(-1, wo) @ cols).reshape(n, c, ho, cols.shape[1])
        return np.matmul(rows.T, t), None, None, None


def _pair(value, name: str) -> tuple:
    if isinstance(value, (tuple, list)):
        if len(value) != 2:
            raise ValueError(f"interpolate: {name} must be one value or 2 values for 4-D input, got {value!r}")
        return tuple(value)
    return (value, value)


def _output_size(in_hw: tuple[int, int], size, scale_factor, recompute_scale_factor) -> tuple[tuple[int, int], tuple]:
    """The output (H, W) and the scales handed to the index rules (None: use the sizes)."""
    if (size is None) == (scale_factor is None):
        raise ValueError("interpolate: exactly one of size or scale_factor must be given")
    if size is not None:
        if recompute_scale_factor:
            raise ValueError("interpolate: recompute_scale_factor is not meaningful with an explicit size")
        out = tuple(int(s) for s in _pair(size, "size"))
        scales: tuple = (None, None)
    else:
        factors = tuple(float(f) for f in _pair(scale_factor, "scale_factor"))
        out = tuple(math.floor(n * f) for n, f in zip(in_hw, factors))
        scales = (None, None) if recompute_scale_factor else factors
    if any(o < 1 for o in out):
        raise ValueError(f"interpolate: output size must be positive, got {out} from input size {in_hw} "
                         f"(size={size}, scale_factor={scale_factor})")
    return out, scales


def interpolate(input: Tensor, size: int | Sequence[int] | None = None, scale_factor: float | Sequence[float] | None = None,
                mode: str = "nearest", align_corners: bool | None = None,
                recompute_scale_factor: bool | None = None) -> Tensor:
    """Resample the H and W dims to ``size`` or by ``scale_factor``: y[i, j] = Σ R_h[i, a]·R_w[j, b]·x[a, b].

    Source coordinates follow PyTorch exactly. Nearest: i_src = ⌊i·s⌋ with s = 1/scale_factor
    when given, else H/H_out. Bilinear with ``align_corners=False``: i_src = s·(i + ½) − ½
    (clamped at 0; pixel centres aligned); with ``True``: i_src = i·(H − 1)/(H_out − 1)
    (corner pixels aligned, scale_factor only sets the size).

    Args:
        input: floating input.
        size: output (H_out, W_out), or one int for both. Default: None.
        scale_factor: multiplier(s) of H and W; the output size is ⌊H·scale_factor⌋. Default: None.
        mode: ``'nearest'`` or ``'bilinear'``. Default: ``'nearest'``.
        align_corners: bilinear only; None means False. Default: None.
        recompute_scale_factor: when True, ``scale_factor`` only sets the output size and the
            coordinates use H/H_out instead. Default: None.

    Shape:
        input: (N, C, H, W); output: (N, C, H_out, W_out).
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"interpolate: input must be a Tensor, got {type(input).__name__}")
    if input.ndim != 4:
        raise ValueError(f"interpolate: expected a 4-D input (N, C, H, W), got shape {input.shape}")
    if input.dtype.kind != "f":
        raise TypeError(f"interpolate: expected a floating input, got dtype {input.dtype}")
    if mode not in _MODES:
        raise ValueError(f"interpolate: mode {mode!r} is not supported for 4-D input; expected one of {_MODES}")
    if mode == "nearest" and align_corners is not None:
        raise ValueError("interpolate: align_corners can only be set with the interpolating modes "
                         "(linear | bilinear | bicubic | trilinear), not 'nearest'")
    h, w = input.shape[2], input.shape[3]
    (ho, wo), (sh, sw) = _output_size((h, w), size, scale_factor, recompute_scale_factor)
    kind = "nearest" if mode == "nearest" else "linear"
    ac = bool(align_corners)
    rows = interp_matrix(h, ho, kind, ac, sh, dtype=input.dtype)
    cols = interp_matrix(w, wo, kind, ac, sw, dtype=input.dtype)
    gather = (rows.argmax(axis=1), cols.argmax(axis=1)) if mode == "nearest" else None
    return Interpolate.apply(input, rows, cols, gather)
