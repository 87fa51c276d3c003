"""Synthetic sequences: the seasonal series' components, forecasting windows, adding and copy tasks."""

import numpy as np
import pytest

from nnlab.data.datasets.timeseries import make_adding_problem, make_copy_task, make_seasonal_series, make_windows


def test_seasonal_series_is_its_formula():
    x = make_seasonal_series(200, trend=0.01, periods=(10, 50), amplitudes=(2.0, 1.0), noise=0.0)
    t = np.arange(200)
    expected = 0.01 * t + 2 * np.sin(2 * np.pi * t / 10) + np.sin(2 * np.pi * t / 50 + np.pi / 4)
    assert x.dtype == np.float32
    np.testing.assert_allclose(x, expected, atol=1e-5)
    noisy = make_seasonal_series(5000, trend=0.0, periods=(10, 50), amplitudes=(0, 0), noise=0.3, dtype=np.float64)
    assert noisy.dtype == np.float64 and abs(noisy.std() - 0.3) < 0.01
    np.testing.assert_array_equal(make_seasonal_series(50, seed=3), make_seasonal_series(50, seed=3))


def test_windows():
    X, y = make_windows(np.arange(10.0), window=3, horizon=2)
    assert X.shape == (6, 3) and y.shape == (6,)
    np.testing.assert_array_equal(X[0], [0, 1, 2])
    assert y[0] == 4 and y[-1] == 9
    with pytest.raises(ValueError, match="no window of 9"):
        make_windows(np.arange(10.0), window=9, horizon=2)


def test_adding_problem_marks_and_targets():
    X, y = make_adding_problem(64, length=20, seed=1)
    assert X.shape == (64, 20, 2) and y.shape == (64,) and X.dtype == np.float32
    marks = X[:, :, 1]
    np.testing.assert_array_equal(marks.sum(axis=1), 2)
    assert (marks[:, :10].sum(axis=1) == 1).all()  # one mark in each half
    np.testing.assert_allclose(y, (X[:, :, 0] * marks).sum(axis=1), rtol=1e-6)


def test_copy_task_layout():
    X, y = make_copy_task(5, seq_len=3, delay=4, num_symbols=5, seed=0)
    assert X.shape == y.shape == (5, 10)
    np.testing.assert_array_equal(y[:, 7:], X[:, :3])
    assert (X[:, 6] == 1).all() and (X[:, 3:6] == 0).all() and (X[:, 7:] == 0).all()
    assert (y[:, :7] == 0).all() and X[:, :3].min() >= 2 and X[:, :3].max() <= 6
