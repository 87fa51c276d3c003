"""Symmetry breaking, MLP against logistic regression, universal approximation, depth against width."""

import numpy as np

from nnlab.lessons.capacity import depth_vs_width, mlp_parameters, mlp_vs_logistic, tent_power, universal_approximation
from nnlab.lessons.common import binary_accuracy
from nnlab.lessons.initialization import symmetry_experiment


def test_constant_start_keeps_hidden_units_identical_random_breaks_symmetry():
    zeros, const, rand = (symmetry_experiment(s) for s in ("zeros", "constant", "random"))
    assert zeros["spread"] < 1e-6 and zeros["distinct_units"] == 1
    assert const["spread"] < 1e-5 and const["distinct_units"] == 1
    assert rand["distinct_units"] == 8 and rand["spread"] > 1.0
    assert rand["accuracy"] > 0.95 > 0.8 > max(zeros["accuracy"], const["accuracy"])


def test_mlp_solves_what_logistic_regression_cannot():
    for name in ("xor", "spirals"):
        r = mlp_vs_logistic(name, epochs=300)
        assert r["logistic_accuracy"] < 0.65, name
        assert r["mlp_accuracy"] > 0.95, name
        # the output layer is a logistic regression on the 2-unit hidden view: a line separates it there
        head = r["model"][1]
        logits = r["view"] @ head.weight.detach().numpy().T + head.bias.detach().numpy()
        assert binary_accuracy(logits, r["labels"]) == r["mlp_accuracy"]
        assert r["view"].shape == (len(r["labels"]), 2)


def test_universal_approximation_error_falls_with_width():
    err = universal_approximation(widths=(1, 4, 16), epochs=600)
    assert err[1] > 0.1  # one unit: about half the target's variance is left
    assert err[4] < 0.5 * err[1]
    assert err[16] < 0.03 * err[1]


def test_depth_beats_width_at_equal_parameters_on_a_composed_function():
    assert mlp_parameters([1, 8, 8, 8, 1]) == mlp_parameters([1, 56, 1]) == 169
    np.testing.assert_allclose(tent_power(np.array([0.0, 0.125, 0.25, 0.5]), 3), [0.0, 1.0, 0.0, 0.0])
    r = depth_vs_width(epochs=1200)
    assert r["deep_params"] == r["shallow_params"]
    # in the same budget the shallow net is still near the target's variance, the deep one well below it
    assert r["shallow_mse"] > 0.8 * r["target_var"]
    assert r["deep_mse"] < 0.6 * r["shallow_mse"]
