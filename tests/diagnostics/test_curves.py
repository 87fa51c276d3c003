"""Learning curves and the λ sweep: the measured bias / variance trends on the digits."""

import numpy as np
import pytest

from nnlab.diagnostics.curves import Curve, learning_curve, plot_curve, regularization_sweep
from nnlab.lessons.bias_variance import digits_dropout_sweep, digits_lambda_sweep, digits_learning_curve


def test_learning_curve_train_error_rises_dev_error_falls(tmp_path):
    c = digits_learning_curve(sizes=(25, 100, 400, 1258))
    # measured: train 0.0, 1.0, 3.5, 4.8 %; dev 22.2, 14.8, 7.4, 7.8 %
    assert c.train_error[0] == 0.0 and c.train_error[-1] > 0.02
    assert np.all(np.diff(c.train_error) >= 0)
    assert c.dev_error[0] > 0.15 and c.dev_error[-1] < 0.10
    assert c.dev_error[-1] - c.train_error[-1] < 0.5 * (c.dev_error[0] - c.train_error[0])  # the variance gap closes
    plot_curve(c, str(tmp_path / "lc.png"))
    assert (tmp_path / "lc.png").stat().st_size > 5000


def test_weight_decay_sweep_is_u_shaped(tmp_path):
    c = digits_lambda_sweep(lambdas=(0.0, 3e-3, 2e-2, 8e-2), seeds=1)
    # measured: train 0.0, 3.3, 23.3, 43.7 %; dev 23.0, 20.7, 12.2, 35.9 %
    assert c.best == 2e-2
    assert min(c.dev_error[0], c.dev_error[-1]) - c.dev_error[2] > 0.07
    assert np.all(np.diff(c.train_error) > 0)  # more λ, more bias
    assert c.train_error[0] < 0.01  # no λ: the wrong labels memorized (0 or 1 of 300 left, by kernel rounding)
    plot_curve(c, str(tmp_path / "sweep.png"), logx=True)
    assert (tmp_path / "sweep.png").exists()


def test_dropout_sweep_is_u_shaped_too():
    c = digits_dropout_sweep(rates=(0.0, 0.8, 0.98))
    # measured: train 0.0, 18.3, 46.0 %; dev 23.0, 12.6, 47.8 %
    assert c.best == 0.8 and min(c.dev_error[0], c.dev_error[2]) - c.dev_error[1] > 0.07
    assert c.train_error[0] < c.train_error[1] < c.train_error[2]


def test_curve_inputs_are_checked():
    X, y = np.zeros((10, 2), np.float32), np.arange(10) % 2
    with pytest.raises(ValueError, match=r"learning_curve: sizes must be in \[1, 10\], got \[11\]"):
        learning_curve(None, X, y, X, y, [5, 11])
    with pytest.raises(ValueError, match="regularization_sweep: need at least 3 values"):
        regularization_sweep(None, X, y, X, y, [0.1, 1.0])
    c = Curve([1, 2, 3], [0.0, 0.1, 0.2], [0.3, 0.1, 0.4], "x")
    assert c.best == 2 and "train error" in c.table()
