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

from nnlab.backend.kernels._jit import jit


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
        ai, af, ag, ao = ar[0:h], ar[h:2 * h], ar[2 * h:3 * h], ar[3 * h:h4]
        cr, cn = cp[r], c_out[r]
        for j in range(h):
            i = 0.5 * ai[j] + 0.5
            f = 0.5 * af[j] + 0.5
            g = ag[j]
            ai[j], af[j], ao[j] = i, f, 0.5 * ao[j] + 0.5
            cn[j] = f * cr[j] + i * g
        if record:
            d = dfac[r]
            di, df, dg = d[0], d[1], d[2]
            for j in range(h):
                i, f, g = ai[j], af[j], ag[j]
                di[j] = g * i * (1 - i)
                df[j] = cr[j] * f * (1 - f)
                dg[j] = i * (1 - g * g)


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
                ov, tv = o[j], t[j]
                do[j] = tv * ov * (1 - ov)
                kr[j] = ov * (1 - tv * tv)


@jit(parallel=False)
def lstm_cell_backward(dh, g_out, dc, kfac, dfac, f, dgates):  # pragma: no cover - compiled
    """One step back: δh += ∂L/∂out_t; δc += δh ⊙ k; δpre = (δc ⊙ D_i, δc ⊙ D_f, δc ⊙ D_g, δh ⊙ D_o); δc ← δc ⊙ f.

    ``dgates`` (N, 4H) receives δpre; the caller then forms δh ← δpre·W_hh with one product.
    """
    n, h = dh.shape
    for r in range(n):
        dhr, gr, dcr, kr, fr = dh[r], g_out[r], dc[r], kfac[r], f[r]
        d0, d1, d2, d3 = dfac[r, 0], dfac[r, 1], dfac[r, 2], dfac[r, 3]
        out = dgates[r]
        gi, gf, gg, go = out[0:h], out[h:2 * h], out[2 * h:3 * h], out[3 * h:4 * h]
        for j in range(h):
            dhv = dhr[j] + gr[j]
            dcv = dcr[j] + dhv * kr[j]
            gi[j] = dcv * d0[j]
            gf[j] = dcv * d1[j]
            gg[j] = dcv * d2[j]
            go[j] = dhv * d3[j]
            dcr[j] = dcv * fr[j]
