"""PyTorch's dtype promotion for the op files: the result dtype of a binary op, operand casting, ``Cast``."""

from __future__ import annotations

import numpy as np

from nnlab.autograd.function import Context, Function, enable_half_route
from nnlab.autograd.tensor import Tensor
from nnlab.backend import get_default_dtype


class Cast(Function):
    """y = x converted to ``dtype``; the engine casts the gradient back to x's dtype."""

    @staticmethod
    def forward(ctx: Context, x, dtype):
        return x.astype(dtype)

    @staticmethod
    def backward(ctx: Context, grad):
        return grad, None


# ---- dtype promotion ----------------------------------------------------------------------
#
# PyTorch's rules, which NumPy's differ from in ways that would promote float32 to float64:
# a Python (or NumPy) scalar never changes a float tensor's dtype; an integer tensor meeting
# a float scalar becomes the default float dtype; between tensors the higher category
# (bool < int < float) wins with its own dtype, and a 0-d tensor does not widen a
# dimensioned one of the same category.

_PY_SCALARS = (bool, int, float)
_CATEGORY = {"b": 0, "u": 1, "i": 1, "f": 2, "c": 3}


def to_dtype(t: Tensor, dtype) -> Tensor:
    """``t`` as ``dtype``, through :class:`Cast` when gradients must flow back."""
    if t.array.dtype == dtype:
        return t
    if dtype == np.float16:
        enable_half_route()
    if t.requires_grad and np.dtype(dtype).kind == "f":
        return Cast.apply(t, dtype)
    # Without gradient too through Cast (on the raw array, so nothing is recorded for autograd),
    # so that tracers such as the ONNX exporter see e.g. a bool mask become float.
    return Cast.apply(t.array, dtype)


def as_float(t: Tensor) -> Tensor:
    """Integer and bool tensors as the default float dtype (for exp, log, true division, ...)."""
    return t if t.array.dtype.kind in "fc" else Cast.apply(t.array, get_default_dtype())


def result_dtype(a: Tensor, b: Tensor) -> np.dtype:
    """The dtype PyTorch gives ``a ⊕ b`` for two tensors."""
    da, db = a.array.dtype, b.array.dtype
    if da == db:
        return da
    ca, cb = _CATEGORY[da.kind], _CATEGORY[db.kind]
    if ca != cb:
        return da if ca > cb else db
    if (a.array.ndim == 0) != (b.array.ndim == 0):
        return db if a.array.ndim == 0 else da
    return np.promote_types(da, db)


def _scalar_operand(t: Tensor, s):
    """Pair a tensor with a non-Tensor operand: (tensor, scalar-or-tensor) with PyTorch's dtype."""
    if isinstance(s, np.generic):
        s = s.item()
    if isinstance(s, _PY_SCALARS):
        if isinstance(s, float) and t.array.dtype.kind in "iub":
            t = as_float(t)
        elif isinstance(s, int) and not isinstance(s, bool) and t.array.dtype.kind == "b":
            t = Cast.apply(t.array, np.dtype(np.int64))
        return t, s
    other = Tensor._wrap(s) if isinstance(s, np.ndarray) else Tensor(s)
    target = result_dtype(t, other)
    return to_dtype(t, target), to_dtype(other, target)


def operands(a, b) -> tuple:
    """``a`` and ``b`` ready for a binary op: at least one Tensor, both of the result dtype."""
    if isinstance(a, Tensor):
        if isinstance(b, Tensor):
            if a.array.dtype == b.array.dtype:
                return a, b
            target = result_dtype(a, b)
            return to_dtype(a, target), to_dtype(b, target)
        return _scalar_operand(a, b)
    if isinstance(b, Tensor):
        b, a = _scalar_operand(b, a)
        return a, b
    return operands(Tensor(a), b)
