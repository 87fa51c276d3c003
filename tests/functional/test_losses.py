"""Regression losses, binary cross-entropies and KL divergence: parity, gradcheck, numerics."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import nnlab
import nnlab.functional as F
from tests.parity import assert_parity, gradcheck_fn

REDUCTIONS = ["mean", "sum", "none"]

# (id, nnlab loss(input, target, reduction), torch loss(input, target, reduction))
REGRESSION = [
    ("mse", F.mse_loss, TF.mse_loss),
    ("l1", F.l1_loss, TF.l1_loss),
    ("smooth_l1", F.smooth_l1_loss, TF.smooth_l1_loss),
    ("smooth_l1_beta", lambda a, b, r: F.smooth_l1_loss(a, b, r, beta=0.5), lambda a, b, reduction: TF.smooth_l1_loss(a, b, reduction=reduction, beta=0.5)),
    ("smooth_l1_beta0", lambda a, b, r: F.smooth_l1_loss(a, b, r, beta=0.0), lambda a, b, reduction: TF.smooth_l1_loss(a, b, reduction=reduction, beta=0.0)),
    ("huber", F.huber_loss, TF.huber_loss),
    ("huber_delta", lambda a, b, r: F.huber_loss(a, b, r, delta=2.0), lambda a, b, reduction: TF.huber_loss(a, b, reduction=reduction, delta=2.0)),
]
REG_IDS = [r[0] for r in REGRESSION]


def _pair(shape=(4, 5), seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal(shape) * 2, rng.standard_normal(shape) * 2


def _probs(shape, seed=0):
    return np.random.default_rng(seed).uniform(0.05, 0.95, shape)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name,fn,tfn", REGRESSION, ids=REG_IDS)
def test_regression_parity_with_target_gradient(name, fn, tfn, reduction):
    x, y = _pair()
    assert_parity(lambda a, b: fn(a, b, reduction), lambda a, b: tfn(a, b, reduction=reduction), x, y)


@pytest.mark.parametrize("name,fn,tfn", REGRESSION, ids=REG_IDS)
def test_regression_gradcheck(name, fn, tfn):
    x, y = _pair((3, 4), seed=1)
    assert gradcheck_fn(lambda a, b: fn(a, b, "mean"), x, y)
    assert gradcheck_fn(lambda a, b: fn(a, b, "none"), x, y)


@pytest.mark.parametrize("name,fn,tfn", REGRESSION, ids=REG_IDS)
def test_regression_float32_and_hand_values(name, fn, tfn):
    x = nnlab.tensor([0.0, 1.0, 3.0], requires_grad=True)
    y = nnlab.tensor([0.5, 1.0, 0.0])
    loss = fn(x, y, "none")
    assert loss.dtype == np.float32
    expected = tfn(torch.tensor([0.0, 1.0, 3.0]), torch.tensor([0.5, 1.0, 0.0]), reduction="none").numpy()
    np.testing.assert_allclose(loss.array, expected, rtol=1e-6)
    fn(x, y, "mean").backward()
    assert x.grad.dtype == np.float32


def test_mse_hand_computed_and_integer_target_not_promoted():
    x = nnlab.tensor([1.0, 2.0, 4.0])
    np.testing.assert_allclose(F.mse_loss(x, nnlab.tensor([1, 0, 1])).item(), (0 + 4 + 9) / 3, rtol=1e-6)
    assert F.mse_loss(x, nnlab.tensor([1, 0, 1])).dtype == np.float32
    np.testing.assert_allclose(F.smooth_l1_loss(x, nnlab.tensor([1.5, 0.0, 1.0]), "sum").item(), 0.125 + 1.5 + 2.5)
    np.testing.assert_allclose(F.huber_loss(x, nnlab.tensor([1.5, 0.0, 1.0]), "sum", delta=2.0).item(), 0.125 + 2.0 + 4.0)


def test_mse_broadcast_target_warns_like_torch():
    x, y = _pair((4, 1))
    with pytest.warns(UserWarning, match="mse_loss"):
        out = F.mse_loss(nnlab.tensor(x), nnlab.tensor(y[:, 0]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = TF.mse_loss(torch.from_numpy(x), torch.from_numpy(y[:, 0]))
    np.testing.assert_allclose(out.item(), expected.item(), rtol=1e-6)


@pytest.mark.parametrize("fn", [F.mse_loss, F.l1_loss, F.binary_cross_entropy, F.binary_cross_entropy_with_logits])
def test_bad_reduction_raises(fn):
    x = nnlab.tensor([0.5])
    with pytest.raises(ValueError, match="reduction must be one of"):
        fn(x, x, reduction="avg")


# ---- binary cross-entropy on probabilities ---------------------------------------------------

BCE_WEIGHTS = {"none": None, "per_class": np.array([0.5, 2.0, 1.0, 0.25]), "full": np.linspace(0.1, 2.0, 12).reshape(3, 4)}


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("wname", list(BCE_WEIGHTS))
def test_bce_parity(wname, reduction):
    w = BCE_WEIGHTS[wname]
    x, y = _probs((3, 4)), _probs((3, 4), seed=1)
    tw = None if w is None else torch.from_numpy(w)
    assert_parity(
        lambda a, b: F.binary_cross_entropy(a, b, weight=w, reduction=reduction),
        lambda a, b: TF.binary_cross_entropy(a, b, weight=tw, reduction=reduction),
        x, y,
    )


def test_bce_gradcheck():
    w = BCE_WEIGHTS["per_class"]
    assert gradcheck_fn(lambda a, b: F.binary_cross_entropy(a, b, weight=w), _probs((3, 4)), _probs((3, 4), 1))


def test_bce_clamps_log_at_minus_100_like_torch():
    x = np.array([0.0, 1.0, 0.0, 1.0, 0.5])
    y = np.array([1.0, 0.0, 0.0, 1.0, 1.0])
    # The target is held constant: PyTorch's target gradient ignores the clamp (±inf here),
    # ours is the derivative of the clamped loss that forward computes (finite).
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert_parity(lambda a: F.binary_cross_entropy(a, nnlab.tensor(y, dtype=np.float64), reduction="none"),
                      lambda a: TF.binary_cross_entropy(a, torch.from_numpy(y), reduction="none"), x)
    np.testing.assert_allclose(F.binary_cross_entropy(nnlab.tensor(x), nnlab.tensor(y), reduction="none").array,
                               [100, 100, 0, 0, np.log(2)], rtol=1e-6)


def test_bce_rejects_bad_input():
    with pytest.raises(ValueError, match=r"binary_cross_entropy: input values must be probabilities"):
        F.binary_cross_entropy(nnlab.tensor([1.5, 0.2]), nnlab.tensor([1.0, 0.0]))
    with pytest.raises(ValueError, match=r"target shape \(3,\) must match the input shape \(2,\)"):
        F.binary_cross_entropy(nnlab.tensor([0.5, 0.2]), nnlab.tensor([1.0, 0.0, 1.0]))


# ---- binary cross-entropy with logits --------------------------------------------------------

POS_WEIGHTS = {"none": None, "pos_weight": np.array([1.0, 3.0, 0.5, 2.0])}


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("pname", list(POS_WEIGHTS))
@pytest.mark.parametrize("wname", ["none", "per_class"])
def test_bce_with_logits_parity(wname, pname, reduction):
    w, q = BCE_WEIGHTS[wname], POS_WEIGHTS[pname]
    tw = None if w is None else torch.from_numpy(w)
    tq = None if q is None else torch.from_numpy(q)
    x, y = _pair((3, 4))[0] * 2, _probs((3, 4), 1)
    assert_parity(
        lambda a, b: F.binary_cross_entropy_with_logits(a, b, weight=w, reduction=reduction, pos_weight=q),
        lambda a, b: TF.binary_cross_entropy_with_logits(a, b, weight=tw, reduction=reduction, pos_weight=tq),
        x, y,
    )


@pytest.mark.parametrize("pname", list(POS_WEIGHTS))
def test_bce_with_logits_gradcheck(pname):
    q = POS_WEIGHTS[pname]
    x, y = _pair((3, 4), seed=2)[0], _probs((3, 4), 3)
    assert gradcheck_fn(lambda a, b: F.binary_cross_entropy_with_logits(a, b, pos_weight=q, reduction="sum"), x, y)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_bce_with_logits_finite_at_extremes(dtype):
    x = np.array([100.0, -100.0, 100.0, -100.0, 1000.0], dtype=dtype)
    y = np.array([0.0, 1.0, 1.0, 0.0, 0.0], dtype=dtype)
    xt = nnlab.Tensor(x, dtype=dtype, requires_grad=True)
    with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise", divide="raise"):
        warnings.simplefilter("error")
        loss = F.binary_cross_entropy_with_logits(xt, nnlab.Tensor(y, dtype=dtype), reduction="none")
        loss.sum().backward()
    assert loss.dtype == dtype and xt.grad.dtype == dtype
    np.testing.assert_allclose(loss.array, [100.0, 100.0, 0.0, 0.0, 1000.0], atol=1e-30, rtol=1e-6)
    np.testing.assert_allclose(xt.grad.array, [1.0, -1.0, 0.0, 0.0, 1.0], atol=1e-30)


def test_bce_with_logits_gradient_at_zero_is_sigmoid_minus_target():
    y = np.array([0.0, 1.0, 0.3])
    x = nnlab.tensor(np.zeros(3), dtype=np.float64, requires_grad=True)
    F.binary_cross_entropy_with_logits(x, nnlab.tensor(y, dtype=np.float64), reduction="sum").backward()
    np.testing.assert_allclose(x.grad.array, 0.5 - y, rtol=1e-12)


def test_bce_with_logits_matches_bce_of_sigmoid():
    x, y = _pair((3, 4))[0], _probs((3, 4), 1)
    a = F.binary_cross_entropy_with_logits(nnlab.tensor(x), nnlab.tensor(y))
    b = F.binary_cross_entropy(F.sigmoid(nnlab.tensor(x)), nnlab.tensor(y))
    np.testing.assert_allclose(a.item(), b.item(), rtol=1e-5)


# ---- KL divergence ---------------------------------------------------------------------------


@pytest.mark.filterwarnings("ignore:reduction. 'mean' divides")
@pytest.mark.parametrize("log_target", [False, True])
@pytest.mark.parametrize("reduction", REDUCTIONS + ["batchmean"])
def test_kl_div_parity(reduction, log_target):
    rng = np.random.default_rng(0)
    x = np.log(rng.dirichlet(np.ones(5), size=3))
    t = rng.dirichlet(np.ones(5), size=3)
    if log_target:
        t = np.log(t)
    assert_parity(lambda a, b: F.kl_div(a, b, reduction, log_target), lambda a, b: TF.kl_div(a, b, reduction=reduction, log_target=log_target), x, t)


@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div_gradcheck_and_zero_target(log_target):
    rng = np.random.default_rng(1)
    x, t = rng.standard_normal((2, 4)), rng.uniform(0.1, 1.0, (2, 4))
    assert gradcheck_fn(lambda a, b: F.kl_div(a, b, "batchmean", log_target), x, t)
    if not log_target:
        t0 = np.array([[0.0, 1.0]])
        out = F.kl_div(nnlab.tensor(np.log([[0.5, 0.5]])), nnlab.tensor(t0), "sum")
        np.testing.assert_allclose(out.item(), np.log(2), rtol=1e-6)


# ---- dtypes ----------------------------------------------------------------------------------


@pytest.mark.parametrize("fn", [
    lambda x, y: F.mse_loss(x, y),
    lambda x, y: F.binary_cross_entropy(F.sigmoid(x), y),
    lambda x, y: F.binary_cross_entropy_with_logits(x, y, weight=np.ones(4), pos_weight=np.full(4, 2.0)),
    lambda x, y: F.kl_div(F.log_softmax(x), F.softmax(y), "batchmean"),
])
def test_losses_float32_in_float32_out(fn):
    x = nnlab.tensor(_pair((3, 4))[0].astype(np.float32), requires_grad=True)
    y = nnlab.tensor(_probs((3, 4)).astype(np.float32))
    loss = fn(x, y)
    assert loss.dtype == np.float32
    loss.backward()
    assert x.grad.dtype == np.float32
