"""Pooling layers with PyTorch's names, arguments and attributes: max, average, adaptive, global.

The attributes (``kernel_size``, ``stride``, ``padding``, ``dilation``) are stored as
PyTorch stores them (an int stays an int; ``stride=None`` becomes ``kernel_size``;
``AvgPool1d`` keeps 1-tuples), so code that inspects layers — such as a
receptive-field calculator — reads them the same way.
"""

from __future__ import annotations

from nnlab.autograd.tensor import Tensor
from nnlab.nn.module import Module
from nnlab.ops import pooling as P
from nnlab.ops import pooling_adaptive as V
from nnlab.ops.pooling import IntOrTuple


class _MaxPoolNd(Module):
    _fn = staticmethod(P.max_pool2d)

    def __init__(self, kernel_size: IntOrTuple, stride: IntOrTuple | None = None, padding: IntOrTuple = 0,
                 dilation: IntOrTuple = 1, return_indices: bool = False, ceil_mode: bool = False):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.dilation = dilation
        self.return_indices = return_indices
        self.ceil_mode = ceil_mode

    def forward(self, x: Tensor):
        return type(self)._fn(x, self.kernel_size, self.stride, self.padding, self.dilation, self.ceil_mode,
                              self.return_indices)

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")


_MAX_DOC = """y = max over each window of x; the gradient goes to the window's first max (PyTorch's rule).

    Overlapping windows (stride < kernel, as in AlexNet's 3×3 stride-2 pooling) accumulate
    their gradients. See ``nnlab.functional.max_pool{nd}d``.

    Args:
        kernel_size: window size k (int or tuple).
        stride: window step s (default: kernel_size).
        padding: implicit −inf padding on both sides, at most k/2 (default 0).
        dilation: spacing between window elements (default 1).
        return_indices: also return each max's flat index in its input plane (default False).
        ceil_mode: round the output size up instead of down (default False).

    Shape:
        input (N, C, {dims}) or (C, {dims}); output (N, C, {outs}),
        out = ⌊(n + 2p − d(k−1) − 1)/s⌋ + 1 (⌈⌉ in ceil mode).
    """


class MaxPool1d(_MaxPoolNd):
    __doc__ = _MAX_DOC.format(nd=1, dims="L", outs="L_out")
    _fn = staticmethod(P.max_pool1d)


class MaxPool2d(_MaxPoolNd):
    __doc__ = _MAX_DOC.format(nd=2, dims="H, W", outs="H_out, W_out")
    _fn = staticmethod(P.max_pool2d)


class MaxPool3d(_MaxPoolNd):
    __doc__ = _MAX_DOC.format(nd=3, dims="D, H, W", outs="D_out, H_out, W_out")
    _fn = staticmethod(P.max_pool3d)


class AvgPool1d(Module):
    """y = mean over each window of x (zero padding; see ``count_include_pad``).

    Args:
        kernel_size: window size k; stride: step (default kernel_size); padding: at most k/2 (default 0).
        ceil_mode: round the output size up (default False).
        count_include_pad: count the zero padding in each window's divisor (default True).

    Shape:
        input (N, C, L) or (C, L); output (N, C, L_out), L_out = ⌊(L + 2p − k)/s⌋ + 1.

    Attributes:
        kernel_size, stride, padding: 1-tuples, as PyTorch stores them.
    """

    def __init__(self, kernel_size: IntOrTuple, stride: IntOrTuple | None = None, padding: IntOrTuple = 0,
                 ceil_mode: bool = False, count_include_pad: bool = True):
        super().__init__()
        self.kernel_size = P.ntuple(kernel_size, 1, "kernel_size", "AvgPool1d")
        self.stride = P.ntuple(stride if stride is not None else kernel_size, 1, "stride", "AvgPool1d")
        self.padding = P.ntuple(padding, 1, "padding", "AvgPool1d")
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad

    def forward(self, x: Tensor) -> Tensor:
        return P.avg_pool1d(x, self.kernel_size, self.stride, self.padding, self.ceil_mode, self.count_include_pad)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class _AvgPoolNd(Module):
    _fn = staticmethod(P.avg_pool2d)

    def __init__(self, kernel_size: IntOrTuple, stride: IntOrTuple | None = None, padding: IntOrTuple = 0,
                 ceil_mode: bool = False, count_include_pad: bool = True, divisor_override: int | None = None):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad
        self.divisor_override = divisor_override

    def forward(self, x: Tensor) -> Tensor:
        return type(self)._fn(x, self.kernel_size, self.stride, self.padding, self.ceil_mode, self.count_include_pad,
                              self.divisor_override)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


_AVG_DOC = """y = Σ_window x / divisor, zero padding; the divisor is ``divisor_override`` if given, else the
    window size clipped to the padded input (``count_include_pad=True``) or to the input alone.

    Args:
        kernel_size: window size k; stride: step (default kernel_size); padding: at most k/2 (default 0).
        ceil_mode: round the output size up (default False).
        count_include_pad: count the zero padding in the divisor (default True).
        divisor_override: a fixed divisor for every window (default None).

    Shape:
        input (N, C, {dims}) or (C, {dims}); output (N, C, {outs}), out = ⌊(n + 2p − k)/s⌋ + 1.
    """


class AvgPool2d(_AvgPoolNd):
    __doc__ = _AVG_DOC.format(dims="H, W", outs="H_out, W_out")
    _fn = staticmethod(P.avg_pool2d)


class AvgPool3d(_AvgPoolNd):
    __doc__ = _AVG_DOC.format(dims="D, H, W", outs="D_out, H_out, W_out")
    _fn = staticmethod(P.avg_pool3d)


class _AdaptiveAvgPoolNd(Module):
    _fn = staticmethod(V.adaptive_avg_pool2d)

    def __init__(self, output_size):
        super().__init__()
        self.output_size = output_size

    def forward(self, x: Tensor) -> Tensor:
        return type(self)._fn(x, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class _AdaptiveMaxPoolNd(_AdaptiveAvgPoolNd):
    def __init__(self, output_size, return_indices: bool = False):
        super().__init__(output_size)
        self.return_indices = return_indices

    def forward(self, x: Tensor):
        return type(self)._fn(x, self.output_size, self.return_indices)


_ADAPTIVE_DOC = """y = {kind} of x over adaptive bins: along each axis bin i spans [⌊i·n/out⌋, ⌈(i+1)·n/out⌉).

    Any input size gives the same output size (e.g. before a classifier).

    Args:
        output_size: the output's spatial size (int or tuple; None keeps that input size).{ret}

    Shape:
        input (N, C, {dims}) or (C, {dims}); output (N, C, *output_size).
    """
_RET = "\n        return_indices: also return each max's flat index in its input plane (default False)."


class AdaptiveAvgPool1d(_AdaptiveAvgPoolNd):
    __doc__ = _ADAPTIVE_DOC.format(kind="the mean", dims="L", ret="")
    _fn = staticmethod(V.adaptive_avg_pool1d)


class AdaptiveAvgPool2d(_AdaptiveAvgPoolNd):
    __doc__ = _ADAPTIVE_DOC.format(kind="the mean", dims="H, W", ret="")
    _fn = staticmethod(V.adaptive_avg_pool2d)


class AdaptiveAvgPool3d(_AdaptiveAvgPoolNd):
    __doc__ = _ADAPTIVE_DOC.format(kind="the mean", dims="D, H, W", ret="")
    _fn = staticmethod(V.adaptive_avg_pool3d)


class AdaptiveMaxPool1d(_AdaptiveMaxPoolNd):
    __doc__ = _ADAPTIVE_DOC.format(kind="the max (first max on ties)", dims="L", ret=_RET)
    _fn = staticmethod(V.adaptive_max_pool1d)


class AdaptiveMaxPool2d(_AdaptiveMaxPoolNd):
    __doc__ = _ADAPTIVE_DOC.format(kind="the max (first max on ties)", dims="H, W", ret=_RET)
    _fn = staticmethod(V.adaptive_max_pool2d)


class AdaptiveMaxPool3d(_AdaptiveMaxPoolNd):
    __doc__ = _ADAPTIVE_DOC.format(kind="the max (first max on ties)", dims="D, H, W", ret=_RET)
    _fn = staticmethod(V.adaptive_max_pool3d)


class GlobalAvgPool2d(Module):
    """y[n, c] = mean over (h, w) of x[n, c] — the same as ``AdaptiveAvgPool2d(1)`` followed by flattening.

    The classifier head of ResNet / GoogLeNet style networks, with the flatten built in.

    Args:
        keepdim: output (N, C, 1, 1) as ``AdaptiveAvgPool2d(1)`` does (default False: (N, C)).

    Shape:
        input (N, C, H, W) or (C, H, W); output (N, C) or (C,) (with keepdim: (N, C, 1, 1)).
    """

    def __init__(self, keepdim: bool = False):
        super().__init__()
        self.keepdim = keepdim

    def forward(self, x: Tensor) -> Tensor:
        return V.global_avg_pool2d(x, self.keepdim)

    def extra_repr(self) -> str:
        return f"keepdim={self.keepdim}"


class GlobalMaxPool2d(GlobalAvgPool2d):
    """y[n, c] = max over (h, w) of x[n, c] — ``AdaptiveMaxPool2d(1)`` then flatten; gradient to the first max.

    Args:
        keepdim: output (N, C, 1, 1) (default False: (N, C)).

    Shape:
        input (N, C, H, W) or (C, H, W); output (N, C) or (C,) (with keepdim: (N, C, 1, 1)).
    """

    def forward(self, x: Tensor) -> Tensor:
        return V.global_max_pool2d(x, self.keepdim)
