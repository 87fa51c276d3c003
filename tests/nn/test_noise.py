"""Dropout, GaussianNoise and WeightNoise: statistics, modes, and gradients through the noise."""

import numpy as np
import pytest
import torch

import nnlab
import nnlab.nn as nn
from tests.parity import to_torch


def test_dropout_is_inverted_and_seeded():
    x = nnlab.ones(200, 100)
    drop = nn.Dropout(p=0.3)
    y = drop(x).array
    kept = y != 0
    np.testing.assert_allclose(y[kept], 1 / 0.7, rtol=1e-6)  # survivors scaled by 1/(1 − p)
    assert kept.mean() == pytest.approx(0.7, abs=0.01)
    assert drop.eval()(x) is x
    with pytest.raises(ValueError, match="between 0 and 1"):
        nn.Dropout(1.5)


def test_gaussian_noise_statistics_and_gradient():
    nnlab.manual_seed(0)
    layer = nn.GaussianNoise(std=0.3)
    x = nnlab.zeros(400, 250, requires_grad=True)
    y = layer(x)
    assert y.dtype == np.float32
    assert float(np.std(y.array)) == pytest.approx(0.3, rel=0.02)
    assert abs(float(np.mean(y.array))) < 0.005
    (y * 2).sum().backward()
    np.testing.assert_array_equal(x.grad.array, np.full(x.shape, 2.0, np.float32))  # noise is a constant
    assert layer.eval()(x) is x
    g1 = nn.GaussianNoise(0.1, generator=np.random.default_rng(4))(nnlab.zeros(3)).array
    g2 = nn.GaussianNoise(0.1, generator=np.random.default_rng(4))(nnlab.zeros(3)).array
    np.testing.assert_array_equal(g1, g2)
    with pytest.raises(TypeError, match="floating"):
        nn.GaussianNoise(0.1)(nnlab.tensor([1, 2]))


def test_weight_noise_gradient_matches_torch_at_the_perturbed_point():
    inner = nn.Linear(4, 3).double()
    wrapped = nn.WeightNoise(inner, std=0.5)
    clean_w = inner.weight.array.copy()
    x = np.random.default_rng(1).standard_normal((5, 4))
    v = np.random.default_rng(2).standard_normal((5, 3))
    xs = nnlab.tensor(x, dtype=nnlab.float64, requires_grad=True)
    y = wrapped(xs)
    (y * nnlab.tensor(v, dtype=nnlab.float64)).sum().backward()
    eps = wrapped.last_noise["weight"]
    assert list(wrapped.last_noise) == ["weight"]  # biases untouched by default
    assert float(np.std(eps)) > 0.1

    tw = to_torch(clean_w)
    tb = to_torch(inner.bias.array)
    tx = to_torch(x)
    ty = torch.nn.functional.linear(tx, tw + torch.from_numpy(eps), tb)
    (ty * torch.from_numpy(v)).sum().backward()
    np.testing.assert_allclose(y.array, ty.detach().numpy(), rtol=1e-10)
    np.testing.assert_allclose(inner.weight.grad.array, tw.grad.numpy(), rtol=1e-10)
    np.testing.assert_allclose(inner.bias.grad.array, tb.grad.numpy(), rtol=1e-10)
    np.testing.assert_allclose(xs.grad.array, tx.grad.numpy(), rtol=1e-10)
    # the Parameter itself was never modified, nor replaced
    np.testing.assert_array_equal(inner.weight.array, clean_w)
    assert isinstance(inner.weight, nn.Parameter) and "weight" not in inner.__dict__


def test_weight_noise_modes_fresh_noise_and_bias_option():
    inner = nn.Linear(3, 2)
    wrapped = nn.WeightNoise(inner, std=0.1, include_bias=True)
    x = nnlab.randn(4, 3)
    a = wrapped(x).array
    noise_a = dict(wrapped.last_noise)
    b = wrapped(x).array
    assert set(noise_a) == {"weight", "bias"}
    assert not np.allclose(a, b)  # fresh noise per forward pass
    assert noise_a["weight"].dtype == np.float32
    np.testing.assert_allclose(a, x.array @ (inner.weight.array + noise_a["weight"]).T
                               + inner.bias.array + noise_a["bias"], rtol=1e-5, atol=1e-6)
    wrapped.eval()
    np.testing.assert_array_equal(wrapped(x).array, inner(x).array)
    assert list(wrapped.state_dict()) == ["module.weight", "module.bias"]


def test_weight_noise_tied_weights_share_one_perturbation():
    shared = nn.Linear(3, 3, bias=False)
    model = nn.Sequential(shared, nn.Tanh(), shared)
    wrapped = nn.WeightNoise(model, std=0.2)
    x = nnlab.randn(2, 3)
    y = wrapped(x)
    assert list(wrapped.last_noise) == ["0.weight"]
    w = shared.weight.array + wrapped.last_noise["0.weight"]
    np.testing.assert_allclose(y.array, np.tanh(x.array @ w.T) @ w.T, rtol=1e-5, atol=1e-6)


def test_weight_noise_restores_parameters_when_forward_raises():
    inner = nn.Linear(3, 2)
    wrapped = nn.WeightNoise(inner)
    with pytest.raises(ValueError, match="linear"):
        wrapped(nnlab.randn(2, 5))
    assert isinstance(inner.weight, nn.Parameter) and "weight" not in inner.__dict__
    with pytest.raises(TypeError, match="Module"):
        nn.WeightNoise(lambda x: x)
