"""Backpropagation shown step by step, as the seeds' "Back Propagation Solved Example" does.

For a small MLP (``nn.Sequential`` of ``Linear`` layers and activations, or an
``MLP``), :func:`explain_backprop` runs one forward pass, one backward pass of the
squared error E = ½ Σ (t − y)², and one gradient-descent update, and records:

- every unit's net input a_j = Σ_i w_ij o_i (+ b_j) and output y_j = f(a_j);
- every unit's error term δ_j = −∂E/∂a_j — for a sigmoid output unit this is the
  seeds' δ_j = y_j (1 − y_j)(t_j − y_j), for a hidden unit y_j (1 − y_j) Σ_k δ_k w_jk;
- every weight's update Δw_ij = η δ_j o_i and its new value;
- the output of a second forward pass with the updated weights.

Units are numbered as in the seeds: inputs 1..n, then each layer's units in order.
The numbers come from nnlab's autograd, so the table is also a check of it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from nnlab.autograd.grad_mode import no_grad
from nnlab.autograd.tensor import Tensor
from nnlab.nn.containers import Sequential
from nnlab.nn.linear import Linear
from nnlab.nn.module import Module
from nnlab.ops.creation import from_numpy


@dataclass
class UnitRow:
    """One unit of a layer: its number, net input a, output y and error term δ."""

    unit: int
    layer: int
    net: float
    out: float
    delta: float


@dataclass
class WeightRow:
    """One weight w_ij from unit i (or the bias, i = "b") to unit j, and its update."""

    i: int | str
    j: int
    w: float
    delta: float
    o: float
    lr: float
    w_new: float


@dataclass
class BackpropExplanation:
    """Everything :func:`explain_backprop` computed; ``str()`` gives the seed-style tables."""

    inputs: list[float]
    target: list[float]
    units: list[UnitRow] = field(default_factory=list)
    weights: list[WeightRow] = field(default_factory=list)
    output: list[float] = field(default_factory=list)
    loss: float = 0.0
    new_output: list[float] = field(default_factory=list)

    @property
    def error(self) -> list[float]:
        """t − y for each output unit, as the seeds write the error."""
        return [t - y for t, y in zip(self.target, self.output)]

    def __str__(self) -> str:
        lines = ["Forward pass", f"{'unit':>5} {'layer':>5} {'a_j':>10} {'y_j':>10}"]
        for k, x in enumerate(self.inputs, start=1):
            lines.append(f"{k:>5} {0:>5} {'':>10} {x:>10.4f}")
        for u in self.units:
            lines.append(f"{u.unit:>5} {u.layer:>5} {u.net:>10.4f} {u.out:>10.4f}")
        lines.append(f"error t − y = {', '.join(f'{e:.4f}' for e in self.error)};  E = ½Σ(t − y)² = {self.loss:.6f}")
        lines += ["", "Backward pass: δ_j = −∂E/∂a_j", f"{'unit':>5} {'δ_j':>12}"]
        for u in reversed(self.units):
            lines.append(f"{u.unit:>5} {u.delta:>12.5f}")
        lines += ["", "Weight updates: Δw_ij = η δ_j o_i", f"{'i':>3} {'j':>3} {'w_ij':>9} {'δ_j':>10} {'o_i':>8} {'η':>5} {'new w_ij':>9}"]
        for r in self.weights:
            lines.append(f"{r.i!s:>3} {r.j:>3} {r.w:>9.4f} {r.delta:>10.5f} {r.o:>8.4f} {r.lr:>5g} {r.w_new:>9.4f}")
        if self.new_output:
            lines += ["", "Second forward pass with the updated weights: y = " + ", ".join(f"{y:.4f}" for y in self.new_output)]
        return "\n".join(lines)


def _layers(model: Module) -> list[Module]:
    seq = model if isinstance(model, Sequential) else getattr(model, "net", None)
    if not isinstance(seq, Sequential):
        raise TypeError(
            f"explain_backprop: expected an nn.Sequential (or a model with a .net Sequential), got {type(model).__name__}"
        )
    layers = list(seq)
    if not layers or not isinstance(layers[0], Linear):
        raise TypeError("explain_backprop: the model must start with a Linear layer")
    return layers


def explain_backprop(model: Module, x, target, lr: float = 1.0, apply: bool = True) -> BackpropExplanation:
    """One forward pass, backward pass and update of ``model`` on a single example, explained.

    Args:
        model: ``nn.Sequential`` of ``Linear`` layers and activation modules (or an ``MLP``).
        x: one input example, shape (D,).
        target: the desired output t, shape (K,) (a float for one output).
        lr: the learning rate η (default 1.0, as in the seeds).
        apply: update the model's weights in place (w ← w + Δw, plain gradient descent)
            and report the output of a second forward pass (default True).

    Returns:
        A :class:`BackpropExplanation`; ``print()`` it for the seed-style tables.
    """
    layers = _layers(model)
    dtype = layers[0].weight.dtype
    x_arr = np.atleast_1d(np.asarray(x.array if isinstance(x, Tensor) else x, dtype=dtype))
    t_arr = np.atleast_1d(np.asarray(target.array if isinstance(target, Tensor) else target, dtype=dtype))

    # Forward, keeping each Linear's output a (net input) and each layer's final output y.
    h = from_numpy(x_arr[None, :])
    nets, outs, linears, inputs_to = [], [], [], []
    for m in layers:
        if isinstance(m, Linear):
            inputs_to.append(h)
            h = m(h)
            h.retain_grad()
            nets.append(h)
            outs.append(h)
            linears.append(m)
        else:
            h = m(h)
            if h.requires_grad:
                h.retain_grad()
            outs[-1] = h
    if h.shape[-1] != t_arr.size:
        raise ValueError(f"explain_backprop: the model has {h.shape[-1]} outputs, target has {t_arr.size} values")
    for p in model.parameters():
        p.grad = None
    loss = ((from_numpy(t_arr[None, :]) - h) ** 2).sum() * 0.5
    loss.backward()

    result = BackpropExplanation(inputs=x_arr.tolist(), target=t_arr.tolist(), loss=float(loss.item()))
    result.output = h.array[0].tolist()
    first_unit = [1]
    for layer_idx, lin in enumerate(linears):
        first_unit.append(first_unit[-1] + (x_arr.size if layer_idx == 0 else linears[layer_idx - 1].out_features))
    for layer_idx, lin in enumerate(linears):
        a = nets[layer_idx].array[0]
        y = outs[layer_idx].array[0]
        delta = -nets[layer_idx].grad.array[0]
        src = inputs_to[layer_idx].array[0]
        src_first, dst_first = first_unit[layer_idx], first_unit[layer_idx + 1]
        for j in range(lin.out_features):
            result.units.append(UnitRow(dst_first + j, layer_idx + 1, float(a[j]), float(y[j]), float(delta[j])))
        w = lin.weight.array
        for j in range(lin.out_features):
            for i in range(lin.in_features):
                dw = lr * delta[j] * src[i]
                result.weights.append(
                    WeightRow(src_first + i, dst_first + j, float(w[j, i]), float(delta[j]), float(src[i]), lr, float(w[j, i] + dw))
                )
            if lin.bias is not None:
                b = float(lin.bias.array[j])
                result.weights.append(WeightRow("b", dst_first + j, b, float(delta[j]), 1.0, lr, b + lr * float(delta[j])))

    if apply:
        with no_grad():
            for p in model.parameters():
                if p.grad is not None:
                    p.array -= (lr * p.grad.array).astype(p.dtype)
            result.new_output = model(from_numpy(x_arr[None, :])).array[0].tolist()
    return result


def seed_example() -> BackpropExplanation:
    """The seeds' "Back Propagation Solved Example - 1" of the course run through nnlab.

    x = (0.35, 0.9); w13 = 0.1, w23 = 0.8, w14 = 0.4, w24 = 0.6, w35 = 0.3, w45 = 0.9;
    sigmoid units without biases; target 0.5; η = 1. The updated weights come out as
    0.0991, 0.7976, 0.3971, 0.5926, 0.2724, 0.8731 and the second output as 0.6820.
    """
    from nnlab.nn.activation import Sigmoid

    model = Sequential(Linear(2, 2, bias=False), Sigmoid(), Linear(2, 1, bias=False), Sigmoid())
    with no_grad():
        model[0].weight.array[...] = [[0.1, 0.8], [0.4, 0.6]]  # rows: units 3, 4; columns: inputs 1, 2
        model[2].weight.array[...] = [[0.3, 0.9]]  # row: unit 5; columns: units 3, 4
    return explain_backprop(model, [0.35, 0.9], [0.5], lr=1.0)
