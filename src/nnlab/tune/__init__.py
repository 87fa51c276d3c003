"""Hyperparameter search: spaces, grid / random / coarse-to-fine search, parallel Optuna studies,
importance of each hyperparameter, and resuming a babysat run with new settings ("panda")."""

from nnlab.tune.importance import importance, plot_search, results_table
from nnlab.tune.search import (
    SearchResult, TrialResult, coarse_to_fine, grid_search, grid_vs_random, narrow_space, random_search,
)
from nnlab.tune.spaces import Choice, IntRange, LogUniform, OneMinusLog, Space, Uniform, make_space, parse_space
from nnlab.tune.study import SAMPLERS, check_storage, create_study, load_study, run_study, run_worker

__all__ = ["Space", "Uniform", "LogUniform", "OneMinusLog", "IntRange", "Choice", "make_space", "parse_space",
           "TrialResult", "SearchResult", "grid_search", "random_search", "coarse_to_fine", "narrow_space",
           "grid_vs_random", "importance", "results_table", "plot_search", "SAMPLERS", "check_storage",
           "create_study", "run_study", "run_worker", "load_study"]
