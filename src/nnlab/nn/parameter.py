"""``Parameter``: a Tensor that a Module registers as one of its learnable weights."""

from __future__ import annotations

from typing import Any

import numpy as np

from nnlab.autograd.tensor import Tensor, _infer_array
from nnlab.backend import get_default_dtype, is_floating


class Parameter(Tensor):
    """A Tensor that, assigned as an attribute of a :class:`Module`, becomes one of its parameters.

    ``isinstance(p, Tensor)`` holds, so a Parameter goes anywhere a Tensor does; ops on it
    return plain Tensors. Like ``torch.nn.Parameter``, constructing one from a Tensor
    shares that Tensor's data (no copy); other array-like data is copied.

    Args:
        data: the initial values (a Tensor, NumPy array or nested lists); ``None`` gives an
            empty tensor of the default dtype.
        requires_grad: whether the optimizer should see a gradient for it (default ``True``).
            Integer or boolean data cannot require gradients.
    """

    __slots__ = ()

    def __init__(self, data: Any = None, requires_grad: bool = True):
        if data is None:
            arr = np.empty((0,), dtype=get_default_dtype())
        elif isinstance(data, Tensor):
            arr = data.array
        else:
            arr = _infer_array(data)
        self.array = arr
        self.grad = None
        self._node = None
        self._retains_grad = False
        self._vc = None
        self.requires_grad = False
        if requires_grad and is_floating(arr.dtype):
            self.requires_grad = True
        elif requires_grad:
            raise RuntimeError(
                f"Parameter: only floating point tensors can require gradients, got dtype {arr.dtype}; "
                "pass requires_grad=False"
            )

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()
