"""RL basics: returns, GAE, the PPO clipped loss on hand numbers, value iteration on the grid world, errors."""

import numpy as np
import pytest

import nnlab
from nnlab.rl import (
    GridWorld, categorical_entropy, categorical_log_prob, discounted_returns, gae, policy_evaluation, ppo_clip_loss,
    q_values, value_iteration,
)


def test_discounted_returns_by_hand():
    g = discounted_returns([1.0, 0.0, 2.0], gamma=0.5)
    np.testing.assert_allclose(g, [1 + 0.5 * 0 + 0.25 * 2, 0 + 0.5 * 2, 2])
    g = discounted_returns([1.0, 1.0, 1.0], gamma=0.9, dones=[False, True, False], last_value=10.0)
    np.testing.assert_allclose(g, [1.9, 1.0, 1 + 9.0])
    with pytest.raises(ValueError, match="gamma must lie in"):
        discounted_returns([1.0], gamma=1.5)


def test_gae_limits_and_episode_ends():
    r, v, d = np.array([1.0, 2.0, 3.0]), np.array([0.5, 1.0, 1.5]), np.array([False, False, False])
    adv0, _ = gae(r, v, d, last_value=2.0, gamma=0.9, lam=0.0)
    np.testing.assert_allclose(adv0, r + 0.9 * np.array([1.0, 1.5, 2.0]) - v)  # one-step TD errors
    adv1, ret1 = gae(r, v, d, last_value=2.0, gamma=0.9, lam=1.0)
    np.testing.assert_allclose(ret1, discounted_returns(r, 0.9, last_value=2.0))  # Monte-Carlo returns
    adv, _ = gae(r, v, np.array([False, True, False]), last_value=2.0, gamma=0.9, lam=0.8)
    assert adv[1] == pytest.approx(2.0 - 1.0)  # no bootstrapping across the end
    batched, _ = gae(np.stack([r, r], 1), np.stack([v, v], 1), np.zeros((3, 2)), np.array([2.0, 2.0]), 0.9, 0.8)
    np.testing.assert_allclose(batched[:, 0], gae(r, v, d, 2.0, 0.9, 0.8)[0])


def test_ppo_clip_loss_on_hand_numbers():
    ratios = np.array([1.5, 0.5, 1.1, 0.7])
    adv = np.array([1.0, 1.0, -1.0, -1.0])
    logp_old = np.log(np.array([0.2, 0.4, 0.5, 0.1]))
    logp_new = nnlab.Tensor(logp_old + np.log(ratios), requires_grad=True)
    loss = ppo_clip_loss(logp_new, logp_old, adv, clip=0.2)
    # min(ρA, clip(ρ)A): min(1.5, 1.2) = 1.2; min(0.5, 0.8) = 0.5; min(−1.1, −1.1) = −1.1; min(−0.7, −0.8) = −0.8
    assert float(loss.array) == pytest.approx(-(1.2 + 0.5 - 1.1 - 0.8) / 4)
    loss.backward()
    # gradient flows only where the unclipped term is the minimum: −ρA/4 there, 0 where the clip binds
    np.testing.assert_allclose(logp_new.grad.array, [0.0, -0.5 / 4, 1.1 / 4, 0.0], atol=1e-12)


def test_categorical_log_prob_and_entropy():
    logits = nnlab.as_tensor(np.log(np.array([[0.5, 0.25, 0.25], [0.1, 0.1, 0.8]])))
    np.testing.assert_allclose(categorical_log_prob(logits, [0, 2]).array, np.log([0.5, 0.8]), rtol=1e-6)
    np.testing.assert_allclose(categorical_entropy(logits).array[0], 1.5 * np.log(2), rtol=1e-6)


def _bfs_distances(env):
    """Shortest number of steps to the goal from every cell (walls excluded), by breadth-first search."""
    dist = {g: 0 for g in env.goals}
    frontier = list(env.goals)
    while frontier:
        nxt = []
        for r, c in frontier:
            for dr, dc in ((1, 0), (-1, 0), (0, 1), (0, -1)):
                cell = (r + dr, c + dc)
                if 0 <= cell[0] < env.rows and 0 <= cell[1] < env.cols and cell not in env.walls and cell not in dist:
                    dist[cell] = dist[(r, c)] + 1
                    nxt.append(cell)
        frontier = nxt
    return dist


@pytest.mark.parametrize("gamma", [1.0, 0.9])
def test_value_iteration_exact_on_grid_world(gamma):
    env = GridWorld(5, 5, walls=[(1, 1), (2, 3), (3, 1)])
    V, policy, sweeps = value_iteration(env.P, gamma=gamma)
    for cell, d in _bfs_distances(env).items():
        # d steps at −1 each: −Σ_{k<d} γ^k
        want = -d if gamma == 1.0 else -(1 - gamma ** d) / (1 - gamma)
        assert V[env.index(cell)] == pytest.approx(want, abs=1e-9)
    np.testing.assert_allclose(policy_evaluation(env.P, policy, gamma)[:len(V)], V, atol=1e-9)


def test_value_iteration_on_slippery_world_satisfies_bellman_optimality():
    env = GridWorld(4, 4, goals={(3, 3): 10.0, (1, 3): -10.0}, slip=0.2)
    V, policy, _ = value_iteration(env.P, gamma=0.95)
    np.testing.assert_allclose(q_values(env.P, V, 0.95).max(1), V, atol=1e-8)
    exact = policy_evaluation(env.P, policy, 0.95)
    np.testing.assert_allclose(exact, V, atol=1e-7)
    uniform = policy_evaluation(env.P, np.full((16, 4), 0.25), 0.95)
    assert np.all(uniform <= V + 1e-9) and uniform[env.start] < V[env.start]


def test_grid_world_follows_gymnasium_api_and_rejects_bad_actions():
    env = GridWorld(3, 3)
    obs, info = env.reset(seed=0)
    assert obs == 0 and env.observation_space.contains(obs)
    obs, r, terminated, truncated, _ = env.step(1)
    assert (obs, r, terminated, truncated) == (1, -1.0, False, False)
    with pytest.raises(ValueError, match=r"GridWorld.step: action 4 is outside the action space Discrete\(4\)"):
        env.step(4)
    with pytest.raises(ValueError, match="outside the 3 × 3 grid"):
        GridWorld(3, 3, walls=[(3, 0)])
