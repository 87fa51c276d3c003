"""Adadelta: Adagrad's step with the learning rate replaced by a ratio of running RMS values."""

from __future__ import annotations

from typing import Any, Iterable

import numpy as np

from nnlab.autograd.tensor import Tensor
from nnlab.optim.optimizer import Optimizer, check_hyper


class Adadelta(Optimizer):
    """θ ← θ − lr·Δ, with Δ = √(u + ε) / √(s + ε) · g and s, u running averages of g², Δ².

    Per step for each parameter θ with gradient ∇ (PyTorch's rule)::

        g = −∇ if maximize else ∇
        g = g + λ·θ                          (weight_decay λ ≠ 0)
        s = ρ·s + (1 − ρ)·g²                  (square_avg, s₀ = 0)
        Δ = √(u + ε) / √(s + ε) · g
        u = ρ·u + (1 − ρ)·Δ²                  (acc_delta, u₀ = 0)
        θ = θ − lr·Δ

    Args:
        params: Tensors or param-group dicts (see :class:`Optimizer`).
        lr: scale of the step, default 1.0.
        rho: ρ ∈ [0, 1], the averaging coefficient, default 0.9.
        eps: ε ≥ 0, default 1e-6.
        weight_decay: λ ≥ 0, default 0.
        maximize: ascend instead of descend, default False.

    State (per parameter): ``step`` (int), ``square_avg`` and ``acc_delta`` (shape of the parameter).
    """

    def __init__(
        self,
        params: Iterable[Tensor] | Iterable[dict],
        lr: float = 1.0,
        rho: float = 0.9,
        eps: float = 1e-6,
        weight_decay: float = 0.0,
        maximize: bool = False,
    ):
        defaults = dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize)
        super().__init__(params, defaults)

    def _validate_group(self, group: dict[str, Any]) -> None:
        check_hyper("Adadelta", "learning rate", group["lr"], group["lr"] >= 0, "must be >= 0")
        check_hyper("Adadelta", "rho", group["rho"], 0 <= group["rho"] <= 1, "must be in [0, 1]")
        check_hyper("Adadelta", "epsilon", group["eps"], group["eps"] >= 0, "must be >= 0")
        check_hyper("Adadelta", "weight_decay", group["weight_decay"], group["weight_decay"] >= 0, "must be >= 0")

    def _update(self, p: Tensor, grad: np.ndarray, state: dict[str, Any], group: dict[str, Any]) -> None:
        if not state:
            state["step"] = 0
            state["square_avg"] = np.zeros_like(p.array)
            state["acc_delta"] = np.zeros_like(p.array)
        state["step"] += 1
        rho, eps = group["rho"], group["eps"]
        g = -grad if group["maximize"] else grad
        if group["weight_decay"] != 0:
            g = g + group["weight_decay"] * p.array
        square_avg, acc_delta = state["square_avg"], state["acc_delta"]
        square_avg *= rho
        square_avg += (1 - rho) * (g * g)
        delta = np.sqrt(acc_delta + eps) / np.sqrt(square_avg + eps) * g
        acc_delta *= rho
        acc_delta += (1 - rho) * (delta * delta)
        p.array -= group["lr"] * delta
