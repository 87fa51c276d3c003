"""The loss landscape: saddle points where gradient descent stalls, and convex against non-convex losses.

- :func:`saddle_escape`: f(x, y) = x² + y⁴/4 − y²/2 has a saddle at the origin (f_xx = 2,
  f_yy = −1) and its minima at (0, ±1), f = −1/4. Started a hair off the saddle, plain
  gradient descent multiplies y by (1 + η) per step and crawls across the plateau; momentum
  accumulates the small consistent gradient, and Adam divides it by its own running size,
  so both leave far sooner (iterations counted). In high dimension most critical points are
  saddles like this one rather than bad local minima (Dauphin et al., 2014).
- :func:`loss_along_line` and :func:`convexity_violation`: logistic regression's
  cross-entropy is convex in its parameters (every chord lies above the curve); an MLP's is
  not: two equally good solutions (the same network with its hidden units permuted) are
  separated by a barrier on the segment between them.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from nnlab.autograd.grad_mode import no_grad
from nnlab.lessons.capacity import toy_set
from nnlab.lessons.common import fit_arrays, seeded
from nnlab.nn.activation import Tanh
from nnlab.nn.containers import Sequential
from nnlab.nn.linear import Linear
from nnlab.nn.losses import BCEWithLogitsLoss
from nnlab.nn.module import Module
from nnlab.nn.parameter import Parameter
from nnlab.ops.creation import from_numpy
from nnlab.optim import SGD, Adam

__all__ = ["saddle_function", "saddle_escape", "flat_parameters", "set_flat_parameters", "loss_along_line",
           "loss_on_plane", "convexity_violation", "landscape_models"]


def saddle_function(p):
    """f(x, y) = x² + y⁴/4 − y²/2 for a (2,) tensor or array p: saddle at 0, minima (0, ±1) with f = −1/4."""
    return p[0] * p[0] + p[1] ** 4 / 4 - p[1] * p[1] / 2


def saddle_escape(optimizer: str = "sgd", lr: float = 0.05, start=(1.0, 1e-6), threshold: float = -0.24,
                  max_steps: int = 5000) -> dict:
    """Minimize :func:`saddle_function` from ``start`` with one optimizer; count steps until f < ``threshold``.

    Args:
        optimizer: ``"sgd"`` (plain gradient descent), ``"momentum"`` (SGD, β = 0.9) or ``"adam"``.
        lr: the learning rate. start: (x₀, y₀), y₀ tiny puts the start next to the saddle.
        threshold: f below this counts as escaped (the minimum is −0.25).
        max_steps: give up after this many steps (then ``steps`` is ``max_steps``).

    Returns:
        ``{"steps", "escaped", "path"}``: steps taken, whether f fell below the threshold, and
        the (steps + 1, 2) trajectory. One optimizer step per iteration on a single point: a
        trajectory on a surface, not a training run over data.
    """
    p = Parameter(np.array(start, dtype=np.float64))
    if optimizer == "sgd":
        opt = SGD([p], lr=lr)
    elif optimizer == "momentum":
        opt = SGD([p], lr=lr, momentum=0.9)
    elif optimizer == "adam":
        opt = Adam([p], lr=lr)
    else:
        raise ValueError(f"saddle_escape: optimizer must be 'sgd', 'momentum' or 'adam', got {optimizer!r}")
    path = [p.detach().numpy().copy()]
    steps = 0
    while steps < max_steps and float(saddle_function(path[-1])) >= threshold:
        opt.zero_grad()
        saddle_function(p).backward()
        opt.step()
        steps += 1
        path.append(p.detach().numpy().copy())
    return {"steps": steps, "escaped": float(saddle_function(path[-1])) < threshold, "path": np.array(path)}


def flat_parameters(model: Module) -> np.ndarray:
    """All parameters of ``model`` as one float64 vector (``parameters()`` order)."""
    return np.concatenate([p.detach().numpy().astype(np.float64).ravel() for p in model.parameters()])


def set_flat_parameters(model: Module, theta: np.ndarray) -> None:
    """Write the vector ``theta`` (as from :func:`flat_parameters`) back into ``model``'s parameters."""
    k = 0
    for p in model.parameters():
        p.array[...] = theta[k:k + p.array.size].reshape(p.shape)
        k += p.array.size
    if k != len(theta):
        raise ValueError(f"set_flat_parameters: the model has {k} parameters, theta has {len(theta)}")


def _loss_at(model: Module, loss: Callable[[], float], theta: np.ndarray) -> float:
    set_flat_parameters(model, theta)
    with no_grad():
        return loss()


def loss_along_line(model: Module, loss: Callable[[], float], a: np.ndarray, b: np.ndarray,
                    steps: int = 61) -> tuple[np.ndarray, np.ndarray]:
    """L((1 − t)·a + t·b) for t on [−0.25, 1.25]; returns (t, losses). The model keeps ``b`` afterwards.

    With ``steps`` = 6k + 1 the grid holds t = 0 and t = 1 exactly (the default 61: steps of 0.025).
    """
    ts = np.linspace(-0.25, 1.25, steps)
    values = np.array([_loss_at(model, loss, (1 - t) * a + t * b) for t in ts])
    set_flat_parameters(model, b)
    return ts, values


def loss_on_plane(model: Module, loss: Callable[[], float], center: np.ndarray, d1: np.ndarray, d2: np.ndarray,
                  extent: float = 1.0, steps: int = 21) -> tuple[np.ndarray, np.ndarray]:
    """L(center + u·d1 + v·d2) on a ``steps``×``steps`` grid over [−extent, extent]²; returns (grid, values)."""
    grid = np.linspace(-extent, extent, steps)
    values = np.array([[_loss_at(model, loss, center + u * d1 + v * d2) for u in grid] for v in grid])
    set_flat_parameters(model, center)
    return grid, values


def convexity_violation(ts: np.ndarray, values: np.ndarray) -> float:
    """max over t ∈ [0, 1] of L(t) − chord(t), the chord joining L(0) and L(1) (≤ 0 where L is convex)."""
    l0, l1 = np.interp(0.0, ts, values), np.interp(1.0, ts, values)
    inside = (ts >= 0) & (ts <= 1)
    return float(np.max(values[inside] - ((1 - ts[inside]) * l0 + ts[inside] * l1)))


def landscape_models(name: str = "moons", hidden: int = 16, epochs: int = 300, seed: int = 0) -> dict:
    """Logistic regression and a 2-H-1 tanh MLP trained on a toy set, with two endpoints for a line each.

    For logistic regression the segment joins two random parameter vectors (any chord of a convex
    function lies above it). For the MLP it joins the trained solution θ* and the same network
    with its hidden units permuted, π(θ*): two minima with exactly the same loss.

    Returns:
        ``{"logistic": (model, loss, a, b), "mlp": (model, loss, a, b)}``, ``loss()`` evaluating
        the model's full-data cross-entropy.
    """
    X, y = toy_set(name, seed=seed)
    target = y.reshape(-1, 1).astype(np.float32)
    x, t = from_numpy(X), from_numpy(target)
    crit = BCEWithLogitsLoss()
    seeded(seed)
    logistic = Linear(2, 1)
    mlp = Sequential(Linear(2, hidden), Tanh(), Linear(hidden, 1))
    fit_arrays(mlp, X, target, crit, Adam(mlp.parameters(), lr=0.05), epochs=epochs)
    rng = np.random.default_rng(seed)
    a_log, b_log = 3 * rng.standard_normal(3), 3 * rng.standard_normal(3)
    star = flat_parameters(mlp)
    perm = rng.permutation(hidden)
    w1, b1 = mlp[0].weight.detach().numpy(), mlp[0].bias.detach().numpy()
    w2 = mlp[2].weight.detach().numpy()
    permuted = np.concatenate([w1[perm].ravel(), b1[perm], w2[:, perm].ravel(), mlp[2].bias.detach().numpy()])
    return {"logistic": (logistic, lambda: float(crit(logistic(x), t).item()), a_log, b_log),
            "mlp": (mlp, lambda: float(crit(mlp(x), t).item()), star, permuted.astype(np.float64))}
