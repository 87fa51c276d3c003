"""A small non-trivial objective built twice (nnlab and torch) for optimizer trajectory tests.

Parameters: W1 (3, 4), b1 (4,), W2 (4, 2) of a tiny tanh network on fixed data, q (5,)
of an ill-conditioned quadratic, and u (2,), which the loss never touches (its grad
stays None, so optimizers must skip it). Two param groups: the network, and (q, u)
with their own learning rate.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np
import torch

import nnlab
from tests.parity import to_nnlab, to_torch

_rng = np.random.default_rng(1234)
X = _rng.standard_normal((6, 3))
Y = _rng.standard_normal((6, 2))
A = np.array([0.5, 1.0, 2.0, 4.0, 8.0])
C = np.array([1.0, -1.0, 0.5, -0.5, 0.25])
INIT = [
    _rng.standard_normal((3, 4)) * 0.7,
    _rng.standard_normal(4) * 0.1,
    _rng.standard_normal((4, 2)) * 0.7,
    _rng.standard_normal(5),
    _rng.standard_normal(2),
]


def nnlab_params(dtype=np.float64) -> list[nnlab.Tensor]:
    return [to_nnlab(a.astype(dtype)) for a in INIT]


def torch_params() -> list[torch.Tensor]:
    return [to_torch(a) for a in INIT]


def nnlab_loss(params: list[nnlab.Tensor]) -> nnlab.Tensor:
    w1, b1, w2, q, _ = params
    dtype = w1.dtype
    x, y, a, c = (nnlab.tensor(v, dtype=dtype) for v in (X, Y, A, C))
    r = nnlab.tanh(x @ w1 + b1) @ w2 - y
    return (r * r).mean() + (a * q * q).sum() * 0.5 + (c * q).sum()


def torch_loss(params: list[torch.Tensor]) -> torch.Tensor:
    w1, b1, w2, q, _ = params
    x, y, a, c = (torch.from_numpy(v) for v in (X, Y, A, C))
    r = torch.tanh(x @ w1 + b1) @ w2 - y
    return (r * r).mean() + (a * q * q).sum() * 0.5 + (c * q).sum()


def groups(params: list, group_lr: float | None) -> list[dict[str, Any]]:
    """Network in group 0 (defaults), (q, u) in group 1 with ``lr=group_lr`` if given."""
    second: dict[str, Any] = {"params": params[3:]}
    if group_lr is not None:
        second["lr"] = group_lr
    return [{"params": params[:3]}, second]


def nnlab_step(opt, params: list[nnlab.Tensor]) -> float:
    opt.zero_grad()
    loss = nnlab_loss(params)
    loss.backward()
    opt.step()
    return float(loss.item())


def torch_step(opt, params: list[torch.Tensor]) -> float:
    opt.zero_grad()
    loss = torch_loss(params)
    loss.backward()
    opt.step()
    return float(loss.item())


def run_nnlab(make_opt: Callable, steps: int, group_lr: float | None = None) -> list[list[np.ndarray]]:
    """Parameter values after each of ``steps`` steps."""
    params = nnlab_params()
    opt = make_opt(groups(params, group_lr))
    out = []
    for _ in range(steps):
        nnlab_step(opt, params)
        out.append([p.array.copy() for p in params])
    return out
