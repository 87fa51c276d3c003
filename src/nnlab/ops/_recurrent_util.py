"""Bookkeeping shared by the fused recurrent Functions of ``nnlab.ops.recurrent``.

Layout, state slots, the folded sigmoid scaling, and the weight/input gradients that are
formed with one matmul each after the backward loop.
"""

from __future__ import annotations

import numpy as np

from nnlab.autograd.function import Context
from nnlab.autograd.grad_mode import is_grad_enabled


def setup(ctx: Context, x: np.ndarray, w_hh: np.ndarray, reverse: bool, batch_first: bool):
    """Record the call's geometry on ctx; return x time-major (L, N, I) and the order of the steps.

    A 2-D x is a single step (N, I) (the cells). Everything inside runs time-major so each
    step reads and writes contiguous (N, ·) blocks; a batch-first x is transposed once.
    The state buffer has L+1 slots: the state before step t sits at slot t + off and the
    state after it at t + 1 − off (off = 1 for the reverse direction), so slots
    off … off+L−1 hold the previous state of every step, aligned with t.
    """
    single = x.ndim == 2
    ctx.bf, ctx.xshape, ctx.off = bool(batch_first) and not single, x.shape, int(bool(reverse))
    x_tm = x[None] if single else (np.ascontiguousarray(x.swapaxes(0, 1)) if ctx.bf else x)
    ctx.steps, ctx.n = x_tm.shape[:2]
    ctx.h = w_hh.shape[1]
    # the derivative factors are formed during the forward loop, and only when a backward can follow
    ctx.record = is_grad_enabled() and any(ctx.needs_input_grad)
    order = range(ctx.steps - 1, -1, -1) if reverse else range(ctx.steps)
    return x_tm, order


def step_buffer(ctx: Context, steps: int, *tail: int, dtype) -> np.ndarray:
    return np.empty((steps, ctx.n) + tail, dtype=dtype)


def packed_result(ctx: Context, finals: int, dtype) -> tuple[np.ndarray, np.ndarray]:
    """The result (outputs, then ``finals`` final states) in the caller's layout, and its time-major view."""
    steps = ctx.steps + finals
    p = np.empty((ctx.n, steps, ctx.h) if ctx.bf else (steps, ctx.n, ctx.h), dtype=dtype)
    return p, (p.swapaxes(0, 1) if ctx.bf else p)


def gate_scale(gates: str, h: int, dtype) -> tuple[np.ndarray, np.ndarray]:
    """Row factors s (½ for sigmoid gates 's', 1 for tanh gates 't') and offsets b: gate = s·tanh(s·pre) + b."""
    s = np.repeat(np.array([0.5 if g == "s" else 1.0 for g in gates], dtype=dtype), h)
    return s, s * (s != 1)


def sum_bias(b_ih: np.ndarray | None, b_hh: np.ndarray | None) -> np.ndarray | None:
    if b_ih is None:
        return b_hh
    return b_ih if b_hh is None else b_ih + b_hh


def project(x_tm: np.ndarray, w: np.ndarray, bias: np.ndarray | None) -> np.ndarray:
    """x·Wᵀ + b for every step at once: one (L·N, I) @ (I, G) product, time-major (L, N, G)."""
    y = x_tm.reshape(-1, x_tm.shape[-1]) @ w.T
    if bias is not None:
        y += bias
    return y.reshape(x_tm.shape[:2] + (w.shape[0],))


def init_state(slot: np.ndarray, state: np.ndarray | None) -> None:
    slot[...] = 0 if state is None else state


def finish(ctx: Context, pk: np.ndarray, states: np.ndarray, masked: bool) -> None:
    """Copy the outputs (unmasked: the states after each step) and h_n into the packed result."""
    steps, off = ctx.steps, ctx.off
    if not masked:
        pk[:steps] = states[1 - off : 1 - off + steps]
    pk[steps] = states[(1 - off) * steps]


def grad_time_major(ctx: Context, grad: np.ndarray) -> np.ndarray:
    return grad.swapaxes(0, 1) if ctx.bf else grad


def backward_order(ctx: Context) -> range:
    return range(ctx.steps) if ctx.off else range(ctx.steps - 1, -1, -1)


def input_grads(ctx: Context, dg: np.ndarray, x_tm: np.ndarray, w_ih: np.ndarray):
    """∂x = δ W_ih, ∂W_ih = Σ δᵀ x, ∂b_ih = Σ δ over all steps, from the gate grads δ (L, N, G)."""
    need = ctx.needs_input_grad
    dg2 = dg.reshape(-1, dg.shape[-1])
    dx = None
    if need[0]:
        dx = (dg2 @ w_ih).reshape(x_tm.shape)
        dx = dx.swapaxes(0, 1) if ctx.bf else dx.reshape(ctx.xshape)
    dw_ih = dg2.T @ x_tm.reshape(-1, x_tm.shape[-1]) if need[1] else None
    db_ih = dg2.sum(axis=0) if need[3] else None
    return dx, dw_ih, db_ih


def hidden_grads(ctx: Context, dg: np.ndarray, states: np.ndarray, input_bias_grad: np.ndarray | None = None):
    """∂W_hh = Σ_t δ_tᵀ h_{t−1} and ∂b_hh = Σ δ, from the hidden-side gate grads δ (L, N, G).

    Where both sides share their gate gradients (RNN, LSTM: b_ih and b_hh enter the same
    pre-activation), ``input_bias_grad`` is ∂b_ih from :func:`input_grads` (or None when it was
    not needed): ∂b_hh is its copy rather than a second sum over every step.
    """
    need = ctx.needs_input_grad
    dg2 = dg.reshape(-1, dg.shape[-1])
    prev = states[ctx.off : ctx.off + ctx.steps].reshape(-1, ctx.h)
    db = None
    if need[4]:
        db = dg2.sum(axis=0) if input_bias_grad is None else input_bias_grad.copy()
    return (dg2.T @ prev if need[2] else None), db
