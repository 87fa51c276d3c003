"""detect_anomaly names the backward op that made NaN/inf and the line of its forward; tensor hooks follow torch."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import nnlab
from nnlab.autograd import detect_anomaly, is_anomaly_enabled, set_detect_anomaly


def test_log_of_relu_names_log_and_the_forward_line():
    x = nnlab.tensor([-1.0, 2.0, 3.0], requires_grad=True)
    with detect_anomaly(), np.errstate(divide="ignore"):
        loss = nnlab.log(nnlab.relu(x)).sum()  # the forward line the message must quote
        with pytest.raises(RuntimeError, match=r"backward of Log .*returned inf.*input 0.*"
                                               r"test_anomaly_and_hooks.py:\d+ .*nnlab.log\(nnlab.relu\(x\)\)"):
            loss.backward()
    assert not is_anomaly_enabled()


def test_without_anomaly_mode_the_nan_flows_silently():
    x = nnlab.tensor([-1.0, 2.0], requires_grad=True)
    with np.errstate(all="ignore"):
        nnlab.log(nnlab.relu(x)).sum().backward()
    assert not np.isfinite(x.grad.array).all()


_UNARY = {"log": nnlab.log, "sqrt": nnlab.sqrt, "reciprocal": lambda t: 1 / t}


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(sorted(_UNARY)), st.lists(st.sampled_from([-1.0, 0.0, 1.0, 2.0, 4.0]), min_size=1, max_size=4))
def test_anomaly_raises_exactly_when_a_gradient_goes_non_finite(name, values):
    # f(relu(x)): a zero into f gives an infinite slope, which relu's mask then turns into NaN.
    f = _UNARY[name]
    x = nnlab.tensor(values, requires_grad=True)
    with np.errstate(all="ignore"):
        f(nnlab.relu(x)).sum().backward()
    plain_finite = np.isfinite(x.grad.array).all()
    x = nnlab.tensor(values, requires_grad=True)
    with set_detect_anomaly(True), np.errstate(all="ignore"):
        y = f(nnlab.relu(x)).sum()
        if plain_finite:
            y.backward()
        else:
            with pytest.raises(RuntimeError, match="detect_anomaly: the backward of"):
                y.backward()


def test_set_detect_anomaly_toggles_and_restores():
    with set_detect_anomaly(True):
        assert is_anomaly_enabled()
        with set_detect_anomaly(False):
            assert not is_anomaly_enabled()
        assert is_anomaly_enabled()
    assert not is_anomaly_enabled()


# ---- register_hook ------------------------------------------------------------------------------------
def test_hooks_see_and_replace_gradients_as_in_torch():
    y = nnlab.tensor([1.0, 2.0], requires_grad=True)
    h = y * 3
    seen = []
    h.register_hook(lambda g: seen.append(g.tolist()) or g * 2)
    handle = y.register_hook(lambda g: g + 1)
    (h * h).sum().backward()
    yt = torch.tensor([1.0, 2.0], requires_grad=True)
    ht = yt * 3
    ht.register_hook(lambda g: g * 2)
    yt.register_hook(lambda g: g + 1)
    (ht * ht).sum().backward()
    assert seen == [[6.0, 12.0]] and y.grad.tolist() == yt.grad.tolist()
    handle.remove()
    y.grad = None
    (y * 1).sum().backward()
    assert y.grad.tolist() == [1.0, 1.0]


@settings(max_examples=30, deadline=None)
@given(st.lists(st.floats(-2, 2), min_size=1, max_size=4), st.floats(-3, 3), st.integers(1, 3))
def test_scaling_hooks_match_torch(values, scale, uses):
    x = nnlab.tensor(values, dtype=nnlab.float64, requires_grad=True)
    mid = x.exp()
    mid.register_hook(lambda g: g * scale)
    sum(mid * mid for _ in range(uses)).sum().backward()
    xt = torch.tensor(values, dtype=torch.float64, requires_grad=True)
    midt = xt.exp()
    midt.register_hook(lambda g: g * scale)
    sum(midt * midt for _ in range(uses)).sum().backward()
    assert np.allclose(x.grad.array, xt.grad.numpy())


def test_hook_errors():
    with pytest.raises(RuntimeError, match="does not require grad"):
        nnlab.ones(2).register_hook(lambda g: g)
    x = nnlab.ones(2, requires_grad=True)
    x.register_hook(lambda g: nnlab.ones(3))
    with pytest.raises(RuntimeError, match="shape"):
        (x * 2).sum().backward()
