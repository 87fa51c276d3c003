"""Convolution: ``conv1d``, ``conv2d``, ``conv3d`` — one N-d implementation (im2col + matmul).

The input is padded, cut into windows by ``backend.windows.sliding_windows`` (a strided
view), and the windows are copied once into a contiguous column matrix (G, C_g·∏k, P·N):
per group, one row per (input channel, kernel offset), one column per (output position,
sample) — batch last, see below. One matmul per group with the weight seen as
(G, F_g, C_g·∏k) gives the output. The backward reuses the saved columns for the weight
gradient and folds the column gradient back onto the input with ``fold_windows`` (col2im).

The helpers here (column layout, padding rules, checks) are shared with
``nnlab.ops.conv_transpose``, whose forward is exactly this file's input gradient.
Stride-1 convolutions over large feature maps take :mod:`nnlab.ops.conv_shift` instead
(one matmul per kernel offset on shifted views, no column matrix); with the fast kernels
on, stride-1 2-D convolutions of few input channels (first layers) take
:mod:`nnlab.ops.conv_direct` (the taps summed directly, no matrix product).
"""

from __future__ import annotations

import math
from typing import Sequence, Union

import numpy as np

from nnlab.autograd.function import Context, Function
from nnlab.autograd.tensor import Tensor
from nnlab.backend.windows import fold_windows, pad_spatial, sliding_windows, window_output_shape
from nnlab.ops._conv_util import bias_view, spatial_sum
from nnlab.ops.conv_direct import DirectConv2d, use_direct_conv
from nnlab.ops.conv_pointwise import PointwiseConvNd, use_pointwise_conv
from nnlab.ops.conv_shift import ShiftConvNd, use_shift_conv
from nnlab.ops.movement import squeeze, unsqueeze

#: Fewest output positions per sample for the batch-first columns (N per-sample products) to beat
#: one batch-last product: LeNet-5's second conv (10×10 outputs, batch 256) runs 3.5 ms batch-first,
#: 2.9 ms batch-last; its first (28×28) 2.4–3.1 against 5.0.
MIN_BATCH_FIRST_POSITIONS = 256

IntOrTuple = Union[int, Sequence[int]]
PaddingArg = Union[str, int, Sequence[int]]
Pairs = tuple[tuple[int, int], ...]


def conv_output_size(n: int, k: int, s: int = 1, p: int = 0, d: int = 1) -> int:
    """⌊(n + 2p − d(k − 1) − 1)/s⌋ + 1: the output length of a convolution or pooling along one dim.

    Args:
        n: input length. k: kernel size. s: stride (default 1). p: zero padding on each
            side (default 0). d: dilation (default 1).

    Raises:
        ValueError: for non-positive sizes or strides, negative padding, or a (dilated)
            kernel larger than the padded input.
    """
    if n < 1 or k < 1 or s < 1 or d < 1 or p < 0:
        raise ValueError(f"conv_output_size: need n, k, s, d ≥ 1 and p ≥ 0, got n={n}, k={k}, s={s}, p={p}, d={d}")
    span = d * (k - 1) + 1
    if span > n + 2 * p:
        raise ValueError(f"conv_output_size: kernel span d(k−1)+1 = {span} exceeds the padded input n + 2p = {n + 2 * p}")
    return (n + 2 * p - span) // s + 1


def as_tuple(value: IntOrTuple, nd: int, name: str, op: str) -> tuple[int, ...]:
    """An int or a length-``nd`` sequence of ints as an ``nd``-tuple."""
    def whole(v) -> bool:
        return isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))

    if whole(value):
        return (int(value),) * nd
    if not isinstance(value, (tuple, list)) or not all(whole(v) for v in value):
        raise TypeError(f"{op}: {name} must be an int or a tuple of {nd} ints, got {type(value).__name__} {value!r}")
    out = tuple(int(v) for v in value)
    if len(out) == 1:
        return out * nd
    if len(out) != nd:
        raise ValueError(f"{op}: {name} must be an int or a tuple of {nd} ints, got {tuple(value)}")
    return out


def same_padding(spatial: Sequence[int], kernel: Sequence[int], stride: Sequence[int], dilation: Sequence[int]) -> Pairs:
    """(before, after) zero padding that makes the output ⌈n/s⌉ long in every dim.

    Total padding max((⌈n/s⌉ − 1)·s + d(k − 1) + 1 − n, 0), split with the odd unit on the
    bottom/right; for stride 1 that is d(k − 1), PyTorch's ``padding='same'``.
    """
    pairs = []
    for n, k, s, d in zip(spatial, kernel, stride, dilation):
        total = max((-(-n // s) - 1) * s + d * (k - 1) + 1 - n, 0)
        pairs.append((total // 2, total - total // 2))
    return tuple(pairs)


def resolve_padding(
    padding: PaddingArg, spatial: Sequence[int], kernel: Sequence[int], stride: Sequence[int],
    dilation: Sequence[int], op: str,
) -> Pairs:
    """``padding`` (int, tuple, ``'valid'`` or ``'same'``) as (before, after) pairs per spatial dim."""
    nd = len(kernel)
    if isinstance(padding, str):
        if padding == "valid":
            return ((0, 0),) * nd
        if padding == "same":
            return same_padding(spatial, kernel, stride, dilation)
        raise ValueError(f"{op}: padding must be an int, a tuple, 'valid' or 'same', got {padding!r}")
    pads = as_tuple(padding, nd, "padding", op)
    if any(p < 0 for p in pads):
        raise ValueError(f"{op}: negative padding {pads} is not supported")
    return tuple((p, p) for p in pads)


def check_positive(values: tuple[int, ...], name: str, op: str) -> None:
    if any(v < 1 for v in values):
        raise ValueError(f"{op}: {name} must be positive, got {values}")


# ---- the batch-last column layout shared by conv and conv_transpose --------------------
#
# Inside these ops the batch axis goes LAST: activations are (C, *S, N) and columns are
# (G, C_g·∏k, P·N). Then every window copy, fold step and matmul runs over long contiguous
# rows (a whole output row times the batch), and each product is one large matmul per group
# instead of N small ones: 1.1–1.7× faster than batch-first columns, forward plus backward, on
# LeNet- to VGG-like layers that need an input gradient. The price is one transposing copy
# of the input and of the output per call — not worth it for a first layer (see ConvNd).

def batch_last(x: np.ndarray, pads: Pairs | None = None) -> np.ndarray:
    """(N, C, *S) → contiguous (C, *S_padded, N), zero-padded by ``pads`` (one copy for both)."""
    moved = np.moveaxis(x, 0, -1)
    if pads is None or not any(lo or hi for lo, hi in pads):
        return np.ascontiguousarray(moved)
    shape = (x.shape[1],) + tuple(n + lo + hi for n, (lo, hi) in zip(x.shape[2:], pads)) + (x.shape[0],)
    out = np.zeros(shape, dtype=x.dtype)
    out[(slice(None),) + tuple(slice(lo, lo + n) for n, (lo, _) in zip(x.shape[2:], pads))] = moved
    return out


#: Elements per block of :func:`batch_first`'s transposing copy (256 KiB of float32, well inside L2).
TRANSPOSE_BLOCK = 65536


def batch_first(t: np.ndarray, pads: Pairs | None = None) -> np.ndarray:
    """(C, *S_padded, N) → contiguous (N, C, *S), cropping ``pads``: the inverse of :func:`batch_last`.

    Copied a few channels at a time: one transposing copy of a whole 4 MiB activation misses
    the cache on every write (3.7 ms for 32×32×32×32); in L2-sized blocks it takes 0.9 ms.
    """
    if pads is not None and any(lo or hi for lo, hi in pads):
        t = t[(slice(None),) + tuple(slice(lo, n - hi) for n, (lo, hi) in zip(t.shape[1:-1], pads))]
    out = np.empty((t.shape[-1],) + t.shape[:-1], dtype=t.dtype)
    step = max(1, TRANSPOSE_BLOCK // max(1, math.prod(t.shape[1:])))
    for c in range(0, t.shape[0], step):
        out[:, c:c + step] = np.moveaxis(t[c:c + step], -1, 0)
    return out


def im2col(xt: np.ndarray, kernel: tuple, stride: tuple, dilation: tuple, groups: int) -> tuple[np.ndarray, tuple]:
    """Batch-last padded input (C, *S, N) → contiguous columns (G, C_g·∏k, P·N) and the output shape ``out``.

    Row (c, offset), column (position, n) holds x[c, s·position + d·offset, n].
    """
    nd = len(kernel)
    c = xt.shape[0]
    grouped = xt.reshape((groups, c // groups) + xt.shape[1:])
    # The batch is one more "spatial" dim with a kernel of 1, so the backend helper does the work.
    win = sliding_windows(grouped, tuple(kernel) + (1,), tuple(stride) + (1,), tuple(dilation) + (1,))
    out = win.shape[2 : 2 + nd]
    order = (0, 1) + tuple(range(3 + nd, 3 + 2 * nd)) + tuple(range(2, 3 + nd))  # (G, C_g, *k, *out, N)
    cols = np.ascontiguousarray(win[..., 0].transpose(order))
    return cols.reshape(groups, (c // groups) * math.prod(kernel), -1), out


def col2im(gcols: np.ndarray, channels: int, spatial: tuple, out: tuple, kernel: tuple, stride: tuple,
           dilation: tuple) -> np.ndarray:
    """Columns (G, C_g·∏k, P·N) → batch-last (C, *spatial, N), overlapping windows summed (the adjoint of im2col)."""
    nd = len(kernel)
    groups = gcols.shape[0]
    n = gcols.shape[2] // math.prod(out)
    win = gcols.reshape((groups, channels // groups) + tuple(kernel) + tuple(out) + (n,))
    order = (0, 1) + tuple(range(2 + nd, 3 + 2 * nd)) + tuple(range(2, 2 + nd))  # (G, C_g, *out, N, *k)
    folded = fold_windows(win.transpose(order)[..., None], tuple(spatial) + (n,), tuple(kernel) + (1,),
                          tuple(stride) + (1,), tuple(dilation) + (1,))
    return folded.reshape((channels,) + tuple(spatial) + (n,))


def weight_matrix(w: np.ndarray, groups: int) -> np.ndarray:
    """Weight (F, C_g, *k) as (G, F_g, C_g·∏k) — a view."""
    return w.reshape(groups, w.shape[0] // groups, -1)


def weight_grad(cols: np.ndarray, gt: np.ndarray) -> np.ndarray:
    """Σ_{p,n} gt[g, f, pn]·cols[g, r, pn] → (G, F_g, R): one matmul per group with P·N inner.

    Computed as (cols·gtᵀ)ᵀ: OpenBLAS is markedly faster with the long dimension inner on
    the right operand for these skinny products.
    """
    return np.matmul(cols, gt.transpose(0, 2, 1)).transpose(0, 2, 1)


class ConvNd(Function):
    """y[n, f] = b[f] + Σ_{c ∈ group(f), k} W[f, c, k] · x_pad[n, c, s·p + d·k] (cross-correlation).

    With X the columns (G, R, P·N), R = C_g·∏k, and W as (G, F_g, R): Y = W·X per group.
    Backward, with G_y the output gradient as (G, F_g, P·N): ∂L/∂W = G_y·Xᵀ; ∂L/∂X = Wᵀ·G_y,
    folded back onto the padded input (col2im) and cropped; ∂L/∂b = Σ_{n, positions} G_y.
    """

    @staticmethod
    def forward(ctx: Context, x, w, b, stride, pads, dilation, groups):
        n, c, f = x.shape[0], x.shape[1], w.shape[0]
        kernel = w.shape[2:]
        wm = weight_matrix(w, groups)
        padded = tuple(size + lo + hi for size, (lo, hi) in zip(x.shape[2:], pads))
        out = window_output_shape(padded, kernel, stride, dilation)
        positions = math.prod(out)
        if not ctx.needs_input_grad[0] and f // groups <= positions and positions >= MIN_BATCH_FIRST_POSITIONS:
            # No input gradient (a first layer, or inference): batch-first columns (N, G, R, P) —
            # the input as N·C channels with a batch of 1 — give the output without a transpose
            # and a cheaper weight gradient (N small matmuls summed), as long as F_g ≤ P keeps
            # that sum small and P is large enough for N products of P columns to beat one.
            x_pad = pad_spatial(x, pads)
            cols, _ = im2col(x_pad.reshape((n * c,) + padded + (1,)), kernel, stride, dilation, n * groups)
            cols = cols.reshape(n, groups, -1, math.prod(out))
            y = np.matmul(wm, cols).reshape((n, f) + out)
        else:
            xt = batch_last(x, pads)
            cols, _ = im2col(xt, kernel, stride, dilation, groups)
            y = batch_first(np.matmul(wm, cols).reshape((f,) + out + (n,)))
        if b is not None:
            y += bias_view(b, len(out))
        ctx.save_for_backward(cols if ctx.needs_input_grad[1] else None, w)
        ctx.geometry = (c, padded, out, stride, pads, dilation, groups)
        return y

    @staticmethod
    def backward(ctx: Context, grad):
        cols, w = ctx.saved_tensors
        channels, padded, out, stride, pads, dilation, groups = ctx.geometry
        fg = w.shape[0] // groups
        gx = gw = gb = None
        if ctx.needs_input_grad[1] and cols.ndim == 4:  # batch-first columns: Σ_n G_n·X_nᵀ
            g = np.ascontiguousarray(grad).reshape(grad.shape[0], groups, fg, -1)
            gw = np.matmul(g, cols.transpose(0, 1, 3, 2)).sum(axis=0).reshape(w.shape)
        elif ctx.needs_input_grad[0] or ctx.needs_input_grad[1]:
            gt = batch_last(grad).reshape(groups, fg, -1)
            if ctx.needs_input_grad[0]:
                gcols = np.matmul(weight_matrix(w, groups).transpose(0, 2, 1), gt)
                gx = batch_first(col2im(gcols, channels, padded, out, w.shape[2:], stride, dilation), pads)
            if ctx.needs_input_grad[1]:
                gw = weight_grad(cols, gt).reshape(w.shape)
        if ctx.needs_input_grad[2]:
            gb = spatial_sum(grad)
        return gx, gw, gb, None, None, None, None


def check_conv_args(op: str, x: Tensor, w: Tensor, b: Tensor | None, nd: int, groups: int, in_ch_of_weight: int,
                    w_layout: str) -> None:
    """Shape, groups and dtype checks shared by conv and conv_transpose (batched input, nd spatial dims)."""
    if w.ndim != nd + 2:
        raise ValueError(f"{op}: weight must be {nd + 2}-D {w_layout}, got shape {tuple(w.shape)}")
    if not isinstance(groups, (int, np.integer)) or groups < 1:
        raise ValueError(f"{op}: groups must be a positive int, got {groups!r}")
    c = x.shape[1]
    if in_ch_of_weight != c:
        extra = f", groups={groups}" if groups != 1 else ""
        raise ValueError(
            f"{op}: input has {c} channels, weight expects {in_ch_of_weight} (weight shape {tuple(w.shape)}{extra})"
        )
    if c % groups:
        raise ValueError(f"{op}: groups={groups} must divide the {c} input channels")
    if x.dtype != w.dtype or (b is not None and b.dtype != w.dtype):
        raise TypeError(
            f"{op}: input dtype {x.dtype} does not match weight dtype {w.dtype}"
            + ("" if b is None else f" / bias dtype {b.dtype}")
            + "; cast the input (x.float() / x.double()) or the layer (.to(dtype))"
        )
    if x.dtype.kind != "f":
        raise TypeError(f"{op}: expected a floating input, got dtype {x.dtype}")


def batched(op: str, x: Tensor, nd: int) -> tuple[Tensor, bool]:
    """Accept (C, *S) unbatched or (N, C, *S) batched input, as PyTorch does; returns (batched x, was_unbatched)."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}: expected a Tensor input, got {type(x).__name__}")
    if x.ndim == nd + 1:
        return unsqueeze(x, 0), True
    if x.ndim != nd + 2:
        raise ValueError(
            f"{op}: expected a {nd + 1}-D (unbatched) or {nd + 2}-D (batched) input, got shape {tuple(x.shape)}"
        )
    return x, False


def convnd(
    x: Tensor, weight: Tensor, bias: Tensor | None, stride: IntOrTuple, padding: PaddingArg,
    dilation: IntOrTuple, groups: int, nd: int, op: str,
) -> Tensor:
    """The body of conv1d/2d/3d: validate, resolve padding, apply :class:`ConvNd`."""
    x, unbatched = batched(op, x, nd)
    check_conv_args(op, x, weight, bias, nd, groups, weight.shape[1] * groups if weight.ndim == nd + 2 else -1,
                    "(out_channels, in_channels/groups, *kernel)")
    f = weight.shape[0]
    if f % groups:
        raise ValueError(f"{op}: groups={groups} must divide the {f} output channels (weight shape {tuple(weight.shape)})")
    if bias is not None and tuple(bias.shape) != (f,):
        raise ValueError(f"{op}: bias shape {tuple(bias.shape)} does not match {f} output channels")
    kernel = tuple(weight.shape[2:])
    st = as_tuple(stride, nd, "stride", op)
    dil = as_tuple(dilation, nd, "dilation", op)
    check_positive(st, "stride", op)
    check_positive(dil, "dilation", op)
    spatial = tuple(x.shape[2:])
    pads = resolve_padding(padding, spatial, kernel, st, dil, op)
    padded = tuple(n + lo + hi for n, (lo, hi) in zip(spatial, pads))
    span = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dil))
    if any(sp > n for sp, n in zip(span, padded)):
        raise ValueError(
            f"{op}: kernel {kernel} with dilation {dil} spans {span}, larger than the padded input {padded} "
            f"(input {spatial}, padding {pads})"
        )
    out = tuple((n - sp) // s + 1 for n, sp, s in zip(padded, span, st))
    if x.shape[0] == 0:
        return _empty_batch(x, weight, bias, out, unbatched)
    if use_pointwise_conv(kernel, int(groups), pads, x.shape[1], f, out):
        y = PointwiseConvNd.apply(x, weight, bias, st)
    elif use_direct_conv(nd, x.dtype, x.shape[1], kernel, st, int(groups), f):
        y = DirectConv2d.apply(x, weight, bias, pads, dil)
    elif use_shift_conv(x.shape[1], st, int(groups), out, padded):
        y = ShiftConvNd.apply(x, weight, bias, pads, dil)
    else:
        y = ConvNd.apply(x, weight, bias, st, pads, dil, int(groups))
    return squeeze(y, 0) if unbatched else y


def _empty_batch(x: Tensor, weight: Tensor, bias: Tensor | None, out: tuple[int, ...], unbatched: bool) -> Tensor:
    """The (0, C_out, *out) result of a batch of none, still joined to x, weight and bias (zero gradients)."""
    from nnlab.ops.elementwise import mul
    from nnlab.ops.movement import expand
    from nnlab.ops.reduce import sum as total

    seed = mul(total(x) + total(weight) + (total(bias) if bias is not None else 0.0), 0.0)
    y = expand(seed.reshape((1,) * (2 + len(out))), (0, weight.shape[0], *out))
    return squeeze(y, 0) if unbatched else y


def conv1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: IntOrTuple = 1,
           padding: PaddingArg = 0, dilation: IntOrTuple = 1, groups: int = 1) -> Tensor:
    """1-D cross-correlation y[n, f, l] = b[f] + Σ_{c,k} W[f, c, k]·x_pad[n, c, s·l + d·k] (``F.conv1d`` of PyTorch).

    Args:
        input: (N, C_in, L) or unbatched (C_in, L).
        weight: (C_out, C_in/groups, k).
        bias: (C_out,) or ``None`` (default).
        stride, dilation: int or 1-tuple (default 1).
        padding: int, 1-tuple, ``'valid'`` (0) or ``'same'`` (output ⌈L/s⌉; the odd unit of
            padding goes on the right; default 0).
        groups: channel groups; ``groups=C_in`` is a depthwise convolution (default 1).

    Shape:
        output: (N, C_out, L_out), L_out = ⌊(L + 2p − d(k − 1) − 1)/s⌋ + 1.
    """
    return convnd(input, weight, bias, stride, padding, dilation, groups, 1, "conv1d")


def conv2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: IntOrTuple = 1,
           padding: PaddingArg = 0, dilation: IntOrTuple = 1, groups: int = 1) -> Tensor:
    """2-D cross-correlation y[n, f, i, j] = b[f] + Σ_{c,u,v} W[f,c,u,v]·x_pad[n, c, s_h·i + d_h·u, s_w·j + d_w·v].

    ``torch.nn.functional.conv2d`` semantics.

    Args:
        input: (N, C_in, H, W) or unbatched (C_in, H, W).
        weight: (C_out, C_in/groups, kH, kW).
        bias: (C_out,) or ``None`` (default).
        stride, dilation: int or (s_h, s_w) (default 1).
        padding: int, (p_h, p_w), ``'valid'`` (0) or ``'same'`` (output ⌈H/s_h⌉ × ⌈W/s_w⌉,
            also for even kernels and strides > 1; the odd unit goes bottom/right; default 0).
        groups: channel groups; ``groups=C_in`` is a depthwise convolution (default 1).

    Shape:
        output: (N, C_out, H_out, W_out), H_out = ⌊(H + 2p_h − d_h(kH − 1) − 1)/s_h⌋ + 1 (W alike).

    Raises:
        ValueError: wrong ndim, channel count not matching the weight, groups not dividing the
            channels, bad stride/padding/dilation, a kernel larger than the padded input.
        TypeError: input, weight and bias dtypes differ.
    """
    return convnd(input, weight, bias, stride, padding, dilation, groups, 2, "conv2d")


def conv3d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: IntOrTuple = 1,
           padding: PaddingArg = 0, dilation: IntOrTuple = 1, groups: int = 1) -> Tensor:
    """3-D cross-correlation over (D, H, W) volumes (``torch.nn.functional.conv3d``).

    Args:
        input: (N, C_in, D, H, W) or unbatched (C_in, D, H, W).
        weight: (C_out, C_in/groups, kD, kH, kW).
        bias: (C_out,) or ``None`` (default).
        stride, padding, dilation, groups: as :func:`conv2d`, with 3-tuples.

    Shape:
        output: (N, C_out, D_out, H_out, W_out), each ⌊(n + 2p − d(k − 1) − 1)/s⌋ + 1.
    """
    return convnd(input, weight, bias, stride, padding, dilation, groups, 3, "conv3d")
