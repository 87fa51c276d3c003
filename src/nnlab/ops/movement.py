"""Movement primitives: reshape, transpose/permute, broadcast, cat/stack, pad, indexing, gather.

These move or copy values without arithmetic, so each backward is the inverse move
(indexing scatters with addition, so repeated indices accumulate).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from nnlab.autograd.function import Context, Function
from nnlab.autograd.tensor import Tensor
from nnlab.ops._axes import normalize_axis
from nnlab.ops._checks import check_index, check_pad_widths


class Copy(Function):
    """y = x, in new memory (``clone``); ∂y/∂x = 1."""

    @staticmethod
    def forward(ctx: Context, x):
        return x.copy()

    @staticmethod
    def backward(ctx: Context, grad):
        return grad


class Reshape(Function):
    """y = x viewed with a new shape; the gradient is reshaped back."""

    @staticmethod
    def forward(ctx: Context, x, shape):
        ctx.shape = x.shape
        return np.reshape(x, shape)

    @staticmethod
    def backward(ctx: Context, grad):
        return np.reshape(grad, ctx.shape), None


class Permute(Function):
    """y = x with its axes reordered; the gradient is permuted by the inverse order."""

    @staticmethod
    def forward(ctx: Context, x, axes):
        ctx.axes = axes
        return np.transpose(x, axes)

    @staticmethod
    def backward(ctx: Context, grad):
        return np.transpose(grad, np.argsort(ctx.axes)), None


class BroadcastTo(Function):
    """y = x broadcast to ``shape``; the engine sums the gradient back to x's shape."""

    @staticmethod
    def forward(ctx: Context, x, shape):
        return np.broadcast_to(x, shape)

    @staticmethod
    def backward(ctx: Context, grad):
        return grad, None


class Cat(Function):
    """y = the inputs joined along ``dim``; each gets back its own slice of the gradient."""

    @staticmethod
    def forward(ctx: Context, dim, *xs):
        ctx.dim = dim
        ctx.bounds = np.cumsum([x.shape[dim] for x in xs])[:-1]
        return np.concatenate(xs, axis=dim)

    @staticmethod
    def backward(ctx: Context, grad):
        return (None, *np.split(grad, ctx.bounds, axis=ctx.dim))


class Stack(Function):
    """y = the inputs stacked along a new ``dim``."""

    @staticmethod
    def forward(ctx: Context, dim, *xs):
        ctx.dim = dim
        return np.stack(xs, axis=dim)

    @staticmethod
    def backward(ctx: Context, grad):
        return (None, *(np.take(grad, i, axis=ctx.dim) for i in range(grad.shape[ctx.dim])))


class Pad(Function):
    """y = x padded with ``value`` (constant), or by reflection/replication; backward crops."""

    @staticmethod
    def forward(ctx: Context, x, widths, mode, value):
        ctx.widths, ctx.mode, ctx.shape = widths, mode, x.shape
        if mode == "constant":
            return np.pad(x, widths, mode="constant", constant_values=value)
        return np.pad(x, widths, mode={"reflect": "reflect", "replicate": "edge", "circular": "wrap"}[mode])

    @staticmethod
    def backward(ctx: Context, grad):
        if ctx.mode == "constant":
            index = tuple(slice(lo, grad.shape[i] - hi) for i, (lo, hi) in enumerate(ctx.widths))
            return grad[index], None, None, None
        # Non-constant pads copy interior values outward: route each copy back by
        # differentiating np.pad itself on an index array.
        idx = np.arange(int(np.prod(ctx.shape))).reshape(ctx.shape)
        mode = {"reflect": "reflect", "replicate": "edge", "circular": "wrap"}[ctx.mode]
        src = np.pad(idx, ctx.widths, mode=mode).ravel()
        out = np.bincount(src, weights=grad.ravel(), minlength=idx.size).astype(grad.dtype)
        return out.reshape(ctx.shape), None, None, None


class GetItem(Function):
    """y = x[index] (basic slicing, integer and boolean arrays); backward scatters with addition."""

    @staticmethod
    def forward(ctx: Context, x, index):
        ctx.index, ctx.shape = index, x.shape
        ctx.basic = _is_basic(index)
        return x[index]

    @staticmethod
    def backward(ctx: Context, grad):
        out = np.zeros(ctx.shape, dtype=grad.dtype)
        if ctx.basic:
            out[ctx.index] = grad
        else:
            np.add.at(out, ctx.index, grad)
        return out, None


class Gather(Function):
    """y[i][j] = x[i][index[i][j]] along ``dim`` (torch.gather); backward scatter-adds."""

    @staticmethod
    def forward(ctx: Context, x, dim, index):
        ctx.dim, ctx.shape = dim, x.shape
        ctx.save_for_backward(index)
        # torch reads only the index's extent in the other dims (NumPy would broadcast the index over x).
        x = x[tuple(slice(None) if a == dim else slice(0, n) for a, n in enumerate(index.shape))]
        return np.take_along_axis(x, index, axis=dim)

    @staticmethod
    def backward(ctx: Context, grad):
        (index,) = ctx.saved_tensors
        out = np.zeros(ctx.shape, dtype=grad.dtype)
        # Build full index arrays so repeated indices accumulate through np.add.at.
        grids = list(np.indices(index.shape, sparse=True))
        grids[ctx.dim] = index
        np.add.at(out, tuple(grids), grad)
        return out, None, None


def _is_basic(index) -> bool:
    """True when ``index`` selects each element at most once, so backward may assign, not add.

    Ints, slices, None, Ellipsis and boolean masks qualify; integer arrays may repeat
    an index and need ``np.add.at``.
    """
    items = index if isinstance(index, tuple) else (index,)
    return all(
        isinstance(i, (int, np.integer, slice))
        or i is None
        or i is Ellipsis
        or (isinstance(i, np.ndarray) and i.dtype == np.bool_)
        for i in items
    )


def _unwrap_index(index):
    if isinstance(index, Tensor):
        return index.array
    if isinstance(index, tuple):
        return tuple(i.array if isinstance(i, Tensor) else i for i in index)
    if isinstance(index, list):
        return np.asarray(index)
    return index


# ---- public functions ---------------------------------------------------------------------


def _shape_arg(shape) -> tuple[int, ...]:
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = shape[0]
    return tuple(int(s) for s in shape)


def clone(x: Tensor) -> Tensor:
    """A copy of ``x`` in new memory; gradients flow back to ``x``."""
    return Copy.apply(x)


def reshape(x: Tensor, *shape) -> Tensor:
    """``x`` with a new shape (one dim may be −1); like ``torch.reshape``."""
    shape = _shape_arg(shape)
    try:
        return Reshape.apply(x, shape)
    except ValueError:
        raise ValueError(
            f"reshape: cannot reshape a tensor of shape {x.shape} ({x.array.size} elements) to {shape}"
        ) from None


view = reshape


def flatten(x: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merge dims ``start_dim`` … ``end_dim`` into one."""
    if x.ndim == 0:
        return reshape(x, 1)
    s = start_dim % x.ndim
    e = end_dim % x.ndim
    if s > e:
        raise ValueError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim} for shape {x.shape}")
    shape = x.shape[:s] + (int(np.prod(x.shape[s : e + 1])),) + x.shape[e + 1 :]
    return Reshape.apply(x, shape)


def permute(x: Tensor, *dims) -> Tensor:
    dims = _shape_arg(dims)
    if sorted(d % max(x.ndim, 1) for d in dims) != list(range(x.ndim)):
        raise ValueError(f"permute: {dims} is not a permutation of the {x.ndim} dims of shape {x.shape}")
    return Permute.apply(x, tuple(d % x.ndim for d in dims))


def transpose(x: Tensor, dim0: int = -2, dim1: int = -1) -> Tensor:
    """Swap two dims (the last two by default)."""
    if x.ndim < 2:
        return x
    a, b = normalize_axis((dim0, dim1), x.ndim, "transpose")
    axes = list(range(x.ndim))
    axes[a], axes[b] = axes[b], axes[a]
    return Permute.apply(x, tuple(axes))


def broadcast_to(x: Tensor, *shape) -> Tensor:
    shape = _shape_arg(shape)
    try:
        np.broadcast_shapes(x.shape, shape)
    except ValueError:
        raise ValueError(f"broadcast_to: shape {x.shape} cannot be broadcast to {shape}") from None
    return BroadcastTo.apply(x, shape)


def expand(x: Tensor, *shape) -> Tensor:
    """Broadcast to ``shape``; −1 keeps a dim as it is (PyTorch's ``expand``)."""
    shape = _shape_arg(shape)
    lead = len(shape) - x.ndim
    if lead < 0 or any(s == -1 for s in shape[:lead]):
        raise ValueError(f"expand: cannot expand shape {x.shape} to {shape} (-1 is only allowed for existing dims)")
    full = tuple(x.shape[i - lead] if s == -1 else s for i, s in enumerate(shape))
    return broadcast_to(x, full)


def squeeze(x: Tensor, dim=None) -> Tensor:
    """Remove size-1 dims: all of them, or those among ``dim`` (an int or a tuple)."""
    if dim is None:
        shape = tuple(n for n in x.shape if n != 1)
    else:
        axes = normalize_axis(dim, x.ndim, "squeeze")
        shape = tuple(n for i, n in enumerate(x.shape) if not (i in axes and n == 1))
    return Reshape.apply(x, shape)


def unsqueeze(x: Tensor, dim: int) -> Tensor:
    """Insert a size-1 dim at ``dim``."""
    d = dim if dim >= 0 else dim + x.ndim + 1
    if not 0 <= d <= x.ndim:
        raise IndexError(f"unsqueeze: dim {dim} is out of range for a tensor with {x.ndim} dims")
    return Reshape.apply(x, x.shape[:d] + (1,) + x.shape[d:])


def cat(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """Join tensors along an existing dim."""
    if not tensors:
        raise ValueError("cat: expected a non-empty sequence of tensors")
    tensors = [t if isinstance(t, Tensor) else Tensor(t) for t in tensors]
    (d,) = normalize_axis(dim, tensors[0].ndim, "cat")
    ref = tensors[0].shape
    for t in tensors[1:]:
        if t.ndim != len(ref) or any(a != b for i, (a, b) in enumerate(zip(t.shape, ref)) if i != d):
            raise ValueError(f"cat: shapes {ref} and {t.shape} differ outside dim {dim}")
    return Cat.apply(d, *tensors)


def stack(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """Join same-shaped tensors along a new dim."""
    if not tensors:
        raise ValueError("stack: expected a non-empty sequence of tensors")
    tensors = [t if isinstance(t, Tensor) else Tensor(t) for t in tensors]
    shapes = {t.shape for t in tensors}
    if len(shapes) != 1:
        raise ValueError(f"stack: all tensors must have the same shape, got {sorted(shapes)}")
    d = dim if dim >= 0 else dim + tensors[0].ndim + 1
    return Stack.apply(d, *tensors)


def split(x: Tensor, split_size_or_sections, dim: int = 0) -> tuple[Tensor, ...]:
    """Split into chunks of ``split_size`` (int) or of the given sizes (list), like torch.split."""
    (d,) = normalize_axis(dim, x.ndim, "split")
    n = x.shape[d]
    if isinstance(split_size_or_sections, int):
        if split_size_or_sections <= 0:
            raise ValueError(f"split: split_size must be positive, got {split_size_or_sections}")
        sizes = [split_size_or_sections] * (n // split_size_or_sections)
        if n % split_size_or_sections:
            sizes.append(n % split_size_or_sections)
    else:
        sizes = list(split_size_or_sections)
        if sum(sizes) != n:
            raise ValueError(f"split: sizes {sizes} do not add up to {n}, the length of dim {dim}")
    out, start = [], 0
    for s in sizes:
        index = (slice(None),) * d + (slice(start, start + s),)
        out.append(GetItem.apply(x, index))
        start += s
    return tuple(out)


def chunk(x: Tensor, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
    """Split into ``chunks`` nearly equal pieces (the last may be smaller)."""
    if isinstance(chunks, bool) or not isinstance(chunks, (int, np.integer)) or chunks <= 0:
        raise ValueError(f"chunk: chunks must be a positive integer, got {chunks!r}")
    (d,) = normalize_axis(dim, x.ndim, "chunk")
    n = x.shape[d]
    return split(x, -(-n // chunks), dim)


def pad(x: Tensor, pad: Sequence[int], mode: str = "constant", value: float = 0.0) -> Tensor:
    """Pad the last dims; ``pad`` lists (left, right) pairs starting from the last dim, as F.pad."""
    if len(pad) % 2 or len(pad) // 2 > x.ndim:
        raise ValueError(f"pad: expected pairs for at most {x.ndim} dims, got {tuple(pad)}")
    if mode not in ("constant", "reflect", "replicate", "circular"):
        raise ValueError(f"pad: unknown mode {mode!r}; expected constant, reflect, replicate or circular")
    widths = [(0, 0)] * x.ndim
    for i in range(len(pad) // 2):
        widths[x.ndim - 1 - i] = (int(pad[2 * i]), int(pad[2 * i + 1]))
    if any(lo < 0 or hi < 0 for lo, hi in widths):
        raise ValueError(f"pad: negative padding {tuple(pad)} is not supported")
    check_pad_widths(widths, mode, x.shape)
    return Pad.apply(x, tuple(widths), mode, value)


def getitem(x: Tensor, index) -> Tensor:
    return GetItem.apply(x, _unwrap_index(index))


def gather(x: Tensor, dim: int, index) -> Tensor:
    """Pick values along ``dim`` at ``index`` (same ndim as x), like ``torch.gather``."""
    idx = index.array if isinstance(index, Tensor) else np.asarray(index)
    if idx.ndim != x.ndim:
        raise ValueError(f"gather: index has {idx.ndim} dims, input has {x.ndim} (shape {x.shape})")
    (d,) = normalize_axis(dim, x.ndim, "gather")
    check_index("gather", idx, x.shape[d], d)
    if any(i > s for k, (i, s) in enumerate(zip(idx.shape, x.shape)) if k != d):
        raise ValueError(f"gather: index shape {idx.shape} exceeds input shape {x.shape} outside dim {d}")
    return Gather.apply(x, d, idx.astype(np.int64, copy=False))


def index_select(x: Tensor, dim: int, index) -> Tensor:
    """Rows (or slices along ``dim``) at the given integer indices."""
    idx = index.array if isinstance(index, Tensor) else np.asarray(index)
    (d,) = normalize_axis(dim, x.ndim, "index_select")
    if idx.ndim > 1:
        raise ValueError(f"index_select: index must be 0-d or 1-d, got shape {idx.shape}")
    check_index("index_select", idx, x.shape[d], d)
    return GetItem.apply(x, (slice(None),) * d + (idx,))


def masked_fill(x: Tensor, mask, value: float) -> Tensor:
    """``x`` with ``value`` where ``mask`` is true; no gradient flows to the filled places."""
    from nnlab.ops.elementwise import where

    m = mask.array if isinstance(mask, Tensor) else np.asarray(mask)
    if m.dtype != np.bool_:
        raise TypeError(f"masked_fill: mask must be a bool tensor, got dtype {m.dtype}")
    try:
        fits = np.broadcast_shapes(m.shape, x.shape) == x.shape
    except ValueError:
        fits = False
    if not fits:
        raise ValueError(f"masked_fill: mask of shape {m.shape} does not broadcast to the input's shape {x.shape}")
    return where(m, np.asarray(value, dtype=x.dtype), x)


def unbind(x: Tensor, dim: int = 0) -> tuple[Tensor, ...]:
    """The slices of ``x`` along ``dim``, each with that dim removed (``tuple(x)`` for dim 0)."""
    if x.ndim == 0:
        raise IndexError("unbind: a 0-d tensor has no dim to unbind")
    (d,) = normalize_axis(dim, x.ndim, "unbind")
    lead = (slice(None),) * d
    return tuple(GetItem.apply(x, lead + (i,)) for i in range(x.shape[d]))
