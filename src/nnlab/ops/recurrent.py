"""Fused recurrent layers: one ``Function`` runs a whole sequence of one layer and direction.

Each Function's forward projects the inputs of ALL time steps with one matmul,
(L·N, I) @ W_ihᵀ, then loops over t with only the recurrent product h·W_hhᵀ and the
gate arithmetic inside; its backward runs backpropagation through time in NumPy
(t = L−1 … 0), keeping dh (and dc) as running arrays, storing the gate gradients of
every step and forming dW_ih, dW_hh, the biases and dx with one matmul each after
the loop. Gate order and equations are PyTorch's:

- RNN:  h' = act(W_ih x + b_ih + W_hh h + b_hh), act = tanh or relu.
- LSTM: (i, f, g, o) = (σ, σ, tanh, σ)(W_ih x + b_ih + W_hh h + b_hh),
  c' = f ⊙ c + i ⊙ g, h' = o ⊙ tanh(c').
- GRU:  (r, z) = σ(W_i{r,z} x + b_i{r,z} + W_h{r,z} h + b_h{r,z}),
  n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)), h' = (1 − z) ⊙ n + z ⊙ h.

A Function returns one array, so the outputs are packed along the time axis: steps
0…L−1 hold the outputs, step L holds h_n and (LSTM) step L+1 holds c_n; the
helpers ``rnn_layer``/``gru_layer``/``lstm_layer`` slice them apart.

Variable lengths come as a mask m of shape (L, N, 1) (1 while t < length): a masked
step leaves the state unchanged and outputs zero, h ← m ⊙ h_cand + (1 − m) ⊙ h, so
h_n is the state at each sequence's last true step in both directions (a reverse
pass starts at t = length − 1), which is what PyTorch's packed sequences compute.

σ(x) is evaluated as ½(1 + tanh(x/2)): the ½ is folded into the sigmoid gates' rows of
the weights once per call, so one tanh call covers all four LSTM gates per step and
nothing overflows.
"""

from __future__ import annotations

import numpy as np

from nnlab.autograd.function import Function
from nnlab.autograd.tensor import Tensor
from nnlab.backend import kernels
from nnlab.ops._recurrent_util import (
    backward_order, finish, gate_scale, grad_time_major, hidden_grads, init_state, input_grads, packed_result,
    project, setup, step_buffer, sum_bias,
)
from nnlab.ops.movement import getitem


class RNNSequence(Function):
    """A whole Elman RNN layer, one direction: h_t = act(W_ih x_t + b_ih + W_hh h_{t−1} + b_hh).

    Backward (BPTT) with a running δ = ∂L/∂h_t and a_t = act(pre_t):
    δpre_t = m_t (δ + ∂L/∂out_t) ⊙ act'(pre_t), δ ← δpre_t W_hh + (1 − m_t) δ;
    ∂W_hh = Σ_t δpre_tᵀ h_{t−1}, ∂W_ih = Σ_t δpre_tᵀ x_t, ∂b_ih = ∂b_hh = Σ_t δpre_t,
    ∂x_t = δpre_t W_ih, ∂h_0 = the final δ. tanh' = 1 − a², relu' = [a > 0].

    ``apply(x, w_ih, w_hh, b_ih, b_hh, h0, mask, reverse, batch_first, nonlinearity)``:
    x (L, N, I), (N, L, I) with ``batch_first``, or one step (N, I); w_ih (H, I); w_hh (H, H);
    b_ih, b_hh (H,) or None; h0 (N, H) or None for zeros; mask (L, N, 1) or None.
    Returns (L+1, N, H) (or (N, L+1, H)): the outputs, then h_n.
    """

    @staticmethod
    def forward(ctx, x, w_ih, w_hh, b_ih, b_hh, h0, mask, reverse, batch_first, nonlinearity="tanh"):
        x_tm, order = setup(ctx, x, w_hh, reverse, batch_first)
        steps, off, dt = ctx.steps, ctx.off, x.dtype
        xg = project(x_tm, w_ih, sum_bias(b_ih, b_hh))
        states = step_buffer(ctx, steps + 1, ctx.h, dtype=dt)
        packed, pk = packed_result(ctx, 1, dt)
        deriv = step_buffer(ctx, steps, ctx.h, dtype=dt) if ctx.record else None
        init_state(states[off * steps], h0)
        w_t, relu = np.ascontiguousarray(w_hh.T), nonlinearity == "relu"
        nm = None if mask is None else 1 - mask
        for t in order:
            hp, ha = states[t + off], states[t + 1 - off]
            cand = ha if mask is None else pk[t]
            np.matmul(hp, w_t, out=cand)
            cand += xg[t]
            if relu:
                np.maximum(cand, 0, out=cand)
            else:
                np.tanh(cand, out=cand)
            if deriv is not None:
                d = deriv[t]
                if relu:
                    np.sign(cand, out=d)
                else:
                    np.multiply(cand, cand, out=d)
                    np.subtract(1, d, out=d)
            if mask is not None:
                cand *= mask[t]
                np.multiply(hp, nm[t], out=ha)
                ha += cand
        finish(ctx, pk, states, mask is not None)
        ctx.mask, ctx.nm = mask, nm
        ctx.save_for_backward(x_tm, w_ih, w_hh, states, deriv)
        return packed

    @staticmethod
    def backward(ctx, grad):
        x_tm, w_ih, w_hh, states, deriv = ctx.saved_tensors
        mask, nm, gt = ctx.mask, ctx.nm, grad_time_major(ctx, grad)
        dpre = step_buffer(ctx, ctx.steps, ctx.h, dtype=grad.dtype)
        dh = gt[ctx.steps].copy()
        for t in backward_order(ctx):
            dp = dpre[t]
            if mask is None:
                dh += gt[t]
                np.multiply(dh, deriv[t], out=dp)
                np.matmul(dp, w_hh, out=dh)
            else:
                np.add(dh, gt[t], out=dp)
                dp *= mask[t]
                dp *= deriv[t]
                dh *= nm[t]
                dh += dp @ w_hh
        need = ctx.needs_input_grad
        dx, dw_ih, db_ih = input_grads(ctx, dpre, x_tm, w_ih)
        dw_hh, db_hh = hidden_grads(ctx, dpre, states, db_ih)
        return dx, dw_ih, dw_hh, db_ih, db_hh, dh if need[5] else None, None, None, None, None


class LSTMSequence(Function):
    """A whole LSTM layer, one direction, PyTorch's gates (i, f, g, o).

    In the seeds' notation: Γ_u = i (update gate), Γ_f = f (forget gate), Γ_o = o
    (output gate), c̃ = g (candidate cell); c' = Γ_u ⊙ c̃ + Γ_f ⊙ c, h' = Γ_o ⊙ tanh(c').

    Backward (BPTT) with running δh = ∂L/∂h_t, δc = ∂L/∂c_t, on unmasked steps:
    δh += ∂L/∂out_t; δc += δh ⊙ k, k = o ⊙ (1 − tanh²c_t);
    δ(pre_i, pre_f, pre_g, pre_o) = (δc ⊙ g·i(1−i), δc ⊙ c_{t−1}·f(1−f), δc ⊙ i·(1−g²),
    δh ⊙ tanh c_t·o(1−o)); then δh ← δpre W_hh, δc ← δc ⊙ f. The factors k and
    D = (g·i(1−i), c_{t−1}·f(1−f), i·(1−g²), tanh c_t·o(1−o)) are formed in the forward
    loop while its values are at hand, so the backward loop is six array operations and
    one matmul per step. A masked step passes (1 − m)·(δh, δc) straight through.
    Weight and input gradients as in :class:`RNNSequence`.

    ``apply(x, w_ih, w_hh, b_ih, b_hh, h0, c0, mask, reverse, batch_first)`` with w_ih (4H, I),
    w_hh (4H, H), b (4H,); returns (L+2, N, H) (or (N, L+2, H)): outputs, h_n, c_n.
    """

    @staticmethod
    def forward(ctx, x, w_ih, w_hh, b_ih, b_hh, h0, c0, mask, reverse, batch_first):
        x_tm, order = setup(ctx, x, w_hh, reverse, batch_first)
        steps, off, h, n, dt = ctx.steps, ctx.off, ctx.h, ctx.n, x.dtype
        s, b = gate_scale("ssts", h, dt)
        bias = sum_bias(b_ih, b_hh)
        xg = project(x_tm, w_ih * s[:, None], None if bias is None else bias * s)
        w_t = np.ascontiguousarray((w_hh * s[:, None]).T)  # C-order (H, 4H): a third faster per step
        acts = step_buffer(ctx, steps, 4 * h, dtype=dt)
        acts4 = acts.reshape(steps, n, 4, h)
        hs = step_buffer(ctx, steps + 1, h, dtype=dt)
        packed, pk = packed_result(ctx, 2, dt)
        rec = ctx.record
        dfac = step_buffer(ctx, steps, 4, h, dtype=dt) if rec else None
        kfac = step_buffer(ctx, steps, h, dtype=dt) if rec else None
        s2 = (s * s).reshape(4, h)
        cp, ca, tmp, tc = (np.empty((n, h), dtype=dt) for _ in range(4))
        init_state(hs[off * steps], h0)
        init_state(cp, c0)
        nm = None if mask is None else 1 - mask
        cell = kernels.fast() if mask is None and dt in (np.float32, np.float64) else None
        ctx.fast_cell = cell is not None
        none3, none2 = np.empty((0, 0, 0), dtype=dt), np.empty((0, 0), dtype=dt)
        for t in order:
            a, a4 = acts[t], acts4[t]
            hp, ha = hs[t + off], hs[t + 1 - off]
            np.matmul(hp, w_t, out=a)
            if cell is not None:  # the gate arithmetic below in two compiled loops around NumPy's tanh
                a += xg[t]
                np.tanh(a, out=a)
                cell.lstm_gates(a, cp, ca, dfac[t] if rec else none3, rec)
                np.tanh(ca, out=tc)
                cell.lstm_output(a, tc, ha, dfac[t] if rec else none3, kfac[t] if rec else none2, rec)
                cp, ca = ca, cp
                continue
            a += xg[t]
            np.tanh(a, out=a)
            if rec:  # σ' = ¼(1 − tanh²(x/2)), tanh' = 1 − tanh²
                d4 = dfac[t]
                np.multiply(a4, a4, out=d4)
                np.subtract(1, d4, out=d4)
                d4 *= s2
            a *= s
            a += b
            np.multiply(a4[:, 1], cp, out=ca)
            np.multiply(a4[:, 0], a4[:, 2], out=tmp)
            ca += tmp
            np.tanh(ca, out=tc)
            out = ha if mask is None else pk[t]
            np.multiply(a4[:, 3], tc, out=out)
            if rec:
                d4[:, 0::2] *= a4[:, 2::-2]  # (i', g') times (g, i)
                d4[:, 1] *= cp
                d4[:, 3] *= tc
                k = kfac[t]
                np.multiply(tc, tc, out=k)
                np.subtract(1, k, out=k)
                k *= a4[:, 3]
            if mask is not None:
                out *= mask[t]
                np.multiply(hp, nm[t], out=ha)
                ha += out
                ca -= cp  # c ← c_prev + m (c_cand − c_prev)
                ca *= mask[t]
                ca += cp
            cp, ca = ca, cp
        finish(ctx, pk, hs, mask is not None)
        pk[steps + 1] = cp
        ctx.mask, ctx.nm = mask, nm
        ctx.save_for_backward(x_tm, w_ih, w_hh, acts4, hs, dfac, kfac)
        return packed

    @staticmethod
    def backward(ctx, grad):
        x_tm, w_ih, w_hh, acts4, hs, dfac, kfac = ctx.saved_tensors
        steps, h, mask, nm, gt = ctx.steps, ctx.h, ctx.mask, ctx.nm, grad_time_major(ctx, grad)
        dg = step_buffer(ctx, steps, 4 * h, dtype=grad.dtype)
        dg4 = dg.reshape(steps, ctx.n, 4, h)
        dh, dc = gt[steps].copy(), gt[steps + 1].copy()
        tmp = np.empty_like(dh)
        dhc, dcc = (dh, dc) if mask is None else (np.empty_like(dh), np.empty_like(dc))
        cell = kernels.numba_kernels() if ctx.fast_cell else None
        for t in backward_order(ctx):
            if cell is not None:
                cell.lstm_cell_backward(dh, gt[t], dc, kfac[t], dfac[t], acts4[t, :, 1], dg[t])
                np.matmul(dg[t], w_hh, out=dh)
                continue
            if mask is None:
                dh += gt[t]
            else:
                np.add(dh, gt[t], out=dhc)
                dhc *= mask[t]
                dh *= nm[t]
                np.multiply(dc, mask[t], out=dcc)
                dc *= nm[t]
            np.multiply(dhc, kfac[t], out=tmp)
            dcc += tmp
            d4, g4 = dfac[t], dg4[t]
            np.multiply(dcc[:, None, :], d4[:, :3], out=g4[:, :3])
            np.multiply(dhc, d4[:, 3], out=g4[:, 3])
            if mask is None:
                np.matmul(dg[t], w_hh, out=dh)
                dc *= acts4[t, :, 1]
            else:
                np.matmul(dg[t], w_hh, out=tmp)
                dh += tmp
                np.multiply(dcc, acts4[t, :, 1], out=tmp)
                dc += tmp
        need = ctx.needs_input_grad
        dx, dw_ih, db_ih = input_grads(ctx, dg, x_tm, w_ih)
        dw_hh, db_hh = hidden_grads(ctx, dg, hs, db_ih)
        return (dx, dw_ih, dw_hh, db_ih, db_hh, dh if need[5] else None, dc if need[6] else None,
                None, None, None)


class GRUSequence(Function):
    """A whole GRU layer, one direction, PyTorch's gates (r, z, n), reset applied after W_hn h.

    In the seeds' notation: Γ_r = r (relevance gate), Γ_u = 1 − z (PyTorch's z weighs the OLD
    state), c̃ = n; h' = Γ_u ⊙ c̃ + (1 − Γ_u) ⊙ h.

    Backward (BPTT) with a running δ = ∂L/∂h_t and hn = W_hn h_{t−1} + b_hn, on unmasked steps:
    δ += ∂L/∂out_t; δpre_n = δ ⊙ (1−z)(1−n²); δpre_z = δ ⊙ (h_{t−1} − n)·z(1−z);
    δpre_r = δpre_n ⊙ hn·r(1−r); the hidden-side gradient is (δpre_r, δpre_z, δpre_n ⊙ r);
    δ ← δ ⊙ z + (hidden-side gradient) W_hh. ∂W_ih, ∂b_ih take (δpre_r, δpre_z, δpre_n);
    ∂W_hh, ∂b_hh take the hidden-side gradient. The three factors P = (hn·r(1−r),
    (h_{t−1} − n)·z(1−z), (1−z)(1−n²)) are formed in the forward loop.

    ``apply(x, w_ih, w_hh, b_ih, b_hh, h0, mask, reverse, batch_first)`` with w_ih (3H, I),
    w_hh (3H, H), b (3H,); returns (L+1, N, H) (or (N, L+1, H)): outputs, h_n.
    """

    @staticmethod
    def forward(ctx, x, w_ih, w_hh, b_ih, b_hh, h0, mask, reverse, batch_first):
        x_tm, order = setup(ctx, x, w_hh, reverse, batch_first)
        steps, off, h, n, dt = ctx.steps, ctx.off, ctx.h, ctx.n, x.dtype
        s, _ = gate_scale("sst", h, dt)
        bias = b_ih
        if b_hh is not None:  # b_hr, b_hz join the input side; b_hn must stay inside r ⊙ (·)
            folded = np.concatenate([b_hh[: 2 * h], np.zeros(h, dtype=dt)])
            bias = folded if b_ih is None else b_ih + folded
        xg = project(x_tm, w_ih * s[:, None], None if bias is None else bias * s)
        w_t = np.ascontiguousarray((w_hh * s[:, None]).T)
        b_hn = None if b_hh is None else b_hh[2 * h :]
        rzs = step_buffer(ctx, steps, 2 * h, dtype=dt)
        rzs2 = rzs.reshape(steps, n, 2, h)
        hs = step_buffer(ctx, steps + 1, h, dtype=dt)
        packed, pk = packed_result(ctx, 1, dt)
        rec = ctx.record
        pfac = step_buffer(ctx, steps, 3, h, dtype=dt) if rec else None
        hg = np.empty((n, 3 * h), dtype=dt)
        nv, diff = np.empty((n, h), dtype=dt), np.empty((n, h), dtype=dt)
        init_state(hs[off * steps], h0)
        nm = None if mask is None else 1 - mask
        for t in order:
            hp, ha, rz, xt = hs[t + off], hs[t + 1 - off], rzs[t], xg[t]
            np.matmul(hp, w_t, out=hg)
            hn = hg[:, 2 * h :]
            if b_hn is not None:
                hn += b_hn
            np.add(hg[:, : 2 * h], xt[:, : 2 * h], out=rz)
            np.tanh(rz, out=rz)
            if rec:  # σ' = ¼(1 − tanh²(x/2)) for r and z
                p = pfac[t]
                np.multiply(rzs2[t], rzs2[t], out=p[:, :2])
                np.subtract(1, p[:, :2], out=p[:, :2])
                p[:, :2] *= 0.25
            rz *= 0.5
            rz += 0.5
            r, z = rz[:, :h], rz[:, h:]
            np.multiply(r, hn, out=nv)
            nv += xt[:, 2 * h :]
            np.tanh(nv, out=nv)
            np.subtract(hp, nv, out=diff)
            out = ha if mask is None else pk[t]
            np.multiply(diff, z, out=out)
            out += nv
            if rec:
                p[:, 0] *= hn
                p[:, 1] *= diff
                np.multiply(nv, nv, out=p[:, 2])
                np.subtract(1, p[:, 2], out=p[:, 2])
                np.subtract(1, z, out=diff)
                p[:, 2] *= diff
            if mask is not None:
                out *= mask[t]
                np.multiply(hp, nm[t], out=ha)
                ha += out
        finish(ctx, pk, hs, mask is not None)
        ctx.mask, ctx.nm = mask, nm
        ctx.save_for_backward(x_tm, w_ih, w_hh, rzs2, hs, pfac)
        return packed

    @staticmethod
    def backward(ctx, grad):
        x_tm, w_ih, w_hh, rzs2, hs, pfac = ctx.saved_tensors
        steps, h, mask, nm, gt = ctx.steps, ctx.h, ctx.mask, ctx.nm, grad_time_major(ctx, grad)
        dxg = step_buffer(ctx, steps, 3 * h, dtype=grad.dtype)
        dxg3 = dxg.reshape(steps, ctx.n, 3, h)
        dhg = step_buffer(ctx, steps, 3 * h, dtype=grad.dtype)
        dh = gt[steps].copy()
        tmp = np.empty_like(dh)
        dhc = dh if mask is None else np.empty_like(dh)
        for t in backward_order(ctx):
            if mask is None:
                dh += gt[t]
            else:
                np.add(dh, gt[t], out=dhc)
                dhc *= mask[t]
                dh *= nm[t]
            p, d3, dht = pfac[t], dxg3[t], dhg[t]
            np.multiply(dhc[:, None, :], p[:, 1:], out=d3[:, 1:])  # δpre_z, δpre_n
            np.multiply(d3[:, 2], p[:, 0], out=d3[:, 0])  # δpre_r
            dht[:, : 2 * h] = dxg[t, :, : 2 * h]
            np.multiply(d3[:, 2], rzs2[t, :, 0], out=dht[:, 2 * h :])
            if mask is None:
                dh *= rzs2[t, :, 1]
            else:
                np.multiply(dhc, rzs2[t, :, 1], out=tmp)
                dh += tmp
            np.matmul(dht, w_hh, out=tmp)
            dh += tmp
        need = ctx.needs_input_grad
        dx, dw_ih, db_ih = input_grads(ctx, dxg, x_tm, w_ih)
        dw_hh, db_hh = hidden_grads(ctx, dhg, hs)
        return dx, dw_ih, dw_hh, db_ih, db_hh, dh if need[5] else None, None, None, None


# ---- unpacking the packed results -----------------------------------------------------------

def _slot(packed: Tensor, index, batch_first: bool) -> Tensor:
    return getitem(packed, (slice(None), index) if batch_first else index)


def rnn_layer(x: Tensor, w_ih: Tensor, w_hh: Tensor, b_ih: Tensor | None = None, b_hh: Tensor | None = None,
              h0: Tensor | None = None, mask: np.ndarray | None = None, reverse: bool = False,
              batch_first: bool = False, nonlinearity: str = "tanh") -> tuple[Tensor, Tensor]:
    """One Elman RNN layer over a sequence: (output (L, N, H) or (N, L, H), h_n (N, H))."""
    steps = x.shape[1] if batch_first else x.shape[0]
    p = RNNSequence.apply(x, w_ih, w_hh, b_ih, b_hh, h0, mask, reverse, batch_first, nonlinearity)
    return _slot(p, slice(0, steps), batch_first), _slot(p, steps, batch_first)


def gru_layer(x: Tensor, w_ih: Tensor, w_hh: Tensor, b_ih: Tensor | None = None, b_hh: Tensor | None = None,
              h0: Tensor | None = None, mask: np.ndarray | None = None, reverse: bool = False,
              batch_first: bool = False) -> tuple[Tensor, Tensor]:
    """One GRU layer over a sequence: (output (L, N, H) or (N, L, H), h_n (N, H))."""
    steps = x.shape[1] if batch_first else x.shape[0]
    p = GRUSequence.apply(x, w_ih, w_hh, b_ih, b_hh, h0, mask, reverse, batch_first)
    return _slot(p, slice(0, steps), batch_first), _slot(p, steps, batch_first)


def lstm_layer(x: Tensor, w_ih: Tensor, w_hh: Tensor, b_ih: Tensor | None = None, b_hh: Tensor | None = None,
               h0: Tensor | None = None, c0: Tensor | None = None, mask: np.ndarray | None = None,
               reverse: bool = False, batch_first: bool = False) -> tuple[Tensor, Tensor, Tensor]:
    """One LSTM layer over a sequence: (output (L, N, H) or (N, L, H), h_n (N, H), c_n (N, H))."""
    steps = x.shape[1] if batch_first else x.shape[0]
    p = LSTMSequence.apply(x, w_ih, w_hh, b_ih, b_hh, h0, c0, mask, reverse, batch_first)
    return (_slot(p, slice(0, steps), batch_first), _slot(p, steps, batch_first),
            _slot(p, steps + 1, batch_first))


def rnn_cell(x: Tensor, h: Tensor | None, w_ih: Tensor, w_hh: Tensor, b_ih: Tensor | None = None,
             b_hh: Tensor | None = None, nonlinearity: str = "tanh") -> Tensor:
    """One step h' = act(W_ih x + b_ih + W_hh h + b_hh) for x (N, I), h (N, H) or None (zeros)."""
    return getitem(RNNSequence.apply(x, w_ih, w_hh, b_ih, b_hh, h, None, False, False, nonlinearity), 1)


def gru_cell(x: Tensor, h: Tensor | None, w_ih: Tensor, w_hh: Tensor, b_ih: Tensor | None = None,
             b_hh: Tensor | None = None) -> Tensor:
    """One GRU step h' for x (N, I), h (N, H) or None (zeros)."""
    return getitem(GRUSequence.apply(x, w_ih, w_hh, b_ih, b_hh, h, None, False, False), 1)


def lstm_cell(x: Tensor, h: Tensor | None, c: Tensor | None, w_ih: Tensor, w_hh: Tensor,
              b_ih: Tensor | None = None, b_hh: Tensor | None = None) -> tuple[Tensor, Tensor]:
    """One LSTM step (h', c') for x (N, I), h and c (N, H) or None (zeros)."""
    p = LSTMSequence.apply(x, w_ih, w_hh, b_ih, b_hh, h, c, None, False, False)
    return getitem(p, 1), getitem(p, 2)
