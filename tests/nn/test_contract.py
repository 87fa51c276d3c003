"""Tier 3: the layer contract, run over every layer in nnlab.nn.

Each case: a factory, an input shape, the expected output shape and parameter count.
Every layer must give that shape and count, survive a state_dict round trip into a
freshly (differently) initialized instance with identical outputs, keep float32 as
float32 (and float64 as float64 after .double()), and differ between train and eval
exactly when it is stochastic.
"""

import numpy as np
import pytest

import nnlab
import nnlab.nn as nn

# name: (factory, input shape, output shape, parameter count, stochastic in training)
CASES = {
    "Linear": (lambda: nn.Linear(4, 3), (2, 4), (2, 3), 4 * 3 + 3, False),
    "Linear-nobias-3d": (lambda: nn.Linear(4, 3, bias=False), (2, 5, 4), (2, 5, 3), 12, False),
    "Identity": (lambda: nn.Identity(7, unused=True), (2, 4), (2, 4), 0, False),
    "Flatten": (lambda: nn.Flatten(), (2, 3, 4, 5), (2, 60), 0, False),
    "Flatten-mid": (lambda: nn.Flatten(1, 2), (2, 3, 4, 5), (2, 12, 5), 0, False),
    "Unflatten": (lambda: nn.Unflatten(1, (3, -1)), (2, 12), (2, 3, 4), 0, False),
    "ReLU": (lambda: nn.ReLU(), (2, 5), (2, 5), 0, False),
    "LeakyReLU": (lambda: nn.LeakyReLU(0.1), (2, 5), (2, 5), 0, False),
    "ELU": (lambda: nn.ELU(0.5), (2, 5), (2, 5), 0, False),
    "SELU": (lambda: nn.SELU(), (2, 5), (2, 5), 0, False),
    "GELU": (lambda: nn.GELU(), (2, 5), (2, 5), 0, False),
    "Softplus": (lambda: nn.Softplus(beta=2.0), (2, 5), (2, 5), 0, False),
    "SiLU": (lambda: nn.SiLU(), (2, 5), (2, 5), 0, False),
    "Hardtanh": (lambda: nn.Hardtanh(), (2, 5), (2, 5), 0, False),
    "Sigmoid": (lambda: nn.Sigmoid(), (2, 5), (2, 5), 0, False),
    "Tanh": (lambda: nn.Tanh(), (2, 5), (2, 5), 0, False),
    "Softmax": (lambda: nn.Softmax(dim=1), (2, 5), (2, 5), 0, False),
    "LogSoftmax": (lambda: nn.LogSoftmax(dim=-1), (2, 3, 5), (2, 3, 5), 0, False),
    "Maxout": (lambda: nn.Maxout(4, 3, num_pieces=2), (2, 4), (2, 3), 4 * 6 + 6, False),
    "Step": (lambda: nn.Step(0.5), (2, 5), (2, 5), 0, False),
    "Dropout": (lambda: nn.Dropout(0.5), (4, 50), (4, 50), 0, True),
    "GaussianNoise": (lambda: nn.GaussianNoise(0.1), (4, 5), (4, 5), 0, True),
    "WeightNoise": (lambda: nn.WeightNoise(nn.Linear(4, 3), std=0.1), (2, 4), (2, 3), 15, True),
    "MLP": (
        lambda: nn.Sequential(nn.Flatten(), nn.Linear(6, 8), nn.Tanh(), nn.Dropout(0.2), nn.Linear(8, 2)),
        (3, 2, 3), (3, 2), 6 * 8 + 8 + 8 * 2 + 2, True,
    ),
}


def _input(shape, dtype=np.float32, seed=0):
    return nnlab.tensor(np.random.default_rng(seed).standard_normal(shape).astype(dtype), dtype=dtype)


@pytest.fixture(params=sorted(CASES), ids=sorted(CASES))
def case(request):
    return CASES[request.param]


def test_output_shape_and_parameter_count(case):
    factory, in_shape, out_shape, n_params, _ = case
    layer = factory()
    assert tuple(layer(_input(in_shape)).shape) == out_shape
    assert sum(p.numel() for p in layer.parameters()) == n_params


def test_state_dict_round_trip_into_fresh_instance(case):
    factory, in_shape, _, _, _ = case
    nnlab.manual_seed(1)
    a = factory().eval()
    nnlab.manual_seed(2)
    b = factory().eval()
    if any(True for _ in a.parameters()):
        assert not np.array_equal(a(_input(in_shape)).array, b(_input(in_shape)).array)
    assert b.load_state_dict(a.state_dict()) == ([], [])
    np.testing.assert_array_equal(a(_input(in_shape)).array, b(_input(in_shape)).array)
    assert list(a.state_dict()) == list(b.state_dict())


def test_dtypes_are_kept(case):
    factory, in_shape, _, _, _ = case
    layer = factory()
    assert layer(_input(in_shape)).dtype == np.float32
    layer.double()
    assert layer(_input(in_shape, np.float64)).dtype == np.float64


def test_train_eval_difference_only_when_stochastic(case):
    factory, in_shape, _, _, stochastic = case
    layer = factory()
    x = _input(in_shape)
    train_out = layer.train()(x).array
    eval_out = layer.eval()(x).array
    np.testing.assert_array_equal(layer(x).array, eval_out)  # eval is deterministic
    assert (not np.allclose(train_out, eval_out)) == stochastic
    if stochastic:  # same seed, same noise
        nnlab.manual_seed(5)
        first = layer.train()(x).array
        nnlab.manual_seed(5)
        np.testing.assert_array_equal(layer(x).array, first)


def test_backward_reaches_every_parameter(case):
    factory, in_shape, _, _, _ = case
    layer = factory()
    x = _input(in_shape).requires_grad_()
    out = layer(x)
    if not out.requires_grad:  # Step: a hard threshold has no gradient path
        assert isinstance(layer, nn.Step)
        return
    (out * _input(out.shape, seed=3)).sum().backward()
    assert x.grad is not None and x.grad.shape == x.shape
    for name, p in layer.named_parameters():
        assert p.grad is not None and p.grad.shape == p.shape and p.grad.dtype == np.float32, name
