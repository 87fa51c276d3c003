"""Dropout2d (whole channels) and DropConnect (dropped weights), checked by hand and against torch's layouts."""

import warnings

import numpy as np
import pytest
import torch

import nnlab
import nnlab.functional as F
import nnlab.nn as nn

rng = np.random.default_rng(0)


def _t(*shape, dtype=np.float32, requires_grad=False):
    return nnlab.tensor((rng.random(shape) + 0.5).astype(dtype), requires_grad=requires_grad)


# ---- Dropout2d ---------------------------------------------------------------------------------


def test_dropout2d_zeroes_whole_channels_and_scales_the_rest():
    p = 0.4
    x = _t(20, 30, 3, 4, requires_grad=True)
    y = F.dropout2d(x, p, training=True)
    assert y.dtype == np.float32 and y.shape == x.shape
    nonzero = (y.array != 0).reshape(20, 30, -1)
    # Every channel is either all dropped or all kept, kept ones scaled by 1/(1 - p).
    assert np.all(nonzero.all(axis=2) | ~nonzero.any(axis=2))
    kept = nonzero[:, :, :1, None]
    mask = np.where(kept, 1 / (1 - p), 0.0)
    np.testing.assert_allclose(y.array, x.array * mask, rtol=1e-6)
    assert abs((~kept).mean() - p) < 0.05  # 600 channels
    y.sum().backward()
    np.testing.assert_allclose(x.grad.array, np.broadcast_to(mask, x.shape), rtol=1e-6)  # ∂L/∂x = mask


def test_dropout2d_eval_edge_probabilities_and_seed():
    x = _t(2, 3, 4, 4)
    assert F.dropout2d(x, 0.5, training=False) is x
    assert F.dropout2d(x, 0.0) is x
    assert np.all(F.dropout2d(x, 1.0).array == 0)
    a = F.dropout2d(x, 0.5, generator=np.random.default_rng(7)).array
    b = F.dropout2d(x, 0.5, generator=np.random.default_rng(7)).array
    np.testing.assert_array_equal(a, b)
    nnlab.manual_seed(3)
    c = F.dropout2d(x, 0.5).array
    nnlab.manual_seed(3)
    np.testing.assert_array_equal(c, F.dropout2d(x, 0.5).array)
    with pytest.raises(ValueError, match="dropout2d: probability"):
        F.dropout2d(x, 1.5)


def test_dropout2d_3d_input_is_read_as_N_C_L_with_a_warning_like_torch():
    x = _t(8, 16, 5)
    with pytest.warns(UserWarning, match=r"\(N, C, L\)"):
        y = F.dropout2d(x, 0.5).array
    nonzero = y != 0
    assert np.all(nonzero.all(axis=2) | ~nonzero.any(axis=2))  # mask (N, C, 1)
    with pytest.warns(UserWarning, match=r"\(N, C, L\)"):
        torch.nn.functional.dropout2d(torch.ones(2, 3, 4))  # torch warns the same way
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        F.dropout2d(_t(2, 3, 4, 4), 0.5)  # 4-D: no warning


def test_dropout2d_module():
    m = nn.Dropout2d(0.3)
    assert repr(m) == repr(torch.nn.Dropout2d(0.3)) and list(m.state_dict()) == []
    x = _t(4, 10, 2, 2)
    assert not np.array_equal(m(x).array, x.array)
    m.eval()
    assert m(x) is x
    with pytest.raises(ValueError, match="between 0 and 1"):
        nn.Dropout2d(-0.1)


# ---- DropConnect ---------------------------------------------------------------------------------


def test_drop_connect_state_dict_is_linears_and_eval_is_linear():
    dc, theirs = nn.DropConnect(5, 3, p=0.5), torch.nn.Linear(5, 3)
    assert list(dc.state_dict()) == list(theirs.state_dict()) == list(nn.Linear(5, 3).state_dict())
    dc.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    dc.eval()
    x = _t(4, 5)
    np.testing.assert_allclose(dc(x).array, theirs(torch.from_numpy(x.array)).detach().numpy(), rtol=1e-5, atol=1e-6)
    assert dc(x).dtype == np.float32


def test_drop_connect_training_uses_masked_weights_and_only_kept_weights_get_gradient():
    p = 0.5
    dc = nn.DropConnect(6, 4, p=p).double()
    x = nnlab.tensor(rng.random((3, 6)) + 0.5)  # positive inputs: a kept weight's gradient is never 0
    y = dc(x)
    y.sum().backward()
    kept = dc.weight.grad.array != 0
    assert 0 < kept.sum() < kept.size  # some weights dropped, some kept
    # By hand: y = x (W ⊙ M / (1 − p))ᵀ + b, with M the kept pattern read off the gradient.
    w_used = dc.weight.array * kept / (1 - p)
    np.testing.assert_allclose(y.array, x.array @ w_used.T + dc.bias.array, rtol=1e-12)
    # ∂(Σy)/∂W_ij = M_ij / (1 − p) · Σ_n x_nj; the bias is never dropped.
    np.testing.assert_allclose(dc.weight.grad.array, kept / (1 - p) * x.array.sum(axis=0), rtol=1e-12)
    np.testing.assert_allclose(dc.bias.grad.array, np.full(4, 3.0))


def test_drop_connect_fresh_mask_per_forward_and_unbiased_in_expectation():
    dc = nn.DropConnect(4, 2, p=0.3, generator=np.random.default_rng(1)).double()
    x = nnlab.tensor(rng.standard_normal((1, 4)))
    outs = np.stack([dc(x).array for _ in range(4000)])
    assert len({o.tobytes() for o in outs[:10]}) > 1
    dc.eval()
    expected = dc(x).array
    spread = outs.std(axis=0) / np.sqrt(len(outs))
    assert np.all(np.abs(outs.mean(axis=0) - expected) < 5 * spread)  # E[W ⊙ M/(1−p)] = W


def test_drop_connect_seeded_and_repr():
    a = nn.DropConnect(3, 2, p=0.5, generator=np.random.default_rng(5))
    b = nn.DropConnect(3, 2, p=0.5, generator=np.random.default_rng(5))
    b.load_state_dict(a.state_dict())
    x = _t(2, 3)
    np.testing.assert_array_equal(a(x).array, b(x).array)
    assert repr(a) == "DropConnect(in_features=3, out_features=2, bias=True, p=0.5)"
    with pytest.raises(ValueError, match="DropConnect: p must lie in"):
        nn.DropConnect(3, 2, p=1.0)
