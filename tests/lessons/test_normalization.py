"""Batch norm's batch dependence, train/test inconsistency, covariate shift; whitening; BN vs LN in recurrence."""

import numpy as np

from nnlab.lessons.normalization import batch_dependence, covariate_shift, train_test_inconsistency, whitening_check
from nnlab.lessons.recurrent_normalization import compare_cells, recurrent_statistics


def test_batch_norm_depends_on_the_batch_group_norm_does_not():
    r = batch_dependence(batch_sizes=(2, 8, 32), trials=100)
    bn, gn = r["batch_norm"], r["group_norm"]
    assert bn[2] > bn[8] > bn[32] > 0.02
    assert 1.5 < bn[8] / bn[32] < 3.5  # ≈ √(32/8) = 2: the noise shrinks like 1/√B
    assert max(gn.values()) < 1e-5  # only float round-off


def test_batch_norm_train_mode_and_eval_mode_disagree():
    r = train_test_inconsistency(batch_size=4, epochs=3)
    assert r["mean_abs_logit_difference"] > 0.3
    assert r["eval_mode_accuracy"] > r["train_mode_accuracy"] + 0.05
    assert r["batch_of_one_class_accuracy"] < 0.5  # batch statistics erase what a one-class batch shares


def test_batch_norm_pins_the_next_layers_input_distribution():
    r = covariate_shift(epochs=4)
    assert r["plain"][-1] > 5 * r["bn"][-1]
    assert np.all(r["bn"] < 1.0)


def test_pca_and_zca_whitening_decorrelate_the_pixels():
    r = whitening_check()
    assert r["raw_offdiag"] > 0.1
    assert r["pca_offdiag"] < 1e-6 and r["zca_offdiag"] < 1e-2
    assert r["pca_diag_error"] < 1e-6 and r["zca_diag_error"] < 1e-6
    assert r["zca_closeness"] > 0.4 > abs(r["pca_closeness"])  # ZCA stays close to the image, PCA rotates it away


def test_recurrent_pre_activation_statistics_change_along_the_sequence():
    r = recurrent_statistics(length=12)
    assert r["std"][0] == 0.0 and r["mean_abs"][0] == 0.0  # h_0 = 0: a zero batch variance at t = 0
    assert r["std"][1:].min() > 0 and r["mean_abs"][-1] > 1.5 * r["mean_abs"][1]


def test_layer_normalized_lstm_learns_the_adding_problem_faster():
    r = compare_cells(length=10, n_train=1024, epochs=5)
    assert r["lstm"] > 0.8 * r["baseline"]
    assert r["ln_lstm"] < 0.6 * r["lstm"]
