"""Agents' networks and their interaction with environments: an actor–critic MLP and a pool of environments.

The pool steps B Gymnasium environments side by side (one policy forward pass for all
of them), resets each one when its episode ends, and records every finished episode's
return and length with the number of environment steps taken so far — the data of a
learning curve.
"""

from __future__ import annotations

import math
from typing import Callable

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from nnlab import nn
from nnlab.autograd.grad_mode import no_grad
from nnlab.autograd.tensor import Tensor
from nnlab.ops.creation import as_tensor
from nnlab.rl.core import check_action, sample_categorical


def obs_size(space: spaces.Space) -> int:
    """Input width of the network for an observation space (one-hot for Discrete)."""
    if isinstance(space, spaces.Discrete):
        return int(space.n)
    if isinstance(space, spaces.Box):
        return int(np.prod(space.shape))
    raise ValueError(f"obs_size: observation space {space} is not supported (Discrete or Box)")


def encode_obs(space: spaces.Space, obs) -> np.ndarray:
    """Observations (B, ...) as float32 network inputs (B, D): one-hot for Discrete, flattened for Box."""
    if isinstance(space, spaces.Discrete):
        return np.eye(int(space.n), dtype=np.float32)[np.asarray(obs, dtype=np.int64) - int(space.start)]
    arr = np.asarray(obs, dtype=np.float32)
    return arr.reshape(len(arr), -1)


def _mlp(sizes: list[int], out_gain: float) -> nn.Sequential:
    layers: list[nn.Module] = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        lin = nn.Linear(a, b)
        last = i == len(sizes) - 2
        # Orthogonal init with gain √2 for hidden layers, a small one for outputs (the usual PPO recipe).
        nn.init.orthogonal_(lin.weight, gain=out_gain if last else math.sqrt(2))
        nn.init.zeros_(lin.bias)
        layers.append(lin)
        if not last:
            layers.append(nn.Tanh())
    return nn.Sequential(*layers)


class ActorCritic(nn.Module):
    """π(a | s) = softmax(actor(s)) and V(s) = critic(s): two tanh MLPs sharing nothing.

    Args:
        obs_dim: D. n_actions: A. hidden: widths of the hidden layers (default (64, 64)).

    Shape:
        obs (B, D) → logits (B, A), values (B,).
    """

    def __init__(self, obs_dim: int, n_actions: int, hidden=(64, 64)):
        super().__init__()
        self.actor = _mlp([obs_dim, *hidden, n_actions], out_gain=0.01)
        self.critic = _mlp([obs_dim, *hidden, 1], out_gain=1.0)

    def forward(self, obs: Tensor) -> tuple[Tensor, Tensor]:
        return self.actor(obs), self.critic(obs).reshape(-1)

    def act(self, obs: np.ndarray, rng: np.random.Generator, greedy: bool = False) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(actions, their log-probabilities, values) for a batch of encoded observations, without gradients."""
        with no_grad():
            logits, values = self(as_tensor(obs))
        z = logits.array - logits.array.max(-1, keepdims=True)
        logp = z - np.log(np.exp(z).sum(-1, keepdims=True))
        actions = sample_categorical(logits.array, rng, greedy)
        return actions, logp[np.arange(len(actions)), actions], values.array


class EnvPool:
    """B copies of an environment stepped together, with episode bookkeeping.

    Args:
        make_env: a function returning a new Gymnasium environment (e.g. ``lambda: gym.make("CartPole-v1")``).
        n_envs: B (default 1). seed: environment i is reset with seed ``seed + i`` first (default 0).

    Attributes:
        obs: the current encoded observations (B, D). steps: environment steps taken (all copies).
        episode_returns, episode_lengths, episode_steps: per finished episode, its return,
        length and the value of ``steps`` when it ended.
    """

    def __init__(self, make_env: Callable[[], gym.Env], n_envs: int = 1, seed: int = 0):
        if n_envs < 1:
            raise ValueError(f"EnvPool: n_envs must be >= 1, got {n_envs}")
        self.envs = [make_env() for _ in range(n_envs)]
        self.observation_space = self.envs[0].observation_space
        self.action_space = self.envs[0].action_space
        if not isinstance(self.action_space, spaces.Discrete):
            raise ValueError(f"EnvPool: only Discrete action spaces are supported, got {self.action_space}")
        self.obs = encode_obs(self.observation_space, [e.reset(seed=seed + i)[0] for i, e in enumerate(self.envs)])
        self._ret = np.zeros(n_envs)
        self._len = np.zeros(n_envs, dtype=np.int64)
        self.steps = 0
        self.episode_returns: list[float] = []
        self.episode_lengths: list[int] = []
        self.episode_steps: list[int] = []

    def __len__(self) -> int:
        return len(self.envs)

    def step(self, actions, final_value_fn: Callable[[np.ndarray], np.ndarray] | None = None):
        """Act in every copy; returns (rewards (B,), dones (B,), truncated_values (B,)) and moves ``obs`` on.

        Ended copies are reset. ``dones`` marks terminated and truncated episodes alike (no
        bootstrapping across a reset). A truncation is a time limit, not an end of the task,
        so ``truncated_values`` holds ``final_value_fn`` of the state it cut at (0 elsewhere)
        for the caller to bootstrap with.
        """
        rewards = np.zeros(len(self.envs))
        dones = np.zeros(len(self.envs), dtype=bool)
        trunc_values = np.zeros(len(self.envs))
        new_obs = []
        for i, (env, a) in enumerate(zip(self.envs, actions)):
            obs, r, terminated, truncated, _ = env.step(check_action(self.action_space, a, "EnvPool.step"))
            rewards[i] = r
            self._ret[i] += r
            self._len[i] += 1
            self.steps += 1
            if truncated and not terminated and final_value_fn is not None:
                trunc_values[i] = float(final_value_fn(encode_obs(self.observation_space, [obs]))[0])
            if terminated or truncated:
                dones[i] = True
                self.episode_returns.append(float(self._ret[i]))
                self.episode_lengths.append(int(self._len[i]))
                self.episode_steps.append(self.steps)
                self._ret[i], self._len[i] = 0.0, 0
                obs, _ = env.reset()
            new_obs.append(obs)
        self.obs = encode_obs(self.observation_space, new_obs)
        return rewards, dones, trunc_values

    def recent_mean_return(self, window: int = 100) -> float:
        """Mean return of the last ``window`` finished episodes (NaN before any)."""
        return float(np.mean(self.episode_returns[-window:])) if self.episode_returns else float("nan")

    def close(self) -> None:
        for e in self.envs:
            e.close()


def evaluate_policy(model: ActorCritic, make_env: Callable[[], gym.Env], episodes: int = 100, greedy: bool = True,
                    seed: int = 10_000) -> np.ndarray:
    """Returns of ``episodes`` fresh episodes (seeds ``seed``, ``seed + 1``, …) played by the policy."""
    env = make_env()
    rng = np.random.default_rng(seed)
    space = env.observation_space
    returns = []
    for ep in range(episodes):
        obs, _ = env.reset(seed=seed + ep)
        total, done = 0.0, False
        while not done:
            a, _, _ = model.act(encode_obs(space, [obs]), rng, greedy)
            obs, r, terminated, truncated, _ = env.step(int(a[0]))
            total += r
            done = terminated or truncated
        returns.append(total)
    env.close()
    return np.array(returns)
