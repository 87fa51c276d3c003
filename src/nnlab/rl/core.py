"""The vocabulary of reinforcement learning as code: returns, discounting, advantages, policies' distributions.

An **agent** observes the **state** s_t of its **environment**, picks an **action** a_t from its
**policy** π(a | s), and receives a **reward** r_{t+1} and the next state. Its goal is the
expected **return**, the discounted sum of future rewards G_t = Σ_k γ^k r_{t+k+1} with the
**discount** γ ∈ [0, 1]. A **value function** V(s) estimates E[G_t | s_t = s]; the
**advantage** A(s, a) = Q(s, a) − V(s) says how much better an action is than the policy's
average. Environments follow Gymnasium's API: ``reset(seed) -> (obs, info)`` and
``step(action) -> (obs, reward, terminated, truncated, info)``.
"""

from __future__ import annotations

import numpy as np

from nnlab import functional as F
from nnlab.autograd.tensor import Tensor


def check_action(space, action, op: str = "step"):
    """``action`` unchanged if the Gymnasium ``space`` contains it; a ValueError naming the space otherwise."""
    value = action.item() if isinstance(action, np.ndarray) and action.ndim == 0 else action
    if isinstance(value, (np.integer, float)) and float(value).is_integer():
        value = int(value)
    if not space.contains(np.asarray(value, dtype=space.dtype) if space.shape else value):
        shown = action.item() if isinstance(action, np.generic) else action
        raise ValueError(f"{op}: action {shown!r} is outside the action space {space}")
    return value


def discounted_returns(rewards, gamma: float, dones=None, last_value: float = 0.0) -> np.ndarray:
    """G_t = r_{t+1} + γ G_{t+1} backwards through a trajectory, restarting after each ``done``.

    Args:
        rewards: (T,) the reward received after each step.
        gamma: the discount γ in [0, 1].
        dones: (T,) True where the episode ended at that step (no bootstrapping across it).
            Default: no ends inside the trajectory.
        last_value: V(s_T) bootstrapped after the last step when it did not end an episode (default 0).
    """
    if not 0.0 <= gamma <= 1.0:
        raise ValueError(f"discounted_returns: gamma must lie in [0, 1], got {gamma}")
    r = np.asarray(rewards, dtype=np.float64)
    d = np.zeros(len(r), bool) if dones is None else np.asarray(dones, bool)
    out = np.empty_like(r)
    g = float(last_value)
    for t in range(len(r) - 1, -1, -1):
        g = r[t] + gamma * g * (1.0 - d[t])
        out[t] = g
    return out


def gae(rewards, values, dones, last_value, gamma: float = 0.99, lam: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Generalized advantage estimation (Schulman et al., 2016): Â_t = Σ_k (γλ)^k δ_{t+k}, δ_t = r_t + γ V(s_{t+1}) − V(s_t).

    λ = 0 gives the one-step TD error, λ = 1 the Monte-Carlo return minus V. Works on a
    single trajectory (T,) or on parallel environments (T, B).

    Args:
        rewards, values, dones: (T, ...) — ``dones[t]`` True when step t ended the episode.
        last_value: V(s_T) (...), the bootstrap for the state after the last step.
        gamma: discount. lam: the GAE λ.

    Returns:
        (advantages, returns) with returns = advantages + values, the value targets.
    """
    r = np.asarray(rewards, dtype=np.float64)
    v = np.asarray(values, dtype=np.float64)
    d = np.asarray(dones, dtype=np.float64)
    if not (r.shape == v.shape == d.shape):
        raise ValueError(f"gae: rewards {r.shape}, values {v.shape} and dones {d.shape} must share a shape")
    adv = np.zeros_like(r)
    running = np.zeros(r.shape[1:])
    next_value = np.asarray(last_value, dtype=np.float64)
    for t in range(len(r) - 1, -1, -1):
        nonterminal = 1.0 - d[t]
        delta = r[t] + gamma * next_value * nonterminal - v[t]
        running = delta + gamma * lam * nonterminal * running
        adv[t] = running
        next_value = v[t]
    return adv, adv + v


def categorical_log_prob(logits: Tensor, actions) -> Tensor:
    """log π(a | s) for a categorical policy: log_softmax(logits)[a]. Shape: (N, A), (N,) → (N,)."""
    logp = F.log_softmax(logits, dim=-1)
    a = np.asarray(actions, dtype=np.int64)
    return logp[np.arange(len(a)), a]


def categorical_entropy(logits: Tensor) -> Tensor:
    """H(π(· | s)) = −Σ_a π(a|s) log π(a|s). Shape: (N, A) → (N,)."""
    logp = F.log_softmax(logits, dim=-1)
    return -(logp.exp() * logp).sum(-1)


def sample_categorical(logits: np.ndarray, rng: np.random.Generator, greedy: bool = False) -> np.ndarray:
    """Actions drawn from softmax(logits) row by row (the argmax when ``greedy``). Shape: (N, A) → (N,)."""
    if greedy:
        return logits.argmax(-1)
    z = logits - logits.max(-1, keepdims=True)
    p = np.exp(z)
    p /= p.sum(-1, keepdims=True)
    u = rng.random((len(p), 1))
    return np.minimum((np.cumsum(p, -1) < u).sum(-1), p.shape[-1] - 1)


def explained_variance(values, returns) -> float:
    """1 − Var(returns − values) / Var(returns): 1 for a perfect critic, 0 for a constant one."""
    var = float(np.var(returns))
    return float("nan") if var == 0 else 1.0 - float(np.var(np.asarray(returns) - np.asarray(values))) / var
