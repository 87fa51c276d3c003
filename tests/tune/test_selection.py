"""Satisficing / optimizing selection and F1 applied to the trials of a search."""

import re

import pytest

from nnlab.cli import main
from nnlab.tune import SearchResult, TrialResult
from nnlab.tune.selection import f1_ranking, satisficing_trial


def _trials():
    # (error, n_params, latency_ms, precision, recall)
    rows = [(0.03, 20000, 0.9, 0.97, 0.97), (0.05, 4000, 0.2, 0.95, 0.95), (0.04, 6000, 0.3, 0.99, 0.90),
            (0.08, 1000, 0.1, 0.92, 0.92), (0.045, 4900, 0.5, 0.98, 0.93)]
    return SearchResult([TrialResult(i, {"lr": 0.01 * (i + 1)}, e, {"n_params": n, "latency_ms": l, "precision": p,
                                                                   "recall": r})
                         for i, (e, n, l, p, r) in enumerate(rows)])


def test_satisficing_picks_the_most_accurate_within_the_bounds():
    res = _trials()
    assert res.best.number == 0  # the most accurate overall is too big
    assert satisficing_trial(res, {"n_params": 5000}).number == 4
    assert satisficing_trial(res, {"n_params": 5000, "latency_ms": 0.25}).number == 1
    assert satisficing_trial(res, {"lr": 0.025}).number == 0  # a bound on a hyperparameter
    # optimizing another metric: recall, largest wins
    assert satisficing_trial(res, {"n_params": 7000}, optimize="recall").number == 1
    with pytest.raises(ValueError, match="no candidate meets the bounds"):
        satisficing_trial(res, {"n_params": 10})
    with pytest.raises(ValueError, match=r"trial 0 has no \['seconds'\]"):
        satisficing_trial(res, {"seconds": 1.0})


def test_f1_is_the_single_number_of_precision_and_recall():
    ranked = f1_ranking(_trials())
    # trial 2 has the best precision (0.99), trial 0 the best balance: F1 0.970 > 0.9449 (2·.99·.90/1.89)
    assert [t.number for t, _ in ranked][:3] == [0, 4, 1]
    assert ranked[-1][0].number == 3
    assert dict((t.number, round(f, 4)) for t, f in ranked)[2] == round(2 * 0.99 * 0.90 / 1.89, 4)


def test_tune_cli_minimizes_one_minus_f1_and_reports_the_satisficing_pick(tmp_path, capsys):
    url = f"sqlite:///{tmp_path}/study.db"
    assert main(["tune", "--trials", "3", "--epochs", "1", "--sampler", "random", "--storage", url,
                 "--out", str(tmp_path), "--metric", "f1", "--param", "width=int:8:64",
                 "--within", "n_params=3000"]) == 0
    out = capsys.readouterr().out
    # seed 0 draws widths 39, 48, 42 (n_params = 75·width + 10: 2935, 3610, 3160); the best F1 is width 42's
    best = re.search(r"best: trial (\d+), 1 - macro F1 ([\d.]+)", out)
    pick = re.search(r"best within n_params <= 3000: trial (\d+), 1 - macro F1 ([\d.]+), n_params (\d+)", out)
    assert best and pick and int(pick.group(3)) <= 3000
    assert pick.group(1) != best.group(1) and float(pick.group(2)) > float(best.group(2))


def test_tune_within_bad_spec_is_one_line(capsys):
    assert main(["tune", "--within", "n_params"]) == 1
    assert "tune --within: expected METRIC=BOUND" in capsys.readouterr().err
