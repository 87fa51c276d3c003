"""Hyperparameter importance on a real run: 12 random trials of a digits MLP put the learning rate first."""

from nnlab.tune import importance, random_search
from nnlab.tune.objectives import digits_error


def test_learning_rate_matters_most_on_digits(tmp_path):
    space = {"lr": ("log", 1e-4, 1.0), "dropout": ("uniform", 0.0, 0.5), "momentum": ("beta", 0.5, 0.99)}
    res = random_search(lambda p: digits_error(p, epochs=1, out=str(tmp_path), hidden=(32,)), space, 12, seed=0)
    imp = importance(res, bins=3)
    # measured: lr 0.60, dropout 0.30, momentum 0.10 (the 40-trial, 5-hyperparameter run in
    # docs/structuring.md: lr 0.71, width 0.16, momentum 0.10, batch size 0.02, dropout 0.01)
    assert next(iter(imp)) == "lr" and imp["lr"] > 0.45
    errors = {round(t.params["lr"], 4): t.value for t in res.trials}
    assert min(v for k, v in errors.items() if k < 1e-3) > 0.85  # too small: one epoch learns nothing
    assert min(errors.values()) < 0.15
