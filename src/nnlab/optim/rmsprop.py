"""RMSprop: divide the gradient by a running root-mean-square of recent gradients."""

from __future__ import annotations

from typing import Any, Iterable

import numpy as np

from nnlab.autograd.tensor import Tensor
from nnlab.optim.optimizer import Optimizer, check_hyper


class RMSprop(Optimizer):
    """θ ← θ − lr·g / (√s + ε), with s ← α·s + (1 − α)·g² (the seeds' S_dW).

    Per step for each parameter θ with gradient ∇ (PyTorch's rule)::

        g = −∇ if maximize else ∇
        g = g + λ·θ                          (weight_decay λ ≠ 0)
        s = α·s + (1 − α)·g²                  (square_avg; the seeds write β₂ for α)
        ḡ = α·ḡ + (1 − α)·g                   (grad_avg, only when centered)
        d = √(s − ḡ²) + ε if centered else √s + ε
        b = μ·b + g / d;  θ = θ − lr·b       (momentum μ > 0)
        θ = θ − lr·g / d                     (μ = 0)

    Centered RMSprop normalizes by an estimate of the gradient's variance rather than
    its raw second moment.

    Args:
        params: Tensors or param-group dicts (see :class:`Optimizer`).
        lr: learning rate, default 1e-2.
        alpha: α ≥ 0, the smoothing constant, default 0.99.
        eps: ε ≥ 0, default 1e-8.
        weight_decay: λ ≥ 0, default 0.
        momentum: μ ≥ 0, default 0.
        centered: subtract the squared running mean of g, default False.
        maximize: ascend instead of descend, default False.

    State (per parameter): ``step`` (int), ``square_avg``, ``momentum_buffer`` (when
    μ > 0) and ``grad_avg`` (when centered), each the shape of the parameter.
    """

    def __init__(
        self,
        params: Iterable[Tensor] | Iterable[dict],
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum: float = 0.0,
        centered: bool = False,
        maximize: bool = False,
    ):
        defaults = dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay, momentum=momentum,
                        centered=centered, maximize=maximize)
        super().__init__(params, defaults)

    def _validate_group(self, group: dict[str, Any]) -> None:
        for key, label in (("lr", "learning rate"), ("eps", "epsilon"), ("momentum", "momentum"),
                           ("weight_decay", "weight_decay"), ("alpha", "alpha")):
            check_hyper("RMSprop", label, group[key], group[key] >= 0, "must be >= 0")

    def _update(self, p: Tensor, grad: np.ndarray, state: dict[str, Any], group: dict[str, Any]) -> None:
        if not state:
            state["step"] = 0
            state["square_avg"] = np.zeros_like(p.array)
            if group["momentum"] > 0:
                state["momentum_buffer"] = np.zeros_like(p.array)
            if group["centered"]:
                state["grad_avg"] = np.zeros_like(p.array)
        state["step"] += 1
        alpha = group["alpha"]
        g = -grad if group["maximize"] else grad
        if group["weight_decay"] != 0:
            g = g + group["weight_decay"] * p.array
        square_avg = state["square_avg"]
        square_avg *= alpha
        square_avg += (1 - alpha) * (g * g)
        if group["centered"]:
            grad_avg = state["grad_avg"]
            grad_avg += (1 - alpha) * (g - grad_avg)
            avg = np.sqrt(square_avg - grad_avg * grad_avg)
        else:
            avg = np.sqrt(square_avg)
        avg += group["eps"]
        if group["momentum"] > 0:
            buf = state["momentum_buffer"]
            buf *= group["momentum"]
            buf += g / avg
            p.array -= group["lr"] * buf
        else:
            p.array -= group["lr"] * (g / avg)
