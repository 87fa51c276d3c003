"""Deep-net gradient norms per layer; finite-difference error orders; saddle escape; convexity."""

import numpy as np
import pytest

from nnlab.lessons.gradients import deep_gradient_norms, gradient_check_errors, loglog_slope
from nnlab.lessons.optimization_landscape import (convexity_violation, landscape_models, loss_along_line,
                                                  loss_on_plane, saddle_escape)


def test_sigmoid_gradients_vanish_relu_he_and_residual_keep_them():
    sig, relu, res = (deep_gradient_norms(k, depth=20) for k in ("sigmoid", "relu_he", "residual"))
    assert sig.ratio() < 1e-10  # (σ′ ≤ 1/4)^20 and small weights
    assert np.all(np.diff(np.log(sig.output_norms)) > 0)  # shrinking at every layer towards the input
    assert 0.1 < relu.ratio() < 10
    assert res.ratio() > 1.0


def test_two_sided_difference_is_second_order_one_sided_first_order():
    r = gradient_check_errors(epsilons=(1e-1, 3e-2, 1e-2, 3e-3, 1e-3))
    assert abs(loglog_slope(r["eps"], r["one_sided"]) - 1) < 0.1
    assert abs(loglog_slope(r["eps"], r["two_sided"]) - 2) < 0.1
    assert np.all(r["two_sided"] < r["one_sided"] / 10)


def test_momentum_and_adam_escape_the_saddle_faster_than_gradient_descent():
    steps = {o: saddle_escape(o) for o in ("sgd", "momentum", "adam")}
    assert all(s["escaped"] for s in steps.values())
    assert steps["sgd"]["steps"] > 2 * steps["momentum"]["steps"]
    assert steps["momentum"]["steps"] > steps["adam"]["steps"]
    # plain gradient descent spends most of its steps on the plateau near the saddle
    path = steps["sgd"]["path"]
    assert np.mean(np.abs(path[:, 1]) < 0.1) > 0.5
    stuck = saddle_escape("sgd", start=(1.0, 0.0), max_steps=200)
    assert not stuck["escaped"] and abs(stuck["path"][-1, 0]) < 1e-6  # exactly on the ridge: converges to the saddle


def test_logistic_loss_is_convex_mlp_loss_is_not():
    models = landscape_models(epochs=200)
    model, loss, a, b = models["logistic"]
    ts, values = loss_along_line(model, loss, a, b)
    assert convexity_violation(ts, values) <= 1e-6
    assert np.all(np.diff(values, 2) > -1e-6)
    model, loss, a, b = models["mlp"]
    ts, values = loss_along_line(model, loss, a, b)
    l0, l1 = values[np.isclose(ts, 0.0)][0], values[np.isclose(ts, 1.0)][0]
    assert abs(l0 - l1) < 1e-5  # a permuted network is an equally good minimum
    assert convexity_violation(ts, values) > 0.05  # with a barrier between the two
    grid, plane = loss_on_plane(model, loss, a, b - a, np.roll(b - a, 3), extent=0.5, steps=5)
    assert plane.shape == (5, 5) and plane[2, 2] == pytest.approx(loss(), abs=1e-7)  # the centre is a itself
