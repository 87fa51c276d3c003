"""L1 / L2 / elastic-net penalties: values by hand, gradients by finite differences, L2 ≡ weight decay."""

from __future__ import annotations

import numpy as np
import pytest

import nnlab
import nnlab.optim as optim
from tests.optim import problems
from tests.parity import gradcheck_fn

W = np.array([[1.0, -2.0], [3.0, 0.5]])
B = np.array([-1.5, 0.25, 2.0])


def _t(a, dtype=np.float64):
    return nnlab.tensor(np.asarray(a, dtype=dtype), dtype=dtype, requires_grad=True)


def test_values_by_hand():
    w, b = _t(W), _t(B)
    # Σ|·| = 6.5 + 3.75 = 10.25; Σ(·)² = 14.25 + 6.3125 = 20.5625
    assert float(optim.l1_penalty([w, b], 0.5).item()) == pytest.approx(0.5 * 10.25, rel=1e-15)
    assert float(optim.l2_penalty([w, b], 0.5).item()) == pytest.approx(0.25 * 20.5625, rel=1e-15)
    assert float(optim.elastic_net_penalty([w, b], 0.5, 0.2).item()) == pytest.approx(
        0.5 * 10.25 + 0.1 * 20.5625, rel=1e-15)
    assert float(optim.l2_penalty(w, 0.0).item()) == 0.0


def test_seeds_lambda_over_2m_convention():
    m, lam = 32, 0.7
    w = _t(W)
    assert float(optim.l2_penalty([w], lam / m).item()) == pytest.approx(lam / (2 * m) * np.sum(W**2), rel=1e-15)


def test_gradients_are_lambda_w_and_lambda_sign_w():
    w = _t(W)
    (optim.l2_penalty([w], 0.3) + optim.l1_penalty([w], 0.2)).backward()
    np.testing.assert_allclose(w.grad.array, 0.3 * W + 0.2 * np.sign(W), rtol=1e-15)


@pytest.mark.parametrize("fn", [
    lambda w, b: optim.l2_penalty([w, b], 0.3),
    lambda w, b: optim.l1_penalty([w, b], 0.4),
    lambda w, b: optim.elastic_net_penalty([w, b], 0.4, 0.3) + (w * b[:2]).sum(),
])
def test_gradcheck(fn):
    assert gradcheck_fn(fn, W, B)  # no zeros in W, B: |x| is smooth there


def test_float32_in_float32_out():
    w = _t(W, np.float32)
    for pen in (optim.l1_penalty([w], 0.1), optim.l2_penalty([w], 0.1), optim.elastic_net_penalty([w], 0.1, 0.1)):
        assert pen.dtype == np.float32


def test_l2_penalty_equals_sgd_weight_decay():
    lam = 0.05
    a = problems.nnlab_params()
    b = problems.nnlab_params()
    opt_a = optim.SGD(a, lr=0.1, momentum=0.9, weight_decay=lam)
    opt_b = optim.SGD(b, lr=0.1, momentum=0.9)
    for _ in range(10):
        opt_a.zero_grad()
        problems.nnlab_loss(a).backward()
        opt_a.step()
        opt_b.zero_grad()
        # u (b[4]) is outside the loss: penalize only what weight decay touches (params with a grad).
        (problems.nnlab_loss(b) + optim.l2_penalty(b[:4], lam)).backward()
        opt_b.step()
    for pa, pb in zip(a, b):
        np.testing.assert_allclose(pa.array, pb.array, rtol=1e-12, atol=1e-14)
    assert not np.allclose(a[0].array, problems.nnlab_params()[0].array)


def test_bad_arguments():
    with pytest.raises(ValueError, match="l2_penalty: lam must be >= 0, got -1.0"):
        optim.l2_penalty([_t(W)], -1.0)
    with pytest.raises(ValueError, match="l1_penalty: got no parameters"):
        optim.l1_penalty([], 0.1)
    with pytest.raises(TypeError, match=r"elastic_net_penalty: params\[0\] is a ndarray"):
        optim.elastic_net_penalty([W], 0.1, 0.1)
    with pytest.raises(ValueError, match="elastic_net_penalty: l2 must be >= 0"):
        optim.elastic_net_penalty([_t(W)], 0.1, -0.1)
