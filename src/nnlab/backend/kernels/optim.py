"""Adam / AdamW's per-parameter update in one pass (reference: :class:`nnlab.optim.Adam`).

The reference makes ~10 NumPy passes and three parameter-sized temporaries per step; this
loop reads g, m, v and θ once and writes m, v and θ. It runs on one core: the parameters of
the benchmark models are at most ~65 K elements, where starting threads would cost more
than the pass itself.
"""

from __future__ import annotations

import math

from nnlab.backend.kernels._jit import jit


@jit(parallel=False)
def adam_update(p, g, m, v, vmax, amsgrad, sign, wd, decoupled, lr, beta1, beta2, step_size, bc2_sqrt,
                eps):  # pragma: no cover - compiled
    """Flat arrays; per element, with ĝ = sign·g (+ λθ when the decay is coupled):

    θ ← θ(1 − lr·λ) (decoupled), m ← m + (1 − β₁)(ĝ − m), v ← β₂v + (1 − β₂)ĝ², v_max ← max(v_max, v)
    (amsgrad, then used for v), θ ← θ − step_size · m / (√v / √(1 − β₂ᵗ) + ε).
    """
    for i in range(p.shape[0]):
        gi = sign * g[i]
        if wd != 0:
            if decoupled:
                p[i] *= 1 - lr * wd
            else:
                gi += wd * p[i]
        mi = m[i] + (1 - beta1) * (gi - m[i])
        m[i] = mi
        vi = beta2 * v[i] + (1 - beta2) * (gi * gi)
        v[i] = vi
        if amsgrad:
            vi = max(vmax[i], vi)
            vmax[i] = vi
        p[i] -= step_size * (mi / (math.sqrt(vi) / bc2_sqrt + eps))
