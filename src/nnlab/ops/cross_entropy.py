"""Cross-entropy and negative log-likelihood over a class dim, with PyTorch's exact rules.

Both are single fused nodes that also do the reduction, because the weighted
mean divides by Σ weight[target] over the non-ignored items, not by their count.
The class dim is 1 for input (N, C, d1, ...) and 0 for an unbatched input (C,).

Cross-entropy with class indices t, weights w, label smoothing ε over C classes,
per item (0 where t = ignore_index):

    l = (1 − ε)·w_t·(−ln p_t) + (ε/C)·Σ_c w_c·(−ln p_c),   p = softmax(x)

and with class probabilities t (same shape as x; no ignore_index):

    l = −Σ_c w_c·t′_c·ln p_c,   t′ = (1 − ε)·t + ε/C,

whose 'mean' divides by the number of items N·d1·…, as PyTorch does.
"""

from __future__ import annotations

import numpy as np

from nnlab.autograd.function import Context, Function
from nnlab.autograd.tensor import Tensor
from nnlab.ops.loss import as_target, check_reduction
from nnlab.ops.nn_ops import log_softmax_array


def _reduce_items(loss: np.ndarray, denom, reduction: str) -> np.ndarray:
    if reduction == "none":
        return loss
    total = loss.sum()
    if reduction == "sum":
        return np.asarray(total)
    with np.errstate(invalid="ignore", divide="ignore"):  # every item ignored: 0/0 = nan, as in PyTorch
        return np.asarray(total / denom)


def _item_scale(grad: np.ndarray, denom, reduction: str, axis: int) -> np.ndarray:
    """dL/d(item loss), shaped to broadcast against the input along the class dim."""
    if reduction == "mean":
        # With every item ignored the mean is nan but no item has any influence: gradient 0, as in PyTorch.
        grad = grad / denom if denom != 0 else np.zeros_like(grad)
    return np.expand_dims(grad, axis) if grad.ndim else grad


class CrossEntropy(Function):
    """Fused log-softmax + NLL with class indices (see the module docstring for l).

    With s the upstream gradient of an item's loss, a = s(1 − ε)w_t, b = s·ε/C
    (both 0 for ignored items) and W = Σ_c w_c:

        ∂L/∂x_c = a·(p_c − [c = t]) + b·(W·p_c − w_c)

    which is s·(p − onehot(t)) in the plain case.
    """

    @staticmethod
    def forward(ctx: Context, x, idx, valid, wt, w, axis, reduction, eps):
        logp = log_softmax_array(x, axis)
        picked = np.take_along_axis(logp, idx, axis).squeeze(axis)
        loss = np.where(valid, -picked * wt, 0).astype(x.dtype, copy=False)
        if eps > 0:
            weighted = logp if w is None else logp * w
            smooth = np.where(valid, -weighted.sum(axis=axis), 0).astype(x.dtype, copy=False)
            loss = (1 - eps) * loss + (eps / x.shape[axis]) * smooth
        denom = wt.sum()
        ctx.save_for_backward(logp, idx, valid, wt, w)
        ctx.axis, ctx.reduction, ctx.eps, ctx.denom = axis, reduction, eps, denom
        return _reduce_items(loss, denom, reduction)

    @staticmethod
    def backward(ctx: Context, grad):
        logp, idx, valid, wt, w = ctx.saved_tensors
        axis, eps = ctx.axis, ctx.eps
        s = _item_scale(grad, ctx.denom, ctx.reduction, axis)
        p = np.exp(logp)
        a = s * (1 - eps) * np.expand_dims(wt, axis)
        if eps > 0:
            n_classes = logp.shape[axis]
            b = s * (eps / n_classes) * np.expand_dims(valid, axis)
            if w is None:
                g = p * (a + b * n_classes) - b
            else:
                g = p * (a + b * w.sum()) - b * w
        else:
            g = p * a
        np.put_along_axis(g, idx, np.take_along_axis(g, idx, axis) - a, axis)
        return g, None, None, None, None, None, None, None


class CrossEntropyProbs(Function):
    """Fused log-softmax + cross-entropy against class probabilities t.

    With s the upstream gradient of an item's loss and u = w ⊙ t′:
    ∂L/∂x = s·(p·Σ_c u_c − u);  ∂L/∂t = −s·(1 − ε)·w ⊙ ln p.
    """

    @staticmethod
    def forward(ctx: Context, x, t, w, axis, reduction, eps):
        n_classes = x.shape[axis]
        logp = log_softmax_array(x, axis)
        u = t if eps == 0 else t * (1 - eps) + eps / n_classes
        if w is not None:
            u = u * w
        loss = -(u * logp).sum(axis=axis)
        denom = x.size // n_classes
        ctx.save_for_backward(logp, u, w)
        ctx.axis, ctx.reduction, ctx.eps, ctx.denom = axis, reduction, eps, denom
        return _reduce_items(loss, denom, reduction)

    @staticmethod
    def backward(ctx: Context, grad):
        logp, u, w = ctx.saved_tensors
        s = _item_scale(grad, ctx.denom, ctx.reduction, ctx.axis)
        gx = s * (np.exp(logp) * u.sum(axis=ctx.axis, keepdims=True) - u) if ctx.needs_input_grad[0] else None
        gt = None
        if ctx.needs_input_grad[1]:
            gt = -s * (1 - ctx.eps) * (logp if w is None else logp * w)
        return gx, gt, None, None, None, None


class NLLLoss(Function):
    """l = −w_t·x_t per item (0 where ignored); ∂L/∂x_c = −s·w_t·[c = t]."""

    @staticmethod
    def forward(ctx: Context, x, idx, valid, wt, axis, reduction):
        picked = np.take_along_axis(x, idx, axis).squeeze(axis)
        loss = np.where(valid, -picked * wt, 0).astype(x.dtype, copy=False)
        denom = wt.sum()
        ctx.save_for_backward(idx, wt)
        ctx.axis, ctx.reduction, ctx.denom, ctx.shape = axis, reduction, denom, x.shape
        return _reduce_items(loss, denom, reduction)

    @staticmethod
    def backward(ctx: Context, grad):
        idx, wt = ctx.saved_tensors
        s = _item_scale(grad, ctx.denom, ctx.reduction, ctx.axis)
        g = np.zeros(ctx.shape, dtype=wt.dtype)
        np.put_along_axis(g, idx, -s * np.expand_dims(wt, ctx.axis), ctx.axis)
        return g, None, None, None, None, None


# ---- argument checking --------------------------------------------------------------------


def _class_axis(op: str, input: Tensor) -> int:
    if input.ndim == 0:
        raise ValueError(f"{op}: input must have shape (C,) or (N, C, d1, ...), got a 0-d tensor")
    if input.dtype.kind != "f":
        raise TypeError(f"{op}: input must be a floating tensor, got dtype {input.dtype}")
    return 1 if input.ndim >= 2 else 0


def _class_weight(op: str, weight, input: Tensor, axis: int):
    """``weight`` (C,) as an array of the input's dtype shaped to broadcast along the class dim."""
    if weight is None:
        return None
    w = weight.array if isinstance(weight, Tensor) else np.asarray(weight)
    n_classes = input.shape[axis]
    if w.shape != (n_classes,):
        raise ValueError(f"{op}: weight must have shape ({n_classes},), one per class, got {w.shape}")
    shape = [1] * input.ndim
    shape[axis] = n_classes
    return w.astype(input.dtype, copy=False).reshape(shape)


def _index_targets(op: str, input: Tensor, target, axis: int, w, ignore_index: int):
    """Check class indices; return (index along the class dim, valid mask, per-item weight w_t)."""
    t = target.array if isinstance(target, Tensor) else np.asarray(target)
    expected = input.shape[:axis] + input.shape[axis + 1 :]
    if t.dtype.kind not in "iu":
        raise ValueError(f"{op}: class-index targets must be an integer tensor, got dtype {t.dtype}")
    if t.shape != expected:
        raise ValueError(
            f"{op}: expected target of shape {expected} for input of shape {input.shape} "
            f"(classes along dim {axis}), got target shape {t.shape}"
        )
    n_classes = input.shape[axis]
    valid = t != ignore_index
    chosen = t[valid]
    if chosen.size and (chosen.min() < 0 or chosen.max() >= n_classes):
        bad = chosen[(chosen < 0) | (chosen >= n_classes)][0]
        raise ValueError(
            f"{op}: target class index {bad} is out of range for {n_classes} classes (input shape {input.shape})"
        )
    safe = np.where(valid, t, 0).astype(np.int64)
    wt = valid.astype(input.dtype) if w is None else w.reshape(-1)[safe] * valid
    return np.expand_dims(safe, axis), valid, wt


# ---- public functions ---------------------------------------------------------------------


def cross_entropy(
    input: Tensor,
    target: Tensor,
    weight=None,
    ignore_index: int = -100,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> Tensor:
    """l = −ln softmax(x)_t (fused and stable), with PyTorch's weighting, ignoring and smoothing.

    Args:
        input: unnormalized logits.
        target: class indices (integer) of shape (N,), (N, d1, ...) or (); or class
            probabilities (floating) of the input's shape.
        weight: per-class weight w of shape (C,) (no gradient). Default None.
        ignore_index: items with this target add nothing to the loss or to the mean's
            denominator (class-index targets only; default −100).
        reduction: 'mean' (default; divides by Σ w_t over non-ignored items, or by
            N·d1·… for probability targets) | 'sum' | 'none'.
        label_smoothing: ε in [0, 1]: the target becomes (1 − ε)·onehot + ε/C (default 0).

    Shape:
        input: (N, C), (N, C, d1, d2, ...) or (C,); output: () or, with 'none', (N, d1, ...).
    """
    op = "cross_entropy"
    check_reduction(op, reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"{op}: label_smoothing must lie in [0, 1], got {label_smoothing}")
    axis = _class_axis(op, input)
    w = _class_weight(op, weight, input, axis)
    t_dtype = target.dtype if isinstance(target, Tensor) else np.asarray(target).dtype
    if np.dtype(t_dtype).kind == "f":
        if tuple(np.shape(target)) != input.shape:
            raise ValueError(
                f"{op}: a floating target holds class probabilities and must have the input's shape "
                f"{input.shape}, got {tuple(np.shape(target))}; class indices must be an integer tensor"
            )
        t = as_target(op, input, target, same_shape=True)
        return CrossEntropyProbs.apply(input, t, w, axis, reduction, float(label_smoothing))
    idx, valid, wt = _index_targets(op, input, target, axis, w, ignore_index)
    return CrossEntropy.apply(input, idx, valid, wt, w, axis, reduction, float(label_smoothing))


def nll_loss(
    input: Tensor, target: Tensor, weight=None, ignore_index: int = -100, reduction: str = "mean"
) -> Tensor:
    """l = −w_t·x_t, the negative log-likelihood of log-probabilities x (e.g. from log_softmax).

    Args:
        input: log-probabilities.
        target: integer class indices of shape (N,), (N, d1, ...) or ().
        weight: per-class weight w of shape (C,) (no gradient). Default None.
        ignore_index: items with this target are skipped (default −100).
        reduction: 'mean' (default; divides by Σ w_t over non-ignored items) | 'sum' | 'none'.

    Shape:
        input: (N, C), (N, C, d1, d2, ...) or (C,); output: () or, with 'none', (N, d1, ...).
    """
    op = "nll_loss"
    check_reduction(op, reduction)
    axis = _class_axis(op, input)
    w = _class_weight(op, weight, input, axis)
    idx, valid, wt = _index_targets(op, input, target, axis, w, ignore_index)
    return NLLLoss.apply(input, idx, valid, wt, axis, reduction)
