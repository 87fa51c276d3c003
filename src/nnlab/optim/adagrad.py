"""Adagrad: per-coordinate learning rates from the running sum of squared gradients."""

from __future__ import annotations

from typing import Any, Iterable

import numpy as np

from nnlab.autograd.tensor import Tensor
from nnlab.optim.optimizer import Optimizer, check_hyper


class Adagrad(Optimizer):
    """θ ← θ − lr_t·g / (√s + ε), with s ← s + g² the sum of all squared gradients.

    Per step t = 1, 2, ... for each parameter θ with gradient ∇ (PyTorch's rule)::

        g = −∇ if maximize else ∇
        g = g + λ·θ                          (weight_decay λ ≠ 0)
        lr_t = lr / (1 + (t − 1)·lr_decay)
        s = s + g ⊙ g                         (s₀ = initial_accumulator_value)
        θ = θ − lr_t · g / (√s + ε)

    Args:
        params: Tensors or param-group dicts (see :class:`Optimizer`).
        lr: learning rate, default 1e-2.
        lr_decay: inverse-time decay of the rate per step, default 0.
        weight_decay: λ ≥ 0, default 0.
        initial_accumulator_value: s₀ ≥ 0, default 0.
        eps: ε added to the denominator, default 1e-10.
        maximize: ascend instead of descend, default False.

    State (per parameter): ``step`` (int), ``sum`` (shape of the parameter).
    """

    def __init__(
        self,
        params: Iterable[Tensor] | Iterable[dict],
        lr: float = 1e-2,
        lr_decay: float = 0.0,
        weight_decay: float = 0.0,
        initial_accumulator_value: float = 0.0,
        eps: float = 1e-10,
        maximize: bool = False,
    ):
        defaults = dict(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, eps=eps, maximize=maximize)
        super().__init__(params, defaults)

    def _validate_group(self, group: dict[str, Any]) -> None:
        for key, label in (("lr", "learning rate"), ("lr_decay", "lr_decay"), ("weight_decay", "weight_decay"),
                           ("initial_accumulator_value", "initial_accumulator_value"), ("eps", "epsilon")):
            check_hyper("Adagrad", label, group[key], group[key] >= 0, "must be >= 0")

    def _update(self, p: Tensor, grad: np.ndarray, state: dict[str, Any], group: dict[str, Any]) -> None:
        if not state:
            state["step"] = 0
            state["sum"] = np.full_like(p.array, group["initial_accumulator_value"])
        state["step"] += 1
        g = -grad if group["maximize"] else grad
        if group["weight_decay"] != 0:
            g = g + group["weight_decay"] * p.array
        clr = group["lr"] / (1 + (state["step"] - 1) * group["lr_decay"])
        s = state["sum"]
        s += g * g
        p.array -= clr * (g / (np.sqrt(s) + group["eps"]))
