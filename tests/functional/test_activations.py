"""Pointwise activations, softmax family and maxout: gradcheck, PyTorch parity, numerics, dtypes."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import nnlab
import nnlab.functional as F
from tests.parity import assert_parity, gradcheck_fn

# (id, nnlab function, torch function)
POINTWISE = [
    ("relu", F.relu, torch.relu),
    ("sigmoid", F.sigmoid, torch.sigmoid),
    ("tanh", F.tanh, torch.tanh),
    ("leaky_relu", F.leaky_relu, TF.leaky_relu),
    ("leaky_relu_seeds", lambda x: F.leaky_relu(x, 0.1), lambda x: TF.leaky_relu(x, 0.1)),
    ("elu", F.elu, TF.elu),
    ("elu_alpha", lambda x: F.elu(x, alpha=0.5), lambda x: TF.elu(x, alpha=0.5)),
    ("selu", F.selu, TF.selu),
    ("gelu", F.gelu, TF.gelu),
    ("gelu_tanh", lambda x: F.gelu(x, approximate="tanh"), lambda x: TF.gelu(x, approximate="tanh")),
    ("softplus", F.softplus, TF.softplus),
    ("softplus_beta", lambda x: F.softplus(x, beta=2.0, threshold=5.0), lambda x: TF.softplus(x, beta=2.0, threshold=5.0)),
    ("silu", F.silu, TF.silu),
    ("hardtanh", F.hardtanh, TF.hardtanh),
    ("hardtanh_range", lambda x: F.hardtanh(x, -0.5, 2.0), lambda x: TF.hardtanh(x, -0.5, 2.0)),
    ("relu6", F.relu6, TF.relu6),
]
IDS = [p[0] for p in POINTWISE]


def _x(shape=(4, 5), scale=3.0, seed=0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(shape) * scale


@pytest.mark.parametrize("name,fn,tfn", POINTWISE, ids=IDS)
def test_pointwise_parity(name, fn, tfn):
    assert_parity(fn, tfn, _x())


@pytest.mark.parametrize("name,fn,tfn", POINTWISE, ids=IDS)
def test_pointwise_gradcheck(name, fn, tfn):
    assert gradcheck_fn(fn, _x((3, 4), seed=1))


@pytest.mark.parametrize("name,fn,tfn", POINTWISE, ids=IDS)
def test_pointwise_float32_in_float32_out(name, fn, tfn):
    x = nnlab.tensor(_x().astype(np.float32), requires_grad=True)
    y = fn(x)
    assert y.dtype == np.float32
    y.sum().backward()
    assert x.grad.dtype == np.float32


@pytest.mark.parametrize("name,fn,tfn", POINTWISE, ids=IDS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_pointwise_extremes_no_warnings(name, fn, tfn, dtype):
    values = np.array([-1000.0, -100.0, 0.0, 100.0, 1000.0], dtype=dtype)
    x = nnlab.Tensor(values, dtype=dtype, requires_grad=True)
    with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise", divide="raise"):
        warnings.simplefilter("error")
        y = fn(x)
        y.sum().backward()
    t = torch.from_numpy(values.copy()).requires_grad_(True)
    ty = tfn(t)
    ty.sum().backward()
    np.testing.assert_allclose(y.array, ty.detach().numpy(), rtol=1e-6, atol=1e-30)
    np.testing.assert_allclose(x.grad.array, t.grad.numpy(), rtol=1e-6, atol=1e-30)


def test_leaky_relu_gradient_at_zero_is_slope_like_torch():
    x = nnlab.tensor([0.0], requires_grad=True)
    F.leaky_relu(x, 0.1).sum().backward()
    np.testing.assert_allclose(x.grad.array, [0.1])


def test_bad_arguments_raise():
    x = nnlab.tensor([1.0])
    with pytest.raises(ValueError, match="gelu"):
        F.gelu(x, approximate="fast")
    with pytest.raises(ValueError, match="hardtanh"):
        F.hardtanh(x, 1.0, -1.0)
    with pytest.raises(ValueError, match="softplus"):
        F.softplus(x, beta=0)


# ---- step / heaviside ----------------------------------------------------------------------


def test_step_values_dtype_and_zero_gradient():
    x = nnlab.tensor([-2.0, -0.5, 0.0, 0.5, 3.0], requires_grad=True)
    y = F.step(x)
    np.testing.assert_array_equal(y.array, [0.0, 0.0, 1.0, 1.0, 1.0])
    assert y.dtype == np.float32
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.array, np.zeros(5))
    np.testing.assert_array_equal(F.step(x, threshold=0.5).array, [0.0, 0.0, 0.0, 1.0, 1.0])
    ints = F.step(nnlab.tensor([-1, 0, 2]))
    assert ints.dtype == np.float32
    np.testing.assert_array_equal(ints.array, [0.0, 1.0, 1.0])


def test_step_gradcheck_away_from_threshold():
    assert gradcheck_fn(lambda x: F.step(x, 0.25), np.array([[-1.0, 0.7], [2.0, 0.1]]))


def test_heaviside_matches_torch():
    x = np.array([-1.5, 0.0, 2.0, 0.0])
    assert_parity(lambda a: F.heaviside(a, 0.5), lambda a: torch.heaviside(a, torch.tensor(0.5, dtype=a.dtype)), x, grad=False)
    out = F.heaviside(nnlab.tensor([-1.0, 0.0, 3.0]), 0.5)
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out.array, [0.0, 0.5, 1.0])


# ---- softmax / log_softmax -------------------------------------------------------------------


@pytest.mark.parametrize("dim", [0, 1, -1])
@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_family_parity_and_gradcheck(name, dim):
    fn, tfn = getattr(F, name), getattr(TF, name)
    x = _x((3, 4, 5))
    assert_parity(lambda a: fn(a, dim), lambda a: tfn(a, dim), x)
    assert gradcheck_fn(lambda a: fn(a, dim), _x((2, 3, 4), seed=2))


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_family_rows_with_minus_inf(name):
    x = np.array([[-np.inf, 0.5, 1.0, -2.0], [0.3, -np.inf, -np.inf, 4.0]])
    fn, tfn = getattr(F, name), getattr(TF, name)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert_parity(lambda a: fn(a, -1), lambda a: tfn(a, -1), x)
    out = fn(nnlab.tensor(x), -1).array
    if name == "softmax":
        np.testing.assert_allclose(out.sum(-1), [1.0, 1.0], rtol=1e-6)
        assert out[0, 0] == 0.0


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_family_all_minus_inf_row_is_nan_like_torch(name):
    x = np.array([[-np.inf, -np.inf], [0.0, 1.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ours = getattr(F, name)(nnlab.tensor(x), -1).array
    theirs = getattr(TF, name)(torch.from_numpy(x), -1).numpy()
    np.testing.assert_array_equal(np.isnan(ours), np.isnan(theirs))
    np.testing.assert_allclose(ours[1], theirs[1], rtol=1e-6)


@pytest.mark.filterwarnings("error")
def test_softmax_family_huge_logits_float32():
    x = nnlab.tensor([[1e8, 1e8, -1e8], [3e38, 0.0, -3e38]])
    p = F.softmax(x)
    lp = F.log_softmax(x)
    assert p.dtype == lp.dtype == np.float32
    np.testing.assert_allclose(p.array, [[0.5, 0.5, 0.0], [1.0, 0.0, 0.0]])
    np.testing.assert_allclose(lp.array[0, :2], [-np.log(2)] * 2, rtol=1e-6)
    assert lp.array[1, 0] == 0.0


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_family_float32(name):
    x = nnlab.tensor(_x().astype(np.float32), requires_grad=True)
    y = getattr(F, name)(x, 1)
    assert y.dtype == np.float32
    (y * y).sum().backward()
    assert x.grad.dtype == np.float32


# ---- maxout ----------------------------------------------------------------------------------


def _torch_maxout(x: torch.Tensor, k: int, dim: int) -> torch.Tensor:
    dim = dim % x.ndim
    return x.unflatten(dim, (x.shape[dim] // k, k)).amax(dim + 1)


@pytest.mark.parametrize("shape,k,dim", [((4, 12), 3, -1), ((2, 6, 3, 3), 2, 1), ((5, 4), 4, 1)])
def test_maxout_parity_shape_and_gradcheck(shape, k, dim):
    x = _x(shape)
    out = F.maxout(nnlab.tensor(x), k, dim)
    expected = list(shape)
    expected[dim] //= k
    assert out.shape == tuple(expected)
    assert_parity(lambda a: F.maxout(a, k, dim), lambda a: _torch_maxout(a, k, dim), x)
    assert gradcheck_fn(lambda a: F.maxout(a, k, dim), _x(shape, seed=5))


def test_maxout_groups_consecutive_pieces():
    x = nnlab.tensor([[1.0, 5.0, 2.0, -1.0, -3.0, 0.0]])
    np.testing.assert_array_equal(F.maxout(x, 3).array, [[5.0, 0.0]])
    np.testing.assert_array_equal(F.maxout(x, 2).array, [[5.0, 2.0, 0.0]])
    assert F.maxout(x, 2).dtype == np.float32


def test_maxout_rejects_indivisible_dim():
    with pytest.raises(ValueError, match=r"maxout: .*shape \(2, 5\).*num_pieces=2"):
        F.maxout(nnlab.zeros(2, 5), 2)
