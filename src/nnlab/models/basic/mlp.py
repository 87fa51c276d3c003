"""The multilayer perceptron: Linear → activation (→ dropout) stacks ending in logits."""

from __future__ import annotations

from typing import Sequence

from nnlab.autograd.tensor import Tensor
from nnlab.nn import activation as act
from nnlab.nn.containers import Sequential
from nnlab.nn.dropout import Dropout
from nnlab.nn.linear import Linear
from nnlab.nn.module import Module

ACTIVATIONS = {
    "relu": act.ReLU,
    "leaky_relu": act.LeakyReLU,
    "elu": act.ELU,
    "selu": act.SELU,
    "gelu": act.GELU,
    "sigmoid": act.Sigmoid,
    "tanh": act.Tanh,
    "softplus": act.Softplus,
    "silu": act.SiLU,
}


class MLP(Module):
    """h₀ = x, hₗ = act(Wₗ hₗ₋₁ + bₗ) for the hidden layers, logits = W_L h_{L−1} + b_L.

    Args:
        sizes: layer widths from input to output, e.g. ``(64, 128, 10)``: 64 inputs,
            one hidden layer of 128 units, 10 outputs. At least two entries.
        activation: name of the hidden activation (``"relu"`` default; see ``ACTIVATIONS``)
            or a Module class.
        dropout: dropout probability after each hidden activation (default 0: none).

    Shape:
        input (N, sizes[0]) → logits (N, sizes[-1]).

    Attributes:
        net: the ``Sequential`` of layers; ``net.0.weight`` has shape (sizes[1], sizes[0]),
            Linear's PyTorch init.
    """

    def __init__(self, sizes: Sequence[int], activation="relu", dropout: float = 0.0):
        super().__init__()
        sizes = [int(s) for s in sizes]
        if len(sizes) < 2 or any(s <= 0 for s in sizes):
            raise ValueError(f"MLP: sizes needs at least two positive widths (input, output), got {sizes}")
        if isinstance(activation, str):
            if activation not in ACTIVATIONS:
                raise ValueError(f"MLP: unknown activation {activation!r}; expected one of {sorted(ACTIVATIONS)}")
            make_act = ACTIVATIONS[activation]
        else:
            make_act = activation
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"MLP: dropout must be in [0, 1), got {dropout}")
        layers: list[Module] = []
        for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
            layers.append(Linear(n_in, n_out))
            if i < len(sizes) - 2:
                layers.append(make_act())
                if dropout > 0:
                    layers.append(Dropout(dropout))
        self.sizes = tuple(sizes)
        self.net = Sequential(*layers)

    def forward(self, x: Tensor) -> Tensor:
        return self.net(x)
