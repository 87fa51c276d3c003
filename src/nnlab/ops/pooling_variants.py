"""The seeds' pooling variants, all differentiable (adaptive and global pooling: pooling_adaptive.py).

- power-average (Lp) pooling, PyTorch's ``lp_pool1d/2d/3d`` plus the seeds' weighted form
  y = (Σ w·x^p)^(1/p);
- mixed pooling α·max + (1 − α)·mean;
- stochastic pooling (sample xᵢ with probability xᵢ/Σx in training, Σ pᵢxᵢ in eval);
- spectral pooling (keep the lowest frequencies of the 2-D DFT).
"""

from __future__ import annotations

import math

import numpy as np

from nnlab.autograd.function import Context, Function
from nnlab.autograd.tensor import Tensor
from nnlab.backend import default_generator
from nnlab.backend.windows import fold_windows, pad_spatial, sliding_windows, unpad_spatial
from nnlab.ops.elementwise import abs as abs_
from nnlab.ops.pooling import (
    IntOrTuple,
    PoolGeometry,
    avg_pool_nd,
    batched,
    max_pool_nd,
    ntuple,
    pool_geometry,
    unbatched,
)
from nnlab.ops.pooling_adaptive import adaptive_output_size


# ---- Lp (power-average) pooling ---------------------------------------------------------------


class LpRoot(Function):
    """y = (s·t)^(1/p); ∂y/∂t = (s/p)·(s·t)^(1/p − 1) = (s/p)·y/(s·t), and 0 where t = 0.

    PyTorch routes t through sign(t)·relu(|t|), whose derivative is 0 at t = 0; that
    is what keeps an all-zero window's gradient at 0 instead of 0·∞ = nan.
    """

    @staticmethod
    def forward(ctx: Context, t, scale, p):
        z = t * scale
        with np.errstate(invalid="ignore"):  # a negative sum with a fractional root is nan, as in PyTorch
            y = np.power(z, 1.0 / p)
        ctx.save_for_backward(z, y)
        ctx.scale, ctx.p = scale, p
        return y

    @staticmethod
    def backward(ctx: Context, grad):
        z, y = ctx.saved_tensors
        nonzero = z != 0
        with np.errstate(divide="ignore", invalid="ignore"):
            d = np.where(nonzero, y / np.where(nonzero, z, 1), 0).astype(grad.dtype, copy=False)
        return grad * d * (ctx.scale / ctx.p), None, None


class WindowWeightedSum(Function):
    """y[n, c, o] = Σ_j w_j · x[n, c, window o, j] (zero padding for ceil mode).

    ∂L/∂x = fold(g ⊗ w) (the windows' adjoint); ∂L/∂w_j = Σ_{n,c,o} g[n, c, o] · x[n, c, window o, j].
    """

    @staticmethod
    def forward(ctx: Context, x, w, geom: PoolGeometry):
        x_pad = pad_spatial(x, geom.pads)
        nd = len(geom.kernel)
        win = sliding_windows(x_pad, geom.kernel, geom.stride, geom.dilation)
        ctx.x_pad, ctx.w, ctx.geom = x_pad, w, geom
        return np.tensordot(win, w, axes=nd)

    @staticmethod
    def backward(ctx: Context, grad):
        x_pad, geom = ctx.x_pad, ctx.geom
        nd = len(geom.kernel)
        gx = gw = None
        if ctx.needs_input_grad[0]:
            cols = grad.reshape(grad.shape + (1,) * nd) * ctx.w
            gx = unpad_spatial(fold_windows(cols, x_pad.shape[2:], geom.kernel, geom.stride, geom.dilation), geom.pads)
        if ctx.needs_input_grad[1]:
            win = sliding_windows(x_pad, geom.kernel, geom.stride, geom.dilation)
            axes = list(range(grad.ndim))
            gw = np.tensordot(grad, win, axes=(axes, axes))
        return gx, gw, None


def _lp_pool(op: str, nd: int, input: Tensor, norm_type: float, kernel_size, stride, ceil_mode: bool, weights=None):
    p = float(norm_type)
    if p == 0:
        raise ValueError(f"{op}: norm_type must be non-zero, got {norm_type}")
    if math.isinf(p):
        if weights is not None:
            raise ValueError(f"{op}: weights need a finite norm_type, got {norm_type}")
        # the limits p → ±∞ of (Σ|x|^p)^(1/p): the largest / smallest |x| of the window
        y = max_pool_nd(op, nd, abs_(input) if p > 0 else -abs_(input), kernel_size, stride, 0, 1, ceil_mode, False)
        return y if p > 0 else -y
    powered = input**norm_type
    if weights is None:
        # PyTorch's definition: avg_pool(x^p) (divisor clipped in ceil mode) times the kernel area
        mean_pow = avg_pool_nd(op, nd, powered, kernel_size, stride, 0, ceil_mode, True)
        return LpRoot.apply(mean_pow, math.prod(ntuple(kernel_size, nd, "kernel_size", op)), norm_type)
    x, unb = batched(op, powered, nd)
    geom = pool_geometry(op, x.shape, nd, kernel_size, stride, 0, 1, ceil_mode)
    if not isinstance(weights, Tensor):
        weights = Tensor._wrap(np.asarray(weights, dtype=x.array.dtype))
    if tuple(weights.shape) != geom.kernel:
        raise ValueError(f"{op}: weights must have the kernel's shape {geom.kernel}, got {tuple(weights.shape)}")
    if weights.array.dtype != x.array.dtype:
        raise TypeError(f"{op}: weights dtype {weights.array.dtype} differs from the input's {x.array.dtype}")
    return unbatched(LpRoot.apply(WindowWeightedSum.apply(x, weights, geom), 1, norm_type), unb)


_LP_DOC = """y = (Σ_window x^p)^(1/p), PyTorch's power-average pooling{extra}.

    Computed as PyTorch does: (k·avg_pool(x^p))^(1/p) with k the kernel area (so in ceil
    mode a window clipped by the border is scaled up by k/|clipped window|); p = ±∞ gives
    the max / min of |x|. A window whose sum is 0 gets gradient 0; a negative sum (odd p,
    negative inputs) gives nan, as in PyTorch.

    Args:
        input: (N, C, {dims}) or unbatched (C, {dims}), floating.
        norm_type: the power p (non-zero; p = 1 is sum pooling, p → ∞ max pooling).
        kernel_size: window size k; stride: step (default kernel_size).
        ceil_mode: round the output size up (default False).{weights}

    Shape:
        output (N, C, {outs}) with each out = ⌊(n − k)/s⌋ + 1 (⌈⌉ in ceil mode).
    """

_WEIGHTS = """
        weights: the seeds' weighted form y = (Σ_j w_j x_j^p)^(1/p), a kernel-shaped array or
            Tensor (differentiable when it requires grad); windows clipped in ceil mode see
            zeros beyond the border. Default None: PyTorch's unweighted pooling."""


def lp_pool1d(input: Tensor, norm_type: float, kernel_size: IntOrTuple, stride=None, ceil_mode: bool = False) -> Tensor:
    return _lp_pool("lp_pool1d", 1, input, norm_type, kernel_size, stride, ceil_mode)


def lp_pool2d(input: Tensor, norm_type: float, kernel_size: IntOrTuple, stride=None, ceil_mode: bool = False,
              weights=None) -> Tensor:
    return _lp_pool("lp_pool2d", 2, input, norm_type, kernel_size, stride, ceil_mode, weights)


def lp_pool3d(input: Tensor, norm_type: float, kernel_size: IntOrTuple, stride=None, ceil_mode: bool = False) -> Tensor:
    return _lp_pool("lp_pool3d", 3, input, norm_type, kernel_size, stride, ceil_mode)


lp_pool1d.__doc__ = _LP_DOC.format(extra="", dims="L", outs="L_out", weights="")
lp_pool2d.__doc__ = _LP_DOC.format(extra=", or the seeds' weighted (Σ w·x^p)^(1/p)", dims="H, W", outs="H_out, W_out",
                                   weights=_WEIGHTS)
lp_pool3d.__doc__ = _LP_DOC.format(extra="", dims="D, H, W", outs="D_out, H_out, W_out", weights="")


# ---- mixed pooling ----------------------------------------------------------------------------


def mixed_pool2d(input: Tensor, kernel_size: IntOrTuple, stride=None, alpha: float | Tensor = 0.5,
                 padding: IntOrTuple = 0) -> Tensor:
    """y = α·max_pool2d(x) + (1 − α)·avg_pool2d(x) (mixed pooling; α = 1 is max, α = 0 average pooling).

    Args:
        input: (N, C, H, W) or unbatched (C, H, W), floating.
        kernel_size: window size; stride: step (default kernel_size).
        alpha: the mixing weight in [0, 1], a float or a scalar Tensor (then it gets a gradient:
            ∂L/∂α = Σ g·(max − mean)). Default 0.5.
        padding: as in both poolings (−inf for the max, zeros counted in the mean), default 0.

    Shape:
        output (N, C, H_out, W_out) as ``max_pool2d``.
    """
    if not isinstance(alpha, Tensor) and not 0.0 <= alpha <= 1.0:
        raise ValueError(f"mixed_pool2d: alpha must be in [0, 1], got {alpha}")
    mx = max_pool_nd("mixed_pool2d", 2, input, kernel_size, stride, padding, 1, False, False)
    av = avg_pool_nd("mixed_pool2d", 2, input, kernel_size, stride, padding, False, True)
    return alpha * mx + (1 - alpha) * av


# ---- stochastic pooling -----------------------------------------------------------------------


def _window_rows(x: np.ndarray, geom: PoolGeometry) -> np.ndarray:
    """Every window as a contiguous row: (N, C, *out, K)."""
    win = sliding_windows(x, geom.kernel, geom.stride, geom.dilation)
    return win.reshape(win.shape[: 2 + len(geom.kernel)] + (-1,))


def _fold_rows(cols: np.ndarray, spatial, geom: PoolGeometry) -> np.ndarray:
    """The adjoint of :func:`_window_rows` (overlapping windows sum)."""
    return fold_windows(cols.reshape(cols.shape[:-1] + geom.kernel), spatial, geom.kernel, geom.stride, geom.dilation)


class StochasticPoolSample(Function):
    """y = x_j for one j per window drawn with probability x_j/Σ_window x; ∂L/∂x_j = g at the drawn j.

    An all-zero window is the limit of equal activations: j is drawn uniformly (and y = 0).
    """

    @staticmethod
    def forward(ctx: Context, x, geom: PoolGeometry, generator: np.random.Generator):
        rows = _window_rows(x, geom)
        cum = np.cumsum(rows, axis=-1)
        total = cum[..., -1:]
        u = generator.random(total.shape, dtype=x.dtype)
        # the drawn j is the first whose cumulative sum exceeds u·Σx; zero entries never are
        j = np.sum(cum <= u * total, axis=-1)
        k = rows.shape[-1]
        j = np.where(total[..., 0] > 0, j, (u[..., 0] * k).astype(np.intp))
        j = np.minimum(j, k - 1)[..., None]  # u·Σx rounding up to Σx in float32
        ctx.j, ctx.geom, ctx.spatial, ctx.k = j, geom, x.shape[2:], k
        return np.take_along_axis(rows, j, axis=-1)[..., 0]

    @staticmethod
    def backward(ctx: Context, grad):
        cols = np.zeros(grad.shape + (ctx.k,), dtype=grad.dtype)
        np.put_along_axis(cols, ctx.j, grad[..., None], axis=-1)
        return _fold_rows(cols, ctx.spatial, ctx.geom), None, None


class StochasticPoolExpect(Function):
    """y = Σ_j p_j x_j = Σx²/Σx per window (0 for an all-zero window).

    ∂y/∂x_j = (2x_j·S − Q)/S² = (2x_j − y)/S with S = Σx, Q = Σx²; 0 where S = 0.
    """

    @staticmethod
    def forward(ctx: Context, x, geom: PoolGeometry):
        rows = _window_rows(x, geom)
        s = rows.sum(axis=-1)
        q = np.einsum("...k,...k->...", rows, rows)
        y = np.divide(q, s, out=np.zeros_like(s), where=s > 0)
        ctx.rows, ctx.s, ctx.y, ctx.geom, ctx.spatial = rows, s, y, geom, x.shape[2:]
        return y

    @staticmethod
    def backward(ctx: Context, grad):
        gs = np.divide(grad, ctx.s, out=np.zeros_like(grad), where=ctx.s > 0)
        cols = gs[..., None] * (2 * ctx.rows - ctx.y[..., None])
        return _fold_rows(cols, ctx.spatial, ctx.geom), None


def stochastic_pool2d(input: Tensor, kernel_size: IntOrTuple, stride=None, training: bool = True,
                      generator: np.random.Generator | None = None) -> Tensor:
    """Stochastic pooling: in training y = x_j with j ~ p_j = x_j/Σ_window x; in eval y = Σ p_j x_j.

    Activations are probabilities only when non-negative (e.g. after ReLU), so a negative
    input is an error. The training draw is a sample of the eval value: E[y] = Σ p_j x_j.

    Args:
        input: (N, C, H, W) or unbatched (C, H, W), floating, non-negative.
        kernel_size: window size; stride: step (default kernel_size).
        training: sample (True, default) or take the probability-weighted average (False).
        generator: the random source (default ``nnlab.backend.default_generator()``, reset
            by ``nnlab.manual_seed``).

    Shape:
        output (N, C, H_out, W_out) with out = ⌊(n − k)/s⌋ + 1.
    """
    op = "stochastic_pool2d"
    x, unb = batched(op, input, 2)
    geom = pool_geometry(op, x.shape, 2, kernel_size, stride, 0, 1, False)
    if x.array.size and x.array.min() < 0:
        raise ValueError(f"{op}: expects non-negative input (e.g. after ReLU), got a minimum of {x.array.min():g}")
    if training:
        y = StochasticPoolSample.apply(x, geom, generator if generator is not None else default_generator())
    else:
        y = StochasticPoolExpect.apply(x, geom)
    return unbatched(y, unb)


# ---- spectral pooling -------------------------------------------------------------------------


def _low_frequencies(n: int, keep: int) -> np.ndarray:
    """Indices into an n-point DFT of the ``keep`` lowest frequencies, in ``keep``-point DFT order."""
    j = np.arange(keep)
    return ((j + keep // 2) % keep - keep // 2) % n


class SpectralPool(Function):
    """y = Re IDFT_out(crop(DFT_in(x))), both with norm="forward" (the DFT divides by H·W).

    The crop keeps the centered (lowest-frequency) out_h × out_w block of the shifted
    spectrum. With this scaling a constant image stays the same constant and a
    band-limited one is resampled exactly. The map is real-linear, so its adjoint is
    ∂L/∂x = Re ifft2(zero-pad(fft2(g))) with NumPy's default (backward) normalization:
    the forward-normalized DFT's adjoint is ifft2 and the unnormalized inverse's is fft2.
    """

    @staticmethod
    def forward(ctx: Context, x, out_hw: tuple[int, int]):
        h, w = x.shape[-2:]
        rows = _low_frequencies(h, out_hw[0])[:, None]
        cols = _low_frequencies(w, out_hw[1])[None, :]
        spec = np.fft.fft2(x, norm="forward")[..., rows, cols]
        ctx.rows, ctx.cols, ctx.hw = rows, cols, (h, w)
        return np.fft.ifft2(spec, norm="forward").real.astype(x.dtype)

    @staticmethod
    def backward(ctx: Context, grad):
        spec = np.fft.fft2(grad)
        full = np.zeros(grad.shape[:-2] + ctx.hw, dtype=spec.dtype)
        full[..., ctx.rows, ctx.cols] = spec
        return np.fft.ifft2(full).real.astype(grad.dtype), None


def spectral_pool2d(input: Tensor, output_size: IntOrTuple) -> Tensor:
    """Spectral pooling: keep the lowest out_h × out_w frequencies of the 2-D DFT and transform back.

    y = Re IDFT(crop(DFT(x))) with the centered crop of the shifted spectrum, scaled so that
    the mean is kept (a constant image stays constant). Differentiable (the backward is the
    adjoint: zero-pad the cropped spectrum). NumPy ≥ 2 transforms float32 in complex64
    (older NumPy in complex128); the result is always cast back to the input's dtype.

    Args:
        input: (N, C, H, W) or unbatched (C, H, W), floating.
        output_size: (out_h, out_w) or an int for both, each at most the input size; None keeps a dim.

    Shape:
        output (N, C, out_h, out_w).
    """
    op = "spectral_pool2d"
    x, unb = batched(op, input, 2)
    out = adaptive_output_size(op, output_size, x.shape[2:])
    if any(o > n for o, n in zip(out, x.shape[2:])):
        raise ValueError(f"{op}: output_size {out} must not exceed the input size {tuple(x.shape[2:])}")
    return unbatched(SpectralPool.apply(x, out), unb)


__all__ = ["lp_pool1d", "lp_pool2d", "lp_pool3d", "mixed_pool2d", "stochastic_pool2d", "spectral_pool2d"]
