"""The Optimizer base: construction, groups, zero_grad, skipping, validation, load errors; hand-checked rules."""

from __future__ import annotations

import math

import numpy as np
import pytest

import nnlab
import nnlab.optim as optim


def _param(values, dtype=np.float64):
    return nnlab.tensor(np.asarray(values, dtype=dtype), dtype=dtype, requires_grad=True)


def _set_grad(p, values):
    p.grad = nnlab.Tensor._wrap(np.asarray(values, dtype=p.dtype))


def test_params_from_generator_and_groups_filled_with_defaults():
    a, b = _param([1.0, 2.0]), _param([3.0])
    opt = optim.SGD(p for p in (a, b))
    assert len(opt.param_groups) == 1
    assert [id(p) for p in opt.param_groups[0]["params"]] == [id(a), id(b)]
    opt = optim.Adam([{"params": [a]}, {"params": b, "lr": 0.5, "betas": [0.5, 0.6]}], lr=0.1)
    assert opt.param_groups[0]["lr"] == 0.1 and opt.param_groups[0]["betas"] == (0.9, 0.999)
    assert opt.param_groups[1]["lr"] == 0.5 and opt.param_groups[1]["betas"] == (0.5, 0.6)
    assert opt.param_groups[1]["params"][0] is b


def test_add_param_group_uses_defaults_and_rejects_duplicates():
    a, b = _param([1.0]), _param([2.0])
    opt = optim.SGD([a], lr=0.3, momentum=0.5)
    opt.add_param_group({"params": [b], "momentum": 0.1})
    assert opt.param_groups[1]["lr"] == 0.3 and opt.param_groups[1]["momentum"] == 0.1
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt.add_param_group({"params": [a]})


@pytest.mark.parametrize("params, exc, match", [
    (lambda: _param([1.0]), TypeError, "single Tensor"),
    (lambda: [], ValueError, "empty parameter list"),
    (lambda: [np.zeros(2)], TypeError, "ndarray, expected a Tensor"),
    (lambda: [_param([1.0]) * 2], ValueError, "not a leaf"),
])
def test_bad_params_are_rejected(params, exc, match):
    with pytest.raises(exc, match=match):
        optim.SGD(params(), lr=0.1)


@pytest.mark.parametrize("cls, kwargs, match", [
    (optim.SGD, dict(lr=-0.1), r"SGD: invalid learning rate -0\.1"),
    (optim.SGD, dict(lr=0.1, momentum=-0.5), r"SGD: invalid momentum -0\.5"),
    (optim.SGD, dict(lr=0.1, nesterov=True), r"SGD: invalid nesterov momentum"),
    (optim.SGD, dict(lr=0.1, momentum=0.9, dampening=0.1, nesterov=True), r"SGD: invalid nesterov"),
    (optim.SGD, dict(lr=0.1, weight_decay=-1.0), r"SGD: invalid weight_decay -1\.0"),
    (optim.Adagrad, dict(lr_decay=-1.0), r"Adagrad: invalid lr_decay -1\.0"),
    (optim.Adagrad, dict(initial_accumulator_value=-0.1), r"Adagrad: invalid initial_accumulator_value"),
    (optim.Adadelta, dict(rho=1.5), r"Adadelta: invalid rho 1\.5"),
    (optim.RMSprop, dict(alpha=-0.1), r"RMSprop: invalid alpha -0\.1"),
    (optim.RMSprop, dict(eps=-1e-8), r"RMSprop: invalid epsilon"),
    (optim.Adam, dict(betas=(1.0, 0.999)), r"Adam: invalid beta parameter at index 0 1\.0"),
    (optim.Adam, dict(betas=(0.9, -0.1)), r"Adam: invalid beta parameter at index 1 -0\.1"),
    (optim.AdamW, dict(lr=-1e-3), r"AdamW: invalid learning rate -0\.001"),
    (optim.AdamW, dict(weight_decay=-0.01), r"AdamW: invalid weight_decay -0\.01"),
])
def test_bad_hyperparameters_name_the_optimizer_and_value(cls, kwargs, match):
    with pytest.raises(ValueError, match=match):
        cls([_param([1.0])], **kwargs)
    # A bad value in a param group is caught too.
    with pytest.raises(ValueError, match=match.split(" ")[0]):
        cls([{"params": [_param([1.0])], **kwargs}])


def test_zero_grad_to_none_or_zeros():
    p = _param([1.0, 2.0])
    opt = optim.SGD([p], lr=0.1)
    _set_grad(p, [3.0, 4.0])
    opt.zero_grad(set_to_none=False)
    np.testing.assert_array_equal(p.grad.array, [0.0, 0.0])
    assert p.grad.dtype == p.dtype
    opt.zero_grad()
    assert p.grad is None


def test_parameters_without_grad_are_skipped():
    a, b = _param([1.0, 2.0]), _param([5.0])
    opt = optim.Adam([a, b], lr=0.1)
    _set_grad(a, [1.0, -1.0])
    opt.step()
    assert b.array.tolist() == [5.0] and b not in opt.state and a in opt.state
    assert list(opt.state_dict()["state"]) == [0]


def test_sgd_first_momentum_step_uses_the_raw_gradient_then_dampens():
    p = _param([0.0])
    opt = optim.SGD([p], lr=1.0, momentum=0.5, dampening=0.5)
    _set_grad(p, [2.0])
    opt.step()  # buffer = 2 (no dampening on the first step)
    assert p.array.tolist() == [-2.0]
    opt.step()  # buffer = 0.5·2 + 0.5·2 = 2
    assert p.array.tolist() == [-4.0]
    np.testing.assert_array_equal(opt.state[p]["momentum_buffer"], [2.0])


def test_sgd_momentum_is_the_seeds_ewma_form_with_rescaled_lr():
    """SGD(lr=α(1−β), momentum=β) takes exactly the steps of v = βv + (1−β)dW, W = W − αv."""
    alpha, beta = 0.1, 0.9
    rng = np.random.default_rng(0)
    grads = rng.standard_normal((8, 3))
    p = _param(np.zeros(3))
    opt = optim.SGD([p], lr=alpha * (1 - beta), momentum=beta)
    w, v = np.zeros(3), np.zeros(3)
    for g in grads:
        _set_grad(p, g)
        opt.step()
        v = beta * v + (1 - beta) * g
        w = w - alpha * v
        np.testing.assert_allclose(p.array, w, rtol=1e-12, atol=1e-14)


def test_adam_first_step_is_lr_times_sign_by_bias_correction():
    """At t = 1, m̂ = g and v̂ = g², so the step is lr·g/(|g| + ε) ≈ lr·sign(g)."""
    p = _param([1.0, 1.0, 1.0])
    opt = optim.Adam([p], lr=0.1)
    _set_grad(p, [1e-3, -50.0, 2.0])
    opt.step()
    expected = 1.0 - 0.1 * np.array([1e-3, -50.0, 2.0]) / (np.abs([1e-3, -50.0, 2.0]) + 1e-8)
    np.testing.assert_allclose(p.array, expected, rtol=1e-12)
    assert opt.state[p]["step"] == 1


def test_adamw_decay_is_decoupled_from_the_gradient():
    """With a zero gradient Adam's moments stay 0, so AdamW only shrinks: θ·(1 − lr·λ)."""
    p = _param([2.0, -4.0])
    opt = optim.AdamW([p], lr=0.1, weight_decay=0.5)
    _set_grad(p, [0.0, 0.0])
    opt.step()
    np.testing.assert_allclose(p.array, [2.0 * 0.95, -4.0 * 0.95], rtol=1e-12)


def test_adagrad_hand_computed_steps():
    p = _param([1.0])
    opt = optim.Adagrad([p], lr=1.0, lr_decay=1.0, eps=0.0)
    _set_grad(p, [3.0])
    opt.step()  # s = 9, step = 1·3/3
    _set_grad(p, [4.0])
    opt.step()  # s = 25, lr_2 = 1/2, step = 0.5·4/5
    assert p.array[0] == pytest.approx(1.0 - 1.0 - 0.4, abs=1e-15)


def test_state_dict_is_a_copy():
    p = _param([1.0])
    opt = optim.Adam([p], lr=0.1)
    _set_grad(p, [1.0])
    opt.step()
    sd = opt.state_dict()
    saved = sd["state"][0]["exp_avg"].array.copy()
    opt.step()
    np.testing.assert_array_equal(sd["state"][0]["exp_avg"].array, saved)
    assert sd["state"][0]["step"] == 1
    sd["param_groups"][0]["lr"] = 5.0
    assert opt.param_groups[0]["lr"] == 0.1


def _stepped_adam(shapes, groups=1):
    ps = [_param(np.ones(s)) for s in shapes]
    opt = optim.Adam([{"params": ps[i::groups]} for i in range(groups)], lr=0.1)
    for p in ps:
        _set_grad(p, np.ones(p.shape))
    opt.step()
    return opt


def test_load_state_dict_validates_with_clear_errors():
    sd = _stepped_adam([(2,), (3,)]).state_dict()
    with pytest.raises(ValueError, match="has 1 parameter groups, the optimizer has 2"):
        _stepped_adam([(2,), (3,)], groups=2).load_state_dict(sd)
    with pytest.raises(ValueError, match="parameter group 0 has 2 parameters in the loaded state dict but 3"):
        _stepped_adam([(2,), (3,), (4,)]).load_state_dict(sd)
    with pytest.raises(ValueError, match=r"state 'exp_avg' of parameter 1: shape \(3,\) does not match .* \(4,\)"):
        _stepped_adam([(2,), (4,)]).load_state_dict(sd)
    with pytest.raises(ValueError, match="expected keys"):
        _stepped_adam([(2,), (3,)]).load_state_dict({"state": {}})


def test_load_state_dict_casts_state_to_the_param_dtype():
    sd = _stepped_adam([(2,)]).state_dict()  # float64 state
    p = nnlab.tensor([1.0, 1.0], requires_grad=True)  # float32
    opt = optim.Adam([p], lr=0.1)
    opt.load_state_dict(sd)
    assert opt.state[p]["exp_avg"].dtype == np.float32
    _set_grad(p, [1.0, 1.0])
    opt.step()
    assert p.dtype == np.float32 and opt.state[p]["step"] == 2
    assert math.isfinite(float(p.array[0]))
