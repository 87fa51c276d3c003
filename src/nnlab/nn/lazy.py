"""Lazy layers: ``LazyLinear`` and ``LazyConv1d/2d/3d`` infer their input size at the first call.

A Keras-style stack then needs no channel arithmetic::

    model = nn.Sequential(nn.LazyConv2d(32, 3, padding="same"), nn.ReLU(),
                          nn.Flatten(), nn.LazyLinear(10))
    model(example_batch)          # parameters now exist; the layers are Conv2d / Linear

As in PyTorch, each lazy layer starts with :class:`UninitializedParameter` placeholders and
a forward pre-hook; the first call reads the input's size, gives the *same* Parameter
objects their shapes (so an optimizer built before that call keeps working), draws the
default initialization from the seeded generator and turns the layer into its ordinary
class (``LazyConv2d`` becomes ``Conv2d``).

Loading weights: PyTorch materializes a lazy layer from the shapes in a state dict; here
``load_state_dict`` into a layer that has not run yet raises a ``RuntimeError`` saying to
run one forward pass first (the load path checks shapes for the whole model at once and
offers no per-layer hook to materialize from). Run ``model(example_batch)`` — or
``summary(model, shape)`` — then load.
"""

from __future__ import annotations

import numpy as np

from nnlab.autograd.tensor import Tensor
from nnlab.backend import as_dtype
from nnlab.nn.conv import Conv1d, Conv2d, Conv3d, IntOrTuple
from nnlab.nn.linear import Linear
from nnlab.nn.module import Module
from nnlab.nn.parameter import Parameter


class UninitializedParameter(Parameter):
    """A Parameter with no shape yet; :meth:`materialize` gives it one and makes it a plain Parameter.

    Its ``shape`` raises a ``RuntimeError`` that says what to do, so shape-dependent code
    (``load_state_dict``, saving) fails clearly instead of acting on a placeholder.
    """

    __slots__ = ()

    def __init__(self, requires_grad: bool = True, dtype=None):
        super().__init__(np.empty((0,), dtype=as_dtype(dtype)), requires_grad)

    @property
    def shape(self) -> tuple[int, ...]:
        raise RuntimeError(
            "UninitializedParameter: this parameter of a Lazy* layer has no shape until the layer's first "
            "forward call infers its input size; run one forward pass on an example batch (or nnlab.summary) "
            "before load_state_dict, saving, or anything that needs its shape"
        )

    def materialize(self, shape: tuple[int, ...]) -> None:
        """Allocate ``shape`` (in the placeholder's dtype) and become a plain :class:`Parameter`, in place."""
        self.array = np.empty(shape, dtype=self.array.dtype)
        self.__class__ = Parameter

    def __repr__(self) -> str:
        return f"<UninitializedParameter(dtype={self.array.dtype})>"


class LazyModuleMixin:
    """Mixin for a layer whose parameters are sized at the first call.

    Subclasses set ``cls_to_become`` and define ``initialize_parameters(*args)``, which
    reads the input, materializes the :class:`UninitializedParameter` s and calls
    ``reset_parameters``.
    """

    cls_to_become: type | None = None

    def _start_lazy(self) -> None:
        object.__setattr__(self, "_lazy_handle", self.register_forward_pre_hook(LazyModuleMixin._infer_parameters))

    def has_uninitialized_params(self) -> bool:
        return any(isinstance(p, UninitializedParameter) for p in self.parameters(recurse=False))

    def _placeholders(self, names: tuple[str, ...]) -> None:
        """Swap the named parameters for placeholders of the same dtype (a missing bias stays ``None``)."""
        for name in names:
            p = self._parameters.get(name)
            if p is not None:
                setattr(self, name, UninitializedParameter(p.requires_grad, p.array.dtype))

    @staticmethod
    def _infer_parameters(module: Module, args: tuple) -> None:
        if not args or not isinstance(args[0], Tensor):
            raise TypeError(f"{type(module).__name__}: the first call needs a Tensor input to infer its size")
        module.initialize_parameters(*args)
        module._lazy_handle.remove()
        del module.__dict__["_lazy_handle"]
        if module.cls_to_become is not None:
            module.__class__ = module.cls_to_become


class _LazyConv(LazyModuleMixin):
    """``initialize_parameters`` of the lazy convolutions: C_in = x.shape[1] (batched) or x.shape[0]."""

    def _lazy_init(self) -> None:
        self._placeholders(("weight", "bias"))
        self._start_lazy()

    def initialize_parameters(self, x: Tensor, *args) -> None:
        nd = self._nd
        if x.ndim not in (nd + 1, nd + 2):
            raise ValueError(
                f"{type(self).__name__}: expected a {nd + 1}-D (unbatched) or {nd + 2}-D (batched) input, "
                f"got shape {tuple(x.shape)}"
            )
        c = x.shape[1] if x.ndim == nd + 2 else x.shape[0]
        if c % self.groups:
            raise ValueError(f"{type(self).__name__}: the input's {c} channels are not divisible by groups={self.groups}")
        self.in_channels = int(c)
        self.weight.materialize((self.out_channels, c // self.groups) + self.kernel_size)
        if self.bias is not None:
            self.bias.materialize((self.out_channels,))
        self.reset_parameters()


class LazyConv1d(_LazyConv, Conv1d):
    """:class:`~nnlab.nn.Conv1d` whose ``in_channels`` is read off the first input.

    Args:
        out_channels, kernel_size, stride, padding, dilation, groups, bias, padding_mode, dtype:
            as :class:`~nnlab.nn.Conv1d`.
    """

    cls_to_become = Conv1d

    def __init__(self, out_channels: int, kernel_size: IntOrTuple, stride: IntOrTuple = 1,
                 padding: IntOrTuple | str = 0, dilation: IntOrTuple = 1, groups: int = 1, bias: bool = True,
                 padding_mode: str = "zeros", dtype=None):
        super().__init__(0, out_channels, kernel_size, stride, padding, dilation, groups, bias, padding_mode, dtype)
        self._lazy_init()


class LazyConv2d(_LazyConv, Conv2d):
    """:class:`~nnlab.nn.Conv2d` whose ``in_channels`` is read off the first input (then it *is* a Conv2d).

    Args:
        out_channels: C_out. kernel_size, stride, padding, dilation, groups, bias, padding_mode,
            dtype: as :class:`~nnlab.nn.Conv2d`.

    Shape:
        input: (N, C_in, H, W) or (C_in, H, W), any C_in divisible by ``groups``.

    Attributes:
        weight, bias: :class:`UninitializedParameter` until the first call, then as Conv2d's
            (C_out, C_in/groups, kH, kW) and (C_out,), with PyTorch's default init.
    """

    cls_to_become = Conv2d

    def __init__(self, out_channels: int, kernel_size: IntOrTuple, stride: IntOrTuple = 1,
                 padding: IntOrTuple | str = 0, dilation: IntOrTuple = 1, groups: int = 1, bias: bool = True,
                 padding_mode: str = "zeros", dtype=None):
        super().__init__(0, out_channels, kernel_size, stride, padding, dilation, groups, bias, padding_mode, dtype)
        self._lazy_init()


class LazyConv3d(_LazyConv, Conv3d):
    """:class:`~nnlab.nn.Conv3d` whose ``in_channels`` is read off the first input."""

    cls_to_become = Conv3d

    def __init__(self, out_channels: int, kernel_size: IntOrTuple, stride: IntOrTuple = 1,
                 padding: IntOrTuple | str = 0, dilation: IntOrTuple = 1, groups: int = 1, bias: bool = True,
                 padding_mode: str = "zeros", dtype=None):
        super().__init__(0, out_channels, kernel_size, stride, padding, dilation, groups, bias, padding_mode, dtype)
        self._lazy_init()


class LazyLinear(LazyModuleMixin, Linear):
    """:class:`~nnlab.nn.Linear` whose ``in_features`` is read off the first input: y = x Wᵀ + b.

    Args:
        out_features: D_out. bias: learn b (default ``True``). dtype: parameter dtype (default float32).

    Shape:
        input: (*, D_in), any D_in; output: (*, D_out).

    Attributes:
        weight, bias: :class:`UninitializedParameter` until the first call, then (D_out, D_in)
            and (D_out,), U(±1/√D_in) as Linear's.
    """

    cls_to_become = Linear

    def __init__(self, out_features: int, bias: bool = True, dtype=None):
        super().__init__(0, out_features, bias, dtype)
        self._placeholders(("weight", "bias"))
        self._start_lazy()

    def initialize_parameters(self, x: Tensor, *args) -> None:
        if x.ndim == 0:
            raise ValueError("LazyLinear: expected an input with a feature dim, got a 0-d tensor")
        self.in_features = int(x.shape[-1])
        self.weight.materialize((self.out_features, self.in_features))
        if self.bias is not None:
            self.bias.materialize((self.out_features,))
        self.reset_parameters()
