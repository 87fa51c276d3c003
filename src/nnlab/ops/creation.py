"""Tensor factories: zeros/ones/full, ranges, eye, and random tensors from the seeded generator."""

from __future__ import annotations

import operator
import sys

import numpy as np

from nnlab.autograd.tensor import Tensor
from nnlab.backend import as_dtype, check_device, default_generator, get_default_dtype
from nnlab.ops._checks import check_int


def _shape(size) -> tuple[int, ...]:
    """The shape a factory was given, checked: non-negative integers (torch refuses the rest too)."""
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = size[0]
    op = sys._getframe(1).f_code.co_name  # the factory that called us, to name it in errors
    shape = []
    for s in size:
        try:
            if isinstance(s, (bool, np.bool_)):
                raise TypeError
            shape.append(operator.index(s))
        except TypeError:
            raise TypeError(f"{op}: sizes must be integers, got {type(s).__name__} {s!r} in size {tuple(size)}") from None
        if shape[-1] < 0:
            raise ValueError(f"{op}: cannot create a tensor with negative dimension {shape[-1]} (size {tuple(size)})")
    return tuple(shape)


def _check_range(op: str, start, end, step) -> None:
    for name, v in (("start", start), ("end", end), ("step", step)):
        if not np.isfinite(v):
            raise ValueError(f"{op}: {name} must be finite, got {v}")
    if step == 0:
        raise ValueError(f"{op}: step must be nonzero")
    if (end - start) * step < 0:
        raise ValueError(f"{op}: the bounds [{start}, {end}) are inconsistent with the sign of step {step}")


def _count(op: str, name: str, n) -> None:
    check_int(op, name, n, 0)


def _make(arr: np.ndarray, requires_grad: bool) -> Tensor:
    t = Tensor._wrap(arr)
    return t.requires_grad_(True) if requires_grad else t


def zeros(*size, dtype=None, requires_grad: bool = False, device=None) -> Tensor:
    check_device(device, "zeros")
    return _make(np.zeros(_shape(size), dtype=as_dtype(dtype)), requires_grad)


def ones(*size, dtype=None, requires_grad: bool = False, device=None) -> Tensor:
    check_device(device, "ones")
    return _make(np.ones(_shape(size), dtype=as_dtype(dtype)), requires_grad)


def _fill_dtype(fill_value, dtype):
    """Like torch.full: the dtype follows the fill value (bool, int64, default float) unless given."""
    if dtype is not None:
        return as_dtype(dtype)
    if isinstance(fill_value, (bool, np.bool_)):
        return np.dtype(np.bool_)
    if isinstance(fill_value, (int, np.integer)):
        return np.dtype(np.int64)
    return get_default_dtype()


def full(size, fill_value, dtype=None, requires_grad: bool = False, device=None) -> Tensor:
    """A tensor of ``size`` filled with ``fill_value`` (dtype inferred from it, as in PyTorch)."""
    check_device(device, "full")
    return _make(np.full(_shape((size,)), fill_value, dtype=_fill_dtype(fill_value, dtype)), requires_grad)


def empty(*size, dtype=None, requires_grad: bool = False, device=None) -> Tensor:
    check_device(device, "empty")
    return _make(np.empty(_shape(size), dtype=as_dtype(dtype)), requires_grad)


def zeros_like(x: Tensor, dtype=None, requires_grad: bool = False, device=None) -> Tensor:
    check_device(device, "zeros_like")
    return _make(np.zeros(x.shape, dtype=x.dtype if dtype is None else as_dtype(dtype)), requires_grad)


def ones_like(x: Tensor, dtype=None, requires_grad: bool = False, device=None) -> Tensor:
    check_device(device, "ones_like")
    return _make(np.ones(x.shape, dtype=x.dtype if dtype is None else as_dtype(dtype)), requires_grad)


def full_like(x: Tensor, fill_value, dtype=None, requires_grad: bool = False, device=None) -> Tensor:
    check_device(device, "full_like")
    return _make(np.full(x.shape, fill_value, dtype=x.dtype if dtype is None else as_dtype(dtype)), requires_grad)


def arange(start, end=None, step=1, dtype=None, device=None) -> Tensor:
    """Values in [start, end) by ``step``; int64 for integer arguments, float32 otherwise."""
    check_device(device, "arange")
    if end is None:
        start, end = 0, start
    _check_range("arange", start, end, step)
    if dtype is None:
        ints = all(isinstance(v, (int, np.integer)) for v in (start, end, step))
        dtype = np.int64 if ints else get_default_dtype()
    return Tensor._wrap(np.arange(start, end, step, dtype=as_dtype(dtype)))


def linspace(start, end, steps: int, dtype=None, device=None) -> Tensor:
    check_device(device, "linspace")
    _count("linspace", "steps", steps)
    return Tensor._wrap(np.linspace(start, end, steps, dtype=as_dtype(dtype)))


def eye(n: int, m: int | None = None, dtype=None, device=None) -> Tensor:
    check_device(device, "eye")
    _count("eye", "n", n)
    if m is not None:
        _count("eye", "m", m)
    return Tensor._wrap(np.eye(n, m, dtype=as_dtype(dtype)))


def rand(*size, dtype=None, generator: np.random.Generator | None = None, requires_grad: bool = False, device=None) -> Tensor:
    """Uniform samples in [0, 1) from the seeded generator."""
    check_device(device, "rand")
    g = generator or default_generator()
    return _make(g.random(_shape(size), dtype=np.float64).astype(as_dtype(dtype)), requires_grad)


def randn(*size, dtype=None, generator: np.random.Generator | None = None, requires_grad: bool = False, device=None) -> Tensor:
    """Standard normal samples from the seeded generator."""
    check_device(device, "randn")
    g = generator or default_generator()
    return _make(g.standard_normal(_shape(size)).astype(as_dtype(dtype)), requires_grad)


def randint(low: int, high: int | None = None, size=(), dtype=None, generator=None, device=None) -> Tensor:
    """Integers in [low, high) (``randint(high, size=...)`` starts at 0)."""
    check_device(device, "randint")
    if high is None:
        low, high = 0, low
    if not low < high:
        raise ValueError(f"randint: low must be less than high, got low={low} >= high={high}")
    g = generator or default_generator()
    size = _shape((size,) if isinstance(size, (int, np.integer)) else tuple(size))
    return Tensor._wrap(g.integers(low, high, size=size).astype(as_dtype(dtype or np.int64)))


def randperm(n: int, generator=None, device=None) -> Tensor:
    check_device(device, "randperm")
    _count("randperm", "n", n)
    g = generator or default_generator()
    return Tensor._wrap(g.permutation(n).astype(np.int64))


def from_numpy(arr: np.ndarray) -> Tensor:
    """A tensor sharing memory with ``arr`` (no copy, dtype kept)."""
    if not isinstance(arr, np.ndarray):
        raise TypeError(f"from_numpy: expected a numpy.ndarray, got {type(arr).__name__}")
    return Tensor._wrap(arr)


def as_tensor(data, dtype=None, device=None) -> Tensor:
    """A tensor from ``data``, avoiding a copy when it already is a matching array or Tensor."""
    check_device(device, "as_tensor")
    if isinstance(data, Tensor) and (dtype is None or data.dtype == as_dtype(dtype)):
        return data
    if isinstance(data, np.ndarray) and (dtype is None or data.dtype == as_dtype(dtype)):
        return Tensor._wrap(data)
    return Tensor(data, dtype=dtype)
