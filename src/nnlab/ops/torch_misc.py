"""``torch``'s remaining everyday names: comparisons, logical ops, tests, scatter, ``new_*``, ``Size``.

Comparisons and tests return bool tensors without gradient; ``scatter`` / ``scatter_add`` /
``index_add`` are differentiable for both the input and the source.
"""

from __future__ import annotations

import numpy as np

from nnlab.autograd.function import Context, Function
from nnlab.autograd.tensor import Tensor
from nnlab.backend import as_dtype, default_generator, is_floating
from nnlab.ops import creation, movement as mvm
from nnlab.ops.compare import eq, ge, gt, le, lt, ne  # noqa: F401  (torch's names, re-exported)


class Size(tuple):
    """PyTorch's ``torch.Size``: a tuple of dims with ``numel()``."""

    def numel(self) -> int:
        return int(np.prod(self, dtype=np.int64))

    def __repr__(self) -> str:
        return f"nnlab.Size({list(self)})"


def size(self, dim: int | None = None):
    """``x.size()`` → ``Size``; ``x.size(d)`` → the length of dim ``d`` (an int)."""
    return Size(self.array.shape) if dim is None else self.array.shape[dim]


def _arr(x):
    return x.array if isinstance(x, Tensor) else np.asarray(x)


def _cmp(ufunc, name: str):
    def fn(a, b) -> Tensor:
        return Tensor._wrap(np.asarray(ufunc(_arr(a), _arr(b))))

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"Elementwise {name}(a, b) as a bool tensor (no gradient)."
    return fn


logical_and, logical_or = _cmp(np.logical_and, "logical_and"), _cmp(np.logical_or, "logical_or")
logical_xor = _cmp(np.logical_xor, "logical_xor")


def logical_not(x) -> Tensor:
    return Tensor._wrap(np.logical_not(_arr(x)))


def isnan(x) -> Tensor:
    return Tensor._wrap(np.isnan(_arr(x)))


def isinf(x) -> Tensor:
    return Tensor._wrap(np.isinf(_arr(x)))


def isfinite(x) -> Tensor:
    return Tensor._wrap(np.isfinite(_arr(x)))


def isclose(a, b, rtol: float = 1e-5, atol: float = 1e-8, equal_nan: bool = False) -> Tensor:
    """|a − b| ≤ atol + rtol·|b|, elementwise (PyTorch's defaults)."""
    return Tensor._wrap(np.isclose(_arr(a), _arr(b), rtol=rtol, atol=atol, equal_nan=equal_nan))


def allclose(a, b, rtol: float = 1e-5, atol: float = 1e-8, equal_nan: bool = False) -> bool:
    return bool(np.allclose(_arr(a), _arr(b), rtol=rtol, atol=atol, equal_nan=equal_nan))


def equal(a, b) -> bool:
    """True when both have the same shape and the same values."""
    return _arr(a).shape == _arr(b).shape and bool(np.array_equal(_arr(a), _arr(b)))


def nonzero(x, as_tuple: bool = False):
    idx = np.nonzero(_arr(x))
    if as_tuple:
        return tuple(Tensor._wrap(i.astype(np.int64)) for i in idx)
    return Tensor._wrap(np.stack(idx, axis=1).astype(np.int64) if idx else np.zeros((0, 0), np.int64))


def argwhere(x) -> Tensor:
    return nonzero(x)


def count_nonzero(x, dim=None) -> Tensor:
    return Tensor._wrap(np.asarray(np.count_nonzero(_arr(x), axis=dim), dtype=np.int64))


def unique(x, sorted: bool = True, return_inverse: bool = False, return_counts: bool = False, dim=None):  # noqa: A002
    """The distinct values (sorted), optionally the inverse indices and the counts, as PyTorch."""
    vals, inv, counts = np.unique(_arr(x), return_inverse=True, return_counts=True, axis=dim)
    out = [Tensor._wrap(vals)]
    if return_inverse:
        out.append(Tensor._wrap(inv.reshape(_arr(x).shape if dim is None else -1).astype(np.int64)))
    if return_counts:
        out.append(Tensor._wrap(counts.astype(np.int64)))
    return out[0] if len(out) == 1 else tuple(out)


def is_tensor(obj) -> bool:
    return isinstance(obj, Tensor)


def is_floating_point(x: Tensor) -> bool:
    return is_floating(x.dtype)


def is_nonzero(x: Tensor) -> bool:
    if x.numel() != 1:
        raise RuntimeError(f"is_nonzero: expected a one-element tensor, got shape {tuple(x.shape)}")
    return bool(x.item())


def numel(x: Tensor) -> int:
    return int(x.array.size)


def detach(x: Tensor) -> Tensor:
    return x.detach()


# ---- scatter ---------------------------------------------------------------------------------


def _grid(index: np.ndarray, dim: int) -> tuple:
    grids = list(np.indices(index.shape, sparse=True))
    grids[dim] = index
    return tuple(grids)


class Scatter(Function):
    """out = x with out[… index[i] …] = src[i] (``reduce=None``) or += src[i] (``"add"``) along ``dim``.

    Backward: ∂/∂x is the gradient, zeroed where values were overwritten (kept for "add");
    ∂/∂src[i] = grad[… index[i] …].
    """

    @staticmethod
    def forward(ctx: Context, x, src, dim, index, add):
        where = _grid(index, dim)
        out = x.copy()
        src_part = np.broadcast_to(src, index.shape) if np.ndim(src) == 0 else src[tuple(slice(0, n) for n in index.shape)]
        if add:
            np.add.at(out, where, src_part)
        else:
            out[where] = src_part
        ctx.where, ctx.add, ctx.src_shape = where, add, np.shape(src)
        return out

    @staticmethod
    def backward(ctx: Context, grad):
        gx = grad if ctx.add else grad.copy()
        if not ctx.add:
            gx[ctx.where] = 0
        gsrc = None
        if ctx.needs_input_grad[1]:
            gsrc = np.zeros(ctx.src_shape, dtype=grad.dtype)
            part = grad[ctx.where]
            gsrc[tuple(slice(0, n) for n in part.shape)] = part
        return gx, gsrc, None, None, None


def _scatter(x: Tensor, dim: int, index, src, add: bool, op: str) -> Tensor:
    idx = _arr(index).astype(np.int64, copy=False)
    if idx.ndim != x.ndim:
        raise RuntimeError(f"{op}: index has {idx.ndim} dims, the input has {x.ndim} (shape {tuple(x.shape)})")
    if not isinstance(src, Tensor):
        src = Tensor._wrap(np.asarray(src, dtype=x.dtype))
    return Scatter.apply(x, src, dim % x.ndim, idx, add)


def scatter(x: Tensor, dim: int, index, src=None, value=None, reduce: str | None = None) -> Tensor:
    """Write ``src`` (or ``value``) into a copy of ``x`` at ``index`` along ``dim`` (torch.scatter)."""
    if reduce not in (None, "add"):
        raise ValueError(f"scatter: reduce={reduce!r} is not supported; use None or 'add'")
    return _scatter(x, dim, index, value if src is None else src, reduce == "add", "scatter")


def scatter_add(x: Tensor, dim: int, index, src) -> Tensor:
    """Add ``src`` into a copy of ``x`` at ``index`` along ``dim`` (repeated indices accumulate)."""
    return _scatter(x, dim, index, src, True, "scatter_add")


def index_add(x: Tensor, dim: int, index, source: Tensor, alpha: float = 1) -> Tensor:
    """x with ``alpha·source`` added at positions ``index`` of ``dim``."""
    idx = _arr(index).astype(np.int64)
    d = dim % x.ndim
    shape = [1] * x.ndim
    shape[d] = len(idx)
    full = np.broadcast_to(idx.reshape(shape), source.shape)
    return scatter_add(x, d, Tensor._wrap(np.ascontiguousarray(full)), source if alpha == 1 else source * alpha)


# ---- factories shaped like another tensor ------------------------------------------------------


def randn_like(x: Tensor, dtype=None, requires_grad: bool = False, device=None) -> Tensor:
    return creation.randn(*x.shape, dtype=x.dtype if dtype is None else dtype, requires_grad=requires_grad,
                          device=device)


def rand_like(x: Tensor, dtype=None, requires_grad: bool = False, device=None) -> Tensor:
    return creation.rand(*x.shape, dtype=x.dtype if dtype is None else dtype, requires_grad=requires_grad,
                         device=device)


def empty_like(x: Tensor, dtype=None, requires_grad: bool = False, device=None) -> Tensor:
    return creation.empty(*x.shape, dtype=x.dtype if dtype is None else dtype, requires_grad=requires_grad,
                          device=device)


def randint_like(x: Tensor, low: int, high: int | None = None, dtype=None, device=None) -> Tensor:
    return creation.randint(low, high, x.shape, dtype=x.dtype if dtype is None else dtype, device=device)


def bernoulli(p: Tensor, generator=None) -> Tensor:
    g = generator or default_generator()
    return Tensor._wrap((g.random(p.shape) < p.array).astype(p.dtype))


def multinomial(probs: Tensor, num_samples: int, replacement: bool = False, generator=None) -> Tensor:
    """Draw category indices with probabilities proportional to each row of ``probs``."""
    g = generator or default_generator()
    rows = probs.array.reshape(-1, probs.shape[-1]).astype(np.float64)
    if (rows < 0).any() or not np.isfinite(rows).all():
        raise RuntimeError("multinomial: probabilities must be finite and non-negative")
    out = [g.choice(rows.shape[1], num_samples, replace=replacement, p=r / r.sum()) for r in rows]
    return Tensor._wrap(np.array(out, dtype=np.int64).reshape(probs.shape[:-1] + (num_samples,)))


def _new(fill):
    def method(self, *size, dtype=None, device=None, requires_grad: bool = False):
        return fill(mvm._shape_arg(size), dtype=self.dtype if dtype is None else dtype, device=device,
                    requires_grad=requires_grad)

    return method


def _new_full(self, size, fill_value, dtype=None, device=None, requires_grad: bool = False):
    return creation.full(size, fill_value, dtype=self.dtype if dtype is None else dtype, device=device,
                         requires_grad=requires_grad)


def _new_tensor(self, data, dtype=None, device=None, requires_grad: bool = False):
    return Tensor(data, dtype=self.dtype if dtype is None else as_dtype(dtype), requires_grad=requires_grad)


def any(x, dim=None, keepdim: bool = False) -> Tensor:  # noqa: A001 - PyTorch's name
    return Tensor._wrap(np.any(_arr(x), axis=dim, keepdims=keepdim))


def all(x, dim=None, keepdim: bool = False) -> Tensor:  # noqa: A001 - PyTorch's name
    return Tensor._wrap(np.all(_arr(x), axis=dim, keepdims=keepdim))
