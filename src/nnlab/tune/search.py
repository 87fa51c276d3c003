"""Grid search, random search and coarse-to-fine, in process, over a :mod:`nnlab.tune.spaces` space.

The seeds' argument for random search: with a budget of n = k² trials over two
hyperparameters, a k×k grid tries only k distinct values of each, while random search tries n
distinct values of each. When one hyperparameter matters and the other does not, random search
explores the one that matters k times more finely (:func:`grid_vs_random` measures it).

Coarse to fine: search the whole space, keep the best trials, zoom every range around them
(:meth:`Space.narrow`), and search again inside the smaller box.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import numpy as np

from nnlab.tune.spaces import Space, make_space

Objective = Callable[[dict[str, Any]], float]


@dataclass
class TrialResult:
    """One evaluated configuration: its number, parameters, score and any extra values (latency, F1)."""

    number: int
    params: dict[str, Any]
    value: float
    extra: dict[str, float] = field(default_factory=dict)


@dataclass
class SearchResult:
    """The trials of a search and which is best (``direction`` "minimize" or "maximize")."""

    trials: list[TrialResult]
    direction: str = "minimize"
    space: dict[str, Space] = field(default_factory=dict)

    def _key(self, t: TrialResult) -> float:
        v = t.value if math.isfinite(t.value) else math.inf
        return v if self.direction == "minimize" else -v

    @property
    def best(self) -> TrialResult:
        if not self.trials:
            raise ValueError("SearchResult.best: the search has no trials")
        return min(self.trials, key=self._key)

    def top(self, k: int) -> list[TrialResult]:
        """The ``k`` best trials, best first."""
        return sorted(self.trials, key=self._key)[:k]

    def best_so_far(self) -> np.ndarray:
        """The best value after each trial (the curve a tuner watches)."""
        vals = np.array([t.value for t in self.trials], dtype=float)
        return np.minimum.accumulate(vals) if self.direction == "minimize" else np.maximum.accumulate(vals)

    def distinct(self, name: str) -> int:
        """How many distinct values of ``name`` the search tried."""
        return len({t.params[name] for t in self.trials})


def _direction(direction: str) -> str:
    if direction not in ("minimize", "maximize"):
        raise ValueError(f"search: direction must be 'minimize' or 'maximize', got {direction!r}")
    return direction


def _run(objective: Objective, configs: list[dict[str, Any]], direction: str, space: dict[str, Space]) -> SearchResult:
    trials = []
    for i, params in enumerate(configs):
        out = objective(dict(params))
        value, extra = (out[0], dict(out[1])) if isinstance(out, tuple) else (out, {})
        trials.append(TrialResult(i, dict(params), float(value), extra))
    return SearchResult(trials, _direction(direction), space)


def grid_search(objective: Objective, space: Mapping[str, Any], points_per_param: int = 3,
                direction: str = "minimize") -> SearchResult:
    """Evaluate ``objective`` on the Cartesian grid of ``points_per_param`` values of every range.

    Args:
        objective: ``f(params) -> score`` (or ``(score, extras)``).
        space: ``{name: Space | spec}`` (see :func:`make_space`).
        points_per_param: grid points per continuous range (a Choice uses all its options). Default: 3.
        direction: "minimize" (default) or "maximize".
    """
    spaces = make_space(space)
    names = list(spaces)
    axes = [spaces[n].grid(points_per_param) for n in names]
    configs = [dict(zip(names, combo)) for combo in itertools.product(*axes)]
    return _run(objective, configs, direction, spaces)


def random_search(objective: Objective, space: Mapping[str, Any], n_trials: int, seed: int = 0,
                  direction: str = "minimize") -> SearchResult:
    """Evaluate ``objective`` on ``n_trials`` configurations drawn independently from ``space``.

    Args:
        objective: ``f(params) -> score`` (or ``(score, extras)``).
        space: ``{name: Space | spec}``.
        n_trials: number of draws (must be positive).
        seed: seeds the draws (a private ``np.random.Generator``). Default: 0.
        direction: "minimize" (default) or "maximize".
    """
    if n_trials <= 0:
        raise ValueError(f"random_search: n_trials must be positive, got {n_trials}")
    spaces = make_space(space)
    rng = np.random.default_rng(seed)
    configs = [{n: s.sample(rng) for n, s in spaces.items()} for _ in range(n_trials)]
    return _run(objective, configs, direction, spaces)


def narrow_space(result: SearchResult, keep: int = 3, margin: float = 0.25) -> dict[str, Space]:
    """Every range of ``result.space`` zoomed around the ``keep`` best trials' values."""
    best = result.top(keep)
    return {n: s.narrow([t.params[n] for t in best], margin) for n, s in result.space.items()}


def coarse_to_fine(objective: Objective, space: Mapping[str, Any], n_trials: int = 20, rounds: int = 2,
                   keep: int = 3, margin: float = 0.25, seed: int = 0,
                   direction: str = "minimize") -> list[SearchResult]:
    """Random search, then zoom around the ``keep`` best trials and search again, ``rounds`` times.

    Returns:
        One :class:`SearchResult` per round; ``result.space`` holds the box that round searched.
    """
    if rounds < 1:
        raise ValueError(f"coarse_to_fine: rounds must be >= 1, got {rounds}")
    results = []
    spaces = make_space(space)
    for r in range(rounds):
        res = random_search(objective, spaces, n_trials, seed=seed + r, direction=direction)
        results.append(res)
        spaces = narrow_space(res, keep, margin)
    return results


def grid_vs_random(objective: Objective, space: Mapping[str, Any], points_per_param: int,
                   seeds: int = 10, direction: str = "minimize") -> dict[str, float]:
    """Grid search against random search with the same budget, random averaged over ``seeds`` seeds.

    Returns:
        ``{"grid_best", "random_best_mean", "random_best_std", "grid_distinct", "random_distinct"}``,
        the distinct counts being of the first hyperparameter (the one that matters).
    """
    grid = grid_search(objective, space, points_per_param, direction)
    n = len(grid.trials)
    first = next(iter(make_space(space)))
    bests, distinct = [], []
    for s in range(seeds):
        r = random_search(objective, space, n, seed=s, direction=direction)
        bests.append(r.best.value)
        distinct.append(r.distinct(first))
    return {"grid_best": grid.best.value, "random_best_mean": float(np.mean(bests)),
            "random_best_std": float(np.std(bests)), "grid_distinct": float(grid.distinct(first)),
            "random_distinct": float(np.mean(distinct)), "budget": float(n)}
