"""The perceptron: a linear threshold unit trained by Rosenblatt's rule.

    ŷ = step(w·x + b)        (1 when w·x + b ≥ 0, else 0)
    w ← w + η (y − ŷ) x,     b ← b + η (y − ŷ)

The rule changes the weights only on mistakes, and converges in finitely many
updates when the classes are linearly separable (AND, OR). XOR is not linearly
separable: no line splits {(0,1),(1,0)} from {(0,0),(1,1)}, so the perceptron
never gets all four right — the classic limit that motivated hidden layers.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from nnlab.autograd.grad_mode import no_grad
from nnlab.autograd.tensor import Tensor
from nnlab.backend import default_generator, get_default_dtype
from nnlab.nn.module import Module
from nnlab.nn.parameter import Parameter
from nnlab.ops.creation import from_numpy


@dataclass
class PerceptronFit:
    """What :meth:`Perceptron.fit` did: errors per epoch and whether it converged."""

    errors_per_epoch: list[int] = field(default_factory=list)
    converged: bool = False

    @property
    def epochs(self) -> int:
        return len(self.errors_per_epoch)


class Perceptron(Module):
    """A single linear threshold unit: ŷ = step(w·x + b).

    Args:
        in_features: number of inputs D.
        init: ``"zeros"`` (the textbook start, default) or ``"random"`` (small uniform).

    Shape:
        input (N, D) → output (N,) of 0.0/1.0 predictions.

    Attributes:
        weight: (D,), zeros by default. Trained by :meth:`fit`, not by gradients (the
            step function has zero derivative almost everywhere).
        bias: (1,), zero.
    """

    def __init__(self, in_features: int, init: str = "zeros"):
        super().__init__()
        if init not in ("zeros", "random"):
            raise ValueError(f"Perceptron: init must be 'zeros' or 'random', got {init!r}")
        dtype = get_default_dtype()
        w = np.zeros(in_features, dtype=dtype)
        if init == "random":
            w = default_generator().uniform(-0.5, 0.5, in_features).astype(dtype)
        self.in_features = in_features
        self.weight = Parameter(Tensor(w), requires_grad=False)
        self.bias = Parameter(Tensor(np.zeros(1, dtype=dtype)), requires_grad=False)

    def net_input(self, x) -> np.ndarray:
        x = x.array if isinstance(x, Tensor) else np.asarray(x, dtype=self.weight.dtype)
        if x.ndim != 2 or x.shape[1] != self.in_features:
            raise ValueError(f"Perceptron: expected input of shape (N, {self.in_features}), got {x.shape}")
        return x @ self.weight.array + self.bias.array

    def forward(self, x) -> Tensor:
        return from_numpy((self.net_input(x) >= 0).astype(self.weight.dtype))

    def fit(self, X, y, epochs: int = 100, lr: float = 1.0, shuffle: bool = False) -> PerceptronFit:
        """Train with the perceptron rule until an epoch has no mistakes or ``epochs`` run out.

        Args:
            X: (N, D) inputs; y: (N,) targets in {0, 1}.
            epochs: the most passes over the data (default 100).
            lr: the learning rate η (default 1.0).
            shuffle: visit samples in a fresh seeded order each epoch (default False).
        """
        X = X.array if isinstance(X, Tensor) else np.asarray(X, dtype=self.weight.dtype)
        y = (y.array if isinstance(y, Tensor) else np.asarray(y)).astype(self.weight.dtype)
        if set(np.unique(y)) - {0.0, 1.0}:
            raise ValueError(f"Perceptron.fit: targets must be 0 or 1, got values {np.unique(y)}")
        result = PerceptronFit()
        w, b = self.weight.array, self.bias.array
        with no_grad():
            for _ in range(epochs):
                order = default_generator().permutation(len(X)) if shuffle else range(len(X))
                errors = 0
                for i in order:
                    pred = 1.0 if X[i] @ w + b[0] >= 0 else 0.0
                    update = lr * (y[i] - pred)
                    if update != 0.0:
                        w += (update * X[i]).astype(w.dtype)
                        b += w.dtype.type(update)
                        errors += 1
                result.errors_per_epoch.append(errors)
                if errors == 0:
                    result.converged = True
                    break
        return result

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}"
