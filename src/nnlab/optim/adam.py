"""Adam and AdamW: momentum and RMSprop combined, with bias-corrected moment estimates."""

from __future__ import annotations

import math
from typing import Any, Iterable

import numpy as np

from nnlab.autograd.tensor import Tensor
from nnlab.backend import kernels
from nnlab.optim.optimizer import Optimizer, check_hyper


class Adam(Optimizer):
    """θ ← θ − lr·m̂ / (√v̂ + ε), with m̂ = m/(1 − β₁ᵗ), v̂ = v/(1 − β₂ᵗ) the corrected moments.

    Per step t = 1, 2, ... for each parameter θ with gradient ∇ (PyTorch's rule; the
    seeds' V_dW is m, S_dW is v)::

        g = −∇ if maximize else ∇
        g = g + λ·θ                          (weight_decay λ ≠ 0: L2, coupled)
        m = β₁·m + (1 − β₁)·g                 (exp_avg)
        v = β₂·v + (1 − β₂)·g²                (exp_avg_sq)
        v_max = max(v_max, v)                 (amsgrad: use v_max in place of v below)
        θ = θ − lr/(1 − β₁ᵗ) · m / (√v / √(1 − β₂ᵗ) + ε)

    Note that ε is added after the bias correction of √v, exactly as PyTorch does.

    Args:
        params: Tensors or param-group dicts (see :class:`Optimizer`).
        lr: learning rate, default 1e-3.
        betas: (β₁, β₂), each in [0, 1), default (0.9, 0.999).
        eps: ε ≥ 0, default 1e-8.
        weight_decay: λ ≥ 0, default 0.
        amsgrad: use the running maximum of v (AMSGrad), default False.
        maximize: ascend instead of descend, default False.

    State (per parameter): ``step`` (int), ``exp_avg``, ``exp_avg_sq`` and, with amsgrad,
    ``max_exp_avg_sq``, each the shape of the parameter.
    """

    _decoupled = False

    def __init__(
        self,
        params: Iterable[Tensor] | Iterable[dict],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        amsgrad: bool = False,
        maximize: bool = False,
    ):
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                        maximize=maximize)
        super().__init__(params, defaults)

    def _validate_group(self, group: dict[str, Any]) -> None:
        name = type(self).__name__
        check_hyper(name, "learning rate", group["lr"], group["lr"] >= 0, "must be >= 0")
        check_hyper(name, "epsilon", group["eps"], group["eps"] >= 0, "must be >= 0")
        check_hyper(name, "weight_decay", group["weight_decay"], group["weight_decay"] >= 0, "must be >= 0")
        betas = group["betas"]
        check_hyper(name, "betas", betas, isinstance(betas, (tuple, list)) and len(betas) == 2,
                    "expected a pair (beta1, beta2)")
        group["betas"] = tuple(betas)  # a JSON round trip turns the pair into a list
        for k, beta in enumerate(betas):
            check_hyper(name, f"beta parameter at index {k}", beta, 0 <= beta < 1, "must be in [0, 1)")

    def _update(self, p: Tensor, grad: np.ndarray, state: dict[str, Any], group: dict[str, Any]) -> None:
        if not state:
            state["step"] = 0
            state["exp_avg"] = np.zeros_like(p.array)
            state["exp_avg_sq"] = np.zeros_like(p.array)
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = np.zeros_like(p.array)
        state["step"] += 1
        step = state["step"]
        beta1, beta2 = group["betas"]
        lr, wd = group["lr"], group["weight_decay"]
        k = kernels.fast()
        if k is not None and p.array.flags.c_contiguous and grad.dtype == p.array.dtype and p.array.dtype in (
                np.float32, np.float64):  # the same update in one compiled pass
            m, v = state["exp_avg"], state["exp_avg_sq"]
            k.adam_update(p.array.reshape(-1), np.ascontiguousarray(grad).reshape(-1), m.reshape(-1), v.reshape(-1),
                          state.get("max_exp_avg_sq", v).reshape(-1), bool(group["amsgrad"]),
                          -1.0 if group["maximize"] else 1.0, float(wd), self._decoupled, float(lr), float(beta1),
                          float(beta2), lr / (1 - beta1**step), math.sqrt(1 - beta2**step), float(group["eps"]))
            return
        g = -grad if group["maximize"] else grad
        if wd != 0:
            if self._decoupled:
                p.array *= 1 - lr * wd
            else:
                g = g + wd * p.array
        exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
        exp_avg += (1 - beta1) * (g - exp_avg)
        exp_avg_sq *= beta2
        exp_avg_sq += (1 - beta2) * (g * g)
        step_size = lr / (1 - beta1**step)
        bias_correction2_sqrt = math.sqrt(1 - beta2**step)
        if group["amsgrad"]:
            np.maximum(state["max_exp_avg_sq"], exp_avg_sq, out=state["max_exp_avg_sq"])
            second = state["max_exp_avg_sq"]
        else:
            second = exp_avg_sq
        denom = np.sqrt(second) / bias_correction2_sqrt + group["eps"]
        p.array -= step_size * (exp_avg / denom)


class AdamW(Adam):
    """θ ← (1 − lr·λ)·θ − lr·m̂ / (√v̂ + ε): Adam with decoupled weight decay.

    The decay shrinks θ directly instead of being added to the gradient, so it is not
    rescaled by the adaptive denominator (Loshchilov & Hutter). Per step, first
    θ = θ·(1 − lr·λ), then Adam's update (see :class:`Adam`) with λ = 0.

    Args:
        params: Tensors or param-group dicts (see :class:`Optimizer`).
        lr: learning rate, default 1e-3.
        betas: (β₁, β₂), each in [0, 1), default (0.9, 0.999).
        eps: ε ≥ 0, default 1e-8.
        weight_decay: λ ≥ 0, default 1e-2.
        amsgrad: use the running maximum of v (AMSGrad), default False.
        maximize: ascend instead of descend, default False.

    State (per parameter): as :class:`Adam`.
    """

    _decoupled = True

    def __init__(
        self,
        params: Iterable[Tensor] | Iterable[dict],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
        maximize: bool = False,
    ):
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                         maximize=maximize)
