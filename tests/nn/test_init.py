"""nn.init: gains and fans against torch, empirical moments/bounds against the formulas, seeding."""

import math

import numpy as np
import pytest
import torch

import nnlab
import nnlab.nn as nn
from nnlab.nn import init


@pytest.mark.parametrize(
    "name,param",
    [("linear", None), ("conv2d", None), ("sigmoid", None), ("tanh", None), ("relu", None),
     ("leaky_relu", None), ("leaky_relu", 0.2), ("selu", None)],
)
def test_calculate_gain_matches_torch(name, param):
    assert init.calculate_gain(name, param) == pytest.approx(torch.nn.init.calculate_gain(name, param))


def test_calculate_gain_rejects_unknown():
    with pytest.raises(ValueError, match="'swish'"):
        init.calculate_gain("swish")


@pytest.mark.parametrize("shape", [(5, 7), (6, 3, 5, 5), (4, 2, 3)])
def test_fans_match_torch_including_receptive_field(shape):
    ours = init._calculate_fan_in_and_fan_out(nnlab.zeros(*shape))
    assert ours == torch.nn.init._calculate_fan_in_and_fan_out(torch.zeros(shape))
    with pytest.raises(ValueError, match="fewer than 2 dims"):
        init._calculate_fan_in_and_fan_out(nnlab.zeros(5))


BIG = (400, 500)  # fan_in 500, fan_out 400, 200k samples: moment errors well under 2%


def _std(t):
    return float(np.std(t.array.astype(np.float64)))


def test_uniform_family_bounds_and_std():
    t = nnlab.empty(*BIG)
    b = math.sqrt(6 / 900)
    init.xavier_uniform_(t)
    assert np.abs(t.array).max() <= b and np.abs(t.array).max() > 0.99 * b
    assert _std(t) == pytest.approx(b / math.sqrt(3), rel=0.02)
    init.kaiming_uniform_(t, nonlinearity="relu")
    b = math.sqrt(2) * math.sqrt(3 / 500)
    assert np.abs(t.array).max() <= b and _std(t) == pytest.approx(b / math.sqrt(3), rel=0.02)
    init.kaiming_uniform_(t, a=math.sqrt(5), mode="fan_out")
    assert np.abs(t.array).max() <= 1 / math.sqrt(400)
    init.uniform_(t, -2.0, 3.0)
    assert t.array.min() >= -2 and t.array.max() <= 3 and t.array.mean() == pytest.approx(0.5, abs=0.02)
    init.lecun_uniform_(t)
    assert np.abs(t.array).max() <= math.sqrt(3 / 500)


def test_normal_family_std():
    t = nnlab.empty(*BIG)
    init.xavier_normal_(t, gain=2.0)
    assert _std(t) == pytest.approx(2 * math.sqrt(2 / 900), rel=0.02)
    init.kaiming_normal_(t, mode="fan_out", nonlinearity="relu")
    assert _std(t) == pytest.approx(math.sqrt(2 / 400), rel=0.02)
    init.kaiming_normal_(t, a=0.0)  # leaky_relu with slope 0 = relu, fan_in
    assert _std(t) == pytest.approx(math.sqrt(2 / 500), rel=0.02)
    init.lecun_normal_(t)
    assert _std(t) == pytest.approx(1 / math.sqrt(500), rel=0.02)
    init.normal_(t, mean=1.0, std=0.5)
    assert float(t.array.mean()) == pytest.approx(1.0, abs=0.01) and _std(t) == pytest.approx(0.5, rel=0.02)
    init.trunc_normal_(t, std=1.0, a=-0.5, b=0.5)
    assert t.array.min() >= -0.5 and t.array.max() <= 0.5 and t.array.min() < -0.49
    # N(0,1) truncated to [-0.5, 0.5] has variance 1 - 2·0.5·φ(0.5)/(Φ(0.5) − Φ(−0.5)) ≈ 0.0796
    phi = math.exp(-0.125) / math.sqrt(2 * math.pi)
    mass = math.erf(0.5 / math.sqrt(2))
    assert _std(t) == pytest.approx(math.sqrt(1 - phi / mass), rel=0.02)


def test_conv_shaped_kaiming_uses_receptive_field():
    w = nnlab.empty(64, 16, 3, 3)
    init.kaiming_normal_(w, nonlinearity="relu")
    assert _std(w) == pytest.approx(math.sqrt(2 / (16 * 9)), rel=0.03)


@pytest.mark.parametrize("shape", [(8, 8), (6, 10), (10, 4), (4, 2, 3)])
def test_orthogonal(shape):
    w = nnlab.empty(*shape, dtype=nnlab.float64)
    init.orthogonal_(w, gain=2.0)
    m = w.array.reshape(shape[0], -1)
    small = min(m.shape)
    gram = m @ m.T if m.shape[0] == small else m.T @ m
    np.testing.assert_allclose(gram, 4 * np.eye(small), atol=1e-10)


def test_constant_fills_and_dtype_kept():
    t = nnlab.empty(3, 2)
    assert init.constant_(t, 0.3) is t and t.dtype == np.float32
    np.testing.assert_array_equal(t.array, np.full((3, 2), 0.3, np.float32))
    init.ones_(t)
    assert t.array.sum() == 6
    init.zeros_(t)
    assert not t.array.any()
    init.eye_(t)
    np.testing.assert_array_equal(t.array, np.eye(3, 2))
    d = nnlab.empty(3, 2, dtype=nnlab.float64)
    init.xavier_uniform_(d)
    assert d.dtype == np.float64


def test_same_seed_same_values_and_explicit_generator():
    a, b = nnlab.empty(5, 4), nnlab.empty(5, 4)
    nnlab.manual_seed(7)
    init.kaiming_uniform_(a)
    nnlab.manual_seed(7)
    init.kaiming_uniform_(b)
    np.testing.assert_array_equal(a.array, b.array)
    init.orthogonal_(a, generator=np.random.default_rng(3))
    init.orthogonal_(b, generator=np.random.default_rng(3))
    np.testing.assert_array_equal(a.array, b.array)
    nnlab.manual_seed(7)
    first = nn.Linear(3, 2).weight.array.copy()
    nnlab.manual_seed(7)
    np.testing.assert_array_equal(nn.Linear(3, 2).weight.array, first)


def test_linear_default_init_bounds():
    nnlab.manual_seed(0)
    layer = nn.Linear(256, 300)
    bound = 1 / math.sqrt(256)
    for t in (layer.weight, layer.bias):
        assert np.abs(t.array).max() <= bound and np.abs(t.array).max() > 0.95 * bound
    assert _std(layer.weight) == pytest.approx(bound / math.sqrt(3), rel=0.02)


def test_bad_arguments():
    with pytest.raises(ValueError, match="mode"):
        init.kaiming_normal_(nnlab.empty(2, 2), mode="fan_avg")
    with pytest.raises(ValueError, match="2 or more dims"):
        init.orthogonal_(nnlab.empty(3))
    with pytest.raises(TypeError, match="Tensor"):
        init.zeros_([0.0, 1.0])
    arr = np.ones(3)  # PyTorch's ``init.zeros_(m.weight.array)``: the array is filled in place
    assert init.zeros_(arr) is arr and arr.tolist() == [0.0, 0.0, 0.0]
