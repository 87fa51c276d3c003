"""Foundations: vectorization against explicit loops, and why stacked linear layers need a nonlinearity.

Logistic regression's gradient step, ŷ = σ(Xw + b), dw = Xᵀ(ŷ − y)/m, db = Σ(ŷ − y)/m, written
twice: once with Python loops over samples and features (the way the formula reads), once as
matrix products (the way NumPy and BLAS want it). Both give the same numbers; the vectorized
one is two to three orders of magnitude faster (measured by :func:`vectorization_speedup`,
reported in ``examples/lessons_foundations.py``, never asserted by a test).

A stack of linear layers W_L(…(W_2(W_1 x + b_1) + b_2)…) + b_L is one linear map
W x + b with W = W_L⋯W_1 and b = Σ_l W_L⋯W_{l+1} b_l: depth without a nonlinearity adds no
expressive power (:func:`collapse_linear_stack`).
"""

from __future__ import annotations

import math
import time

import numpy as np

from nnlab.autograd.grad_mode import no_grad
from nnlab.nn.linear import Linear
from nnlab.nn.module import Module
from nnlab.ops.creation import from_numpy

__all__ = ["logistic_step_loops", "logistic_step_vectorized", "vectorization_speedup", "collapse_linear_stack",
           "stack_output",
           "linear_fit_residual"]


def logistic_step_loops(X: np.ndarray, y: np.ndarray, w: np.ndarray, b: float) -> tuple[np.ndarray, float, float]:
    """Cost J and gradients (dw, db) of logistic regression with explicit loops over samples and features.

    J = −(1/m) Σ_i [y_i log a_i + (1 − y_i) log(1 − a_i)], a_i = σ(Σ_j w_j x_ij + b).

    Args:
        X: inputs, (m, n). y: labels in {0, 1}, (m,). w: weights, (n,). b: bias.

    Returns:
        (dw, db, J) with dw of shape (n,).
    """
    m, n = X.shape
    dw = [0.0] * n
    db = 0.0
    cost = 0.0
    for i in range(m):
        z = b
        for j in range(n):
            z += w[j] * X[i, j]
        a = 1.0 / (1.0 + math.exp(-z))
        cost -= y[i] * math.log(a) + (1.0 - y[i]) * math.log(1.0 - a)
        dz = a - y[i]
        for j in range(n):
            dw[j] += X[i, j] * dz
        db += dz
    return np.array(dw) / m, db / m, cost / m


def logistic_step_vectorized(X: np.ndarray, y: np.ndarray, w: np.ndarray, b: float) -> tuple[np.ndarray, float, float]:
    """The same cost and gradients as :func:`logistic_step_loops`, as matrix products: dw = Xᵀ(a − y)/m."""
    m = X.shape[0]
    a = 1.0 / (1.0 + np.exp(-(X @ w + b)))
    cost = -float(np.mean(y * np.log(a) + (1.0 - y) * np.log(1.0 - a)))
    dz = a - y
    return X.T @ dz / m, float(dz.sum()) / m, cost


def vectorization_speedup(m: int = 2000, n: int = 50, repeats: int = 3, seed: int = 0) -> dict[str, float]:
    """Time both versions on the same random problem (float64); the best of ``repeats`` runs each.

    Returns:
        ``{"loop_s", "vectorized_s", "speedup", "max_abs_diff"}``: wall seconds of one gradient
        step each, their ratio, and the largest difference between the two results.
    """
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((m, n))
    y = (rng.random(m) < 0.5).astype(np.float64)
    w, b = 0.1 * rng.standard_normal(n), 0.1

    def best(fn):
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            out = fn(X, y, w, b)
            times.append(time.perf_counter() - start)
        return min(times), out

    t_loop, (dw1, db1, j1) = best(logistic_step_loops)
    t_vec, (dw2, db2, j2) = best(logistic_step_vectorized)
    diff = max(float(np.abs(dw1 - dw2).max()), abs(db1 - db2), abs(j1 - j2))
    return {"loop_s": t_loop, "vectorized_s": t_vec, "speedup": t_loop / t_vec, "max_abs_diff": diff}


def collapse_linear_stack(layers: list[Linear]) -> tuple[np.ndarray, np.ndarray]:
    """The single linear map (W, b) equal to ``layers`` applied in order: W = W_L⋯W_1, b = W_L⋯W_2 b_1 + … + b_L.

    Args:
        layers: ``nn.Linear`` layers whose sizes chain (out of one = in of the next).

    Returns:
        (W, b) with W of shape (out_L, in_1) and b of shape (out_L,), in float64.
    """
    if not layers:
        raise ValueError("collapse_linear_stack: need at least one Linear layer")
    W = np.eye(layers[0].in_features)
    b = np.zeros(layers[0].in_features)
    for k, layer in enumerate(layers):
        if layer.in_features != W.shape[0]:
            raise ValueError(f"collapse_linear_stack: layer {k} expects {layer.in_features} inputs, "
                             f"the stack so far gives {W.shape[0]}")
        Wl = layer.weight.array.astype(np.float64)
        bl = layer.bias.array.astype(np.float64) if layer.bias is not None else 0.0
        W, b = Wl @ W, Wl @ b + bl
    return W, b


def stack_output(model: Module, X: np.ndarray) -> np.ndarray:
    """``model(X)`` in float64 without gradients (the deep stack's own answer, to compare with W x + b)."""
    with no_grad():
        return model(from_numpy(np.asarray(X, dtype=np.float32))).numpy().astype(np.float64)


def linear_fit_residual(X: np.ndarray, Y: np.ndarray) -> float:
    """‖Y − [X 1]β‖ / ‖Y − Ȳ‖ for the least-squares β: 0 when Y is an affine function of X.

    Args:
        X: inputs, (N, D). Y: outputs, (N,) or (N, K).
    """
    X = np.asarray(X, dtype=np.float64)
    Y = np.asarray(Y, dtype=np.float64).reshape(len(X), -1)
    A = np.hstack([X, np.ones((len(X), 1))])
    beta, *_ = np.linalg.lstsq(A, Y, rcond=None)
    return float(np.linalg.norm(Y - A @ beta) / np.linalg.norm(Y - Y.mean(0)))
