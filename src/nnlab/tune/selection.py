"""Choosing among the trials of a search: satisficing and optimizing metrics, and F1 as the one number.

The seeds: with N metrics, pick one to *optimize* (accuracy, or F1 — the single number that
combines precision and recall, 2PR / (P + R)) and make the other N − 1 *satisficing* (latency ≤
100 ms, size ≤ a bound): any model within the bounds is good enough on them, and among those the
best on the optimizing metric wins. :func:`satisficing_trial` applies that rule to a search's
trials, reading the satisficing metrics from each trial's extras (``n_params``, ``seconds``,
``latency_ms``, ...) or parameters; :func:`f1_ranking` ranks trials by the F1 of the precision and
recall they recorded.
"""

from __future__ import annotations

import math
from typing import Mapping

from nnlab.diagnostics.error_analysis import f1, satisficing_choice
from nnlab.tune.search import SearchResult, TrialResult


def _metrics(t: TrialResult) -> dict[str, float]:
    numeric = {k: float(v) for k, v in t.params.items() if isinstance(v, (int, float)) and not isinstance(v, bool)}
    return {**numeric, **t.extra, "value": t.value}


def satisficing_trial(result: SearchResult, bounds: Mapping[str, float], optimize: str = "value",
                      maximize: bool | None = None) -> TrialResult:
    """The best trial on ``optimize`` among those whose every ``bounds`` metric is ≤ its bound.

    Args:
        result: the trials of a search or study.
        bounds: ``{metric: upper bound}``, metrics from the trials' extras or parameters
            (``{"n_params": 5000}``: at most 5,000 weights).
        optimize: the optimizing metric. Default: ``"value"``, the search's score.
        maximize: whether larger ``optimize`` is better. Default: None — for ``"value"`` the
            search's direction, otherwise True (accuracy, F1).
    """
    if maximize is None:
        maximize = result.direction == "maximize" if optimize == "value" else True
    rows = []
    for i, t in enumerate(result.trials):
        m = _metrics(t)
        missing = [k for k in (optimize, *bounds) if k not in m]
        if missing:
            raise ValueError(f"satisficing_trial: trial {t.number} has no {missing} "
                             f"(it recorded {sorted(m)})")
        if math.isfinite(m[optimize]):
            rows.append({**m, "_index": i})
    if not rows:
        raise ValueError("satisficing_trial: no finished trials")
    return result.trials[int(satisficing_choice(rows, optimize, bounds, maximize)["_index"])]


def f1_ranking(result: SearchResult, precision: str = "precision", recall: str = "recall") -> list[tuple[TrialResult, float]]:
    """The trials with their F1 = 2PR / (P + R) from the recorded precision and recall, best first."""
    scored = []
    for t in result.trials:
        if precision not in t.extra or recall not in t.extra:
            raise ValueError(f"f1_ranking: trial {t.number} did not record {precision!r} and {recall!r}")
        scored.append((t, f1(t.extra[precision], t.extra[recall])))
    return sorted(scored, key=lambda pair: -pair[1])
