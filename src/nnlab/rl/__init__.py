"""Reinforcement learning: the vocabulary (returns, discount, advantages, policies), a grid world with
value iteration, REINFORCE with a baseline, and PPO — on Gymnasium environments, trained through the
one ``Trainer`` with step functions over iteration indices (the RL pattern, see :mod:`nnlab.rl.ppo`)."""

from nnlab.rl.core import (
    categorical_entropy, categorical_log_prob, check_action, discounted_returns, explained_variance, gae,
    sample_categorical,
)
from nnlab.rl.gridworld import GridWorld, policy_evaluation, q_values, value_iteration
from nnlab.rl.agents import ActorCritic, EnvPool, encode_obs, evaluate_policy, obs_size
from nnlab.rl.reinforce import Reinforce, reinforce_loss
from nnlab.rl.ppo import PPO, PPOConfig, ppo_clip_loss

__all__ = ["check_action", "discounted_returns", "gae", "categorical_log_prob", "categorical_entropy",
           "sample_categorical", "explained_variance", "GridWorld", "value_iteration", "policy_evaluation",
           "q_values", "ActorCritic", "EnvPool", "encode_obs", "obs_size", "evaluate_policy", "Reinforce",
           "reinforce_loss", "PPO", "PPOConfig", "ppo_clip_loss"]
