"""No silent wrong results: each op refuses what torch refuses, and computes right where torch does.

Every family is checked against torch 2.13 over generated inputs, so the class (not only
the case the issue named) stays fixed.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from hypothesis import given, settings
from hypothesis import strategies as st

import nnlab
import nnlab.functional as F
from nnlab import nn, optim

_SETTINGS = settings(max_examples=60, deadline=None)


def _torch_raises(fn) -> bool:
    try:
        fn()
    except (RuntimeError, IndexError, ValueError, TypeError):
        return True
    return False


# ---- indices ------------------------------------------------------------------------------------------
@_SETTINGS
@given(st.lists(st.integers(-4, 6), min_size=1, max_size=5), st.integers(0, 1))
def test_index_select_and_gather_refuse_exactly_what_torch_refuses(idx, dim):
    x = np.arange(20, dtype=np.float32).reshape(4, 5)
    i = np.array(idx, dtype=np.int64)
    if _torch_raises(lambda: torch.index_select(torch.tensor(x), dim, torch.tensor(i))):
        with pytest.raises(IndexError, match="index_select: index -?\\d+ is out of range"):
            nnlab.index_select(nnlab.tensor(x), dim, nnlab.tensor(i))
    else:
        assert nnlab.index_select(nnlab.tensor(x), dim, nnlab.tensor(i)).tolist() == \
            torch.index_select(torch.tensor(x), dim, torch.tensor(i)).tolist()
    g = i[: x.shape[1 - dim]].reshape((1, -1) if dim == 0 else (-1, 1))
    if _torch_raises(lambda: torch.gather(torch.tensor(x), dim, torch.tensor(g))):
        with pytest.raises(IndexError, match="gather: index"):
            nnlab.gather(nnlab.tensor(x), dim, nnlab.tensor(g))
    else:
        assert nnlab.gather(nnlab.tensor(x), dim, nnlab.tensor(g)).tolist() == \
            torch.gather(torch.tensor(x), dim, torch.tensor(g)).tolist()


def test_float_indices_are_refused():
    x = nnlab.arange(6.0).reshape(2, 3)
    with pytest.raises(TypeError, match="gather: index must be an integer tensor, got dtype float"):
        nnlab.gather(x, 1, nnlab.tensor([[0.7, 1.2, 0.0]]))
    with pytest.raises(TypeError, match="index_select: index must be an integer tensor"):
        nnlab.index_select(x, 0, nnlab.tensor([1.5]))


# ---- padding ------------------------------------------------------------------------------------------
@_SETTINGS
@given(st.integers(1, 5), st.integers(0, 6), st.integers(0, 6), st.sampled_from(["reflect", "circular", "replicate"]))
def test_pad_modes_accept_exactly_what_torch_accepts(n, lo, hi, mode):
    x = np.arange(2 * n, dtype=np.float32).reshape(1, 2, n)
    if _torch_raises(lambda: TF.pad(torch.tensor(x), (lo, hi), mode=mode)):
        with pytest.raises(ValueError, match=f"pad: {mode} padding"):
            F.pad(nnlab.tensor(x), (lo, hi), mode=mode)
    else:
        assert np.array_equal(F.pad(nnlab.tensor(x), (lo, hi), mode=mode).array,
                              TF.pad(torch.tensor(x), (lo, hi), mode=mode).numpy())


# ---- losses -------------------------------------------------------------------------------------------
@_SETTINGS
@given(st.lists(st.one_of(st.floats(-0.5, 1.5), st.just(float("nan"))), min_size=1, max_size=4))
def test_bce_refuses_targets_outside_0_1_as_torch(targets):
    p = np.full(len(targets), 0.5, np.float32)
    t = np.array(targets, np.float32)
    if _torch_raises(lambda: TF.binary_cross_entropy(torch.tensor(p), torch.tensor(t))):
        with pytest.raises(ValueError, match="binary_cross_entropy: target values must be probabilities"):
            F.binary_cross_entropy(nnlab.tensor(p), nnlab.tensor(t))
    else:
        assert np.isclose(F.binary_cross_entropy(nnlab.tensor(p), nnlab.tensor(t)).item(),
                          TF.binary_cross_entropy(torch.tensor(p), torch.tensor(t)).item(), rtol=1e-6)


@pytest.mark.parametrize("fn", [F.mse_loss, F.l1_loss])
def test_pointwise_losses_name_themselves_on_shape_mismatch(fn):
    with pytest.raises(ValueError, match=f"^{fn.__name__}: target shape \\(2,\\) does not match"):
        fn(nnlab.zeros(3), nnlab.zeros(2))


# ---- softmax ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("data", [[1, 2], [True, False]])
def test_softmax_of_int_or_bool_is_refused_unless_a_dtype_is_given(data):
    with pytest.raises(TypeError, match="softmax: input has dtype .* needs a floating tensor"):
        F.softmax(nnlab.tensor(data), 0)
    got = F.softmax(nnlab.tensor(data), 0, dtype=nnlab.float32)
    want = torch.softmax(torch.tensor(data), 0, dtype=torch.float32)
    assert got.dtype == np.float32 and np.allclose(got.array, want.numpy())


# ---- stable std and attention -------------------------------------------------------------------------
@_SETTINGS
@given(st.lists(st.floats(-1, 1), min_size=2, max_size=6), st.sampled_from([1e-30, 1.0, 1e19, 1e30, 3e37]))
def test_std_is_finite_wherever_the_true_value_fits(values, scale):
    x = np.array(values, np.float64) * scale
    true = np.std(np.array(values, np.float64), ddof=1) * scale  # exact in float64
    got = nnlab.tensor(x.astype(np.float32)).std().item()
    if true < 3e38:
        assert np.isfinite(got)
        assert got == pytest.approx(np.std(x.astype(np.float32).astype(np.float64), ddof=1), rel=1e-4, abs=1e-37)


def test_std_named_case_and_zero_gradient_on_constant_input():
    assert nnlab.tensor([3e19, -1e19, 0.0]).std().item() == pytest.approx(
        torch.tensor([3e19, -1e19, 0.0]).std().item(), rel=1e-6)
    x = nnlab.full((2, 3), 4.0, requires_grad=True)
    x.std(1).sum().backward()
    assert x.grad.tolist() == [[0.0] * 3] * 2


@settings(max_examples=30, deadline=None)
@given(st.sampled_from([1.0, 1e10, 1e18, 1e19]), st.integers(1, 4), st.integers(1, 3))
def test_attention_is_finite_where_torch_is(scale, L, E):
    rng = np.random.default_rng(L * 10 + E)
    q = (rng.uniform(0.5, 1.0, (1, L, E)) * scale).astype(np.float32)
    v = rng.standard_normal((1, L, E)).astype(np.float32)
    want = TF.scaled_dot_product_attention(torch.tensor(q), torch.tensor(q), torch.tensor(v)).numpy()
    got = F.scaled_dot_product_attention(nnlab.tensor(q), nnlab.tensor(q), nnlab.tensor(v)).array
    assert np.isfinite(got).all() == np.isfinite(want).all()
    assert np.allclose(got, want, rtol=1e-4, atol=1e-4)


# ---- max-pool indices ---------------------------------------------------------------------------------
@_SETTINGS
@given(st.integers(2, 7), st.integers(2, 7), st.integers(1, 3), st.integers(1, 3), st.integers(0, 1), st.integers(1, 3),
       st.booleans())
def test_max_pool_indices_match_torch(h, w, k, s, p, d, ceil):
    x = np.random.default_rng(h * w).standard_normal((1, 2, h, w)).astype(np.float32)
    try:
        tv, ti = TF.max_pool2d(torch.tensor(x), k, s, p, d, ceil_mode=ceil, return_indices=True)
    except RuntimeError:
        return
    nv, ni = F.max_pool2d(nnlab.tensor(x), k, s, p, d, ceil_mode=ceil, return_indices=True)
    assert np.array_equal(nv.array, tv.numpy()) and np.array_equal(ni.array, ti.numpy())


def test_max_pool_window_wholly_in_padding_has_no_negative_index():
    x = nnlab.arange(4.0).reshape(1, 1, 2, 2)
    _, idx = F.max_pool2d(x, 2, stride=1, padding=1, dilation=3, ceil_mode=True, return_indices=True)
    _, tidx = TF.max_pool2d(torch.arange(4.0).reshape(1, 1, 2, 2), 2, 1, 1, 3, ceil_mode=True, return_indices=True)
    assert idx.tolist() == tidx.tolist() and idx.array.min() >= 0


# ---- norms and sign -----------------------------------------------------------------------------------
@_SETTINGS
@given(st.lists(st.sampled_from([0.0, 1.0, -2.0, 0.5, 3.0]), min_size=1, max_size=5),
       st.sampled_from([2, 1, 3, 0.5, float("inf"), -float("inf"), -1]))
def test_vector_norm_and_its_gradient_match_torch(values, ord):
    x = nnlab.tensor(values, dtype=nnlab.float64, requires_grad=True)
    xt = torch.tensor(values, dtype=torch.float64, requires_grad=True)
    y, yt = nnlab.linalg.vector_norm(x, ord), torch.linalg.vector_norm(xt, ord)
    assert np.allclose(y.item(), yt.item(), equal_nan=True)
    y.backward()
    yt.backward()
    assert np.allclose(x.grad.array, xt.grad.numpy(), equal_nan=True)


def test_norm_at_zero_has_a_zero_gradient_and_tensor_norm_exists():
    x = nnlab.zeros(3, requires_grad=True)
    x.norm().backward()
    assert x.grad.tolist() == [0.0, 0.0, 0.0]
    assert nnlab.tensor([[3.0, 4.0]]).norm(dim=1).tolist() == [5.0]
    assert nnlab.linalg.vector_norm(nnlab.tensor([1e30, 1e30])).item() == pytest.approx(1.41421356e30)


# ---- empty inputs -------------------------------------------------------------------------------------
def test_empty_inputs_follow_torch():
    w = nnlab.zeros(4, 3, 3, 3, requires_grad=True)
    y = F.conv2d(nnlab.zeros(0, 3, 8, 8), w)
    assert y.shape == tuple(TF.conv2d(torch.zeros(0, 3, 8, 8), torch.zeros(4, 3, 3, 3)).shape)
    y.sum().backward()
    assert w.grad.shape == w.shape and not w.grad.array.any()
    out = F.scaled_dot_product_attention(nnlab.ones(1, 2, 4), nnlab.zeros(1, 0, 4), nnlab.zeros(1, 0, 4))
    assert out.tolist() == TF.scaled_dot_product_attention(torch.ones(1, 2, 4), torch.zeros(1, 0, 4),
                                                           torch.zeros(1, 0, 4)).tolist()
    e = nnlab.zeros(2, 0)
    assert F.softmax(e, 1).shape == (2, 0) and F.log_softmax(e, 1).shape == (2, 0)
    assert nnlab.logsumexp(e, 1).tolist() == torch.logsumexp(torch.zeros(2, 0), 1).tolist()
    for name in ("max", "amax", "argmax", "argmin", "min"):
        with pytest.raises(IndexError, match=f"{name}: reduction dim 1 .* has size 0"):
            getattr(nnlab, name)(e, 1)
        with pytest.raises(IndexError, match=f"{name}: .*empty"):
            getattr(nnlab, name)(e)


# ---- constructor and argument errors name the op ------------------------------------------------------
@pytest.mark.parametrize("make, error, needle", [
    (lambda: nn.Conv2d(3, 4, 0), ValueError, "Conv2d: kernel_size must be positive"),
    (lambda: nn.Conv2d(3, 0, 3), ValueError, "Conv2d: out_channels must be at least 1"),
    (lambda: nn.Linear(2.5, 3), TypeError, "Linear: in_features must be an integer"),
    (lambda: F.conv2d(nnlab.zeros(1, 3, 8, 8), nnlab.zeros(4, 3, 3, 3), stride=1.5), TypeError, "conv2d: stride"),
    (lambda: optim.SGD(nn.Linear(2, 2).parameters(), lr="0.1"), TypeError, "SGD: lr must be a number"),
    (lambda: nnlab.chunk(nnlab.zeros(4), 0), ValueError, "chunk: chunks must be a positive integer"),
    (lambda: nnlab.zeros(3).masked_fill(nnlab.tensor([True, False]), 1.0), ValueError,
     r"masked_fill: mask of shape \(2,\) does not broadcast"),
])
def test_argument_errors_name_the_op(make, error, needle):
    with pytest.raises(error, match=needle):
        make()


def test_sign_is_differentiable_like_torch():
    x = nnlab.tensor([-2.0, 0.0, 3.0], requires_grad=True)
    (nnlab.sign(x) * x * x).sum().backward()
    xt = torch.tensor([-2.0, 0.0, 3.0], requires_grad=True)
    (torch.sign(xt) * xt * xt).sum().backward()
    assert x.grad.tolist() == xt.grad.tolist()
