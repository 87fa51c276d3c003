"""Proximal policy optimization (Schulman et al., 2017): clipped surrogate, GAE, value loss, entropy bonus.

One PPO iteration collects T steps from B environments with the current policy, estimates
advantages with GAE, then takes several epochs of minibatch Adam steps on

    L = −E[min(ρ_t Â_t, clip(ρ_t, 1 − ε, 1 + ε) Â_t)] + c_v E[(V(s_t) − R_t)²] − c_e E[H(π(· | s_t))],

ρ_t = π_θ(a_t | s_t) / π_θ_old(a_t | s_t). The clip removes the incentive to move ρ outside
[1 − ε, 1 + ε], so each iteration stays close to the policy that collected the data.

**The RL pattern of the Trainer**: an iteration (rollout + update) is a *step function*
whose "batch" is an iteration index from a plain ``range``; it runs its own optimizer and
returns plain numbers (mean episode return, losses), which the Trainer averages per epoch
and shows in its progress bar — ``Trainer(agent.model, step_fn=agent.step).fit(range(k), epochs=E)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import gymnasium as gym
import numpy as np

from nnlab import optim
from nnlab.autograd.grad_mode import no_grad
from nnlab.autograd.tensor import Tensor
from nnlab.backend import manual_seed
from nnlab.ops.creation import as_tensor
from nnlab.ops.elementwise import clamp, minimum
from nnlab.rl.agents import ActorCritic, EnvPool, obs_size
from nnlab.rl.core import categorical_entropy, categorical_log_prob, explained_variance, gae
from nnlab.train import History, Trainer


def ppo_clip_loss(logp_new: Tensor, logp_old, advantages, clip: float = 0.2) -> Tensor:
    """−mean(min(ρ Â, clip(ρ, 1 − ε, 1 + ε) Â)), ρ = exp(log π_new − log π_old).

    Args:
        logp_new: log π_θ(a_t | s_t) (N,), differentiable. logp_old: the collecting policy's (N,), constants.
        advantages: Â_t (N,). clip: ε (default 0.2).
    """
    if clip <= 0:
        raise ValueError(f"ppo_clip_loss: clip must be positive, got {clip}")
    old = np.asarray(logp_old.array if isinstance(logp_old, Tensor) else logp_old, dtype=logp_new.dtype)
    adv = as_tensor(np.asarray(advantages.array if isinstance(advantages, Tensor) else advantages, dtype=logp_new.dtype))
    ratio = (logp_new - as_tensor(old)).exp()
    surrogate = ratio * adv
    clipped = clamp(ratio, 1.0 - clip, 1.0 + clip) * adv
    return -minimum(surrogate, clipped).mean()


@dataclass
class PPOConfig:
    """PPO's settings; the defaults solve CartPole-v1.

    n_envs × n_steps transitions per iteration, ``epochs`` passes over them in minibatches of
    ``minibatch``; Adam with ``lr`` decayed linearly to 0 over ``total_steps``; discount
    ``gamma``, GAE ``lam``, clip ε, value coefficient ``vf_coef``, entropy bonus ``ent_coef``,
    gradient-norm clip ``max_grad_norm``, hidden widths of the actor and the critic.
    """

    n_envs: int = 8
    n_steps: int = 128
    epochs: int = 10
    minibatch: int = 256
    lr: float = 1e-3
    gamma: float = 0.99
    lam: float = 0.95
    clip: float = 0.2
    vf_coef: float = 0.5
    ent_coef: float = 0.0
    max_grad_norm: float = 0.5
    hidden: tuple[int, ...] = (64, 64)
    total_steps: int = 200_000
    seed: int = 0


class PPO:
    """A PPO agent on a Gymnasium environment with discrete actions.

    Args:
        make_env: returns a new environment (``lambda: gym.make("CartPole-v1")``).
        config: :class:`PPOConfig`.

    Attributes:
        model: the :class:`ActorCritic`. pool: the :class:`EnvPool` (learning-curve data).
        optimizer: Adam. solved_at: env steps when the last-100-episode mean first reached
        ``target_return`` (None until then).
    """

    def __init__(self, make_env: Callable[[], gym.Env], config: PPOConfig | None = None):
        self.config = c = config or PPOConfig()
        manual_seed(c.seed)
        self.rng = np.random.default_rng(c.seed)
        self.pool = EnvPool(make_env, c.n_envs, c.seed)
        self.model = ActorCritic(obs_size(self.pool.observation_space), int(self.pool.action_space.n), c.hidden)
        self.optimizer = optim.Adam(self.model.parameters(), lr=c.lr, eps=1e-5)
        self.target_return: float | None = None
        self.solved_at: int | None = None

    def _values(self, obs: np.ndarray) -> np.ndarray:
        with no_grad():
            return self.model(as_tensor(obs))[1].array

    def collect(self) -> dict[str, np.ndarray]:
        """T steps from every environment with the current policy, with GAE advantages and value targets."""
        c, pool = self.config, self.pool
        obs, actions, logps, values, rewards, dones = [], [], [], [], [], []
        for _ in range(c.n_steps):
            a, lp, v = self.model.act(pool.obs, self.rng)
            obs.append(pool.obs)
            r, d, trunc_v = pool.step(a, self._values)
            # A time-limit truncation is not an end of the task: bootstrap with γ V(s_cut).
            rewards.append(r + c.gamma * trunc_v)
            actions.append(a), logps.append(lp), values.append(v), dones.append(d)
        adv, ret = gae(np.array(rewards), np.array(values), np.array(dones), self._values(pool.obs), c.gamma, c.lam)
        return {"obs": np.concatenate(obs), "actions": np.concatenate(actions), "logp": np.concatenate(logps),
                "values": np.concatenate(values), "advantages": adv.reshape(-1), "returns": ret.reshape(-1)}

    def update(self, batch: dict[str, np.ndarray]) -> dict[str, float]:
        """``epochs`` passes of minibatch Adam on the PPO loss; returns the mean losses and diagnostics."""
        c = self.config
        n = len(batch["actions"])
        sums = {"policy_loss": 0.0, "value_loss": 0.0, "entropy": 0.0, "clip_fraction": 0.0, "approx_kl": 0.0}
        count = 0
        params = list(self.model.parameters())
        for _ in range(c.epochs):
            order = self.rng.permutation(n)
            for start in range(0, n, c.minibatch):
                idx = order[start:start + c.minibatch]
                adv = batch["advantages"][idx]
                adv = (adv - adv.mean()) / (adv.std() + 1e-8)
                logits, values = self.model(as_tensor(batch["obs"][idx]))
                logp = categorical_log_prob(logits, batch["actions"][idx])
                policy_loss = ppo_clip_loss(logp, batch["logp"][idx], adv, c.clip)
                value_loss = ((values - as_tensor(batch["returns"][idx].astype(np.float32))) ** 2).mean()
                entropy = categorical_entropy(logits).mean()
                loss = policy_loss + c.vf_coef * value_loss - c.ent_coef * entropy
                self.optimizer.zero_grad()
                loss.backward()
                optim.clip_grad_norm_(params, c.max_grad_norm)
                self.optimizer.step()
                log_ratio = logp.array - batch["logp"][idx]
                sums["policy_loss"] += float(policy_loss.array)
                sums["value_loss"] += float(value_loss.array)
                sums["entropy"] += float(entropy.array)
                sums["clip_fraction"] += float(np.mean(np.abs(np.exp(log_ratio) - 1) > c.clip))
                sums["approx_kl"] += float(np.mean(np.exp(log_ratio) - 1 - log_ratio))
                count += 1
        logs = {k: v / count for k, v in sums.items()}
        logs["explained_variance"] = explained_variance(batch["values"], batch["returns"])
        return logs

    def step(self, trainer: Trainer, iteration) -> dict[str, float]:
        """The Trainer step function: one rollout and one update; plain-number logs (see the module docstring)."""
        c = self.config
        frac = 1.0 - self.pool.steps / max(c.total_steps, 1)
        for g in self.optimizer.param_groups:
            g["lr"] = c.lr * max(frac, 0.0)
        logs = self.update(self.collect())
        mean_return = self.pool.recent_mean_return()
        if self.target_return is not None and self.solved_at is None and len(self.pool.episode_returns) >= 100 \
                and mean_return >= self.target_return:
            self.solved_at = self.pool.steps
            trainer.stop_training = True
        logs.update({"return_100": 0.0 if math.isnan(mean_return) else mean_return, "env_steps": float(self.pool.steps),
                     "n": 1})
        return logs

    def train(self, target_return: float | None = None, iterations_per_epoch: int = 5, quiet: bool = True) -> History:
        """Iterate until ``config.total_steps`` env steps (or until the last 100 episodes average ``target_return``)."""
        c = self.config
        self.target_return = target_return
        per_iter = c.n_envs * c.n_steps
        epochs = max(1, math.ceil(c.total_steps / (per_iter * iterations_per_epoch)))
        trainer = Trainer(self.model, step_fn=self.step, quiet=quiet)
        return trainer.fit(range(iterations_per_epoch), epochs=epochs)
