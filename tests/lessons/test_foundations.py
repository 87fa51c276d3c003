"""Vectorization gives the loops' numbers; stacked linear layers collapse to one map; activation properties."""

import numpy as np
import pytest

import nnlab
from nnlab import nn
from nnlab.lessons.activations import activation_properties, dead_units_after_training
from nnlab.lessons.common import seeded
from nnlab.lessons.foundations import (collapse_linear_stack, linear_fit_residual, logistic_step_loops,
                                       logistic_step_vectorized, stack_output, vectorization_speedup)


def test_vectorized_logistic_step_equals_the_loops():
    rng = np.random.default_rng(1)
    X, y = rng.standard_normal((60, 7)), (rng.random(60) < 0.4).astype(float)
    w, b = rng.standard_normal(7), -0.3
    dw1, db1, j1 = logistic_step_loops(X, y, w, b)
    dw2, db2, j2 = logistic_step_vectorized(X, y, w, b)
    np.testing.assert_allclose(dw2, dw1, rtol=1e-12, atol=1e-14)
    assert abs(db1 - db2) < 1e-12 and abs(j1 - j2) < 1e-12
    # and the closed form against a finite difference of the cost
    e = np.zeros(7)
    e[2] = 1e-6
    num = (logistic_step_vectorized(X, y, w + e, b)[2] - logistic_step_vectorized(X, y, w - e, b)[2]) / 2e-6
    assert abs(num - dw2[2]) < 1e-7


def test_vectorization_speedup_reports_equal_results():
    r = vectorization_speedup(m=200, n=10, repeats=1)
    assert r["max_abs_diff"] < 1e-12
    assert r["loop_s"] > 0 and r["vectorized_s"] > 0  # the ratio itself is measured in the example, not here


def test_stacked_linear_layers_collapse_to_one_map():
    seeded(0)
    layers = [nn.Linear(5, 8), nn.Linear(8, 6), nn.Linear(6, 3)]
    X = np.random.default_rng(0).standard_normal((50, 5)).astype(np.float32)
    W, b = collapse_linear_stack(layers)
    assert W.shape == (3, 5) and b.shape == (3,)
    np.testing.assert_allclose(X @ W.T + b, stack_output(nn.Sequential(*layers), X), atol=1e-5)
    assert linear_fit_residual(X, stack_output(nn.Sequential(*layers), X)) < 1e-5
    # one ReLU between the same layers and no affine map fits any more
    deep = nn.Sequential(layers[0], nn.ReLU(), layers[1], nn.ReLU(), layers[2])
    assert linear_fit_residual(X, stack_output(deep, X)) > 0.05


def test_activation_properties():
    p = activation_properties(n=20000)
    assert p["sigmoid"]["max_grad"] <= 0.2501 and p["sigmoid"]["tail_grad"] < 3e-3  # saturates
    assert abs(p["sigmoid"]["mean"] - 0.5) < 0.01  # not zero-centred
    assert abs(p["tanh"]["mean"]) < 0.02 and p["tanh"]["tail_grad"] < 1e-4  # zero-centred, saturates
    assert abs(p["relu"]["zero_fraction"] - 0.5) < 0.02 and p["relu"]["tail_grad"] == 1.0  # sparse, no saturation
    assert p["leaky_relu"]["zero_fraction"] == 0.0
    assert all(v["nonlinearity"] > 0.2 for v in p.values())


def test_large_learning_rate_kills_relus_not_leaky_relus():
    big = dead_units_after_training("relu", lr=10.0)
    small = dead_units_after_training("relu", lr=0.1)
    leaky = dead_units_after_training("leaky_relu", lr=10.0)
    assert big["frozen_fraction"] > 0.5 > 0.15 > small["frozen_fraction"]
    assert big["silent"] <= big["frozen"]  # every silent ReLU is frozen
    assert leaky["silent"] > 30 and leaky["frozen"] == 0  # silent leaky units still get a gradient


def test_rank1_pitfall_of_the_conventions():
    a = np.arange(5.0)
    assert a.shape == (5,) and (a @ a.T).shape == ()  # a.T is a itself: an inner product
    b = a.reshape(5, 1)
    assert (b @ b.T).shape == (5, 5)
    assert (np.zeros((4, 1)) - np.zeros(4)).shape == (4, 4)  # the silent broadcast
    with pytest.raises(ValueError, match="target shape"):
        nn.BCEWithLogitsLoss()(nnlab.zeros(4, 1), nnlab.zeros(4))
    with pytest.warns(UserWarning, match="broadcast"):
        nn.MSELoss()(nnlab.zeros(4, 1), nnlab.zeros(4))
