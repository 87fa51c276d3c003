"""RL agents learn: REINFORCE reaches the grid world's optimum, PPO improves CartPole; the CLI runs."""

import gymnasium as gym
import numpy as np
import pytest

from nnlab.rl import PPO, EnvPool, GridWorld, PPOConfig, Reinforce, value_iteration


def test_reinforce_with_baseline_reaches_the_optimal_return():
    make = lambda: GridWorld(4, 4, max_steps=50)  # noqa: E731
    agent = Reinforce(make, episodes=8, lr=0.02, gamma=1.0)
    history = agent.train(60)
    optimal = value_iteration(make().P)[0][0]
    assert optimal == -6.0
    assert history["return"][0] < -20 and history["return"][-1] >= optimal - 0.5
    assert history["policy_loss"] and np.isfinite(history["value_loss"]).all()


def test_ppo_improves_cartpole_quickly():
    agent = PPO(lambda: gym.make("CartPole-v1"), PPOConfig(total_steps=20_480, seed=0))
    history = agent.train()
    assert agent.pool.steps == 20_480
    returns = agent.pool.episode_returns
    assert np.mean(returns[:20]) < 40 and agent.pool.recent_mean_return(20) > 100
    assert history["explained_variance"][-1] > 0.0


def test_env_pool_rejects_actions_outside_the_space():
    pool = EnvPool(lambda: gym.make("CartPole-v1"), 2)
    with pytest.raises(ValueError, match=r"EnvPool.step: action 3 is outside the action space Discrete\(2\)"):
        pool.step(np.array([0, 3]))


def test_cli_rl_gridworld(tmp_path, capsys):
    from nnlab.cli import main

    assert main(["rl", "gridworld", "--steps", "6000", "--out", str(tmp_path), "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "optimal -8.0" in out
    assert (tmp_path / "ppo-gridworld" / "learning_curve.png").stat().st_size > 1000
