"""REINFORCE with a baseline (Williams, 1992): the policy gradient from whole episodes.

∇J(θ) = E[Σ_t ∇ log π_θ(a_t | s_t) (G_t − b(s_t))]: raise the log-probability of each
action in proportion to how much better its return G_t was than the baseline b. Any b
that does not depend on the action leaves the gradient unbiased; a learned value
function b(s) = V(s) (fitted to G_t by least squares) lowers its variance.

Like PPO it trains through the Trainer with a step function over iteration indices
(see :mod:`nnlab.rl.ppo`).
"""

from __future__ import annotations

import math
from typing import Callable

import gymnasium as gym
import numpy as np

from nnlab import optim
from nnlab.backend import manual_seed
from nnlab.ops.creation import as_tensor
from nnlab.rl.agents import ActorCritic, EnvPool, obs_size
from nnlab.rl.core import categorical_log_prob, discounted_returns
from nnlab.train import History, Trainer


def reinforce_loss(logp, returns, baseline=None) -> "Tensor":  # noqa: F821
    """−mean(log π(a_t | s_t) · (G_t − b_t)); the baseline is a constant here (no gradient through it)."""
    g = np.asarray(returns, dtype=logp.dtype)
    if baseline is not None:
        g = g - np.asarray(baseline.array if hasattr(baseline, "array") else baseline, dtype=logp.dtype)
    return -(logp * as_tensor(g)).mean()


class Reinforce:
    """REINFORCE with a learned value baseline, ``episodes`` whole episodes per update.

    Args:
        make_env: returns a new environment. episodes: episodes per update (default 8).
        gamma: discount (default 0.99). lr: Adam's learning rate (default 1e-2).
        baseline: learn V(s) and subtract it (default True). hidden: network widths (default (32,)).
        seed: default 0.
    """

    def __init__(self, make_env: Callable[[], gym.Env], episodes: int = 8, gamma: float = 0.99, lr: float = 1e-2,
                 baseline: bool = True, hidden=(32,), seed: int = 0):
        manual_seed(seed)
        self.rng = np.random.default_rng(seed)
        self.pool = EnvPool(make_env, 1, seed)
        self.episodes, self.gamma, self.baseline = episodes, gamma, baseline
        self.model = ActorCritic(obs_size(self.pool.observation_space), int(self.pool.action_space.n), hidden)
        self.optimizer = optim.Adam(self.model.parameters(), lr=lr)
        self.max_env_steps: int | None = None

    def _episode(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        obs, actions, rewards = [], [], []
        done = False
        while not done:
            a, _, _ = self.model.act(self.pool.obs, self.rng)
            obs.append(self.pool.obs[0])
            r, d, trunc_v = self.pool.step(a)
            actions.append(int(a[0])), rewards.append(float(r[0]))
            done = bool(d[0])
        return np.array(obs), np.array(actions), np.array(rewards)

    def step(self, trainer: Trainer, iteration) -> dict[str, float]:
        """Play ``episodes`` episodes, then one Adam step on the policy loss (+ the baseline's squared error)."""
        obs, actions, returns = [], [], []
        for _ in range(self.episodes):
            o, a, r = self._episode()
            obs.append(o), actions.append(a), returns.append(discounted_returns(r, self.gamma))
        obs, actions, returns = np.concatenate(obs), np.concatenate(actions), np.concatenate(returns)
        logits, values = self.model(as_tensor(obs))
        logp = categorical_log_prob(logits, actions)
        policy_loss = reinforce_loss(logp, returns, values.array if self.baseline else None)
        value_loss = ((values - as_tensor(returns.astype(np.float32))) ** 2).mean()
        loss = policy_loss + (0.5 * value_loss if self.baseline else 0.0)
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
        recent = self.pool.episode_returns[-self.episodes:]
        if self.max_env_steps is not None and self.pool.steps >= self.max_env_steps:
            trainer.stop_training = True
        return {"policy_loss": float(policy_loss.array), "value_loss": float(value_loss.array),
                "return": float(np.mean(recent)), "env_steps": float(self.pool.steps), "n": 1}

    def train(self, iterations: int, iterations_per_epoch: int = 10, quiet: bool = True,
              max_env_steps: int | None = None) -> History:
        """``iterations`` updates through the Trainer (epochs of ``iterations_per_epoch``), stopping at the
        end of the epoch in which ``max_env_steps`` environment steps are reached."""
        self.max_env_steps = max_env_steps
        epochs = max(1, math.ceil(iterations / iterations_per_epoch))
        return Trainer(self.model, step_fn=self.step, quiet=quiet).fit(range(iterations_per_epoch), epochs=epochs)
