"""Weight penalties added to a loss: L1, L2 and elastic net, as differentiable Tensors.

Each returns a 0-d Tensor built from nnlab ops, so ``(loss + penalty).backward()``
puts the penalty's gradient into every parameter's ``grad``. Pass the weights only
(the seeds regularize W, not b), e.g. ``[m.weight for m in layers]``.

The seeds write the L2 term of the cost as λ/(2m)·Σ‖W‖²_F with m the number of
training examples; ``l2_penalty(weights, lam / m)`` is exactly that. Since
∂(λ/2·‖W‖²)/∂W = λ·W, adding ``l2_penalty(params, λ)`` to the loss gives the same
SGD steps as ``SGD(..., weight_decay=λ)`` ("weight decay").
"""

from __future__ import annotations

from typing import Iterable

from nnlab.autograd.tensor import Tensor


def _params(params: Tensor | Iterable[Tensor], op: str) -> list[Tensor]:
    out = [params] if isinstance(params, Tensor) else list(params)
    if not out:
        raise ValueError(f"{op}: got no parameters to penalize")
    for i, p in enumerate(out):
        if not isinstance(p, Tensor):
            raise TypeError(f"{op}: params[{i}] is a {type(p).__name__}, expected a Tensor")
    return out


def _check_lam(lam: float, name: str, op: str) -> float:
    lam = float(lam)
    if lam < 0:
        raise ValueError(f"{op}: {name} must be >= 0, got {lam}")
    return lam


def _sum_abs(params: list[Tensor]) -> Tensor:
    total = params[0].abs().sum()
    for p in params[1:]:
        total = total + p.abs().sum()
    return total


def _sum_sq(params: list[Tensor]) -> Tensor:
    total = (params[0] * params[0]).sum()
    for p in params[1:]:
        total = total + (p * p).sum()
    return total


def l1_penalty(params: Tensor | Iterable[Tensor], lam: float) -> Tensor:
    """λ·Σᵢ ‖Wᵢ‖₁ = λ·Σ |w| over every entry of every tensor; gradient λ·sign(W).

    Args:
        params: a Tensor or an iterable of Tensors (all of one dtype).
        lam: λ ≥ 0.

    Returns:
        A 0-d Tensor in the parameters' dtype.
    """
    params = _params(params, "l1_penalty")
    return _sum_abs(params) * _check_lam(lam, "lam", "l1_penalty")


def l2_penalty(params: Tensor | Iterable[Tensor], lam: float) -> Tensor:
    """λ/2·Σᵢ ‖Wᵢ‖²_F; gradient λ·W. Pass ``lam / m`` for the seeds' λ/(2m) form.

    Args:
        params: a Tensor or an iterable of Tensors (all of one dtype).
        lam: λ ≥ 0.

    Returns:
        A 0-d Tensor in the parameters' dtype.
    """
    params = _params(params, "l2_penalty")
    return _sum_sq(params) * (_check_lam(lam, "lam", "l2_penalty") / 2)


def elastic_net_penalty(params: Tensor | Iterable[Tensor], l1: float, l2: float) -> Tensor:
    """λ₁·Σ|w| + λ₂/2·Σw²: the sum of :func:`l1_penalty` and :func:`l2_penalty`.

    Args:
        params: a Tensor or an iterable of Tensors (all of one dtype).
        l1: λ₁ ≥ 0.
        l2: λ₂ ≥ 0.

    Returns:
        A 0-d Tensor in the parameters' dtype.
    """
    params = _params(params, "elastic_net_penalty")
    _check_lam(l1, "l1", "elastic_net_penalty")
    _check_lam(l2, "l2", "elastic_net_penalty")
    return l1_penalty(params, l1) + l2_penalty(params, l2)
