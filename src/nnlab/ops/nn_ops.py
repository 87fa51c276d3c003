"""Neural-network ops over a dimension or with randomness: softmax, log-softmax,
maxout, dropout, one-hot encoding and Lp normalization.

``log_softmax_array`` is the one stable log-softmax in nnlab; the fused losses in
``nnlab.ops.loss`` reuse it.
"""

from __future__ import annotations

import numpy as np

from nnlab.autograd.function import Context, Function
from nnlab.autograd.tensor import Tensor
from nnlab.backend import as_dtype, default_generator
from nnlab.ops._axes import normalize_axis
from nnlab.ops.movement import reshape
from nnlab.ops.reduce import amax


def _shifted(x: np.ndarray, axis: int) -> np.ndarray:
    """x − max(x) along ``axis``; an all −inf slice is shifted by 0 so that it stays −inf."""
    if x.shape[axis] == 0:  # nothing to normalize: an empty result, as in PyTorch
        return x.copy()
    m = np.max(x, axis=axis, keepdims=True)
    # A gap wider than the float range overflows to −inf, which is exactly right: e^−inf = 0.
    with np.errstate(over="ignore"):
        return x - np.where(np.isfinite(m), m, 0).astype(x.dtype, copy=False)


def log_softmax_array(x: np.ndarray, axis: int) -> np.ndarray:
    """ln softmax(x) = (x − m) − ln Σ exp(x − m), m = max x: no overflow, exact for equal huge logits."""
    z = _shifted(x, axis)
    # A slice that is entirely −inf has no defined distribution: ln 0 = −inf, then −inf − (−inf)
    # = nan, which is PyTorch's answer too.
    with np.errstate(divide="ignore", invalid="ignore"):
        return z - np.log(np.sum(np.exp(z), axis=axis, keepdims=True))


class Softmax(Function):
    """y = exp(x − m) / Σ exp(x − m) along ``axis``; ∂L/∂x = y ⊙ (g − Σ g⊙y)."""

    @staticmethod
    def forward(ctx: Context, x, axis):
        e = np.exp(_shifted(x, axis))
        with np.errstate(invalid="ignore"):  # an all −inf slice gives 0/0 = nan, as in PyTorch
            y = e / np.sum(e, axis=axis, keepdims=True)
        ctx.save_for_backward(y)
        ctx.axis = axis
        return y

    @staticmethod
    def backward(ctx: Context, grad):
        (y,) = ctx.saved_tensors
        return y * (grad - np.sum(grad * y, axis=ctx.axis, keepdims=True)), None


class LogSoftmax(Function):
    """y = x − logsumexp(x) along ``axis``; ∂L/∂x = g − softmax(x)·Σ g."""

    @staticmethod
    def forward(ctx: Context, x, axis):
        y = log_softmax_array(x, axis)
        ctx.save_for_backward(y)
        ctx.axis = axis
        return y

    @staticmethod
    def backward(ctx: Context, grad):
        (y,) = ctx.saved_tensors
        return grad - np.exp(y) * np.sum(grad, axis=ctx.axis, keepdims=True), None


class Dropout(Function):
    """y = x ⊙ m with m ∈ {0, 1/(1−p)}; ∂L/∂x = g ⊙ m."""

    @staticmethod
    def forward(ctx: Context, x, mask):
        ctx.save_for_backward(mask)
        return x * mask

    @staticmethod
    def backward(ctx: Context, grad):
        (mask,) = ctx.saved_tensors
        return grad * mask, None


class Normalize(Function):
    """y = x / n, n = max(‖x‖_p, ε) along ``axis``.

    ∂L/∂x = g/n − x·(Σ g⊙x)/n² · ∂n/∂x with ∂n/∂x = sign(x)|x|^(p−1) / ‖x‖^(p−1)
    where ‖x‖_p > ε, and 0 where the norm is clamped to ε.
    """

    @staticmethod
    def forward(ctx: Context, x, p, axis, eps):
        norm = np.sum(np.abs(x) ** p, axis=axis, keepdims=True) ** (1 / p)
        n = np.maximum(norm, eps).astype(x.dtype, copy=False)
        ctx.save_for_backward(x, norm, n)
        ctx.p, ctx.axis, ctx.eps = p, axis, eps
        return x / n

    @staticmethod
    def backward(ctx: Context, grad):
        x, norm, n = ctx.saved_tensors
        p, axis = ctx.p, ctx.axis
        gx = grad / n
        unclamped = norm > ctx.eps
        safe = np.where(unclamped, norm, 1).astype(x.dtype, copy=False)
        dn = np.sign(x) * np.abs(x) ** (p - 1) / safe ** (p - 1) * unclamped
        return gx - dn * np.sum(grad * x, axis=axis, keepdims=True) / (n * n), None, None, None


# ---- public functions ---------------------------------------------------------------------


def _floating_input(x: Tensor, dtype, op: str) -> Tensor:
    """``x`` cast to ``dtype`` if given; else ``x``, which must be floating (PyTorch refuses int and bool)."""
    if dtype is not None:
        target = as_dtype(dtype)
        if target.kind != "f":
            raise TypeError(f"{op}: dtype must be a floating type, got {target}")
        return x.astype(target) if x.dtype != target else x
    if x.dtype.kind != "f":
        raise TypeError(f"{op}: input has dtype {x.dtype}, but {op} needs a floating tensor (as in PyTorch); "
                        f"pass dtype=nnlab.float32 or call .float() first")
    return x


def softmax(x: Tensor, dim: int = -1, dtype=None) -> Tensor:
    """y_i = exp(x_i) / Σ_j exp(x_j) along ``dim``, computed after subtracting the max.

    −inf entries get probability 0; a slice that is entirely −inf gives nan (as in PyTorch);
    an empty ``dim`` gives an empty result.

    Args:
        x: floating input of any shape with at least one dim.
        dim: the dim that sums to 1 (default −1, the last).
        dtype: cast ``x`` to this floating dtype first (needed for integer or bool
            input, as in PyTorch). Default: None.
    """
    x = _floating_input(x, dtype, "softmax")
    (axis,) = normalize_axis(dim, x.ndim, "softmax")
    return Softmax.apply(x, axis)


def log_softmax(x: Tensor, dim: int = -1, dtype=None) -> Tensor:
    """y = x − ln Σ exp(x) along ``dim``, via log-sum-exp (finite for huge logits).

    Args:
        x: floating input of any shape with at least one dim.
        dim: the dim to normalize over (default −1, the last).
        dtype: cast ``x`` to this floating dtype first. Default: None.
    """
    x = _floating_input(x, dtype, "log_softmax")
    (axis,) = normalize_axis(dim, x.ndim, "log_softmax")
    return LogSoftmax.apply(x, axis)


def maxout(x: Tensor, num_pieces: int, dim: int = -1) -> Tensor:
    """Maxout unit (Goodfellow et al., 2013): h_i = max_{j<k} x[..., i·k + j, ...].

    The features along ``dim`` are read as D groups of k = ``num_pieces``
    consecutive pieces (the output of a linear layer with D·k units), and each
    group is reduced to its largest piece. Ties share the gradient equally.

    Args:
        x: input whose size along ``dim`` is D·k.
        num_pieces: k, the number of linear pieces per unit.
        dim: the feature dim (default −1).

    Shape:
        x: (*, D·k, *) → output (*, D, *), the size of ``dim`` divided by k.
    """
    (axis,) = normalize_axis(dim, x.ndim, "maxout")
    size = x.shape[axis]
    if not isinstance(num_pieces, (int, np.integer)) or num_pieces < 1 or size % num_pieces:
        raise ValueError(
            f"maxout: dim {dim} of the input (shape {x.shape}) has size {size}, "
            f"which is not divisible into groups of num_pieces={num_pieces}"
        )
    grouped = reshape(x, x.shape[:axis] + (size // num_pieces, int(num_pieces)) + x.shape[axis + 1 :])
    return amax(grouped, dim=axis + 1)


def dropout(
    x: Tensor, p: float = 0.5, training: bool = True, *, generator: np.random.Generator | None = None
) -> Tensor:
    """Inverted dropout: zero each element with probability p and scale the rest by 1/(1−p).

    The expected value of each element is unchanged, so evaluation needs no
    rescaling: with ``training=False`` (or p = 0) the input is returned as is.
    p = 1 gives zeros.

    Args:
        x: floating input of any shape.
        p: probability of zeroing an element, in [0, 1] (default 0.5).
        training: apply dropout (True, default) or return ``x`` (False).
        generator: the ``np.random.Generator`` to draw the mask from
            (default ``nnlab.backend.default_generator()``, reset by ``nnlab.manual_seed``).
    """
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout: probability p must lie in [0, 1], got {p}")
    if not training or p == 0:
        return x
    if x.dtype.kind != "f":
        raise TypeError(f"dropout: expected a floating tensor, got dtype {x.dtype}")
    if p == 1:
        mask = np.zeros(x.shape, dtype=x.dtype)
    else:
        rng = generator if generator is not None else default_generator()
        keep = rng.random(x.shape, dtype=np.float64 if x.dtype == np.float64 else np.float32) >= p
        mask = keep.astype(x.dtype) * x.dtype.type(1.0 / (1.0 - p))
    return Dropout.apply(x, mask)


def one_hot(indices: Tensor, num_classes: int = -1) -> Tensor:
    """y[..., c] = 1 where c == indices[...] else 0, as int64 (``torch.nn.functional.one_hot``).

    Args:
        indices: integer tensor of class indices, any shape.
        num_classes: C, the length of the new last dim; −1 (default) means max(indices) + 1.

    Shape:
        indices: (*) → output (*, C).
    """
    idx = indices.array if isinstance(indices, Tensor) else np.asarray(indices)
    if idx.dtype.kind not in "iu":
        raise TypeError(f"one_hot: indices must be an integer tensor, got dtype {idx.dtype}")
    if num_classes == -1:
        if idx.size == 0:
            raise ValueError("one_hot: cannot infer num_classes from an empty tensor; pass num_classes")
        num_classes = int(idx.max()) + 1
    if num_classes < 1:
        raise ValueError(f"one_hot: num_classes must be positive or -1, got {num_classes}")
    if idx.size and (idx.min() < 0 or idx.max() >= num_classes):
        bad = idx[(idx < 0) | (idx >= num_classes)].ravel()[0]
        raise ValueError(f"one_hot: class index {bad} is out of range for num_classes={num_classes}")
    out = np.zeros(idx.shape + (num_classes,), dtype=np.int64)
    np.put_along_axis(out, idx[..., None].astype(np.int64), 1, axis=-1)
    return Tensor._wrap(out)


def normalize(x: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12) -> Tensor:
    """y = x / max(‖x‖_p, eps) along ``dim`` (``torch.nn.functional.normalize``).

    Args:
        x: floating input.
        p: the exponent of the norm, p ≥ 1 (default 2).
        dim: the dim along which each vector is normalized (default 1).
        eps: lower bound on the norm, so a zero vector maps to zero (default 1e-12).
    """
    if not p >= 1 or not np.isfinite(p):
        raise ValueError(f"normalize: p must be a finite number >= 1, got {p}")
    (axis,) = normalize_axis(dim, x.ndim, "normalize")
    return Normalize.apply(x, float(p), axis, float(eps))
