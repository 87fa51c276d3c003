"""Classic and inverted dropout agree in expectation; dropout vs weight decay under rescaling; noise ≈ L2."""

import numpy as np

from nnlab.lessons.regularization import (dropout_expectations, dropout_vs_weight_decay, input_noise_vs_l2,
                                          penalized_least_squares, regression_data)


def test_classic_and_inverted_dropout_match_their_test_outputs_in_expectation():
    r = dropout_expectations(keep=0.8, samples=20000)
    assert r["classic_error"] < 0.02 and r["inverted_error"] < 0.02
    assert abs(r["unscaled_error"] - 0.2) < 0.03  # forgetting the p scaling is off by ≈ (1 − p)/p... of the mean


def test_dropout_is_invariant_to_rescaling_a_feature_weight_decay_is_not():
    r = dropout_vs_weight_decay(scale=0.1)
    d0, d1 = r["dropout"]
    w0, w1 = r["weight_decay"]
    assert abs(d1 - d0) < 0.1 * abs(d0)  # the same effective coefficient after rescaling
    assert w1 < 0.2 * w0  # weight decay crushes the large weight the small feature needs
    cd, cw = r["closed_form"]["dropout"], r["closed_form"]["weight_decay"]
    assert abs(cd[0] - cd[1]) < 1e-6
    assert abs(d0 - cd[0]) < 0.1 and abs(w0 - cw[0]) < 0.01 and abs(w1 - cw[1]) < 0.01  # training reaches them


def test_input_noise_training_approaches_ridge():
    r = input_noise_vs_l2(sigma=0.7)
    assert r["distance_to_ridge"] < 0.1 * r["distance_to_ols"]
    X, y = regression_data()
    assert np.allclose(penalized_least_squares(X, y, 0.0), np.linalg.lstsq(X.astype(float), y.astype(float),
                                                                          rcond=None)[0])
