"""``nnlab rl cartpole`` / ``nnlab rl gridworld``: train an agent, evaluate it, plot its learning curve.

The run folder ``<out>/<algo>-<env>/`` holds ``learning_curve.png`` (every episode's return
against environment steps, with the mean of the last 100), ``history.json``,
``metrics.json`` and ``model.safetensors``.
"""

from __future__ import annotations

import argparse
import json
import os
import time

import gymnasium as gym
import numpy as np

from nnlab.io import save
from nnlab.rl.agents import evaluate_policy
from nnlab.rl.gridworld import GridWorld, value_iteration
from nnlab.rl.ppo import PPO, PPOConfig
from nnlab.rl.reinforce import Reinforce

#: environment name → (factory, the return that counts as solved).
ENVS = {
    "cartpole": (lambda: gym.make("CartPole-v1"), 475.0),
    "gridworld": (lambda: GridWorld(5, 5, walls=[(1, 1), (2, 3), (3, 1)], max_steps=100), None),
}


def plot_learning_curve(steps, returns, path: str, target: float | None = None, title: str = "") -> None:
    """Each episode's return (dots) and the mean of the last 100 (line) against environment steps."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    steps, returns = np.asarray(steps), np.asarray(returns, dtype=float)
    rolling = np.array([returns[max(0, i - 99): i + 1].mean() for i in range(len(returns))])
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.plot(steps, returns, ".", ms=2, alpha=0.3, label="episode return")
    ax.plot(steps, rolling, lw=2, label="mean of last 100")
    if target is not None:
        ax.axhline(target, color="k", ls="--", lw=1, label=f"solved ({target:g})")
    ax.set_xlabel("environment steps")
    ax.set_ylabel("return")
    ax.set_title(title)
    ax.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def add_rl_arguments(p: argparse.ArgumentParser) -> None:
    """The ``nnlab rl`` options."""
    p.add_argument("env", choices=sorted(ENVS), help="environment")
    p.add_argument("--algo", choices=("ppo", "reinforce"), default="ppo", help="algorithm (default ppo)")
    p.add_argument("--steps", type=int, default=200_000, help="environment-step budget (default 200000)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--out", default="runs", help="folder for run folders (default runs)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")


def train_rl_run(env: str = "cartpole", algo: str = "ppo", steps: int = 200_000, seed: int = 0, out: str = "runs",
                 quiet: bool = True) -> tuple[str, dict]:
    """Train ``algo`` on ``env`` within ``steps`` environment steps, evaluate 100 episodes; returns (folder, metrics)."""
    if env not in ENVS:
        raise ValueError(f"unknown environment {env!r}; choose one of {', '.join(ENVS)}")
    make_env, target = ENVS[env]
    start, cpu = time.perf_counter(), time.process_time()
    if algo == "ppo":
        agent = PPO(make_env, PPOConfig(total_steps=steps, seed=seed))
        history = agent.train(target_return=target, quiet=quiet)
    elif algo == "reinforce":
        agent = Reinforce(make_env, seed=seed)
        history = agent.train(iterations=steps, quiet=quiet, max_env_steps=steps)
    else:
        raise ValueError(f"unknown algorithm {algo!r}; choose ppo or reinforce")
    pool = agent.pool
    metrics = {"env_steps": pool.steps, "episodes": len(pool.episode_returns),
               "last100_mean_return": pool.recent_mean_return(), "wall_seconds": time.perf_counter() - start,
               "cpu_seconds": time.process_time() - cpu,
               "solved_at_env_steps": getattr(agent, "solved_at", None)}
    for greedy in (True, False):
        r = evaluate_policy(agent.model, make_env, 100, greedy=greedy)
        metrics[f"eval100_{'greedy' if greedy else 'sampled'}_mean"] = float(r.mean())
    if env == "gridworld":
        v, _, _ = value_iteration(make_env().P)
        metrics["optimal_return"] = float(v[make_env().start])
    run_dir = os.path.join(out, f"{algo}-{env}")
    os.makedirs(run_dir, exist_ok=True)
    plot_learning_curve(pool.episode_steps, pool.episode_returns, os.path.join(run_dir, "learning_curve.png"),
                        target, f"{algo.upper()} on {env}")
    history.to_json(os.path.join(run_dir, "history.json"))
    with open(os.path.join(run_dir, "metrics.json"), "w", encoding="utf-8") as f:
        json.dump(metrics, f, indent=2)
    save(agent.model.state_dict(), os.path.join(run_dir, "model.safetensors"))
    return run_dir, metrics


def rl_command(args) -> int:
    """The CLI's ``rl``: train, evaluate and report."""
    print(f"nnlab rl: {args.algo} on {args.env}, budget {args.steps} env steps, seed {args.seed}")
    run_dir, m = train_rl_run(args.env, args.algo, args.steps, args.seed, args.out, args.quiet)
    solved = m["solved_at_env_steps"]
    print(f"env steps: {m['env_steps']}  episodes: {m['episodes']}  ({m['wall_seconds']:.1f} s wall, "
          f"{m['cpu_seconds']:.1f} s CPU)" + (f"  solved at {solved} steps" if solved else ""))
    print(f"mean return, last 100 training episodes: {m['last100_mean_return']:.1f}")
    print(f"mean return over 100 evaluation episodes: greedy {m['eval100_greedy_mean']:.1f}, "
          f"sampled {m['eval100_sampled_mean']:.1f}" +
          (f"  (optimal {m['optimal_return']:.1f})" if "optimal_return" in m else ""))
    print(f"saved: {run_dir}/ (learning_curve.png, history.json, metrics.json, model.safetensors)")
    return 0
