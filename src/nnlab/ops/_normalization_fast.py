"""Batch norm and layer norm by the fast kernels (``nnlab.backend.kernels.norm``), for :class:`Normalization`.

:class:`nnlab.ops.normalization.Normalization` keeps the NumPy reference; when the fast
kernels are on and the arrays are large enough it hands batch norm with batch statistics
and layer norm over the last dims to these wrappers, which set up the kernels' arguments
and record what their backward needs (``ctx.fused`` says which). The formulas are the
reference's (see its docstring); only x, μ and s = 1/√(σ² + ε) are kept.
"""

from __future__ import annotations

import numpy as np

from nnlab.autograd.function import Context
from nnlab.backend import kernels


def _affine_or(p: np.ndarray | None, c: int, value: float, dtype) -> np.ndarray:
    return np.full(c, value, dtype=dtype) if p is None else p


def batch_norm_fast(ctx: Context, k, x, weight, bias, layout, eps, running_mean, running_var, momentum, update_running):
    """Batch norm with batch statistics by the fused parallel kernel; keeps x (not x − μ) for backward."""
    xs, c, dt = x.reshape(layout.view), layout.view[1], x.dtype
    y = np.empty_like(xs)
    mean, var, invstd = (np.empty(c, dtype=dt) for _ in range(3))
    k.batch_norm_train(xs, _affine_or(weight, c, 1.0, dt), _affine_or(bias, c, 0.0, dt), eps, y, mean, var, invstd)
    update_running(running_mean, mean, momentum)
    update_running(running_var, var, momentum, unbias=layout.count)
    ctx.save_for_backward(x, mean, invstd, weight)  # x itself: the engine's in-place check knows its array
    ctx.fused = "batch"
    return y.reshape(x.shape)


def batch_norm_fast_backward(ctx: Context, grad):
    """The backward of :func:`batch_norm_fast` (same formulas as the reference's per-channel branch)."""
    x, mean, invstd, weight = ctx.saved_tensors
    xs = x.reshape(ctx.layout.view)
    k, c, dt = kernels.numba_kernels(), xs.shape[1], xs.dtype
    g = np.ascontiguousarray(grad, dtype=dt).reshape(xs.shape)
    need = ctx.needs_input_grad
    gx = np.empty_like(xs) if need[0] else np.empty((0, 0, 0), dtype=dt)
    sum_g, sum_gxhat = np.empty(c, dtype=dt), np.empty(c, dtype=dt)
    k.batch_norm_backward(g, xs, mean, invstd, _affine_or(weight, c, 1.0, dt), bool(need[0]), gx, sum_g, sum_gxhat)
    gw = sum_gxhat.reshape(weight.shape) if need[1] else None
    gb = sum_g.reshape(ctx.bias_shape) if need[2] else None
    return (gx.reshape(grad.shape) if need[0] else None), gw, gb, None, None, None, None, None, None


def layer_norm_fast(ctx: Context, k, x, weight, bias, eps):
    """Layer norm over the last dims by the parallel row kernel; keeps x, μ and s per row for backward."""
    rows, width = ctx.layout.view
    xs, dt = x.reshape(rows, width), x.dtype
    y = np.empty_like(xs)
    mean, invstd = np.empty(rows, dtype=dt), np.empty(rows, dtype=dt)
    w = _affine_or(None if weight is None else weight.reshape(-1), width, 1.0, dt)
    k.layer_norm_forward(xs, w, _affine_or(None if bias is None else bias.reshape(-1), width, 0.0, dt), eps, y,
                         mean, invstd)
    ctx.save_for_backward(x, mean, invstd, weight)
    ctx.fused = "layer"
    return y.reshape(x.shape)


def layer_norm_fast_backward(ctx: Context, grad):
    """The backward of :func:`layer_norm_fast`: the reference's formulas, one row at a time."""
    x, mean, invstd, weight = ctx.saved_tensors
    xs = x.reshape(ctx.layout.view)
    k, (rows, width), dt = kernels.numba_kernels(), xs.shape, xs.dtype
    g = np.ascontiguousarray(grad, dtype=dt).reshape(xs.shape)
    need = ctx.needs_input_grad
    gx = gw = gb = None
    if need[0]:
        gx = np.empty_like(xs)
        w = _affine_or(None if weight is None else weight.reshape(-1), width, 1.0, dt)
        k.layer_norm_backward(g, xs, mean, invstd, w, gx)
        gx = gx.reshape(grad.shape)
    if need[1] or need[2]:
        sum_gxhat, sum_g = np.zeros(width, dtype=dt), np.zeros(width, dtype=dt)
        k.layer_norm_param_grads(g, xs, mean, invstd, sum_gxhat, sum_g)
        gw = sum_gxhat.reshape(weight.shape) if need[1] else None
        gb = sum_g.reshape(ctx.bias_shape) if need[2] else None
    return gx, gw, gb, None, None, None, None, None, None
