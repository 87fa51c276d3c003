"""What hidden layers buy: nonlinear boundaries, universal approximation, and depth against width.

- :func:`mlp_vs_logistic`: logistic regression draws one straight line, so it cannot solve XOR,
  the moons or the spirals; an MLP warps the plane first. Its last hidden layer has two
  units, so the *hidden layer's view* (the data as the output layer sees it) can be plotted:
  there the classes are separated by a line, because the output layer is itself a logistic
  regression on that view.
- :func:`universal_approximation`: one hidden layer of tanh units approximates a continuous
  1-D function as well as wanted given enough units (Cybenko 1989, Hornik 1991): the
  fitting error falls as the width grows.
- :func:`depth_vs_width`: at an equal parameter count, a deep narrow tanh network fits a
  function built by composition (the tent map applied k times, 2^k linear pieces) far better
  than a shallow wide one: depth reuses pieces, a single layer must pay for each piece.
"""

from __future__ import annotations

import numpy as np

from nnlab.data.datasets.synthetic import make_moons, make_spirals, make_xor
from nnlab.lessons.common import binary_accuracy, fit_arrays, predict_array, seeded
from nnlab.nn.activation import Tanh
from nnlab.nn.containers import Sequential
from nnlab.nn.linear import Linear
from nnlab.nn.losses import BCEWithLogitsLoss, MSELoss
from nnlab.optim import Adam

__all__ = ["TOY_SETS", "toy_set", "mlp_vs_logistic", "universal_approximation", "tent_power", "mlp_parameters",
           "depth_vs_width"]

TOY_SETS = ("xor", "moons", "spirals")


def toy_set(name: str, n: int = 400, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """One of :data:`TOY_SETS` as (X (n, 2) standardized, y (n,) in {0, 1})."""
    if name == "xor":
        X, y = make_xor(n, noise=0.2, seed=seed)
    elif name == "moons":
        X, y = make_moons(n, noise=0.1, seed=seed)
    elif name == "spirals":
        X, y = make_spirals(n, classes=2, noise=0.1, seed=seed, turns=1.0)
    else:
        raise ValueError(f"toy_set: unknown set {name!r}; choose from {TOY_SETS}")
    return ((X - X.mean(0)) / X.std(0)).astype(np.float32), y


def mlp_vs_logistic(name: str = "moons", hidden: int = 32, epochs: int = 400, lr: float = 0.02,
                    seed: int = 0) -> dict:
    """Fit logistic regression and a 2-H-H-2-1 tanh MLP on a toy set, full batch with Adam.

    Returns:
        ``{"logistic_accuracy", "mlp_accuracy", "view", "labels", "model", "X"}``: training
        accuracies, the 2-unit hidden layer's activations for every sample (N, 2) (the
        "hidden layer's view" to plot), the labels, the MLP and the inputs.
    """
    X, y = toy_set(name, seed=seed)
    target = y.reshape(-1, 1).astype(np.float32)
    seeded(seed)
    logistic = Linear(2, 1)
    fit_arrays(logistic, X, target, BCEWithLogitsLoss(), Adam(logistic.parameters(), lr=0.05), epochs=200)
    body = Sequential(Linear(2, hidden), Tanh(), Linear(hidden, hidden), Tanh(), Linear(hidden, 2), Tanh())
    mlp = Sequential(body, Linear(2, 1))
    fit_arrays(mlp, X, target, BCEWithLogitsLoss(), Adam(mlp.parameters(), lr=lr), epochs=epochs)
    return {"logistic_accuracy": binary_accuracy(predict_array(logistic, X), y),
            "mlp_accuracy": binary_accuracy(predict_array(mlp, X), y),
            "view": predict_array(body, X), "labels": y, "model": mlp, "X": X}


def _fit_regression(model, x: np.ndarray, t: np.ndarray, epochs: int, lr: float) -> float:
    fit_arrays(model, x, t, MSELoss(), Adam(model.parameters(), lr=lr), epochs=epochs)
    return float(np.mean((predict_array(model, x) - t) ** 2))


def universal_approximation(widths=(1, 2, 4, 8, 32), epochs: int = 1500, lr: float = 0.02, seed: int = 0,
                            fn=lambda x: np.sin(3 * x) + 0.3 * x ** 2) -> dict[int, float]:
    """Mean squared error of a 1-H-1 tanh network fitted to ``fn`` on [−2, 2], for each width H.

    Returns:
        ``{H: training MSE}`` (256 points, full-batch Adam); the target's variance is about 0.5.
    """
    x = np.linspace(-2, 2, 256, dtype=np.float32)[:, None]
    t = fn(x).astype(np.float32)
    errors = {}
    for h in widths:
        seeded(seed)
        errors[int(h)] = _fit_regression(Sequential(Linear(1, h), Tanh(), Linear(h, 1)), x, t, epochs, lr)
    return errors


def tent_power(x: np.ndarray, k: int) -> np.ndarray:
    """The tent map T(x) = 1 − |2x − 1| on [0, 1] composed k times: a zig-zag of 2^k linear pieces."""
    for _ in range(k):
        x = 1.0 - np.abs(2.0 * x - 1.0)
    return x


def mlp_parameters(sizes) -> int:
    """Weights and biases of a fully connected network with layer sizes ``sizes``: Σ (n_in + 1)·n_out."""
    return int(sum((a + 1) * b for a, b in zip(sizes[:-1], sizes[1:])))


def depth_vs_width(k: int = 3, deep_width: int = 8, depth: int = 3, epochs: int = 3000, lr: float = 0.01,
                   seeds=(0,)) -> dict:
    """Fit T^k (:func:`tent_power`) with a deep narrow and a shallow wide tanh MLP of the same size.

    The deep net has ``depth`` hidden layers of ``deep_width`` units; the shallow one has one
    hidden layer as wide as makes the parameter counts equal (to within a unit). Each is the
    best (lowest error) of ``seeds`` full-batch Adam runs, so the comparison is between what
    the architectures can reach, not between lucky starts.

    Returns:
        ``{"deep_mse", "shallow_mse", "deep_params", "shallow_params", "shallow_width", "target_var"}``.
    """
    x = np.linspace(0, 1, 512, dtype=np.float32)[:, None]
    t = tent_power(x, k).astype(np.float32)
    deep_sizes = [1] + [deep_width] * depth + [1]
    deep_params = mlp_parameters(deep_sizes)
    wide = max(1, round((deep_params - 1) / 3))
    best = {"deep": np.inf, "shallow": np.inf}
    for seed in seeds:
        seeded(seed)
        layers = []
        for a, b in zip(deep_sizes[:-2], deep_sizes[1:-1]):
            layers += [Linear(a, b), Tanh()]
        deep = Sequential(*layers, Linear(deep_width, 1))
        best["deep"] = min(best["deep"], _fit_regression(deep, x, t, epochs, lr))
        seeded(seed)
        shallow = Sequential(Linear(1, wide), Tanh(), Linear(wide, 1))
        best["shallow"] = min(best["shallow"], _fit_regression(shallow, x, t, epochs, lr))
    return {"deep_mse": best["deep"], "shallow_mse": best["shallow"], "deep_params": deep_params,
            "shallow_params": mlp_parameters([1, wide, 1]), "shallow_width": wide, "target_var": float(t.var())}
