"""Loss functions with PyTorch's semantics, each one fused node (plus a reduction).

Regression losses and the binary cross-entropies compute the elementwise loss in
one ``Function`` and reduce it with ``sum``/``mean``. Cross-entropy and NLL fold
the reduction into the node, because their weighted mean divides by the total
weight of the targets rather than by the element count.
"""

from __future__ import annotations

import warnings

import numpy as np

from nnlab.autograd.function import Context, Function
from nnlab.autograd.tensor import Tensor
from nnlab.ops.activation import stable_sigmoid, stable_softplus
from nnlab.ops.reduce import mean, sum

_REDUCTIONS = ("mean", "sum", "none")


def check_reduction(op: str, reduction: str, allowed: tuple[str, ...] = _REDUCTIONS) -> None:
    """Raise a ValueError naming ``op`` unless ``reduction`` is one of ``allowed``."""
    if reduction not in allowed:
        raise ValueError(f"{op}: reduction must be one of {allowed}, got {reduction!r}")


def reduce_loss(loss: Tensor, reduction: str) -> Tensor:
    """Mean or sum of an elementwise loss over all its elements, or the loss itself for 'none'."""
    if reduction == "mean":
        return mean(loss)
    if reduction == "sum":
        return sum(loss)
    return loss


def as_target(op: str, input: Tensor, target, same_shape: bool) -> Tensor:
    """The target as a Tensor of the input's float dtype (integer labels are cast, not promoted)."""
    if not isinstance(target, Tensor):
        target = Tensor(np.asarray(target), dtype=input.dtype)
    elif target.dtype != input.dtype:
        target = target.astype(input.dtype)
    if target.shape != input.shape:
        if same_shape:
            raise ValueError(
                f"{op}: target shape {target.shape} must match the input shape {input.shape}"
            )
        try:
            np.broadcast_shapes(target.shape, input.shape)
        except ValueError:
            raise ValueError(f"{op}: target shape {target.shape} does not match (or broadcast to) the input shape "
                             f"{input.shape}") from None
        warnings.warn(
            f"{op}: target shape {target.shape} differs from input shape {input.shape}; they will be "
            "broadcast, which is rarely what is meant",
            stacklevel=3,
        )
    return target


def _const(value, input: Tensor, op: str, name: str):
    """A non-differentiable weight argument as an array of the input's dtype, or None."""
    if value is None:
        return None
    arr = value.array if isinstance(value, Tensor) else np.asarray(value)
    try:
        np.broadcast_shapes(arr.shape, input.shape)
    except ValueError:
        raise ValueError(f"{op}: {name} of shape {arr.shape} does not broadcast to the input shape {input.shape}") from None
    return arr.astype(input.dtype, copy=False)


# ---- regression losses -------------------------------------------------------------------


def _mse(d, _):
    return d * d, 2 * d


def _l1(d, _):
    return np.abs(d), np.sign(d)


def _smooth_l1(d, beta):
    a = np.abs(d)
    if beta == 0:
        return a, np.sign(d)
    quad = a < beta
    return np.where(quad, 0.5 * d * d / beta, a - 0.5 * beta), np.where(quad, d / beta, np.sign(d))


def _huber(d, delta):
    a = np.abs(d)
    quad = a < delta
    return np.where(quad, 0.5 * d * d, delta * (a - 0.5 * delta)), np.clip(d, -delta, delta)


_POINTWISE = {"mse": _mse, "l1": _l1, "smooth_l1": _smooth_l1, "huber": _huber}


class PointwiseLoss(Function):
    """l = f(x − y) elementwise; ∂l/∂x = f′(x − y), ∂l/∂y = −f′(x − y).

    f is (x−y)² for MSE, |x−y| for L1, and the quadratic-then-linear pieces of
    smooth L1 (β) and Huber (δ); f′ is computed alongside f in forward.
    """

    @staticmethod
    def forward(ctx: Context, x, y, kind, param):
        value, deriv = _POINTWISE[kind](x - y, param)
        ctx.save_for_backward(deriv)
        return value

    @staticmethod
    def backward(ctx: Context, grad):
        (deriv,) = ctx.saved_tensors
        g = grad * deriv
        return g, (-g if ctx.needs_input_grad[1] else None), None, None


def _pointwise(op: str, kind: str, input: Tensor, target, reduction: str, param=None) -> Tensor:
    check_reduction(op, reduction)
    target = as_target(op, input, target, same_shape=False)
    return reduce_loss(PointwiseLoss.apply(input, target, kind, param), reduction)


def mse_loss(input: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:
    """l = (x − y)², reduced by ``reduction`` ('mean' | 'sum' | 'none'). Shape: input and target (*), same shape."""
    return _pointwise("mse_loss", "mse", input, target, reduction)


def l1_loss(input: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:
    """l = |x − y|, reduced by ``reduction`` ('mean' | 'sum' | 'none'). Shape: input and target (*), same shape."""
    return _pointwise("l1_loss", "l1", input, target, reduction)


def smooth_l1_loss(input: Tensor, target: Tensor, reduction: str = "mean", beta: float = 1.0) -> Tensor:
    """l = ½d²/β where |d| < β else |d| − ½β, with d = x − y (β = 0 gives L1).

    Args:
        input, target: tensors of the same shape (*).
        reduction: 'mean' (default) | 'sum' | 'none'.
        beta: where the loss turns from quadratic to linear, β ≥ 0 (default 1.0).
    """
    if beta < 0:
        raise ValueError(f"smooth_l1_loss: beta must be non-negative, got {beta}")
    return _pointwise("smooth_l1_loss", "smooth_l1", input, target, reduction, float(beta))


def huber_loss(input: Tensor, target: Tensor, reduction: str = "mean", delta: float = 1.0) -> Tensor:
    """l = ½d² where |d| < δ else δ(|d| − ½δ), with d = x − y.

    Args:
        input, target: tensors of the same shape (*).
        reduction: 'mean' (default) | 'sum' | 'none'.
        delta: where the loss turns from quadratic to linear, δ > 0 (default 1.0).
    """
    if delta <= 0:
        raise ValueError(f"huber_loss: delta must be positive, got {delta}")
    return _pointwise("huber_loss", "huber", input, target, reduction, float(delta))


# ---- binary cross-entropy ----------------------------------------------------------------


class BinaryCrossEntropy(Function):
    """l = −w[y·max(ln x, −100) + (1−y)·max(ln(1−x), −100)].

    ∂l/∂x = w(x − y) / max(x(1−x), 1e−12); ∂l/∂y = w(max(ln(1−x), −100) − max(ln x, −100)).
    The clamps are PyTorch's: they keep the loss and gradient finite at x ∈ {0, 1}.
    ∂l/∂y is the derivative of this clamped loss, so it too stays finite there
    (PyTorch's target gradient uses the unclamped logs and gives ±inf).
    """

    @staticmethod
    def forward(ctx: Context, x, y, w):
        with np.errstate(divide="ignore"):  # ln 0 = −inf is clamped to −100 just below
            log_x = np.maximum(np.log(x), -100)
            log_1mx = np.maximum(np.log1p(-x), -100)
        loss = -(y * log_x + (1 - y) * log_1mx)
        if w is not None:
            loss = loss * w
        ctx.save_for_backward(x, y, w, log_x, log_1mx)
        return loss

    @staticmethod
    def backward(ctx: Context, grad):
        x, y, w, log_x, log_1mx = ctx.saved_tensors
        if w is not None:
            grad = grad * w
        gx = grad * (x - y) / np.maximum(x * (1 - x), 1e-12) if ctx.needs_input_grad[0] else None
        gy = grad * (log_1mx - log_x) if ctx.needs_input_grad[1] else None
        return gx, gy, None


class BCEWithLogits(Function):
    """l = w[(1−y)·x + (1 + (q−1)y)·softplus(−x)], q the positive-class weight (1 if none).

    ∂l/∂x = w[(1−y) − (1 + (q−1)y)·σ(−x)]  (= w(σ(x) − y) when q = 1);
    ∂l/∂y = w[−x + (q−1)·softplus(−x)].
    softplus(−x) = max(−x, 0) + ln(1 + e^(−|x|)) never overflows.
    """

    @staticmethod
    def forward(ctx: Context, x, y, w, q):
        sp = stable_softplus(-x)
        coef = 1 if q is None else 1 + (q - 1) * y
        loss = (1 - y) * x + coef * sp
        if w is not None:
            loss = loss * w
        ctx.save_for_backward(x, y, w, q, sp, coef)
        return loss

    @staticmethod
    def backward(ctx: Context, grad):
        x, y, w, q, sp, coef = ctx.saved_tensors
        if w is not None:
            grad = grad * w
        gx = grad * ((1 - y) - coef * stable_sigmoid(-x)) if ctx.needs_input_grad[0] else None
        gy = None
        if ctx.needs_input_grad[1]:
            gy = grad * (-x if q is None else (q - 1) * sp - x)
        return gx, gy, None, None


def binary_cross_entropy(input: Tensor, target: Tensor, weight=None, reduction: str = "mean") -> Tensor:
    """l = −w[y ln x + (1 − y) ln(1 − x)] for probabilities x, with ln clamped at −100.

    Args:
        input: probabilities x in [0, 1] (e.g. a sigmoid's output), shape (*).
        target: y, same shape as input (values in [0, 1]).
        weight: rescaling w, broadcastable to the input (no gradient). Default None.
        reduction: 'mean' (default) | 'sum' | 'none'.
    """
    op = "binary_cross_entropy"
    check_reduction(op, reduction)
    target = as_target(op, input, target, same_shape=True)
    for name, arr in (("input", input.array), ("target", target.array)):
        # NaN fails both comparisons, so it is refused too (as torch does).
        if arr.size and not (arr.min() >= 0 and arr.max() <= 1):
            raise ValueError(
                f"{op}: {name} values must be probabilities in [0, 1], got values in [{arr.min()}, {arr.max()}]"
                + ("; for logits use binary_cross_entropy_with_logits" if name == "input" else "")
            )
    w = _const(weight, input, op, "weight")
    return reduce_loss(BinaryCrossEntropy.apply(input, target, w), reduction)


def binary_cross_entropy_with_logits(
    input: Tensor, target: Tensor, weight=None, reduction: str = "mean", pos_weight=None
) -> Tensor:
    """l = −w[q·y·ln σ(x) + (1 − y)·ln(1 − σ(x))], computed stably from the logits x.

    Args:
        input: logits x, shape (*); finite loss and gradient for any finite x.
        target: y, same shape as input.
        weight: rescaling w, broadcastable to the input (no gradient). Default None.
        reduction: 'mean' (default) | 'sum' | 'none'.
        pos_weight: q, the weight of positive examples per class, broadcast against
            the last dim, e.g. shape (C,) for input (N, C) (no gradient). Default None.
    """
    op = "binary_cross_entropy_with_logits"
    check_reduction(op, reduction)
    target = as_target(op, input, target, same_shape=True)
    w = _const(weight, input, op, "weight")
    q = _const(pos_weight, input, op, "pos_weight")
    return reduce_loss(BCEWithLogits.apply(input, target, w, q), reduction)


# ---- Kullback–Leibler divergence ---------------------------------------------------------


class KLDiv(Function):
    """l = t(ln t − x) (0 where t = 0), or eᵗ(t − x) with log targets.

    ∂l/∂x = −t (or −eᵗ); ∂l/∂t = ln t + 1 − x (taken as 0 where t = 0), or eᵗ(t − x + 1).
    """

    @staticmethod
    def forward(ctx: Context, x, t, log_target):
        ctx.log_target = log_target
        if log_target:
            p = np.exp(t)
            ctx.save_for_backward(x, t, p)
            return p * (t - x)
        pos = t > 0
        log_t = np.log(np.where(pos, t, 1))
        ctx.save_for_backward(x, t, pos, log_t)
        return np.where(pos, t * (log_t - x), -t * x)

    @staticmethod
    def backward(ctx: Context, grad):
        if ctx.log_target:
            x, t, p = ctx.saved_tensors
            gx = -grad * p
            gt = grad * p * (t - x + 1) if ctx.needs_input_grad[1] else None
        else:
            x, t, pos, log_t = ctx.saved_tensors
            gx = -grad * t
            gt = grad * np.where(pos, log_t + 1 - x, 0) if ctx.needs_input_grad[1] else None
        return gx, gt, None


def kl_div(input: Tensor, target: Tensor, reduction: str = "mean", log_target: bool = False) -> Tensor:
    """KL(target ‖ exp(input)) pointwise: l = t(ln t − x), x the log-probabilities of the model.

    Args:
        input: log-probabilities x (e.g. from log_softmax), shape (*).
        target: probabilities t (or log-probabilities when ``log_target``), same shape.
        reduction: 'mean' (over all elements; default, as in PyTorch) | 'batchmean'
            (sum / N, the true KL divergence per sample) | 'sum' | 'none'.
        log_target: whether ``target`` holds log-probabilities (default False).
    """
    op = "kl_div"
    check_reduction(op, reduction, _REDUCTIONS + ("batchmean",))
    target = as_target(op, input, target, same_shape=True)
    loss = KLDiv.apply(input, target, bool(log_target))
    if reduction == "batchmean":
        total = sum(loss)
        return total / input.shape[0] if input.ndim else total
    return reduce_loss(loss, reduction)
