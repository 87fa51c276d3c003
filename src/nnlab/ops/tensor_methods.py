"""Attach operators and op methods to ``Tensor`` (autograd cannot import ops itself).

Every name attached here is declared, with its signature and a one-line doc, in
``autograd/tensor.pyi`` (tests/autograd/test_tensor_stub.py checks both ways).
"""

from __future__ import annotations

import numpy as np

from nnlab.autograd.tensor import Tensor
from nnlab.backend import CPU_DEVICE, as_dtype, check_device, is_device_spec
from nnlab.ops import activation, elementwise as ew, linalg, movement as mv, norms, reduce as rd
from nnlab.ops._promotion import to_dtype
from nnlab.ops.compare import compare


def _compare(name: str):
    def method(self, other):
        if other is None:
            return NotImplemented
        return compare(self, other, name)

    return method


def _logical(op, name: str):
    """Bitwise/logical operators for bool and integer tensors (no gradient)."""

    def method(self, other=None):
        arrays = [self.array] if other is None else [self.array, other.array if isinstance(other, Tensor) else other]
        for arr in arrays:
            if np.asarray(arr).dtype.kind not in "biu":
                raise TypeError(f"{name}: only bool and integer tensors are supported, got dtype {np.asarray(arr).dtype}")
        return Tensor._wrap(np.asarray(op(*arrays)))

    return method


def _iter(self):
    if self.array.ndim == 0:
        raise TypeError("iteration over a 0-d tensor")
    return iter(mv.unbind(self, 0))


def _to(self, *args, **kwargs):
    """Cast to a dtype, or to another tensor's dtype; device arguments may only name the CPU."""
    dtype = kwargs.pop("dtype", None)
    check_device(kwargs.pop("device", None), "to")
    kwargs.pop("copy", None)
    kwargs.pop("non_blocking", None)
    kwargs.pop("memory_format", None)
    if kwargs:
        raise TypeError(f"to: unexpected arguments {sorted(kwargs)}")
    for a in args:
        if isinstance(a, Tensor):
            dtype = a.dtype
        elif is_device_spec(a) or isinstance(a, int) and not isinstance(a, bool):
            check_device(a, "to")
        elif a is not None:
            dtype = a
    return self if dtype is None else _astype(self, dtype)


def _cuda(self, device=None, non_blocking: bool = False, memory_format=None):
    """PyTorch's ``.cuda()``: always refused, in one sentence (nnlab runs on the CPU)."""
    check_device("cuda" if device is None else device if not isinstance(device, int) else f"cuda:{device}", "cuda")


def _astype(self, dtype):
    return to_dtype(self, as_dtype(dtype))


def _max(self, dim=None, keepdim=False):
    return rd.max(self, dim, keepdim)


def _min(self, dim=None, keepdim=False):
    return rd.min(self, dim, keepdim)


METHODS = {
    "__add__": lambda a, b: ew.add(a, b),
    "__radd__": lambda a, b: ew.add(a, b),  # commutative: the tensor first, as PyTorch records it
    "__sub__": lambda a, b: ew.sub(a, b),
    "__rsub__": lambda a, b: ew.sub(b, a),
    "__mul__": lambda a, b: ew.mul(a, b),
    "__rmul__": lambda a, b: ew.mul(a, b),
    "__truediv__": lambda a, b: ew.div(a, b),
    "__rtruediv__": lambda a, b: ew.div(b, a),
    "__pow__": lambda a, b: ew.pow(a, b),
    "__rpow__": lambda a, b: ew.pow(b, a),
    "__neg__": lambda a: ew.neg(a),
    "__pos__": lambda a: a,
    "__abs__": lambda a: ew.abs(a),
    "__matmul__": lambda a, b: linalg.matmul(a, b),
    "__rmatmul__": lambda a, b: linalg.matmul(b, a),
    "__rand__": lambda a, b: a & b,
    "__ror__": lambda a, b: a | b,
    "__getitem__": mv.getitem,
    "__lt__": _compare("lt"),
    "__le__": _compare("le"),
    "__gt__": _compare("gt"),
    "__ge__": _compare("ge"),
    "__eq__": _compare("eq"),
    "__ne__": _compare("ne"),
    "add": ew.add,
    "sub": ew.sub,
    "mul": ew.mul,
    "div": ew.div,
    "neg": ew.neg,
    "pow": ew.pow,
    "exp": ew.exp,
    "log": ew.log,
    "sqrt": ew.sqrt,
    "abs": ew.abs,
    "sign": ew.sign,
    "clip": ew.clip,
    "clamp": ew.clip,
    "maximum": ew.maximum,
    "minimum": ew.minimum,
    "sum": rd.sum,
    "mean": rd.mean,
    "max": _max,
    "min": _min,
    "amax": rd.amax,
    "amin": rd.amin,
    "var": rd.var,
    "std": rd.std,
    "logsumexp": rd.logsumexp,
    "norm": norms.norm,
    "argmax": rd.argmax,
    "argmin": rd.argmin,
    "matmul": linalg.matmul,
    "reshape": mv.reshape,
    "view": mv.reshape,
    "flatten": mv.flatten,
    "permute": mv.permute,
    "transpose": mv.transpose,
    "expand": mv.expand,
    "broadcast_to": mv.broadcast_to,
    "squeeze": mv.squeeze,
    "unsqueeze": mv.unsqueeze,
    "split": mv.split,
    "chunk": mv.chunk,
    "gather": mv.gather,
    "index_select": mv.index_select,
    "masked_fill": mv.masked_fill,
    "relu": activation.relu,
    "sigmoid": activation.sigmoid,
    "tanh": activation.tanh,
    "to": _to,
    "cpu": lambda self, memory_format=None: self,
    "cuda": _cuda,
    "astype": _astype,
    "float": lambda self: _astype(self, np.float32),
    "double": lambda self: _astype(self, np.float64),
    "half": lambda self: _astype(self, np.float16),
    "long": lambda self: _astype(self, np.int64),
    "int": lambda self: _astype(self, np.int32),
    "bool": lambda self: _astype(self, np.bool_),
    "any": lambda self, dim=None: Tensor._wrap(np.any(self.array, axis=dim)),
    "all": lambda self, dim=None: Tensor._wrap(np.all(self.array, axis=dim)),
    "clone": mv.clone,
    "sin": ew.sin,
    "cos": ew.cos,
    "unbind": mv.unbind,
    "__iter__": _iter,
    "__and__": _logical(np.bitwise_and, "and"),
    "__or__": _logical(np.bitwise_or, "or"),
    "__xor__": _logical(np.bitwise_xor, "xor"),
    "__invert__": _logical(np.invert, "invert"),
    # floor division is piecewise constant: no gradient, as in PyTorch
    "__floordiv__": lambda a, b: Tensor._wrap(np.asarray(np.floor_divide(a.array, b.array if isinstance(b, Tensor) else b))),
}


def install() -> None:
    for name, fn in METHODS.items():
        setattr(Tensor, name, fn)
    # PyTorch's .T reverses all dims (a transpose for the 2-D case it is meant for).
    Tensor.T = property(lambda self: mv.permute(self, tuple(reversed(range(self.ndim)))))
    Tensor.mT = property(lambda self: mv.transpose(self, -2, -1))
    Tensor.__hash__ = object.__hash__
    Tensor.device = property(lambda self: CPU_DEVICE, doc="Always ``nnlab.device('cpu')``.")
    Tensor.is_cuda = property(lambda self: False)
    Tensor.is_cpu = property(lambda self: True)
