"""Pooling layers: torch parity (outputs, gradients, attributes and repr), the layer contract,
and the seeds' variants' parameters and modes."""

import numpy as np
import pytest
import torch

import nnlab
import nnlab.nn as nn
from tests.parity import assert_module_parity, gradcheck_fn, to_nnlab

# name: (our layer, torch's layer, input shape)
TORCH_LAYERS = {
    "MaxPool1d": (lambda m: m.MaxPool1d(3, 2, 1, 2, ceil_mode=True), (2, 3, 11)),
    "MaxPool2d": (lambda m: m.MaxPool2d(2), (2, 3, 8, 8)),
    "MaxPool2d-overlap": (lambda m: m.MaxPool2d(3, stride=2), (2, 3, 9, 9)),
    "MaxPool2d-indices": (lambda m: m.MaxPool2d((3, 2), (2, 1), (1, 0), return_indices=True), (2, 3, 7, 6)),
    "MaxPool3d": (lambda m: m.MaxPool3d(2, 1, 1, ceil_mode=True), (1, 2, 4, 5, 3)),
    "AvgPool1d": (lambda m: m.AvgPool1d(3, 2, 1, count_include_pad=False), (2, 3, 10)),
    "AvgPool2d": (lambda m: m.AvgPool2d(3, 2, 1, ceil_mode=True), (2, 3, 8, 7)),
    "AvgPool2d-divisor": (lambda m: m.AvgPool2d(2, divisor_override=3), (2, 3, 6, 6)),
    "AvgPool3d": (lambda m: m.AvgPool3d((1, 2, 2), padding=(0, 1, 1)), (1, 2, 3, 5, 4)),
    "AdaptiveAvgPool1d": (lambda m: m.AdaptiveAvgPool1d(4), (2, 3, 7)),
    "AdaptiveAvgPool2d": (lambda m: m.AdaptiveAvgPool2d((None, 3)), (2, 3, 5, 7)),
    "AdaptiveAvgPool2d-1": (lambda m: m.AdaptiveAvgPool2d(1), (2, 3, 5, 7)),
    "AdaptiveAvgPool3d": (lambda m: m.AdaptiveAvgPool3d((2, 3, 2)), (1, 2, 3, 5, 4)),
    "AdaptiveMaxPool1d": (lambda m: m.AdaptiveMaxPool1d(3, return_indices=True), (2, 3, 8)),
    "AdaptiveMaxPool2d": (lambda m: m.AdaptiveMaxPool2d((3, 4)), (2, 3, 7, 6)),
    "AdaptiveMaxPool3d": (lambda m: m.AdaptiveMaxPool3d(2), (1, 2, 3, 5, 4)),
    "LPPool1d": (lambda m: m.LPPool1d(2, 3, 2), (2, 3, 9)),
    "LPPool2d": (lambda m: m.LPPool2d(3, (2, 3), ceil_mode=True), (2, 3, 7, 8)),
    "LPPool3d": (lambda m: m.LPPool3d(1.5, 2), (1, 2, 4, 4, 4)),
}


def _x(shape, seed=0):
    # positive (Lp pooling), distinct (max pooling's winner is unambiguous) values
    rng = np.random.default_rng(seed)
    return rng.permutation(int(np.prod(shape))).reshape(shape) / np.prod(shape) + 0.1


@pytest.mark.parametrize("name", sorted(TORCH_LAYERS))
def test_parity_attributes_and_repr_match_torch(name):
    make, shape = TORCH_LAYERS[name]
    ours, theirs = make(nn), make(torch.nn)
    assert repr(ours) == repr(theirs)
    for attr in ("kernel_size", "stride", "padding", "dilation", "ceil_mode", "count_include_pad",
                 "divisor_override", "output_size", "return_indices", "norm_type"):
        if hasattr(theirs, attr):
            assert getattr(ours, attr) == getattr(theirs, attr), attr
    assert_module_parity(ours, theirs, _x(shape))
    assert ours.state_dict() == {} and list(ours.parameters()) == []


@pytest.mark.parametrize("name", sorted(TORCH_LAYERS))
def test_ties_match_torch_too(name):
    make, shape = TORCH_LAYERS[name]
    x = np.random.default_rng(1).integers(1, 4, shape).astype(np.float64)
    assert_module_parity(make(nn), make(torch.nn), x)


# ---- the contract: shape, dtype, no state, train == eval for the deterministic layers --------

OURS = {
    "GlobalAvgPool2d": (lambda: nn.GlobalAvgPool2d(), (2, 3, 5, 4), (2, 3)),
    "GlobalAvgPool2d-keepdim": (lambda: nn.GlobalAvgPool2d(keepdim=True), (2, 3, 5, 4), (2, 3, 1, 1)),
    "GlobalMaxPool2d": (lambda: nn.GlobalMaxPool2d(), (2, 3, 5, 4), (2, 3)),
    "MixedPool2d": (lambda: nn.MixedPool2d(2, alpha=0.25), (2, 3, 6, 6), (2, 3, 3, 3)),
    "MixedPool2d-learnable": (lambda: nn.MixedPool2d(3, 2, learnable=True), (2, 3, 7, 7), (2, 3, 3, 3)),
    "StochasticPool2d": (lambda: nn.StochasticPool2d(2), (2, 3, 6, 6), (2, 3, 3, 3)),
    "SpectralPool2d": (lambda: nn.SpectralPool2d((3, 2)), (2, 3, 6, 5), (2, 3, 3, 2)),
    "LPPool2d-weights": (lambda: nn.LPPool2d(2, 2, weights=np.full((2, 2), 0.5)), (2, 3, 6, 6), (2, 3, 3, 3)),
    "MaxPool2d": (lambda: nn.MaxPool2d(2), (2, 3, 6, 6), (2, 3, 3, 3)),
}


@pytest.mark.parametrize("name", sorted(OURS))
def test_layer_contract(name):
    make, in_shape, out_shape = OURS[name]
    layer = make()
    x32 = nnlab.Tensor(_x(in_shape).astype(np.float32))
    y = layer(x32)
    assert tuple(y.shape) == out_shape and y.dtype == np.float32
    assert layer.double()(to_nnlab(_x(in_shape))).dtype == np.float64
    fresh = make()
    assert fresh.load_state_dict(layer.state_dict()) == ([], [])
    if name != "StochasticPool2d":
        layer.eval()
        np.testing.assert_array_equal(layer(to_nnlab(_x(in_shape))).array, layer.train()(to_nnlab(_x(in_shape))).array)


def test_global_pools_are_adaptive_pools_to_one_then_flatten():
    x = to_nnlab(np.random.default_rng(2).standard_normal((2, 3, 5, 4)))
    flat = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten())
    np.testing.assert_allclose(nn.GlobalAvgPool2d()(x).array, flat(x).array)
    np.testing.assert_array_equal(nn.GlobalMaxPool2d()(x).array, nn.Sequential(nn.AdaptiveMaxPool2d(1), nn.Flatten())(x).array)
    head = nn.Sequential(nn.MaxPool2d(2), nn.GlobalAvgPool2d(), nn.Linear(3, 4)).double()
    assert head(x).shape == (2, 4)


def test_mixed_pool_learnable_alpha_is_a_sigmoid_of_a_logit():
    layer = nn.MixedPool2d(2, alpha=0.3, learnable=True, dtype=nnlab.float64)
    assert [n for n, _ in layer.named_parameters()] == ["alpha_logit"]
    assert layer.alpha == pytest.approx(0.3)
    x = to_nnlab(np.random.default_rng(3).standard_normal((1, 2, 4, 4)))
    g = np.random.default_rng(4).standard_normal((1, 2, 2, 2))
    (layer(x) * nnlab.Tensor(g)).sum().backward()
    mx = nnlab.functional.max_pool2d(x, 2).array
    av = nnlab.functional.avg_pool2d(x, 2).array
    # dL/dlogit = σ'(logit) · Σ g (max − mean), σ' = α(1 − α)
    np.testing.assert_allclose(layer.alpha_logit.grad.array, 0.3 * 0.7 * np.sum(g * (mx - av)), rtol=1e-6)
    assert gradcheck_fn(lambda a, lg: nnlab.functional.mixed_pool2d(a, 2, alpha=nnlab.sigmoid(lg)),
                        x.array, np.array(0.4))
    fixed = nn.MixedPool2d(2, alpha=0.0)
    assert list(fixed.parameters()) == [] and fixed.alpha == 0.0
    with pytest.raises(ValueError, match="alpha"):
        nn.MixedPool2d(2, alpha=1.0, learnable=True)


def test_lp_pool_weights_as_parameter_or_buffer():
    learned = nn.LPPool2d(2, 2, weights=nn.Parameter(np.ones((2, 2), dtype=np.float32)))
    assert [n for n, _ in learned.named_parameters()] == ["weights"]
    x = nnlab.Tensor(_x((1, 2, 4, 4)).astype(np.float32))
    learned(x).sum().backward()
    assert learned.weights.grad.shape == (2, 2) and np.all(learned.weights.grad.array > 0)
    fixed = nn.LPPool2d(2, 2, weights=np.ones((2, 2)))
    assert list(fixed.parameters()) == [] and list(fixed.state_dict()) == ["weights"]
    np.testing.assert_allclose(fixed(x).array, nn.LPPool2d(2, 2)(x).array, rtol=1e-6)
    with pytest.raises(ValueError, match="kernel's shape"):
        nn.LPPool2d(2, 3, weights=np.ones((2, 2)))


def test_stochastic_pool_train_samples_eval_averages():
    layer = nn.StochasticPool2d(2)
    x = nnlab.Tensor(_x((2, 3, 6, 6)).astype(np.float32))
    nnlab.manual_seed(7)
    a = layer(x).array
    nnlab.manual_seed(7)
    np.testing.assert_array_equal(layer(x).array, a)
    windows = x.array.reshape(2, 3, 3, 2, 3, 2).transpose(0, 1, 2, 4, 3, 5).reshape(2, 3, 3, 3, 4)
    assert np.all(np.any(windows == a[..., None], axis=-1))  # every output is one of its window's inputs
    layer.eval()
    expected = (windows**2).sum(-1) / windows.sum(-1)
    np.testing.assert_allclose(layer(x).array, expected, rtol=1e-6)
    seeded = nn.StochasticPool2d(2, generator=np.random.default_rng(0))
    assert seeded.kernel_size == 2 and seeded.stride == 2 and seeded.padding == 0 and seeded.dilation == 1


def test_spectral_pool_layer_matches_functional():
    x = to_nnlab(np.random.default_rng(5).standard_normal((2, 2, 6, 6)))
    np.testing.assert_array_equal(nn.SpectralPool2d(4)(x).array, nnlab.functional.spectral_pool2d(x, 4).array)
    assert repr(nn.SpectralPool2d((4, None))) == "SpectralPool2d(output_size=(4, None))"
