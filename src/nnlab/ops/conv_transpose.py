"""Transposed convolution: ``conv_transpose1d/2d/3d``, the adjoint of ``conv1d/2d/3d``.

Its forward is the convolution's input gradient (columns Wᵀ·x folded onto the output
grid, col2im), and its backward is the convolution's forward (im2col of the output
gradient, then W·X) and weight gradient — the same column layout and helpers as
``nnlab.ops.conv``. It exactly reverses the shape change of the matching convolution:
``output_padding`` picks among the input sizes a strided convolution maps to one size.
"""

from __future__ import annotations

import numpy as np

from nnlab.autograd.function import Context, Function
from nnlab.autograd.tensor import Tensor
from nnlab.ops._conv_util import bias_view, spatial_sum
from nnlab.ops.conv import (
    IntOrTuple,
    as_tuple,
    batch_first,
    batch_last,
    batched,
    check_conv_args,
    check_positive,
    col2im,
    im2col,
    weight_grad,
    weight_matrix,
)
from nnlab.ops.movement import squeeze


def transpose_output_size(n: int, k: int, s: int = 1, p: int = 0, d: int = 1, output_padding: int = 0) -> int:
    """(n − 1)·s − 2p + d(k − 1) + output_padding + 1: the output length of a transposed convolution."""
    return (n - 1) * s - 2 * p + d * (k - 1) + output_padding + 1


def output_padding_for(
    spatial: tuple[int, ...], output_size: tuple[int, ...], kernel: tuple[int, ...], stride: tuple[int, ...],
    padding: tuple[int, ...], dilation: tuple[int, ...], op: str,
) -> tuple[int, ...]:
    """The ``output_padding`` that makes a transposed convolution produce ``output_size`` (PyTorch's rule).

    Raises:
        ValueError: when ``output_size`` is outside [smallest, smallest + s − 1] in some dim.
    """
    result = []
    for n, o, k, s, p, d in zip(spatial, output_size, kernel, stride, padding, dilation):
        lo = transpose_output_size(n, k, s, p, d)
        if not lo <= o <= lo + s - 1:
            raise ValueError(
                f"{op}: requested output size {tuple(output_size)} is not reachable from input {tuple(spatial)}; "
                f"each dim must lie in [{lo}, {lo + s - 1}] for stride {s}"
            )
        result.append(o - lo)
    return tuple(result)


class ConvTransposeNd(Function):
    """y = crop_p(col2im(Wᵀ·x)) + b: the adjoint of :class:`~nnlab.ops.conv.ConvNd` in x.

    With x batch-last as (G, C_in/G, P_in·N) and W (C_in, C_out/G, *k) as (G, C_in/G, R),
    R = C_out/G·∏k: the columns Wᵀ·x are folded onto the zero-padded output grid and the
    padding is cropped. Backward: X = im2col(pad_p(G_y)), the convolution's columns of the
    output gradient; ∂L/∂x = W·X (a convolution's forward), ∂L/∂W = x·Xᵀ (its weight
    gradient), ∂L/∂b = Σ_{n, positions} G_y.
    """

    @staticmethod
    def forward(ctx: Context, x, w, b, stride, padding, output_padding, dilation, groups):
        kernel = w.shape[2:]
        cin = x.shape[1]
        spatial = x.shape[2:]
        out = tuple(transpose_output_size(*args) for args in zip(spatial, kernel, stride, padding, dilation, output_padding))
        pads = tuple((p, p) for p in padding)
        xt = batch_last(x).reshape(groups, cin // groups, -1)
        gcols = np.matmul(weight_matrix(w, groups).transpose(0, 2, 1), xt)
        padded = tuple(o + 2 * p for o, p in zip(out, padding))
        y = batch_first(col2im(gcols, w.shape[1] * groups, padded, spatial, kernel, stride, dilation), pads)
        if b is not None:
            y += bias_view(b, len(out))
        ctx.save_for_backward(xt if ctx.needs_input_grad[1] else None, w)
        ctx.geometry = (spatial, stride, pads, dilation, groups)
        return y

    @staticmethod
    def backward(ctx: Context, grad):
        xt, w = ctx.saved_tensors
        spatial, stride, pads, dilation, groups = ctx.geometry
        kernel = w.shape[2:]
        gx = gw = gb = None
        if ctx.needs_input_grad[0] or ctx.needs_input_grad[1]:
            gp = batch_last(grad, pads)
            # output_padding ≥ stride (allowed when < dilation) leaves trailing rows no window of
            # the forward fold reached; crop them so the windows line up with x exactly.
            need = tuple((n - 1) * s + d * (k - 1) + 1 for n, s, d, k in zip(spatial, stride, dilation, kernel))
            gp = gp[(slice(None),) + tuple(slice(0, m) for m in need)]
            cols, _ = im2col(gp, kernel, stride, dilation, groups)
            if ctx.needs_input_grad[0]:
                gx = batch_first(np.matmul(weight_matrix(w, groups), cols).reshape((w.shape[0],) + tuple(spatial) + (-1,)))
            if ctx.needs_input_grad[1]:
                gw = weight_grad(cols, xt).reshape(w.shape)
        if ctx.needs_input_grad[2]:
            gb = spatial_sum(grad)
        return gx, gw, gb, None, None, None, None, None


def conv_transpose_nd(
    x: Tensor, weight: Tensor, bias: Tensor | None, stride: IntOrTuple, padding: IntOrTuple,
    output_padding: IntOrTuple, groups: int, dilation: IntOrTuple, nd: int, op: str,
) -> Tensor:
    """The body of conv_transpose1d/2d/3d: validate, then apply :class:`ConvTransposeNd`."""
    x, unbatched = batched(op, x, nd)
    check_conv_args(op, x, weight, bias, nd, groups, weight.shape[0] if weight.ndim == nd + 2 else -1,
                    "(in_channels, out_channels/groups, *kernel)")
    cout = weight.shape[1] * groups
    if bias is not None and tuple(bias.shape) != (cout,):
        raise ValueError(f"{op}: bias shape {tuple(bias.shape)} does not match {cout} output channels")
    if isinstance(padding, str):
        raise ValueError(f"{op}: padding must be an int or a tuple of ints, got {padding!r}")
    kernel = tuple(weight.shape[2:])
    st = as_tuple(stride, nd, "stride", op)
    dil = as_tuple(dilation, nd, "dilation", op)
    pad = as_tuple(padding, nd, "padding", op)
    opad = as_tuple(output_padding, nd, "output_padding", op)
    check_positive(st, "stride", op)
    check_positive(dil, "dilation", op)
    if any(p < 0 for p in pad) or any(p < 0 for p in opad):
        raise ValueError(f"{op}: padding {pad} and output_padding {opad} must be non-negative")
    if any(o >= s and o >= d for o, s, d in zip(opad, st, dil)):
        raise ValueError(
            f"{op}: output_padding {opad} must be smaller than either stride {st} or dilation {dil} in every dim"
        )
    spatial = tuple(x.shape[2:])
    out = tuple(transpose_output_size(*a) for a in zip(spatial, kernel, st, pad, dil, opad))
    if any(o < 1 for o in out):
        raise ValueError(f"{op}: output size {out} is not positive (input {spatial}, kernel {kernel}, padding {pad})")
    y = ConvTransposeNd.apply(x, weight, bias, st, pad, opad, dil, int(groups))
    return squeeze(y, 0) if unbatched else y


def conv_transpose1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: IntOrTuple = 1,
                     padding: IntOrTuple = 0, output_padding: IntOrTuple = 0, groups: int = 1,
                     dilation: IntOrTuple = 1) -> Tensor:
    """1-D transposed convolution (``torch.nn.functional.conv_transpose1d``); see :func:`conv_transpose2d`.

    Shape:
        input: (N, C_in, L) or (C_in, L); weight: (C_in, C_out/groups, k);
        output: (N, C_out, (L − 1)s − 2p + d(k − 1) + output_padding + 1).
    """
    return conv_transpose_nd(input, weight, bias, stride, padding, output_padding, groups, dilation, 1, "conv_transpose1d")


def conv_transpose2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: IntOrTuple = 1,
                     padding: IntOrTuple = 0, output_padding: IntOrTuple = 0, groups: int = 1,
                     dilation: IntOrTuple = 1) -> Tensor:
    """y = conv2d's input gradient applied to x, plus b (``torch.nn.functional.conv_transpose2d``).

    Each input pixel scatters a copy of the kernel, scaled by its value, onto the output
    grid at stride s; overlaps add up. ``conv_transpose2d`` with the same (stride, padding,
    dilation, kernel) maps a conv2d's output size back to its input size.

    Args:
        input: (N, C_in, H, W) or unbatched (C_in, H, W).
        weight: (C_in, C_out/groups, kH, kW) — note the order, as PyTorch.
        bias: (C_out,) or ``None`` (default).
        stride: int or (s_h, s_w) (default 1).
        padding: int or (p_h, p_w): crops p from each side of the full output, so that it
            inverts conv2d(padding=p) (default 0).
        output_padding: extra rows/cols on the bottom/right; must be smaller than the stride
            or the dilation in each dim (default 0).
        groups: channel groups (default 1).
        dilation: spacing of kernel taps (default 1).

    Shape:
        output: (N, C_out, H_out, W_out), H_out = (H − 1)s_h − 2p_h + d_h(kH − 1) + op_h + 1.
    """
    return conv_transpose_nd(input, weight, bias, stride, padding, output_padding, groups, dilation, 2, "conv_transpose2d")


def conv_transpose3d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: IntOrTuple = 1,
                     padding: IntOrTuple = 0, output_padding: IntOrTuple = 0, groups: int = 1,
                     dilation: IntOrTuple = 1) -> Tensor:
    """3-D transposed convolution (``torch.nn.functional.conv_transpose3d``); see :func:`conv_transpose2d`.

    Shape:
        input: (N, C_in, D, H, W) or unbatched; weight: (C_in, C_out/groups, kD, kH, kW).
    """
    return conv_transpose_nd(input, weight, bias, stride, padding, output_padding, groups, dilation, 3, "conv_transpose3d")
