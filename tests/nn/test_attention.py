"""nn.MultiheadAttention against torch.nn.MultiheadAttention (weights copied), and its contract."""

import numpy as np
import pytest
import torch

import nnlab
import nnlab.nn as nn
from tests.parity import assert_module_parity, assert_parity, copy_weights

T = torch.nn
rng = np.random.default_rng(0)


def _pair(*args, **kwargs):
    ours, theirs = nn.MultiheadAttention(*args, **kwargs).double(), T.MultiheadAttention(*args, **kwargs).double()
    copy_weights(ours, theirs)
    return ours, theirs


def _strip(out):
    return out if out[1] is not None else out[0]


@pytest.mark.parametrize("batch_first", [False, True])
def test_self_attention_parity_outputs_weights_and_gradients(batch_first):
    x = rng.standard_normal((3, 5, 8))
    assert_module_parity(nn.MultiheadAttention(8, 2, batch_first=batch_first).double(),
                         T.MultiheadAttention(8, 2, batch_first=batch_first), x, x, x)


@pytest.mark.parametrize("batch_first", [False, True])
def test_cross_attention_with_kdim_vdim(batch_first):
    q = rng.standard_normal((3, 2, 8))
    k, v = rng.standard_normal((4, 2, 5)), rng.standard_normal((4, 2, 3))
    if batch_first:
        q, k, v = (a.transpose(1, 0, 2) for a in (q, k, v))
    assert_module_parity(nn.MultiheadAttention(8, 4, kdim=5, vdim=3, batch_first=batch_first).double(),
                         T.MultiheadAttention(8, 4, kdim=5, vdim=3, batch_first=batch_first), q, k, v)


@pytest.mark.parametrize("need_weights,average", [(True, True), (True, False), (False, True)])
@pytest.mark.parametrize("mask_kind", ["bool", "float"])
def test_masks_and_weight_options(need_weights, average, mask_kind):
    ours, theirs = _pair(8, 2)
    x = rng.standard_normal((4, 3, 8))
    kpm = np.zeros((3, 4), bool)
    kpm[1, 3] = kpm[2, 0] = True
    am = rng.random((4, 4)) > 0.7
    np.fill_diagonal(am, False)
    if mask_kind == "float":
        kpm = np.where(kpm, -1e9, 0.0) + rng.standard_normal((3, 4)) * 0.1
        am = rng.standard_normal((4, 4))
    kw = dict(need_weights=need_weights, average_attn_weights=average)
    assert_parity(
        lambda a: _strip(ours(a, a, a, key_padding_mask=nnlab.tensor(kpm), attn_mask=nnlab.tensor(am), **kw)),
        lambda a: _strip(theirs(a, a, a, key_padding_mask=torch.from_numpy(kpm), attn_mask=torch.from_numpy(am), **kw)),
        x)


def test_3d_per_head_attn_mask_differentiable_and_no_bias():
    ours, theirs = _pair(8, 2, bias=False)
    x = rng.standard_normal((4, 3, 8))
    am = rng.standard_normal((3 * 2, 4, 4))  # (N·heads, L, S), a float mask that receives gradients
    assert_parity(lambda a, m: ours(a, a, a, attn_mask=m, average_attn_weights=False),
                  lambda a, m: theirs(a, a, a, attn_mask=m, average_attn_weights=False), x, am)


def test_add_bias_kv_and_zero_attn_with_masks():
    ours, theirs = _pair(8, 2, add_bias_kv=True, add_zero_attn=True)
    x = rng.standard_normal((4, 2, 8))
    kpm = np.array([[False] * 4, [False, False, True, True]])
    am = np.triu(np.ones((4, 4), bool), 1)
    assert_parity(lambda a: ours(a, a, a, key_padding_mask=nnlab.tensor(kpm), attn_mask=nnlab.tensor(am)),
                  lambda a: theirs(a, a, a, key_padding_mask=torch.from_numpy(kpm), attn_mask=torch.from_numpy(am)), x)


def test_unbatched_input():
    ours, theirs = _pair(6, 3)
    q, kv = rng.standard_normal((4, 6)), rng.standard_normal((5, 6))
    kpm = np.array([False, True, False, False, False])
    assert_parity(lambda a, b: ours(a, b, b, key_padding_mask=nnlab.tensor(kpm)),
                  lambda a, b: theirs(a, b, b, key_padding_mask=torch.from_numpy(kpm)), q, kv)


def test_is_causal_hint_with_mask_and_causal_without_mask():
    ours, theirs = _pair(8, 2, batch_first=True)
    x = rng.standard_normal((2, 5, 8))
    mask = T.Transformer.generate_square_subsequent_mask(5, dtype=torch.float64)
    assert_parity(lambda a: ours(a, a, a, attn_mask=nnlab.tensor(mask.numpy()), is_causal=True, need_weights=False)[0],
                  lambda a: theirs(a, a, a, attn_mask=mask, is_causal=True, need_weights=False)[0], x)
    # nnlab extension: is_causal=True alone builds the causal mask (torch requires attn_mask)
    assert_parity(lambda a: ours(a, a, a, is_causal=True)[0], lambda a: theirs(a, a, a, attn_mask=mask)[0], x)


@pytest.mark.parametrize("kwargs", [{}, {"bias": False}, {"kdim": 3, "vdim": 5}, {"add_bias_kv": True}])
def test_state_dict_keys_and_shapes_equal_torch(kwargs):
    ours, theirs = nn.MultiheadAttention(8, 2, **kwargs), T.MultiheadAttention(8, 2, **kwargs)
    assert [(k, tuple(v.shape)) for k, v in ours.state_dict().items()] == \
           [(k, tuple(v.shape)) for k, v in theirs.state_dict().items()]


def test_initialization_follows_torch():
    nnlab.manual_seed(0)
    m = nn.MultiheadAttention(64, 4)
    bound = np.sqrt(6 / (64 + 3 * 64))  # xavier-uniform over the (3E, E) matrix
    w = m.in_proj_weight.array
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.9 * bound
    assert np.all(m.in_proj_bias.array == 0) and np.all(m.out_proj.bias.array == 0)


def test_float32_dropout_train_eval_and_fully_masked_rows():
    nnlab.manual_seed(0)
    m = nn.MultiheadAttention(8, 2, dropout=0.5, batch_first=True)
    x = nnlab.tensor(rng.standard_normal((2, 4, 8)).astype(np.float32), requires_grad=True)
    out, w = m(x, x, x)
    assert out.dtype == w.dtype == np.float32 and tuple(w.shape) == (2, 4, 4)
    out.sum().backward()
    assert x.grad.dtype == np.float32 and m.in_proj_weight.grad.dtype == np.float32
    m.eval()
    e1, e2 = m(x, x, x)[0], m(x, x, x)[0]
    np.testing.assert_array_equal(e1.array, e2.array)
    m.train()
    assert not np.allclose(m(x, x, x)[0].array, e1.array)
    # a batch row whose keys are all padding: output = out_proj bias (0 after attention), weights 0, no NaN
    m.eval()
    kpm = nnlab.tensor(np.array([[False] * 4, [True] * 4]))
    out, w = m(x, x, x, key_padding_mask=kpm)
    assert np.isfinite(out.array).all() and np.all(w.array[1] == 0)
    np.testing.assert_allclose(out.array[1], np.broadcast_to(m.out_proj.bias.array, (4, 8)), atol=1e-7)


def test_errors():
    m = nn.MultiheadAttention(8, 2)
    x = nnlab.randn(4, 2, 8)
    with pytest.raises(ValueError, match="divisible"):
        nn.MultiheadAttention(10, 3)
    with pytest.raises(ValueError, match="query has 6 features"):
        m(nnlab.randn(4, 2, 6), x, x)
    with pytest.raises(ValueError, match=r"2D attn_mask is \(3, 4\)"):
        m(x, x, x, attn_mask=nnlab.zeros(3, 4))
    with pytest.raises(ValueError, match="key_padding_mask"):
        m(x, x, x, key_padding_mask=nnlab.tensor(np.zeros((2, 3), bool)))
