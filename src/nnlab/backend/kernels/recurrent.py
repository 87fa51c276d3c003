"""The LSTM's gate arithmetic of one time step, forward and backward, fused into one loop each.

The reference (:class:`nnlab.ops.recurrent.LSTMSequence`) does each step's gate work as
~18 NumPy calls over (N, 4H) and (N, H) arrays; here it is one pass. The step is small
(N·4H ≈ 16 K elements in the LSTM benchmark), so these loops run on one core: waking a
thread pool every step costs more than it saves. The matrix product of each step stays in BLAS.

Conventions are the reference's: the sigmoid gates' rows of the weights are pre-scaled by
½, so a gate is σ = ½·tanh(a) + ½ and tanh gates are tanh(a) of the scaled pre-activation a.
"""

from __future__ import annotations

import math

from nnlab.backend.kernels._jit import jit


@jit(parallel=False)
def lstm_cell_forward(a, xg, cp, h_out, c_out, dfac, kfac, record):  # pragma: no cover - compiled
    """One step: a (N, 4H) holds h_{t−1}·(sW_hh)ᵀ on entry and the gates (i, f, g, o) on exit.

    c' = f ⊙ c + i ⊙ g and h' = o ⊙ tanh(c') go to ``c_out`` and ``h_out``. With ``record``,
    the backward factors D = (g·i', c·f', i·g', tanh c'·o') (N, 4, H) and k = o·(1 − tanh²c')
    (N, H) are written, the derivatives taken through the scaled pre-activations:
    σ' = ¼(1 − tanh²), tanh' = 1 − tanh².
    """
    n, h4 = a.shape
    h = h4 // 4
    for r in range(n):
        ar, xr = a[r], xg[r]
        ai, af, ag, ao = ar[0:h], ar[h:2 * h], ar[2 * h:3 * h], ar[3 * h:h4]
        xi, xf, xgg, xo = xr[0:h], xr[h:2 * h], xr[2 * h:3 * h], xr[3 * h:h4]
        cr, hr, cn = cp[r], h_out[r], c_out[r]
        for j in range(h):
            ti = math.tanh(ai[j] + xi[j])
            tf = math.tanh(af[j] + xf[j])
            tg = math.tanh(ag[j] + xgg[j])
            to = math.tanh(ao[j] + xo[j])
            i = 0.5 * ti + 0.5
            f = 0.5 * tf + 0.5
            o = 0.5 * to + 0.5
            c_prev = cr[j]
            c = f * c_prev + i * tg
            tc = math.tanh(c)
            ai[j], af[j], ag[j], ao[j] = i, f, tg, o
            cn[j] = c
            hr[j] = o * tc
            if record:
                d = dfac[r]
                d[0, j] = 0.25 * (1 - ti * ti) * tg
                d[1, j] = 0.25 * (1 - tf * tf) * c_prev
                d[2, j] = (1 - tg * tg) * i
                d[3, j] = 0.25 * (1 - to * to) * tc
                kfac[r, j] = (1 - tc * tc) * o


@jit(parallel=False)
def lstm_cell_backward(dh, g_out, dc, kfac, dfac, f, dgates):  # pragma: no cover - compiled
    """One step back: δh += ∂L/∂out_t; δc += δh ⊙ k; δpre = (δc ⊙ D_i, δc ⊙ D_f, δc ⊙ D_g, δh ⊙ D_o); δc ← δc ⊙ f.

    ``dgates`` (N, 4H) receives δpre; the caller then forms δh ← δpre·W_hh with one product.
    """
    n, h = dh.shape
    for r in range(n):
        dhr, gr, dcr, kr, d, fr = dh[r], g_out[r], dc[r], kfac[r], dfac[r], f[r]
        out = dgates[r]
        gi, gf, gg, go = out[0:h], out[h:2 * h], out[2 * h:3 * h], out[3 * h:4 * h]
        for j in range(h):
            dhv = dhr[j] + gr[j]
            dcv = dcr[j] + dhv * kr[j]
            gi[j] = dcv * d[0, j]
            gf[j] = dcv * d[1, j]
            gg[j] = dcv * d[2, j]
            go[j] = dhv * d[3, j]
            dcr[j] = dcv * fr[j]
