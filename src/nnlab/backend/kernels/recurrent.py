"""The LSTM's gate arithmetic of one time step, forward and backward, fused into one loop each.

The reference (:class:`nnlab.ops.recurrent.LSTMSequence`) does each step's gate work as
~18 NumPy calls over (N, 4H) and (N, H) arrays; here it is one pass. The step is small
(N·4H ≈ 16 K elements in the LSTM benchmark), so these loops run on one core: waking a
thread pool every step costs more than it saves. The matrix product of each step stays in BLAS.

Conventions are the reference's: the sigmoid gates' rows of the weights are pre-scaled by
½, so a gate is σ = ½·tanh(a) + ½ and tanh gates are tanh(a) of the scaled pre-activation a.
A step is: product, add, NumPy tanh, :func:`lstm_gates`, NumPy tanh of c', :func:`lstm_output`.
"""

from __future__ import annotations

import numpy as np

from nnlab.backend.kernels._jit import jit

# Each inner loop writes one array. A loop that writes several rows of the same arrays (the four gate
# slices, c and its factors) needs more run-time overlap checks than LLVM allows itself (8), so it stays
# scalar; one output per loop vectorizes (N = 32, H = 128: the backward step 14.7 → 6.5 µs, the gates 13.4 → 7.4 µs).


@jit(parallel=False)
def lstm_gates(a, cp, c_out, dfac, record):  # pragma: no cover - compiled
    """a (N, 4H) holds tanh of the scaled pre-activations on entry, the gates (i, f, g, o) on exit.

    σ = ½·tanh + ½ for i, f, o; c' = f ⊙ c + i ⊙ g goes to ``c_out``. With ``record`` the
    backward factors D_i = g·i(1 − i), D_f = c·f(1 − f), D_g = i·(1 − g²) go to dfac[:, 0:3]
    (σ' = σ(1 − σ), tanh' = 1 − tanh²). The tanh itself stays in NumPy, whose SIMD tanh is
    ~20× faster than the scalar libm call a compiled loop makes.
    """
    n, h4 = a.shape
    h = h4 // 4
    for r in range(n):
        ar = a[r]
        for j in range(2 * h):  # i and f (adjacent): σ = ½·tanh + ½
            ar[j] = 0.5 * ar[j] + 0.5
        for j in range(3 * h, h4):  # o
            ar[j] = 0.5 * ar[j] + 0.5
        cr, cn = cp[r], c_out[r]
        for j in range(h):
            cn[j] = ar[h + j] * cr[j] + ar[j] * ar[2 * h + j]
        if record:
            di, df, dg = dfac[r, 0], dfac[r, 1], dfac[r, 2]
            for j in range(h):
                i = ar[j]
                di[j] = ar[2 * h + j] * i * (1 - i)
            for j in range(h):
                f = ar[h + j]
                df[j] = cr[j] * f * (1 - f)
            for j in range(h):
                g = ar[2 * h + j]
                dg[j] = ar[j] * (1 - g * g)


@jit(parallel=False)
def lstm_output(a, tc, h_out, dfac, kfac, record):  # pragma: no cover - compiled
    """h' = o ⊙ tanh c' (tc holds tanh c'); with ``record``: D_o = tanh c'·o(1 − o), k = o·(1 − tanh²c')."""
    n, h = tc.shape
    for r in range(n):
        o, t, hr = a[r, 3 * h:4 * h], tc[r], h_out[r]
        for j in range(h):
            hr[j] = o[j] * t[j]
        if record:
            do, kr = dfac[r, 3], kfac[r]
            for j in range(h):
                ov = o[j]
                do[j] = t[j] * ov * (1 - ov)
            for j in range(h):
                tv = t[j]
                kr[j] = o[j] * (1 - tv * tv)


@jit(parallel=False)
def lstm_cell_backward(dh, g_out, dc, kfac, dfac, f, dgates):  # pragma: no cover - compiled
    """One step back: δh += ∂L/∂out_t; δc += δh ⊙ k; δpre = (δc ⊙ D_i, δc ⊙ D_f, δc ⊙ D_g, δh ⊙ D_o); δc ← δc ⊙ f.

    ``dgates`` (N, 4H) receives δpre; the caller then forms δh ← δpre·W_hh with one product.
    """
    n, h = dh.shape
    dhv = np.empty(h, dh.dtype)
    dcv = np.empty(h, dh.dtype)
    for r in range(n):
        dhr, gr, dcr, kr, fr = dh[r], g_out[r], dc[r], kfac[r], f[r]
        d0, d1, d2, d3 = dfac[r, 0], dfac[r, 1], dfac[r, 2], dfac[r, 3]
        out = dgates[r]
        for j in range(h):
            dhv[j] = dhr[j] + gr[j]
        for j in range(h):
            dcv[j] = dcr[j] + dhv[j] * kr[j]
        for j in range(h):
            out[j] = dcv[j] * d0[j]
        for j in range(h):
            out[h + j] = dcv[j] * d1[j]
        for j in range(h):
            out[2 * h + j] = dcv[j] * d2[j]
        for j in range(h):
            out[3 * h + j] = dhv[j] * d3[j]
        for j in range(h):
            dcr[j] = dcv[j] * fr[j]
