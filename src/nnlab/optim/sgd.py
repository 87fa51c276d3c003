"""Stochastic gradient descent, with optional momentum, Nesterov momentum and weight decay."""

from __future__ import annotations

from typing import Any, Iterable

import numpy as np

from nnlab.autograd.tensor import Tensor
from nnlab.backend.memory import add_scaled_
from nnlab.optim.optimizer import Optimizer, check_hyper


class SGD(Optimizer):
    """θ ← θ − lr·b, with b ← μ·b + (1 − τ)·g the momentum buffer (b = g when μ = 0).

    Per step, for each parameter θ with gradient ∇ (PyTorch's exact rule)::

        g = −∇ if maximize else ∇
        g = g + λ·θ                        (weight_decay λ ≠ 0: L2 regularization)
        b = g                              (first step: the buffer is the gradient, no dampening)
        b = μ·b + (1 − τ)·g                (later steps; μ momentum, τ dampening)
        g = g + μ·b if nesterov else b     (when μ ≠ 0)
        θ = θ − lr·g

    The seeds write momentum as an exponentially weighted average,
    v = β·v + (1 − β)·dW, W = W − α·v (v₀ = 0). PyTorch's buffer without dampening is
    b = v / (1 − β) exactly (both start from the first gradient), so
    ``SGD(lr=α·(1 − β), momentum=β)`` takes the seeds' steps with rate α: the two forms
    differ only by a rescaling of the learning rate.

    Args:
        params: Tensors or param-group dicts (see :class:`Optimizer`).
        lr: learning rate, default 1e-3.
        momentum: μ ≥ 0, default 0.
        dampening: τ, default 0.
        weight_decay: λ ≥ 0 (L2 penalty coefficient), default 0.
        nesterov: use Nesterov momentum (needs μ > 0 and τ = 0), default False.
        maximize: ascend the objective instead of descending it, default False.

    State (per parameter): ``momentum_buffer`` (shape of the parameter), only when μ ≠ 0.
    """

    def __init__(
        self,
        params: Iterable[Tensor] | Iterable[dict],
        lr: float = 1e-3,
        momentum: float = 0.0,
        dampening: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
        maximize: bool = False,
    ):
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                        nesterov=nesterov, maximize=maximize)
        super().__init__(params, defaults)

    def _validate_group(self, group: dict[str, Any]) -> None:
        check_hyper("SGD", "learning rate", group["lr"], group["lr"] >= 0, "must be >= 0")
        check_hyper("SGD", "momentum", group["momentum"], group["momentum"] >= 0, "must be >= 0")
        check_hyper("SGD", "weight_decay", group["weight_decay"], group["weight_decay"] >= 0, "must be >= 0")
        if group["nesterov"]:
            check_hyper("SGD", "nesterov momentum", (group["momentum"], group["dampening"]),
                        group["momentum"] > 0 and group["dampening"] == 0,
                        "Nesterov momentum requires momentum > 0 and zero dampening")

    def _update(self, p: Tensor, grad: np.ndarray, state: dict[str, Any], group: dict[str, Any]) -> None:
        # Updates go in place through add_scaled_, so a large layer allocates no temporary of its size.
        sign = -1.0 if group["maximize"] else 1.0
        g = grad
        if group["weight_decay"] != 0:
            g = sign * grad + group["weight_decay"] * p.array
            sign = 1.0
        momentum = group["momentum"]
        if momentum != 0:
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = np.array(g, copy=True) if sign == 1.0 else -g
                state["momentum_buffer"] = buf
            else:
                add_scaled_(buf, g, sign * (1 - group["dampening"]), beta=momentum)
            if group["nesterov"]:
                g = sign * g + momentum * buf
            else:
                g = buf
            sign = 1.0
        add_scaled_(p.array, g, -sign * group["lr"])
