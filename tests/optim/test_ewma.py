"""Exponentially weighted averages: the seeds' numbers, bias correction, dtypes, state."""

from __future__ import annotations

import numpy as np
import pytest

import nnlab
import nnlab.optim as optim


def test_seeds_numbers():
    raw = optim.ewma([10.0, 20.0], 0.9, bias_correction=False)
    np.testing.assert_allclose(raw, [1.0, 2.9], rtol=1e-6)
    corrected = optim.ewma([10.0, 20.0], 0.9)
    np.testing.assert_allclose(corrected, [10.0, 2.9 / 0.19], rtol=1e-6)
    assert corrected[1] == pytest.approx(15.263, abs=1e-3)
    assert raw.dtype == np.float32  # Python floats follow the default dtype


def test_bias_correction_removes_the_early_underestimate():
    theta = np.full(12, 5.0)
    raw = optim.ewma(theta, 0.9, bias_correction=False)
    fixed = optim.ewma(theta, 0.9)
    np.testing.assert_allclose(fixed, 5.0, rtol=1e-14)  # exact for a constant sequence
    assert raw[0] == pytest.approx(0.5) and raw[5] < 5.0 * 0.5  # 1 − 0.9⁶ ≈ 0.47
    np.testing.assert_allclose(raw, 5.0 * (1 - 0.9 ** np.arange(1, 13)), rtol=1e-14)
    assert raw.dtype == np.float64  # float64 arrays stay float64


def test_matches_the_explicit_weighted_sum():
    rng = np.random.default_rng(3)
    theta = rng.standard_normal(20)
    beta = 0.8
    out = optim.ewma(theta, beta, bias_correction=False)
    for t in range(1, 21):
        w = (1 - beta) * beta ** np.arange(t - 1, -1, -1)
        assert out[t - 1] == pytest.approx(np.dot(w, theta[:t]), rel=1e-12)


def test_class_on_arrays_and_tensors_matches_adam_first_moment():
    rng = np.random.default_rng(0)
    grads = rng.standard_normal((5, 3)).astype(np.float32)
    ema = optim.ExponentialMovingAverage(0.9, bias_correction=False)
    p = nnlab.tensor(np.zeros(3, dtype=np.float32), requires_grad=True)
    adam = optim.Adam([p], lr=0.01)
    for g in grads:
        out = ema.update(nnlab.Tensor._wrap(g))
        p.grad = nnlab.Tensor._wrap(g.copy())
        adam.step()
    assert isinstance(out, nnlab.Tensor) and out.dtype == np.float32
    np.testing.assert_allclose(out.array, adam.state[p]["exp_avg"], rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(ema.average, optim.ewma(grads, 0.9, bias_correction=False)[-1], rtol=1e-6)


def test_scalars_state_and_reset():
    ema = optim.ExponentialMovingAverage(0.5)
    assert ema.update(4) == 4.0  # corrected first value is the value itself
    assert ema.update(8.0) == pytest.approx((0.25 * 4 + 0.5 * 8) / 0.75)
    sd = ema.state_dict()
    other = optim.ExponentialMovingAverage(0.1, bias_correction=False)
    other.load_state_dict(sd)
    assert other.update(2.0) == ema.update(2.0) and other.t == 3
    ema.reset()
    assert ema.t == 0
    with pytest.raises(RuntimeError, match="no value has been added"):
        ema.average


def test_errors():
    with pytest.raises(ValueError, match=r"beta must be in \[0, 1\), got 1.0"):
        optim.ExponentialMovingAverage(1.0)
    ema = optim.ExponentialMovingAverage()
    ema.update(np.zeros(3))
    with pytest.raises(ValueError, match=r"value of shape \(2,\), the average has shape \(3,\)"):
        ema.update(np.zeros(2))
    with pytest.raises(ValueError, match="ewma: values must have a time axis"):
        optim.ewma(3.0, 0.9)
