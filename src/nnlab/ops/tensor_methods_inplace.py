"""In-place tensor methods with PyTorch's rules: ``x += y``, ``add_``, ``fill_``, ``x[i] = v``, ...

Each in-place op computes the out-of-place result and writes it into the tensor's own
storage (so every alias sees it), bumping ``tensor._version``:

* under ``no_grad`` (or when nothing requires grad) the write is all there is — this is
  how ``param -= lr * param.grad`` and weight initialization (``w.normal_(0, 0.02)``) work;
* when the change must be differentiated (a non-leaf that requires grad, or a value that
  requires grad written in), the tensor's history is rebased onto the in-place op
  (``autograd/inplace.py``), so ``out += identity`` in a residual block trains;
* a leaf that requires grad refuses in-place changes outside ``no_grad``, and backward
  refuses to use a value that an op saved and that was changed since, naming the op.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from nnlab.autograd.function import Function
from nnlab.autograd.grad_mode import no_grad
from nnlab.autograd.inplace import bump_version, check_inplace, needs_history, rebase, rebase_base, stand_in
from nnlab.autograd.tensor import Tensor
from nnlab.backend import as_dtype, default_generator
from nnlab.ops import activation, elementwise as ew, movement as mv
from nnlab.ops.view_write import CopySlices, copy_slices


def _write(self: Tensor, fn: Callable[..., Tensor], op: str, *others) -> Tensor:
    """Apply ``fn(self, *others)`` in place, recording it in the graph when gradients need it."""
    check_inplace(self, op)
    if needs_history(self, *others):
        base_old = _base_stand_in(self, others)
        old = _old_view(self)
        result = fn(old, *_as_old(others, self, old, base_old))
        _check_cast(self, result, op)
        return _rebase_view(self, rebase(self, result, op), base_old)
    with no_grad():
        result = fn(self, *others)
    _check_cast(self, result, op)
    self.array[...] = result.array
    bump_version(self, op)
    return self


def _as_old(others: tuple, self: Tensor, old: Tensor, base_old: Tensor | None) -> tuple:
    """The operands with ``self`` (``y += y``) and its base read as their values before the write."""
    base = self._base
    return tuple(old if o is self else base_old if base_old is not None and o is base else o for o in others)


def _base_stand_in(self: Tensor, others: tuple = ()) -> Tensor | None:
    """For a view, its base's old value and history (copied before the write reaches it), else None."""
    base = self._base
    if base is None:
        return None
    old = stand_in(base)
    # the histories of the view (and of operands that are views of the same base) lead back to the
    # base object, which is about to get a new history: point them at the base's old value instead
    # (PyTorch's edges go to nodes, so this is what it sees)
    stack = [self] + [o for o in others if isinstance(o, Tensor) and o is not base and o._base is base]
    seen: set[int] = set()
    while stack:
        node = stack.pop()._node
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        inputs = node._inputs
        if any(i is base for i in inputs):
            node._inputs = tuple(old if i is base else i for i in inputs)
        stack.extend(i for i in inputs if i is not None and i is not base and i._base is base)
    return old


def _rebase_view(self: Tensor, out: Tensor, base_old: Tensor | None) -> Tensor:
    """After a recorded write through the view ``self``, make its base the output of CopySlices."""
    if base_old is not None:
        rebase_base(self._base, copy_slices(base_old, self, self._base.array))
    return out


def _old_view(self: Tensor) -> Tensor:
    """``stand_in(self)``; for a view, earlier CopySlices of its base that read it now read this old value.

    (A second write through the same view moves the view's history again; the base's earlier
    CopySlices must keep the history it was made with.)
    """
    old = stand_in(self)
    base = self._base
    node = None if base is None else base._node
    while node is not None and node._fn is CopySlices:
        base_old, v = node._inputs[0], node._inputs[1]
        if v is self:
            node._inputs = (base_old, old) + tuple(node._inputs[2:])
        node = None if base_old is None else base_old._node
    return old


def _check_cast(self: Tensor, result: Tensor, op: str) -> None:
    src, dst = result.array.dtype, self.array.dtype
    if (src.kind == "f" and dst.kind in "biu") or (src.kind in "iu" and dst.kind == "b"):
        raise RuntimeError(f"{op}: result type {src} can't be cast to the desired output type {dst} in place")


def _scaled(other, alpha):
    return other if alpha == 1 else ew.mul(other, alpha)


def add_(self, other, alpha=1):
    """self += alpha · other, in place."""
    return _write(self, lambda s, o: ew.add(s, _scaled(o, alpha)), "add_", other)


def sub_(self, other, alpha=1):
    """self −= alpha · other, in place."""
    return _write(self, lambda s, o: ew.sub(s, _scaled(o, alpha)), "sub_", other)


def mul_(self, other):
    return _write(self, ew.mul, "mul_", other)


def div_(self, other):
    return _write(self, ew.div, "div_", other)


def pow_(self, exponent):
    return _write(self, ew.pow, "pow_", exponent)


def clamp_(self, min=None, max=None):  # noqa: A002 - PyTorch's names
    return _write(self, lambda s: ew.clip(s, min, max), "clamp_")


def addcmul_(self, t1, t2, value=1):
    """self += value · t1 · t2, in place (optimizer arithmetic)."""
    return _write(self, lambda s, a, b: ew.add(s, _scaled(ew.mul(a, b), value)), "addcmul_", t1, t2)


def addcdiv_(self, t1, t2, value=1):
    """self += value · t1 / t2, in place."""
    return _write(self, lambda s, a, b: ew.add(s, _scaled(ew.div(a, b), value)), "addcdiv_", t1, t2)


def lerp_(self, end, weight):
    """self += weight · (end − self), in place."""
    return _write(self, lambda s, e: ew.add(s, ew.mul(ew.sub(e, s), weight)), "lerp_", end)


def _unary(fn, name):
    def method(self):
        return _write(self, fn, name)

    method.__name__ = name
    method.__doc__ = f"In-place {name[:-1]}."
    return method


def _constant(self: Tensor, values: np.ndarray, op: str) -> Tensor:
    """Overwrite with values that do not depend on the old ones (fill, zero, random)."""
    return _write(self, lambda s: Tensor._wrap(np.broadcast_to(values, s.shape).astype(s.dtype, copy=False)), op)


def fill_(self, value):
    v = value.array if isinstance(value, Tensor) else value
    return _constant(self, np.asarray(v, dtype=self.array.dtype), "fill_")


def zero_(self):
    return _constant(self, np.zeros((), dtype=self.array.dtype), "zero_")


def copy_(self, src, non_blocking: bool = False):
    """Copy ``src`` (broadcast, cast to this dtype) into this tensor; gradients flow to ``src``."""
    if not isinstance(src, Tensor):
        src = Tensor._wrap(np.asarray(src))
    if src.array.dtype != self.array.dtype:
        src = src.to(self.array.dtype) if src.array.dtype.kind == "f" else Tensor._wrap(src.array.astype(self.array.dtype))
    return _write(self, lambda s, o: mv.clone(mv.expand(o, *s.shape)) if o.shape != s.shape else mv.clone(o),
                  "copy_", src)


def normal_(self, mean: float = 0.0, std: float = 1.0, generator=None):
    """Fill with samples of N(mean, std²) from the seeded generator."""
    g = generator or default_generator()
    return _constant(self, g.normal(mean, std, self.shape), "normal_")


def uniform_(self, a: float = 0.0, b: float = 1.0, generator=None):
    """Fill with samples of U[a, b) from the seeded generator."""
    g = generator or default_generator()
    return _constant(self, g.uniform(a, b, self.shape), "uniform_")


def bernoulli_(self, p: float = 0.5, generator=None):
    g = generator or default_generator()
    return _constant(self, g.random(self.shape) < p, "bernoulli_")


def exponential_(self, lambd: float = 1.0, generator=None):
    g = generator or default_generator()
    return _constant(self, g.exponential(1.0 / lambd, self.shape), "exponential_")


def random_(self, low: int = 0, high: int | None = None, generator=None):
    g = generator or default_generator()
    if high is None:
        low, high = 0, (low if low else 2 ** min(53, np.iinfo(np.int64).bits - 1))
    return _constant(self, g.integers(low, high, self.shape), "random_")


def scatter_(self, dim, index, src=None, value=None, reduce=None):
    from nnlab.ops.torch_misc import scatter

    return _write(self, lambda s, *o: scatter(s, dim, index, *(o or (None,)), value=value, reduce=reduce),
                  "scatter_", *(() if src is None else (src,)))


def scatter_add_(self, dim, index, src):
    from nnlab.ops.torch_misc import scatter_add

    return _write(self, lambda s, o: scatter_add(s, dim, index, o), "scatter_add_", src)


def index_add_(self, dim, index, source, alpha=1):
    from nnlab.ops.torch_misc import index_add

    return _write(self, lambda s, o: index_add(s, dim, index, o, alpha), "index_add_", source)


def masked_fill_(self, mask, value):
    return _write(self, lambda s: mv.masked_fill(s, mask, value), "masked_fill_")


class IndexPut(Function):
    """out = x with out[index] = v.

    Backward: ∂out/∂x passes the gradient except at the overwritten positions (0 there);
    ∂out/∂v = grad[index] (summed back to v's shape by the engine when v was broadcast).
    """

    @staticmethod
    def forward(ctx, x, v, index):
        out = x.copy()
        out[index] = v
        ctx.index = index
        return out

    @staticmethod
    def backward(ctx, grad):
        gx = grad.copy()
        gx[ctx.index] = 0
        return gx, grad[ctx.index], None


def setitem(self, index, value):
    """``self[index] = value`` in place; differentiable for both ``self`` and ``value`` (PyTorch's index_put_)."""
    index = mv._unwrap_index(index)
    check_inplace(self, "setitem")
    if needs_history(self, value):
        base_old = _base_stand_in(self, (value,))
        old = _old_view(self)
        (value,) = _as_old((value,), self, old, base_old)
        v = value if isinstance(value, Tensor) else Tensor._wrap(np.asarray(value, dtype=self.array.dtype))
        if v.array.dtype != self.array.dtype:
            v = v.to(self.array.dtype)
        return _rebase_view(self, rebase(self, IndexPut.apply(old, v, index), "setitem"), base_old)
    self.array[index] = value.array if isinstance(value, Tensor) else value
    bump_version(self, "setitem")
    return self


def _setitem(self, index, value) -> None:
    setitem(self, index, value)


def _type(self, dtype=None):
    """``x.type()`` names the type as PyTorch does ('torch.FloatTensor'); ``x.type(dtype)`` casts."""
    if dtype is None:
        return _TYPE_NAMES.get(self.array.dtype, f"torch.{self.array.dtype}Tensor")
    if isinstance(dtype, str) and dtype.startswith("torch."):
        inverse = {v: k for k, v in _TYPE_NAMES.items()}
        if dtype not in inverse:
            raise TypeError(f"type: unknown tensor type {dtype!r}; expected one of {sorted(inverse)}")
        dtype = inverse[dtype]
    return self.to(as_dtype(dtype))


_TYPE_NAMES = {
    np.dtype(np.float32): "torch.FloatTensor",
    np.dtype(np.float64): "torch.DoubleTensor",
    np.dtype(np.float16): "torch.HalfTensor",
    np.dtype(np.int64): "torch.LongTensor",
    np.dtype(np.int32): "torch.IntTensor",
    np.dtype(np.int16): "torch.ShortTensor",
    np.dtype(np.int8): "torch.CharTensor",
    np.dtype(np.uint8): "torch.ByteTensor",
    np.dtype(np.bool_): "torch.BoolTensor",
}


METHODS = {
    "add_": add_,
    "sub_": sub_,
    "mul_": mul_,
    "div_": div_,
    "pow_": pow_,
    "clamp_": clamp_,
    "clip_": clamp_,
    "clamp_min_": lambda self, min: clamp_(self, min=min),  # noqa: A002
    "clamp_max_": lambda self, max: clamp_(self, max=max),  # noqa: A002
    "addcmul_": addcmul_,
    "addcdiv_": addcdiv_,
    "lerp_": lerp_,
    "neg_": _unary(ew.neg, "neg_"),
    "abs_": _unary(ew.abs, "abs_"),
    "exp_": _unary(ew.exp, "exp_"),
    "log_": _unary(ew.log, "log_"),
    "sqrt_": _unary(ew.sqrt, "sqrt_"),
    "relu_": _unary(activation.relu, "relu_"),
    "sigmoid_": _unary(activation.sigmoid, "sigmoid_"),
    "tanh_": _unary(activation.tanh, "tanh_"),
    "fill_": fill_,
    "zero_": zero_,
    "copy_": copy_,
    "normal_": normal_,
    "uniform_": uniform_,
    "bernoulli_": bernoulli_,
    "exponential_": exponential_,
    "random_": random_,
    "masked_fill_": masked_fill_,
    "scatter_": scatter_,
    "scatter_add_": scatter_add_,
    "index_add_": index_add_,
    "__setitem__": _setitem,
    "__iadd__": add_,
    "__isub__": sub_,
    "__imul__": mul_,
    "__itruediv__": div_,
    "__ipow__": pow_,
    "type": _type,
}


def install() -> None:
    for name, fn in METHODS.items():
        setattr(Tensor, name, fn)
