"""Batch norm and layer norm, forward and backward, one parallel loop over channels (or rows).

The references are in :mod:`nnlab.ops.normalization`. Sums accumulate in float64 for
every dtype (one extra cast per element; the passes are memory-bound, so it costs nothing).
Batch norm keeps only x (already alive as the layer's input) and the per-channel μ and s
for backward, where the reference keeps x − μ, a second activation-sized array.
"""

from __future__ import annotations

import math

from numba import prange

from nnlab.backend.kernels._jit import jit


@jit
def batch_norm_train(x, weight, bias, eps, y, mean, var, invstd):  # pragma: no cover - compiled
    """Per channel c of x (N, C, L): μ_c, σ²_c (biased), s_c = 1/√(σ²_c + ε), y = (x − μ_c)·s_c·γ_c + β_c.

    Two passes over the channel for the statistics (mean, then Σ(x − μ)², exact) and one for y.
    Rows are 1-D slices indexed by the loop counter (see ``layout.shifted_sum``).
    """
    n, c, l = x.shape
    count = n * l
    for ch in prange(c):
        total = 0.0
        for i in range(n):
            row = x[i, ch]
            for j in range(l):
                total += row[j]
        mu = total / count
        sq = 0.0
        for i in range(n):
            row = x[i, ch]
            for j in range(l):
                d = row[j] - mu
                sq += d * d
        v = sq / count
        mean[ch] = mu
        var[ch] = v
        invstd[ch] = 1.0 / math.sqrt(v + eps)
        # y = (x − μ)·(s·γ) + β in the input's dtype, as the reference rounds it (μ and s read back
        # from the dtype-typed outputs), so float32 results agree with it and with other runtimes
        m = mean[ch]
        a = invstd[ch] * weight[ch]
        b = bias[ch]
        for i in range(n):
            row = x[i, ch]
            out = y[i, ch]
            for j in range(l):
                out[j] = (row[j] - m) * a + b


@jit
def batch_norm_backward(g, x, mean, invstd, weight, need_gx, gx, sum_g, sum_gxhat):  # pragma: no cover - compiled
    """Per channel: Σg, Σ g·x̂ (x̂ = (x − μ)s), and ∂L/∂x = a·g − k₁·(x − μ) − k₀ with a = sγ,
    k₁ = a·s·Σ(g·x̂)/M, k₀ = a·Σg/M (M = N·L), the batch-statistics gradient of the reference."""
    n, c, l = x.shape
    count = n * l
    for ch in prange(c):
        mu = mean[ch]
        sg = 0.0
        sgx = 0.0
        for i in range(n):
            grow = g[i, ch]
            xrow = x[i, ch]
            for j in range(l):
                gv = grow[j]
                sg += gv
                sgx += gv * (xrow[j] - mu)
        s = invstd[ch]
        sum_g[ch] = sg
        sum_gxhat[ch] = sgx * s
        if need_gx:
            a = s * weight[ch]
            k1 = a * s * s * sgx / count
            k0 = a * sg / count - k1 * mu
            for i in range(n):
                grow = g[i, ch]
                xrow = x[i, ch]
                out = gx[i, ch]
                for j in range(l):
                    out[j] = a * grow[j] - k1 * xrow[j] - k0


@jit
def layer_norm_forward(x, weight, bias, eps, y, mean, invstd):  # pragma: no cover - compiled
    """Per row m of x (M, K): y = (x − μ_m)·s_m ⊙ γ + β, s_m = 1/√(σ²_m + ε)."""
    rows, k = x.shape
    for m in prange(rows):
        row = x[m]
        total = 0.0
        for j in range(k):
            total += row[j]
        mu = total / k
        sq = 0.0
        for j in range(k):
            d = row[j] - mu
            sq += d * d
        s = 1.0 / math.sqrt(sq / k + eps)
        out = y[m]
        for j in range(k):
            out[j] = (row[j] - mu) * s * weight[j] + bias[j]
        mean[m] = mu
        invstd[m] = s


@jit
def layer_norm_backward(g, x, mean, invstd, weight, gx):  # pragma: no cover - compiled
    """Per row: ĝ = γ ⊙ g, ∂L/∂x = s·(ĝ − ⟨ĝ⟩ − x̂ ⊙ ⟨ĝ ⊙ x̂⟩), means over the row's K elements."""
    rows, k = x.shape
    for m in prange(rows):
        mu, s = mean[m], invstd[m]
        grow, xrow, out = g[m], x[m], gx[m]
        sg = 0.0
        sgx = 0.0
        for j in range(k):
            gh = grow[j] * weight[j]
            sg += gh
            sgx += gh * (xrow[j] - mu) * s
        mg = sg / k
        mgx = sgx / k
        for j in range(k):
            out[j] = s * (grow[j] * weight[j] - mg - (xrow[j] - mu) * s * mgx)


@jit(parallel=False)
def layer_norm_param_grads(g, x, mean, invstd, gw, gb):  # pragma: no cover - compiled
    """∂L/∂γ = Σ_m g ⊙ x̂, ∂L/∂β = Σ_m g (rows summed in order; gw, gb start at zero)."""
    rows, k = x.shape
    for m in range(rows):
        mu, s = mean[m], invstd[m]
        grow, xrow = g[m], x[m]
        for j in range(k):
            gv = grow[j]
            gw[j] += gv * (xrow[j] - mu) * s
            gb[j] += gv
