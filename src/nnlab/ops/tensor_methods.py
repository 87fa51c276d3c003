"""Attach operators and op methods to ``Tensor`` (autograd cannot import ops itself)."""

from __future__ import annotations

import numpy as np

from nnlab.autograd.grad_mode import is_grad_enabled
from nnlab.autograd.tensor import Tensor
from nnlab.backend import as_dtype
from nnlab.ops import activation, elementwise as ew, linalg, movement as mv, reduce as rd


def _compare(op):
    def method(self, other):
        other = other.data if isinstance(other, Tensor) else other
        return Tensor._wrap(op(self.data, other))

    return method


def _setitem(self, index, value):
    if self.requires_grad and is_grad_enabled():
        raise RuntimeError(
            "setitem: in-place assignment into a tensor that requires grad would corrupt the graph; "
            "do it under nnlab.no_grad() or build a new tensor"
        )
    self.data[mv._unwrap_index(index)] = value.data if isinstance(value, Tensor) else value


def _to(self, dtype=None, *args, **kwargs):
    """Cast to ``dtype`` (device arguments such as ``"cpu"`` are accepted and ignored)."""
    if isinstance(dtype, str) and dtype in ("cpu",):
        dtype = kwargs.get("dtype")
    if dtype is None:
        return self
    return _astype(self, dtype)


def _astype(self, dtype):
    from nnlab.autograd.function import Context, Function

    target = as_dtype(dtype)
    if target == self.dtype:
        return self

    class Cast(Function):
        @staticmethod
        def forward(ctx: Context, x):
            return x.astype(target)

        @staticmethod
        def backward(ctx: Context, grad):
            return grad  # the engine casts back to the input's dtype

    if self.requires_grad and target.kind == "f":
        return Cast.apply(self)
    return Tensor._wrap(self.data.astype(target))


def _max(self, dim=None, keepdim=False):
    return rd.max(self, dim, keepdim)


def _min(self, dim=None, keepdim=False):
    return rd.min(self, dim, keepdim)


METHODS = {
    "__add__": lambda a, b: ew.add(a, b),
    "__radd__": lambda a, b: ew.add(b, a),
    "__sub__": lambda a, b: ew.sub(a, b),
    "__rsub__": lambda a, b: ew.sub(b, a),
    "__mul__": lambda a, b: ew.mul(a, b),
    "__rmul__": lambda a, b: ew.mul(b, a),
    "__truediv__": lambda a, b: ew.div(a, b),
    "__rtruediv__": lambda a, b: ew.div(b, a),
    "__pow__": lambda a, b: ew.pow(a, b),
    "__rpow__": lambda a, b: ew.pow(b, a),
    "__neg__": lambda a: ew.neg(a),
    "__pos__": lambda a: a,
    "__abs__": lambda a: ew.abs(a),
    "__matmul__": lambda a, b: linalg.matmul(a, b),
    "__rmatmul__": lambda a, b: linalg.matmul(b, a),
    "__getitem__": mv.getitem,
    "__setitem__": _setitem,
    "__lt__": _compare(np.less),
    "__le__": _compare(np.less_equal),
    "__gt__": _compare(np.greater),
    "__ge__": _compare(np.greater_equal),
    "__eq__": _compare(np.equal),
    "__ne__": _compare(np.not_equal),
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
    "astype": _astype,
    "float": lambda self: _astype(self, np.float32),
    "double": lambda self: _astype(self, np.float64),
    "long": lambda self: _astype(self, np.int64),
    "int": lambda self: _astype(self, np.int32),
    "bool": lambda self: _astype(self, np.bool_),
    "any": lambda self, dim=None: Tensor._wrap(np.any(self.data, axis=dim)),
    "all": lambda self, dim=None: Tensor._wrap(np.all(self.data, axis=dim)),
    "clone": lambda self: ew.mul(self, 1) if self.requires_grad else Tensor._wrap(self.data.copy()),
}


def install() -> None:
    for name, fn in METHODS.items():
        setattr(Tensor, name, fn)
    Tensor.T = property(lambda self: mv.permute(self, tuple(reversed(range(self.ndim)))))
    Tensor.__hash__ = object.__hash__
