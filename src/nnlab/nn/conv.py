"""Convolution layers: ``Conv1d/2d/3d`` and ``ConvTranspose1d/2d/3d`` (PyTorch's names, weights, init)."""

from __future__ import annotations

from typing import Sequence, Union

import numpy as np

from nnlab.autograd.tensor import Tensor
from nnlab.backend import as_dtype
from nnlab.nn import init
from nnlab.nn.linear import init_affine_
from nnlab.nn.module import Module
from nnlab.nn.parameter import Parameter
from nnlab.ops._checks import check_int
from nnlab.ops.conv import as_tuple, convnd, resolve_padding
from nnlab.ops.conv_transpose import conv_transpose_nd, output_padding_for
from nnlab.ops.movement import pad as pad_op

IntOrTuple = Union[int, Sequence[int]]
_PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


class _ConvNd(Module):
    """Shared state of convolution layers: hyperparameters as tuples, ``weight``/``bias``, init, repr."""

    _nd: int = 2
    _transposed: bool = False

    def __init__(
        self, in_channels: int, out_channels: int, kernel_size: IntOrTuple, stride: IntOrTuple,
        padding: IntOrTuple | str, dilation: IntOrTuple, output_padding: IntOrTuple, groups: int,
        bias: bool, padding_mode: str, dtype,
    ):
        super().__init__()
        name, nd = type(self).__name__, self._nd
        if not isinstance(groups, (int, np.integer)) or groups < 1:
            raise ValueError(f"{name}: groups must be a positive integer, got {groups!r}")
        # A layer without channels or with an empty kernel computes nothing: refuse it when built.
        check_int(name, "in_channels", in_channels, 0)  # 0 until a lazy layer sees its input
        check_int(name, "out_channels", out_channels, 1)
        if in_channels % groups:
            raise ValueError(f"{name}: in_channels={in_channels} must be divisible by groups={groups}")
        if out_channels % groups:
            raise ValueError(f"{name}: out_channels={out_channels} must be divisible by groups={groups}")
        if padding_mode not in _PADDING_MODES:
            raise ValueError(f"{name}: padding_mode must be one of {_PADDING_MODES}, got {padding_mode!r}")
        self.in_channels = int(in_channels)
        self.out_channels = int(out_channels)
        self.kernel_size = as_tuple(kernel_size, nd, "kernel_size", name)
        if any(k < 1 for k in self.kernel_size):
            raise ValueError(f"{name}: kernel_size must be positive, got {kernel_size!r}")
        self.stride = as_tuple(stride, nd, "stride", name)
        self.dilation = as_tuple(dilation, nd, "dilation", name)
        if isinstance(padding, str):
            if padding not in ("same", "valid"):
                raise ValueError(f"{name}: padding must be an int, a tuple, 'same' or 'valid', got {padding!r}")
            self.padding: tuple[int, ...] | str = padding
        else:
            self.padding = as_tuple(padding, nd, "padding", name)
        self.output_padding = as_tuple(output_padding, nd, "output_padding", name)
        self.transposed = self._transposed
        self.groups = int(groups)
        self.padding_mode = padding_mode
        dt = as_dtype(dtype)
        if self._transposed:
            shape = (self.in_channels, self.out_channels // self.groups) + self.kernel_size
        else:
            shape = (self.out_channels, self.in_channels // self.groups) + self.kernel_size
        self.weight = Parameter(np.empty(shape, dtype=dt))
        if bias:
            self.bias = Parameter(np.empty((self.out_channels,), dtype=dt))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """W ~ kaiming_uniform_(a=√5), i.e. U(±1/√fan_in); b ~ U(±1/√fan_in), fan_in = C_in/groups·∏k (from the seeded generator)."""
        fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
        init_affine_(self.weight, self.bias, fan_in)

    def extra_repr(self) -> str:
        nd = self._nd
        s = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if self.padding != (0,) * nd:
            s += f", padding={self.padding}"
        if self.dilation != (1,) * nd:
            s += f", dilation={self.dilation}"
        if self.output_padding != (0,) * nd:
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s


class _Conv(_ConvNd):
    """Forward of Conv1d/2d/3d: explicit non-zero padding (reflect/replicate/circular), then convnd."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: IntOrTuple, stride: IntOrTuple = 1,
                 padding: IntOrTuple | str = 0, dilation: IntOrTuple = 1, groups: int = 1, bias: bool = True,
                 padding_mode: str = "zeros", dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, 0, groups, bias,
                         padding_mode, dtype)

    def forward(self, x: Tensor) -> Tensor:
        op = f"conv{self._nd}d"
        if self.padding_mode == "zeros":
            return convnd(x, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups, self._nd, op)
        pairs = resolve_padding(self.padding, x.shape[-self._nd:], self.kernel_size, self.stride, self.dilation, op)
        flat = [v for lo_hi in reversed(pairs) for v in lo_hi]  # F.pad order: last dim first
        x = pad_op(x, flat, mode=self.padding_mode)
        return convnd(x, self.weight, self.bias, self.stride, 0, self.dilation, self.groups, self._nd, op)


class Conv1d(_Conv):
    """y[n, f, l] = b[f] + Σ_{c,k} W[f, c, k]·x_pad[n, c, s·l + d·k]: a 1-D convolution (cross-correlation).

    Args:
        in_channels: C_in. out_channels: C_out. kernel_size: k (int or 1-tuple).
        stride: s (default 1). padding: int, ``'valid'`` or ``'same'`` (default 0; 'same' gives
            ⌈L/s⌉ outputs, odd unit on the right). dilation: d (default 1).
        groups: channel groups, C_in and C_out divisible by it (default 1).
        bias: learn b (default ``True``).
        padding_mode: ``'zeros'`` (default), ``'reflect'``, ``'replicate'`` or ``'circular'``.
        dtype: parameter dtype (default float32).

    Shape:
        input: (N, C_in, L) or (C_in, L); output: (N, C_out, ⌊(L + 2p − d(k − 1) − 1)/s⌋ + 1).

    Attributes:
        weight: (C_out, C_in/groups, k), U(±1/√(C_in/groups·k)) (``kaiming_uniform_(a=√5)``).
        bias: (C_out,), U(±1/√(C_in/groups·k)); ``None`` when ``bias=False``.
    """

    _nd = 1


class Conv2d(_Conv):
    """y[n, f, i, j] = b[f] + Σ_{c,u,v} W[f, c, u, v]·x_pad[n, c, s·i + d·u, s·j + d·v]: a 2-D convolution.

    Args:
        in_channels: C_in. out_channels: C_out (the number of filters).
        kernel_size: (kH, kW) or an int for both.
        stride: (default 1). padding: int, tuple, ``'valid'`` or ``'same'`` (default 0; 'same'
            gives ⌈H/s⌉ × ⌈W/s⌉ outputs, also for even kernels, the odd unit bottom/right).
        dilation: spacing of the kernel taps (default 1).
        groups: channel groups; ``groups=in_channels`` is depthwise (default 1).
        bias: learn b (default ``True``).
        padding_mode: ``'zeros'`` (default), ``'reflect'``, ``'replicate'`` or ``'circular'``.
        dtype: parameter dtype (default float32).

    Shape:
        input: (N, C_in, H, W) or (C_in, H, W); output: (N, C_out, H_out, W_out) with
        H_out = ⌊(H + 2p − d(kH − 1) − 1)/s⌋ + 1 (W alike).

    Attributes:
        weight: (C_out, C_in/groups, kH, kW), U(±1/√fan_in), fan_in = C_in/groups·kH·kW
            (``kaiming_uniform_(a=√5)``, PyTorch's default).
        bias: (C_out,), U(±1/√fan_in); ``None`` when ``bias=False``.
    """

    _nd = 2


class Conv3d(_Conv):
    """A 3-D convolution over (D, H, W) volumes; see :class:`Conv2d` (kernel (kD, kH, kW)).

    Shape:
        input: (N, C_in, D, H, W) or unbatched; output: (N, C_out, D_out, H_out, W_out).

    Attributes:
        weight: (C_out, C_in/groups, kD, kH, kW), U(±1/√fan_in). bias: (C_out,), U(±1/√fan_in).
    """

    _nd = 3


class _ConvTranspose(_ConvNd):
    """Forward of ConvTranspose1d/2d/3d, with PyTorch's optional ``output_size``."""

    _transposed = True

    def __init__(self, in_channels: int, out_channels: int, kernel_size: IntOrTuple, stride: IntOrTuple = 1,
                 padding: IntOrTuple = 0, output_padding: IntOrTuple = 0, groups: int = 1, bias: bool = True,
                 dilation: IntOrTuple = 1, padding_mode: str = "zeros", dtype=None):
        if padding_mode != "zeros":
            raise ValueError(f'{type(self).__name__}: only "zeros" padding_mode is supported, got {padding_mode!r}')
        if isinstance(padding, str):
            raise ValueError(f"{type(self).__name__}: padding must be an int or a tuple, got {padding!r}")
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, output_padding, groups,
                         bias, padding_mode, dtype)

    def forward(self, x: Tensor, output_size: Sequence[int] | None = None) -> Tensor:
        """Args: output_size: the wanted spatial size (trailing dims used), resolving the ambiguity of strides."""
        op = f"conv_transpose{self._nd}d"
        opad = self.output_padding
        if output_size is not None:
            want = tuple(int(v) for v in output_size)[-self._nd:]
            opad = output_padding_for(tuple(x.shape[-self._nd:]), want, self.kernel_size, self.stride,
                                      self.padding, self.dilation, op)
        return conv_transpose_nd(x, self.weight, self.bias, self.stride, self.padding, opad, self.groups,
                                 self.dilation, self._nd, op)


class ConvTranspose1d(_ConvTranspose):
    """A 1-D transposed convolution (the adjoint of Conv1d); see :class:`ConvTranspose2d`.

    Attributes:
        weight: (C_in, C_out/groups, k), U(±1/√fan_in), fan_in = C_out/groups·k. bias: (C_out,).
    """

    _nd = 1


class ConvTranspose2d(_ConvTranspose):
    """y = conv2d's input gradient of x, plus b: each input pixel stamps a scaled kernel on the output at stride s.

    Maps a ``Conv2d(C_out, C_in, k, s, p, d)`` output size back to its input size
    (``output_padding`` or ``output_size`` pick among the sizes that stride rounds together).

    Args:
        in_channels: C_in. out_channels: C_out. kernel_size: (kH, kW) or an int.
        stride: (default 1). padding: cropped from each side of the full output (default 0).
        output_padding: extra bottom/right rows and cols, smaller than the stride or the
            dilation (default 0).
        groups: (default 1). bias: (default ``True``). dilation: (default 1).
        padding_mode: only ``'zeros'``. dtype: parameter dtype (default float32).

    Shape:
        input: (N, C_in, H, W) or unbatched; output: (N, C_out, H_out, W_out),
        H_out = (H − 1)s − 2p + d(kH − 1) + output_padding + 1 (W alike).

    Attributes:
        weight: (C_in, C_out/groups, kH, kW), U(±1/√fan_in) with fan_in = C_out/groups·kH·kW
            (PyTorch computes it from dim 1 of this layout). bias: (C_out,), U(±1/√fan_in).
    """

    _nd = 2


class ConvTranspose3d(_ConvTranspose):
    """A 3-D transposed convolution; see :class:`ConvTranspose2d`.

    Attributes:
        weight: (C_in, C_out/groups, kD, kH, kW), U(±1/√fan_in). bias: (C_out,).
    """

    _nd = 3
