"""ReLU forward and backward on every core (references: :class:`nnlab.ops.activation.ReLU`).

Flat loops over contiguous arrays; callers pass ``a.reshape(-1)`` views.
"""

from __future__ import annotations

from numba import prange

from nnlab.backend.kernels._jit import jit


@jit
def relu_forward(x, y):  # pragma: no cover - compiled
    """y = max(0, x), elementwise (NaN propagates, as in ``np.maximum``)."""
    for i in prange(x.shape[0]):
        v = x[i]
        y[i] = v if (v > 0 or v != v) else 0


@jit
def relu_backward(g, y, gx):  # pragma: no cover - compiled
    """∂L/∂x = g where y > 0, else 0."""
    for i in prange(g.shape[0]):
        gx[i] = g[i] if y[i] > 0 else 0
