"""Symmetry breaking: why the weights must start random.

With every weight and bias of a 2-H-1 network at the same value (zero, or any constant), all hidden units
compute the same function; their gradients are then identical too (∂L/∂w_j depends on j
only through w_j and the outgoing weight v_j, both equal), so gradient descent keeps them
identical forever: the H units behave as one, whatever H is. A random start gives each unit
its own gradient and the units specialize. :func:`symmetry_experiment` trains both starts
on XOR and measures how different the hidden units end up.
"""

from __future__ import annotations

import numpy as np

from nnlab.data.datasets.synthetic import make_xor
from nnlab.lessons.common import binary_accuracy, fit_arrays, predict_array, seeded
from nnlab.nn import init
from nnlab.nn.activation import Tanh
from nnlab.nn.containers import Sequential
from nnlab.nn.linear import Linear
from nnlab.nn.losses import BCEWithLogitsLoss
from nnlab.optim import SGD

__all__ = ["symmetry_experiment", "hidden_unit_spread"]


def hidden_unit_spread(layer: Linear) -> float:
    """The largest distance between two hidden units' incoming parameters (w_j, b_j): 0 when all are identical."""
    rows = np.hstack([layer.weight.detach().numpy(), layer.bias.detach().numpy()[:, None]]).astype(np.float64)
    return float(np.max(np.linalg.norm(rows[:, None, :] - rows[None, :, :], axis=-1)))


def symmetry_experiment(start: str = "zeros", hidden: int = 8, epochs: int = 300, lr: float = 0.5,
                        seed: int = 0) -> dict[str, float]:
    """Train a 2-``hidden``-1 tanh network on XOR from a ``"zeros"`` or ``"random"`` start.

    Args:
        start: ``"zeros"`` (every weight and bias 0: only the output bias ever moves), ``"constant"``
            (every parameter 0.3: the units move, but in lockstep) or ``"random"`` (PyTorch's
            default uniform init).
        hidden: the number of hidden units. epochs, lr: full-batch gradient descent. seed: the seed.

    Returns:
        ``{"spread", "distinct_units", "accuracy"}``: :func:`hidden_unit_spread` after training,
        the number of distinct hidden units (rows equal to 1e-6), and the training accuracy.
    """
    if start not in ("zeros", "constant", "random"):
        raise ValueError(f"symmetry_experiment: start must be 'zeros', 'constant' or 'random', got {start!r}")
    X, y = make_xor(200, noise=0.2, seed=seed)
    seeded(seed)
    model = Sequential(Linear(2, hidden), Tanh(), Linear(hidden, 1))
    if start != "random":
        for p in model.parameters():
            init.constant_(p, 0.0 if start == "zeros" else 0.3)
    fit_arrays(model, X, y.reshape(-1, 1).astype(np.float32), BCEWithLogitsLoss(), SGD(model.parameters(), lr=lr),
               epochs=epochs)
    first = model[0]
    rows = np.hstack([first.weight.detach().numpy(), first.bias.detach().numpy()[:, None]])
    distinct = len({tuple(np.round(r / 1e-6).astype(np.int64)) for r in rows})
    return {"spread": hidden_unit_spread(first), "distinct_units": distinct,
            "accuracy": binary_accuracy(predict_array(model, X), y)}
