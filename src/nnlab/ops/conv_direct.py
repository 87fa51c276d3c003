"""Direct 2-D convolution for first layers (few input channels), by the compiled kernels.

With C·k_h·k_w small — LeNet's 1→6 5×5 conv (25), a 3→32 3×3 stem (27) — the im2col
matmul of :class:`nnlab.ops.conv.ConvNd` has an inner dimension of 25–27, where BLAS is
far from its peak, and builds a column matrix ∏k times the input. Summing the weighted
taps directly is cheaper:

    y[n, f, i, j] = b[f] + Σ_{c, u, v} W[f, c, u, v] · x_pad[n, c, i + d_h·u, j + d_w·v]
    ∂L/∂W[f, c, u, v] = Σ_{n, i, j} G[n, f, i, j] · x_pad[n, c, i + d_h·u, j + d_w·v]
    ∂L/∂x = G (zero-padded by the kernel's reach) correlated with W flipped, channels swapped

(stride 1, one group; the loops are in :mod:`nnlab.backend.kernels.conv_direct`). This
path exists only with the fast kernels on (``NNLAB_KERNELS=numba``); the NumPy reference
of the same convolution is ConvNd, which the reference mode keeps using.
"""

from __future__ import annotations

import math

import numpy as np

from nnlab.autograd.function import Context, Function
from nnlab.backend import kernels
from nnlab.ops._conv_util import spatial_sum

#: The direct path is taken when C·k_h·k_w is at most MAX_TAPS and F·C·k_h·k_w (multiply-adds per
#: output position) at most MAX_WORK. The direct kernels avoid im2col's copies, whose cost goes
#: with C·k², but do the F·C·k² multiply-adds at about half the rate of BLAS: they win while F is
#: small. Measured with the kernels on one thread against im2col + BLAS on two
#: (``python -m benchmarks.conv_direct``; docs/performance.md, "The kernel layer").
MAX_TAPS = 48
MAX_WORK = 270


def use_direct_conv(nd: int, dtype: np.dtype, channels: int, kernel: tuple, stride: tuple, groups: int,
                    filters: int) -> bool:
    """Whether :class:`DirectConv2d` runs: fast kernels on, 2-D, one group, stride 1, float32/float64,
    C·∏k ≤ MAX_TAPS and F·C·∏k ≤ MAX_WORK."""
    taps = channels * math.prod(kernel)
    return (nd == 2 and groups == 1 and all(s == 1 for s in stride) and taps <= MAX_TAPS and filters * taps <= MAX_WORK
            and np.dtype(dtype) in (np.dtype(np.float32), np.dtype(np.float64)) and kernels.fast() is not None)


class DirectConv2d(Function):
    """y[n, f] = b[f] + Σ_{c, u, v} W[f, c, u, v]·x_pad[n, c, i + d_h·u, j + d_w·v] (stride 1, one group), directly.

    The same result as :class:`nnlab.ops.conv.ConvNd` for these geometries; the forward and
    backward formulas are in the module docstring. The backward computes only the
    gradients asked for: a first layer (input without grad) never runs the input-gradient kernel.
    """

    @staticmethod
    def forward(ctx: Context, x, w, b, pads, dilation):
        y = kernels.numba_kernels().direct_conv2d(x, w, b, pads, dilation)
        ctx.save_for_backward(x if ctx.needs_input_grad[1] else None, w if ctx.needs_input_grad[0] else None)
        ctx.geometry = (x.shape, w.shape[2:], pads, dilation)
        return y

    @staticmethod
    def backward(ctx: Context, grad):
        x, w = ctx.saved_tensors
        shape, kernel, pads, dilation = ctx.geometry
        k = kernels.numba_kernels()
        gx = gw = gb = None
        if ctx.needs_input_grad[0]:
            gx = k.direct_conv2d_input_grad(grad, w, pads, dilation, shape)
        if ctx.needs_input_grad[1]:
            gw = k.direct_conv2d_weights(x, grad, pads, dilation, kernel)
        if ctx.needs_input_grad[2]:
            gb = spatial_sum(grad)
        return gx, gw, gb, None, None
