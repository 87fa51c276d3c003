"""Normalization ops: batch, instance, group and layer normalization, local response normalization.

The first four share one fused :class:`Normalization` Function: each is "standardize
over some axes of a reshaped view, then an affine map", and they differ only in the
view (which elements share a mean and a variance) and in the shape of γ and β:

=============  ====================================  ===============  ==========
op             one mean and variance per              view             γ, β per
=============  ====================================  ===============  ==========
batch_norm     channel (over N and space)             (N, C, L)        channel
instance_norm  sample and channel (over space)        (N, C, L)        channel
group_norm     sample and group of C/G channels       (N, G, C/G·L)    channel
layer_norm     leading index (over the last dims)     (M, K)           element
=============  ====================================  ===============  ==========

Variances are biased (divide by M) for normalizing, and ε sits inside the square root,
as in PyTorch; running estimates take the unbiased variance (× M/(M − 1)).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from nnlab.autograd.function import Context, Function
from nnlab.autograd.tensor import Tensor
from nnlab.backend import kernels
from nnlab.ops._normalization_fast import batch_norm_fast, batch_norm_fast_backward, layer_norm_fast, layer_norm_fast_backward


@dataclass(frozen=True)
class _Layout:
    """How a normalization sees its input.

    Attributes:
        view: the shape the input is reshaped to for the statistics.
        axes: the axes of ``view`` that a mean and a variance are taken over.
        affine: the shape γ and β are reshaped to so that they broadcast against the input.
    """

    view: tuple[int, ...]
    axes: tuple[int, ...]
    affine: tuple[int, ...]

    @property
    def count(self) -> int:
        """M, the number of elements behind each statistic."""
        return math.prod(self.view[a] for a in self.axes)


class Normalization(Function):
    """y = γ ⊙ x̂ + β with x̂ = (x − μ)·s, s = 1/√(σ² + ε), statistics over ``layout.axes``.

    With batch statistics (μ and σ² the mean and biased variance of the M elements
    that share them), the gradient also flows through the statistics. From
    ∂x̂_i/∂x_j = s·(δ_ij − 1/M − x̂_i·x̂_j/M), writing ĝ = γ ⊙ g and ⟨·⟩ for the mean
    over those M elements:

        ∂L/∂x = s · (ĝ − ⟨ĝ⟩ − x̂ ⊙ ⟨ĝ ⊙ x̂⟩)

    With fixed statistics (running estimates, eval mode) μ and s are constants and
    ∂L/∂x = s · ĝ. Either way ∂L/∂γ = Σ g ⊙ x̂ and ∂L/∂β = Σ g, summed over every
    axis γ and β are broadcast along. Forward keeps x̂ and s for backward, not x.

    With batch statistics and running estimates r (shape (C,)) given, forward updates
    them in place: r ← (1 − m)·r + m·b, where b is the batch mean, or the batch
    variance × M/(M − 1) (unbiased), averaged over the samples for instance norm.
    Without batch statistics, the running estimates are the (per channel) μ and σ².
    """

    @staticmethod
    def forward(ctx: Context, x, weight, bias, layout: _Layout, eps: float,
                running_mean, running_var, batch_stats: bool, momentum: float):
        xs = x.reshape(layout.view)
        per_channel = batch_stats and layout.axes == (0, 2)
        ctx.layout, ctx.batch_stats, ctx.per_channel, ctx.fused = layout, batch_stats, per_channel, None
        ctx.bias_shape = None if bias is None else bias.shape
        k = kernels.fast()
        if per_channel and k is not None and kernels.worth_it(xs):
            return batch_norm_fast(ctx, k, x, weight, bias, layout, eps, running_mean, running_var, momentum,
                                   _update_running)
        if layout.axes == (1,) and len(layout.view) == 2 and k is not None and kernels.worth_it(xs):
            return layer_norm_fast(ctx, k, x, weight, bias, eps)
        if batch_stats:
            mean = xs.mean(axis=layout.axes, keepdims=True)
            xc = xs - mean
            if per_channel:  # Σ (x − μ)² per channel without the squared temporary
                var = (np.einsum("ncl,ncl->c", xc, xc) / layout.count).astype(x.dtype).reshape(mean.shape)
            else:
                var = np.mean(xc * xc, axis=layout.axes, keepdims=True)
            _update_running(running_mean, mean, momentum)
            _update_running(running_var, var, momentum, unbias=layout.count)
        else:
            per_channel_shape = (1, layout.view[1]) + (1,) * (len(layout.view) - 2)
            mean = running_mean.astype(x.dtype, copy=False).reshape(per_channel_shape)
            var = running_var.astype(x.dtype, copy=False).reshape(per_channel_shape)
            xc = xs - mean
        invstd = 1 / np.sqrt(var + eps)
        if per_channel:
            # Batch norm keeps x − μ for backward (x̂ = (x − μ)·s is never needed whole there) and
            # writes y = (x − μ)·(s·γ) + β in two passes.
            scale = invstd if weight is None else invstd * weight.reshape(invstd.shape)
            y = (xc * scale).reshape(x.shape)
            saved = xc.reshape(x.shape)
        else:
            xc *= invstd  # xc is a fresh array: normalize it in place rather than allocate x̂
            saved = y = xc.reshape(x.shape)
            if weight is not None:
                y = y * weight.reshape(layout.affine)
        if bias is not None:
            y = y + bias.reshape(layout.affine) if y is saved else np.add(y, bias.reshape(layout.affine), out=y)
        ctx.save_for_backward(saved, invstd, weight)
        return y

    @staticmethod
    def backward(ctx: Context, grad):
        if ctx.fused == "batch":
            return batch_norm_fast_backward(ctx, grad)
        if ctx.fused == "layer":
            return layer_norm_fast_backward(ctx, grad)
        saved, invstd, weight = ctx.saved_tensors
        layout: _Layout = ctx.layout
        broadcast_axes = tuple(i for i, n in enumerate(layout.affine) if n == 1)
        gw = gb = gx = None
        if ctx.per_channel:
            # Batch norm: γ is constant over each statistic's M elements, so the ⟨ĝ⟩ and ⟨ĝ ⊙ x̂⟩ of
            # ∂L/∂x are γ·Σg/M and γ·Σ(g ⊙ x̂)/M — the very sums ∂L/∂β and ∂L/∂γ need. ``saved`` is
            # x − μ here, so Σ g ⊙ x̂ = s·Σ g ⊙ (x − μ).
            s = invstd.reshape(-1)
            sum_gx = np.einsum("ncl,ncl->c", grad.reshape(layout.view), saved.reshape(layout.view)) * s
            sum_g = np.sum(grad, axis=broadcast_axes)
            gw = sum_gx.reshape(weight.shape) if ctx.needs_input_grad[1] else None
            gb = sum_g.reshape(ctx.bias_shape) if ctx.needs_input_grad[2] else None
            if ctx.needs_input_grad[0]:
                a = s if weight is None else s * weight.reshape(-1)
                gx = grad * a.reshape(layout.affine)
                gx -= saved * (a * s * sum_gx / layout.count).reshape(layout.affine)
                gx -= (a * sum_g / layout.count).reshape(layout.affine)
            return gx, gw, gb, None, None, None, None, None, None
        xhat = saved
        if ctx.needs_input_grad[1]:
            gw = np.sum(grad * xhat, axis=broadcast_axes).reshape(weight.shape)
        if ctx.needs_input_grad[2]:
            gb = np.sum(grad, axis=broadcast_axes).reshape(ctx.bias_shape)
        if ctx.needs_input_grad[0]:
            gh = grad if weight is None else grad * weight.reshape(layout.affine)
            gs = gh.reshape(layout.view)
            if ctx.batch_stats:
                xs = xhat.reshape(layout.view)
                axes = layout.axes
                proj = np.mean(gs * xs, axis=axes, keepdims=True)
                gs = gs - gs.mean(axis=axes, keepdims=True)
                gs -= xs * proj
                gs *= invstd
                gx = gs.reshape(xhat.shape)
            else:
                gx = (gs * invstd).reshape(xhat.shape)
        return gx, gw, gb, None, None, None, None, None, None


def _update_running(running: np.ndarray | None, stat: np.ndarray, momentum: float, unbias: int = 0) -> None:
    """r ← (1 − m)·r + m·b in place (in r's dtype); b is ``stat`` averaged over samples, × M/(M − 1) if M = ``unbias``."""
    if running is None:
        return
    # Statistics are (1, C, 1) for batch norm and (N, C, 1) for instance norm.
    batch = stat.reshape(-1, running.shape[0]).mean(axis=0)
    if unbias:
        batch = batch * (unbias / (unbias - 1))
    batch = batch.astype(running.dtype, copy=False)
    running *= 1 - momentum
    running += momentum * batch


# ---- argument checking ------------------------------------------------------------------------


def _array(t, op: str, name: str) -> np.ndarray | None:
    if t is None:
        return None
    if isinstance(t, Tensor):
        return t.array
    if isinstance(t, np.ndarray):
        return t
    raise TypeError(f"{op}: {name} must be a Tensor or None, got {type(t).__name__}")


def _check_param(op: str, name: str, p, shape: tuple[int, ...], x: Tensor) -> None:
    a = _array(p, op, name)
    if a is None:
        return
    if tuple(a.shape) != tuple(shape):
        raise ValueError(f"{op}: {name} has shape {tuple(a.shape)}, expected {tuple(shape)} for input of shape {x.shape}")
    if name in ("weight", "bias") and a.dtype != x.dtype:
        raise TypeError(
            f"{op}: input dtype {x.dtype} does not match {name} dtype {a.dtype}; "
            "cast the input (x.float() / x.double()) or the layer (.to(dtype))"
        )


def _check_input(x: Tensor, op: str, min_dim: int, what: str) -> None:
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}: input must be a Tensor, got {type(x).__name__}")
    if x.ndim < min_dim:
        raise ValueError(f"{op}: expected input of shape {what}, got shape {x.shape}")
    if x.dtype.kind != "f":
        raise TypeError(f"{op}: expected a floating input, got dtype {x.dtype}")


def _check_eps(op: str, eps: float, batch_stats: bool) -> float:
    eps = float(eps)
    if batch_stats and eps <= 0 or eps < 0:
        need = "positive when normalizing with batch statistics" if batch_stats else "non-negative"
        raise ValueError(f"{op}: eps must be {need}, got {eps}")
    return eps


def _check_momentum(op: str, momentum) -> float:
    if momentum is None or isinstance(momentum, bool) or not isinstance(momentum, (int, float, np.floating)):
        raise TypeError(
            f"{op}: momentum must be a float, got {momentum!r} (the cumulative average of "
            "momentum=None is the BatchNorm modules' job: they pass 1/num_batches_tracked)"
        )
    return float(momentum)


def _channel_layout(x: Tensor) -> _Layout:
    n, c = x.shape[0], x.shape[1]
    return _Layout((n, c, math.prod(x.shape[2:])), (0, 2), (1, c) + (1,) * (x.ndim - 2))


# ---- public functions -------------------------------------------------------------------------


def batch_norm(input: Tensor, running_mean: Tensor | None, running_var: Tensor | None,
               weight: Tensor | None = None, bias: Tensor | None = None, training: bool = False,
               momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """y = γ ⊙ (x − μ_c)/√(σ²_c + ε) + β per channel c, statistics over the batch and space.

    In training the batch mean and biased batch variance normalize, and the running
    estimates (when given) are updated in place with the unbiased variance:
    r ← (1 − momentum)·r + momentum·b. Otherwise the running estimates normalize.

    Args:
        input: floating input.
        running_mean: (C,) running mean, or None (then only batch statistics can be used).
        running_var: (C,) running variance, or None.
        weight: γ of shape (C,), or None (γ = 1). Default: None.
        bias: β of shape (C,), or None (β = 0). Default: None.
        training: use batch statistics (True) or the running estimates (False). Default: False.
        momentum: weight of the new batch in the running estimates. Default: 0.1.
        eps: added to the variance inside the square root. Default: 1e-5.

    Shape:
        input: (N, C), (N, C, L), (N, C, H, W) or (N, C, D, H, W); output: the same.
    """
    op = "batch_norm"
    _check_input(input, op, 2, "(N, C, *)")
    c = input.shape[1]
    for name, p in (("running_mean", running_mean), ("running_var", running_var), ("weight", weight), ("bias", bias)):
        _check_param(op, name, p, (c,), input)
    if training and math.prod(input.shape) // c <= 1:
        raise ValueError("batch_norm: expected more than 1 value per channel when training, "
                         f"got input of shape {input.shape}")
    if not training and (running_mean is None or running_var is None):
        raise ValueError("batch_norm: running_mean and running_var must be given in evaluation mode (training=False)")
    eps = _check_eps(op, eps, training)
    momentum = _check_momentum(op, momentum)
    return Normalization.apply(input, weight, bias, _channel_layout(input), eps, _array(running_mean, op, "running_mean"),
                               _array(running_var, op, "running_var"), bool(training), momentum)


def instance_norm(input: Tensor, running_mean: Tensor | None = None, running_var: Tensor | None = None,
                  weight: Tensor | None = None, bias: Tensor | None = None, use_input_stats: bool = True,
                  momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """y = γ_c ⊙ (x − μ_nc)/√(σ²_nc + ε) + β_c, statistics per sample and channel over space.

    Args:
        input: floating input.
        running_mean: (C,) running mean (updated in place from the batch average of the
            per-instance means when ``use_input_stats``), or None. Default: None.
        running_var: (C,) running variance, likewise (unbiased). Default: None.
        weight: γ of shape (C,), or None. Default: None.
        bias: β of shape (C,), or None. Default: None.
        use_input_stats: normalize with each instance's statistics (True) or with the
            running estimates (False). Default: True.
        momentum: weight of the new batch in the running estimates. Default: 0.1.
        eps: added to the variance inside the square root. Default: 1e-5.

    Shape:
        input: (N, C, L), (N, C, H, W) or (N, C, D, H, W); output: the same.
    """
    op = "instance_norm"
    _check_input(input, op, 2, "(N, C, *)")
    c = input.shape[1]
    for name, p in (("running_mean", running_mean), ("running_var", running_var), ("weight", weight), ("bias", bias)):
        _check_param(op, name, p, (c,), input)
    if use_input_stats and math.prod(input.shape[2:]) <= 1:
        raise ValueError("instance_norm: expected more than 1 spatial element when training, "
                         f"got input of shape {input.shape}")
    if not use_input_stats and (running_mean is None or running_var is None):
        raise ValueError("instance_norm: running_mean and running_var must be given when use_input_stats=False")
    eps = _check_eps(op, eps, use_input_stats)
    momentum = _check_momentum(op, momentum)
    n, c = input.shape[0], input.shape[1]
    layout = _Layout((n, c, math.prod(input.shape[2:])), (2,), (1, c) + (1,) * (input.ndim - 2))
    return Normalization.apply(input, weight, bias, layout, eps, _array(running_mean, op, "running_mean"),
                               _array(running_var, op, "running_var"), bool(use_input_stats), momentum)


def group_norm(input: Tensor, num_groups: int, weight: Tensor | None = None, bias: Tensor | None = None,
               eps: float = 1e-5) -> Tensor:
    """y = γ_c ⊙ (x − μ_ng)/√(σ²_ng + ε) + β_c, statistics per sample over each group of C/G channels and space.

    Args:
        input: floating input.
        num_groups: G, which must divide C.
        weight: γ of shape (C,), or None. Default: None.
        bias: β of shape (C,), or None. Default: None.
        eps: added to the variance inside the square root. Default: 1e-5.

    Shape:
        input: (N, C, *); output: the same.
    """
    op = "group_norm"
    _check_input(input, op, 2, "(N, C, *)")
    n, c = input.shape[0], input.shape[1]
    if not isinstance(num_groups, (int, np.integer)) or num_groups < 1 or c % num_groups:
        raise ValueError(f"group_norm: the input's {c} channels (shape {input.shape}) "
                         f"are not divisible into num_groups={num_groups}")
    for name, p in (("weight", weight), ("bias", bias)):
        _check_param(op, name, p, (c,), input)
    g = int(num_groups)
    layout = _Layout((n, g, c // g * math.prod(input.shape[2:])), (2,), (1, c) + (1,) * (input.ndim - 2))
    return Normalization.apply(input, weight, bias, layout, _check_eps(op, eps, True), None, None, True, 0.0)


def layer_norm(input: Tensor, normalized_shape: int | Sequence[int], weight: Tensor | None = None,
               bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    """y = γ ⊙ (x − μ)/√(σ² + ε) + β, statistics over the last ``len(normalized_shape)`` dims.

    Args:
        input: floating input.
        normalized_shape: the trailing shape K normalized over (an int for one dim).
        weight: γ of shape K (elementwise), or None. Default: None.
        bias: β of shape K, or None. Default: None.
        eps: added to the variance inside the square root. Default: 1e-5.

    Shape:
        input: (*, K); output: the same.
    """
    op = "layer_norm"
    if isinstance(normalized_shape, (int, np.integer)):
        normalized_shape = (normalized_shape,)
    ns = tuple(int(s) for s in normalized_shape)
    _check_input(input, op, len(ns), f"(*, {', '.join(map(str, ns))})")
    k = len(ns)
    if not ns or tuple(input.shape[input.ndim - k:]) != ns:
        raise ValueError(f"layer_norm: normalized_shape={list(ns)} expects input of shape "
                         f"[*, {', '.join(map(str, ns))}], got shape {input.shape}")
    for name, p in (("weight", weight), ("bias", bias)):
        _check_param(op, name, p, ns, input)
    lead = input.shape[: input.ndim - k]
    layout = _Layout((math.prod(lead), math.prod(ns)), (1,), (1,) * len(lead) + ns)
    return Normalization.apply(input, weight, bias, layout, _check_eps(op, eps, True), None, None, True, 0.0)


# ---- local response normalization ----------------------------------------------------------------


def _channel_window_sum(a: np.ndarray, before: int, after: int) -> np.ndarray:
    """s_c = Σ_{c' = c − before}^{c + after} a_c' along dim 1, zero outside; one slice add per offset."""
    c = a.shape[1]
    padded = np.zeros(a.shape[:1] + (c + before + after,) + a.shape[2:], dtype=a.dtype)
    padded[:, before : before + c] = a
    out = padded[:, 0:c].copy()
    for o in range(1, before + after + 1):
        out += padded[:, o : o + c]
    return out


class LocalResponseNorm(Function):
    """y_c = x_c · d_c^(−β), d_c = k + (α/n)·Σ_{c' ∈ W(c)} x_c'², W(c) = [c − ⌊n/2⌋, c + ⌊(n−1)/2⌋].

    Backward: d_c' depends on x_c for every c' whose window holds c, i.e.
    c' ∈ [c − ⌊(n−1)/2⌋, c + ⌊n/2⌋] (the mirrored window), so

        ∂L/∂x_c = g_c·d_c^(−β) − (2αβ/n)·x_c·Σ_{c' mirrored} g_c'·y_c'/d_c'

    using y_c'/d_c' = x_c'·d_c'^(−β−1). Forward keeps x, d and y.
    """

    @staticmethod
    def forward(ctx: Context, x, size: int, alpha: float, beta: float, k: float):
        d = _channel_window_sum(x * x, size // 2, (size - 1) // 2)
        d *= alpha / size
        d += k
        y = x * d ** -beta
        ctx.save_for_backward(x, d, y)
        ctx.params = (size, alpha, beta)
        return y

    @staticmethod
    def backward(ctx: Context, grad):
        x, d, y = ctx.saved_tensors
        size, alpha, beta = ctx.params
        back = _channel_window_sum(grad * y / d, (size - 1) // 2, size // 2)
        gx = grad * d ** -beta - (2 * alpha * beta / size) * x * back
        return gx, None, None, None, None


def local_response_norm(input: Tensor, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0) -> Tensor:
    """y_c = x_c / (k + α/n · Σ_{c' near c} x_c'²)^β, over a window of n = ``size`` neighbouring channels.

    AlexNet's local response normalization, with PyTorch's convention of averaging the
    squares over the window (α/n), zero-padded at the first and last channels.

    Args:
        input: floating input with a channel dim.
        size: n, the number of channels in the window.
        alpha: α, the scale. Default: 1e-4.
        beta: β, the exponent. Default: 0.75.
        k: the additive constant. Default: 1.0.

    Shape:
        input: (N, C, *) with at least one dim after C; output: the same.
    """
    _check_input(input, "local_response_norm", 3, "(N, C, *) with 3 or more dims")
    if not isinstance(size, (int, np.integer)) or size < 1:
        raise ValueError(f"local_response_norm: size must be a positive int, got {size!r}")
    return LocalResponseNorm.apply(input, int(size), float(alpha), float(beta), float(k))
