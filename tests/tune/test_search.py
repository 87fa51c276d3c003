import numpy as np
import pytest

from nnlab.tune import (
    LogUniform, OneMinusLog, coarse_to_fine, grid_vs_random, importance, make_space, parse_space, run_study,
)
from nnlab.tune.objectives import quadratic

SPACE = {"alpha": ("log", 1e-4, 1.0), "unused": ("uniform", 0.0, 1.0)}


def test_log_uniform_draws_each_decade_equally():
    rng = np.random.default_rng(0)
    x = np.array([LogUniform(1e-4, 1.0).sample(rng) for _ in range(4000)])
    counts = np.histogram(np.log10(x), bins=4, range=(-4, 0))[0]
    assert counts.min() > 900 and counts.max() < 1100


def test_beta_sampled_on_one_minus_log_scale():
    rng = np.random.default_rng(0)
    b = np.array([OneMinusLog(0.9, 0.999).sample(rng) for _ in range(3000)])
    assert 0.9 <= b.min() and b.max() <= 0.999
    frac_above_099 = (b > 0.99).mean()
    assert 0.45 < frac_above_099 < 0.55  # half the draws in 0.99..0.999 (uniform β would give 1 %)


def test_random_beats_grid_when_one_parameter_matters():
    r = grid_vs_random(quadratic, SPACE, points_per_param=4, seeds=10)
    assert r["grid_distinct"] == 4 and r["random_distinct"] == 16
    assert r["random_best_mean"] < r["grid_best"]


def test_coarse_to_fine_narrows_and_improves():
    rounds = coarse_to_fine(quadratic, SPACE, n_trials=20, rounds=2)
    a0, a1 = rounds[0].space["alpha"], rounds[1].space["alpha"]
    assert np.log10(a1.high) - np.log10(a1.low) < np.log10(a0.high) - np.log10(a0.low)
    assert a1.low <= 10 ** -2.5 <= a1.high
    assert rounds[1].best.value <= rounds[0].best.value


def test_importance_ranks_the_parameter_that_matters():
    from nnlab.tune import random_search

    imp = importance(random_search(quadratic, SPACE, 40, seed=1))
    assert list(imp)[0] == "alpha" and imp["alpha"] > 0.8


def test_two_worker_sqlite_study_records_each_trial_once(tmp_path):
    url = f"sqlite:///{tmp_path}/study.db"
    res = run_study("two", url, "nnlab.tune.objectives:quadratic", SPACE, n_trials=6, workers=2, sampler="random")
    assert sorted(t.number for t in res.trials) == list(range(6))
    assert len({t.extra.get("worker") for t in res.trials}) == 2
    params = [(t.params["alpha"], t.params["unused"]) for t in res.trials]
    assert len(set(params)) == 6


@pytest.mark.parametrize("spec, match", [
    (("uniform", 1.0, 1.0), "empty or inverted"), (("log", 1.0, 0.1), "empty or inverted"),
    (("log", 0.0, 1.0), "log range must be > 0"), (("normal", 0, 1), "unknown parameter type"),
])
def test_bad_spaces_name_the_parameter(spec, match):
    with pytest.raises(ValueError, match=match) as e:
        make_space({"lr": spec})
    assert "'lr'" in str(e.value)


def test_unreachable_storage_names_the_url():
    url = "postgresql://nobody@127.0.0.1:1/none"
    with pytest.raises(ValueError, match="cannot reach storage") as e:
        run_study("x", url, quadratic, SPACE, n_trials=1)
    assert url in str(e.value)


def test_parse_space():
    name, s = parse_space("lr=log:1e-4:1e-1")
    assert name == "lr" and isinstance(s, LogUniform) and s.high == pytest.approx(0.1)
