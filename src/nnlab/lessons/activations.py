"""Activation functions: what one needs, and how sigmoid, tanh, ReLU and leaky ReLU differ (measured).

Requirements of an activation g: nonlinear (else the network collapses to one linear map,
see :mod:`nnlab.lessons.foundations`), differentiable almost everywhere with a gradient that
does not vanish where the units work, cheap. Properties measured by
:func:`activation_properties` on z ~ N(0, 1) and at the tails z = ±6:

- sigmoid saturates: σ′(z) = σ(z)(1 − σ(z)) ≤ 1/4, and σ′(±6) ≈ 0.0025; its outputs are not
  zero-centred (mean ≈ 0.5), so every unit of the next layer sees inputs of one sign;
- tanh is zero-centred (mean ≈ 0) but saturates too, tanh′(±6) ≈ 2.5e−5;
- ReLU max(0, z) does not saturate for z > 0 and is sparse: half of its outputs are exactly 0;
- leaky ReLU max(αz, z) keeps a gradient α on the negative side.

Dead ReLUs (:func:`dead_units_after_training`): a large learning-rate step can push a unit's
pre-activation below zero for every input; its gradient is then zero forever and it never
comes back. The leaky ReLU's slope α on the negative side lets such units recover.
"""

from __future__ import annotations

import numpy as np

from nnlab import functional as F
from nnlab.autograd.grad_mode import no_grad
from nnlab.data.datasets.synthetic import make_moons
from nnlab.lessons.common import binary_accuracy, fit_arrays, predict_array, seeded
from nnlab.lessons.foundations import linear_fit_residual
from nnlab.nn.activation import LeakyReLU, ReLU
from nnlab.nn.containers import Sequential
from nnlab.nn.linear import Linear
from nnlab.nn.losses import BCEWithLogitsLoss
from nnlab.ops.creation import from_numpy
from nnlab.optim import SGD

__all__ = ["ACTIVATIONS", "activation_properties", "dead_units_after_training"]

ACTIVATIONS = {
    "sigmoid": F.sigmoid,
    "tanh": F.tanh,
    "relu": F.relu,
    "leaky_relu": lambda z: F.leaky_relu(z, 0.01),
}


def activation_properties(n: int = 100_000, tail: float = 6.0, seed: int = 0) -> dict[str, dict[str, float]]:
    """Measure each activation of :data:`ACTIVATIONS` on z ~ N(0, 1) and at z = ±``tail``.

    Returns:
        ``{name: {"max_grad", "tail_grad", "mean", "zero_fraction", "nonlinearity"}}``: the
        largest g′ on a grid over [−tail, tail], the largest |g′(±tail)| (saturation), the mean
        output on N(0, 1) inputs (zero-centring), the fraction of outputs exactly 0 (sparsity),
        and the relative residual of the best affine fit of g on the grid (0 would mean linear).
        Gradients come from nnlab's autograd.
    """
    z = np.random.default_rng(seed).standard_normal(n).astype(np.float32)
    grid = np.linspace(-tail, tail, 2001, dtype=np.float32)
    result = {}
    for name, g in ACTIVATIONS.items():
        t = from_numpy(grid.copy()).requires_grad_()
        out = g(t)
        out.sum().backward()
        grads = t.grad.numpy()
        with no_grad():
            values = g(from_numpy(z)).numpy()
        result[name] = {
            "max_grad": float(grads.max()),
            "tail_grad": float(max(abs(grads[0]), abs(grads[-1]))),
            "mean": float(values.mean()),
            "zero_fraction": float(np.mean(values == 0)),
            "nonlinearity": linear_fit_residual(grid[:, None], out.detach().numpy()),
        }
    return result


def dead_units_after_training(activation: str = "relu", lr: float = 10.0, hidden: int = 100, epochs: int = 20,
                              batch_size: int = 20, negative_slope: float = 0.01, seed: int = 0) -> dict[str, float]:
    """Train a 2-``hidden``-1 MLP on the (standardized) moons with SGD at ``lr``; count silent and frozen units.

    A unit is *silent* when its pre-activation w·x + b is negative for every training input.
    A silent ReLU unit outputs 0 and gets no gradient from any sample: it is *frozen* (dead),
    and no later step can revive it. A silent leaky-ReLU unit still gets the gradient α·δ·x,
    so it is never frozen and can come back.

    Args:
        activation: ``"relu"`` or ``"leaky_relu"``.
        lr: the SGD learning rate (a large one kills ReLUs).
        hidden: width of the hidden layer. epochs, batch_size: the training run.
        negative_slope: α of the leaky ReLU (default 0.01). seed: the seed.

    Returns:
        ``{"silent", "frozen", "frozen_fraction", "accuracy"}``: the counts after training
        (frozen: the full-batch gradient on the unit's incoming weights and bias is exactly
        zero), the frozen fraction of ``hidden``, and the training accuracy.
    """
    if activation not in ("relu", "leaky_relu"):
        raise ValueError(f"dead_units_after_training: activation must be 'relu' or 'leaky_relu', got {activation!r}")
    X, y = make_moons(400, noise=0.1, seed=seed)
    X = (X - X.mean(0)) / X.std(0)
    target = y.reshape(-1, 1).astype(np.float32)
    seeded(seed)
    act = ReLU() if activation == "relu" else LeakyReLU(negative_slope)
    model = Sequential(Linear(2, hidden), act, Linear(hidden, 1))
    loss_fn = BCEWithLogitsLoss()
    fit_arrays(model, X, target, loss_fn, SGD(model.parameters(), lr=lr), epochs=epochs, batch_size=batch_size)
    model.zero_grad()
    loss_fn(model(from_numpy(X)), from_numpy(target)).backward()
    unit_grad = np.abs(model[0].weight.grad.numpy()).sum(1) + np.abs(model[0].bias.grad.numpy())
    silent = int(np.sum((predict_array(model[0], X) < 0).all(axis=0)))
    frozen = int(np.sum(unit_grad == 0))
    model.zero_grad()
    return {"silent": silent, "frozen": frozen, "frozen_fraction": frozen / hidden,
            "accuracy": binary_accuracy(predict_array(model, X), y)}
