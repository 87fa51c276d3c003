"""scaled_dot_product_attention and attention_weights: torch parity, gradchecks, masks, dropout."""

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import nnlab
import nnlab.functional as F
from nnlab.ops.attention import causal_mask
from tests.parity import assert_parity, gradcheck_fn, to_nnlab

rng = np.random.default_rng(0)


def _qkv(batch=(2, 3), L=4, S=5, E=6, Ev=3):
    return (rng.standard_normal(batch + (L, E)), rng.standard_normal(batch + (S, E)),
            rng.standard_normal(batch + (S, Ev)))


def _bool_mask(L, S, lead=()):
    m = rng.random(lead + (L, S)) > 0.3
    m[..., 0] = True  # every row keeps a key: torch's reference stays finite
    return m


@pytest.mark.parametrize("kind", ["none", "bool", "bool-4d", "float", "causal", "causal-scale", "1d-unbatched"])
def test_sdpa_parity_with_torch(kind):
    q, k, v = _qkv()
    ours, theirs = {}, {}
    if kind == "bool":
        m = _bool_mask(4, 5)
        ours["attn_mask"], theirs["attn_mask"] = nnlab.tensor(m), torch.from_numpy(m)
    elif kind == "bool-4d":
        m = _bool_mask(4, 5, (2, 1))
        ours["attn_mask"], theirs["attn_mask"] = nnlab.tensor(m), torch.from_numpy(m)
    elif kind == "float":
        m = rng.standard_normal((4, 5))
        m[1, 2] = -np.inf
        ours["attn_mask"], theirs["attn_mask"] = to_nnlab(m, False), torch.from_numpy(m)
    elif kind.startswith("causal"):
        ours["is_causal"] = theirs["is_causal"] = True
        if kind == "causal-scale":
            ours["scale"] = theirs["scale"] = 0.37
    elif kind == "1d-unbatched":
        q, k, v = q[0, 0], k[0, 0], v[0, 0]
    assert_parity(lambda a, b, c: F.scaled_dot_product_attention(a, b, c, **ours),
                  lambda a, b, c: TF.scaled_dot_product_attention(a, b, c, **theirs), q, k, v)


def test_sdpa_differentiable_float_mask_and_broadcast_batch_dims():
    q = rng.standard_normal((2, 3, 4, 6))
    k, v = rng.standard_normal((3, 5, 6)), rng.standard_normal((1, 3, 5, 2))
    mask = rng.standard_normal((3, 4, 5))
    assert_parity(lambda a, b, c, m: F.scaled_dot_product_attention(a, b, c, attn_mask=m),
                  lambda a, b, c, m: TF.scaled_dot_product_attention(a, b, c, attn_mask=m), q, k, v, mask)


def test_sdpa_grouped_query_attention():
    q = rng.standard_normal((2, 4, 3, 6))
    k, v = rng.standard_normal((2, 2, 5, 6)), rng.standard_normal((2, 2, 5, 6))
    assert_parity(lambda a, b, c: F.scaled_dot_product_attention(a, b, c, enable_gqa=True),
                  lambda a, b, c: TF.scaled_dot_product_attention(a, b, c, enable_gqa=True), q, k, v)


def test_fully_masked_rows_give_zeros_like_torch_sdpa():
    q, k, v = _qkv()
    m = _bool_mask(4, 5)
    m[2] = False
    out = F.scaled_dot_product_attention(to_nnlab(q), to_nnlab(k), to_nnlab(v), attn_mask=nnlab.tensor(m))
    assert np.all(out.array[..., 2, :] == 0) and np.isfinite(out.array).all()
    # torch 2.13's scaled_dot_product_attention also gives 0 there (its MHA softmax path gives NaN)
    assert_parity(lambda a, b, c: F.scaled_dot_product_attention(a, b, c, attn_mask=nnlab.tensor(m)),
                  lambda a, b, c: TF.scaled_dot_product_attention(a, b, c, attn_mask=torch.from_numpy(m)), q, k, v)
    w = F.attention_weights(to_nnlab(q), to_nnlab(k), attn_mask=nnlab.tensor(m))
    assert np.all(w.array[..., 2, :] == 0)
    np.testing.assert_allclose(w.array[..., [0, 1, 3], :].sum(-1), 1.0, atol=1e-12)


def test_attention_weights_parity_and_consistency():
    q, k, v = _qkv()
    m = _bool_mask(4, 5)
    assert_parity(lambda a, b: F.attention_weights(a, b, attn_mask=nnlab.tensor(m)),
                  lambda a, b: torch.softmax((a @ b.mT) / np.sqrt(6) + torch.where(torch.from_numpy(m), 0.0, -torch.inf), -1),
                  q, k)
    w = F.attention_weights(to_nnlab(q), to_nnlab(k), is_causal=True)
    out = F.scaled_dot_product_attention(to_nnlab(q), to_nnlab(k), to_nnlab(v), is_causal=True)
    np.testing.assert_allclose((w @ to_nnlab(v)).array, out.array, atol=1e-12)
    assert np.all(np.triu(w.array[0, 0], 1) == 0)


@pytest.mark.parametrize("mask", ["none", "bool", "float-grad", "causal"])
def test_gradcheck_fused_attention(mask):
    q, k, v = _qkv(batch=(2,), L=3, S=4, E=3, Ev=2)
    fm = rng.standard_normal((3, 4))
    bm = _bool_mask(3, 4)
    if mask == "float-grad":
        assert gradcheck_fn(lambda a, b, c, m: F.scaled_dot_product_attention(a, b, c, attn_mask=m), q, k, v, fm)
        return
    kw = {"bool": {"attn_mask": nnlab.tensor(bm)}, "causal": {"is_causal": True}}.get(mask, {})
    assert gradcheck_fn(lambda a, b, c: F.scaled_dot_product_attention(a, b, c, **kw), q, k, v)
    assert gradcheck_fn(lambda a, b: F.attention_weights(a, b, **kw), q, k)


def test_gradcheck_with_dropout_mask_fixed_by_seed():
    q, k, v = _qkv(batch=(2,), L=3, S=4, E=3, Ev=2)

    def fn(a, b, c):
        return F.scaled_dot_product_attention(a, b, c, dropout_p=0.4, generator=np.random.default_rng(7))

    assert gradcheck_fn(fn, q, k, v)


def test_dropout_applies_to_the_weights_only():
    q, k, v = (to_nnlab(a) for a in _qkv())
    p = 0.5
    out = F.scaled_dot_product_attention(q, k, v, dropout_p=p, generator=np.random.default_rng(3))
    w = F.attention_weights(q, k).array
    keep = (np.random.default_rng(3).random(w.shape) >= p) / (1 - p)
    np.testing.assert_allclose(out.array, (w * keep) @ v.array, atol=1e-12)
    assert not np.allclose(out.array, (w @ v.array))


def test_float32_stays_float32_and_masks_follow_the_query_dtype():
    q, k, v = (nnlab.tensor(a.astype(np.float32), requires_grad=True) for a in _qkv())
    mask = nnlab.tensor(rng.standard_normal((4, 5)))  # float32 (default dtype)
    out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, dropout_p=0.1)
    assert out.dtype == np.float32
    out.sum().backward()
    assert q.grad.dtype == k.grad.dtype == v.grad.dtype == np.float32
    q64 = to_nnlab(q.array.astype(np.float64))
    assert F.scaled_dot_product_attention(q64, q64, q64, attn_mask=mask[:, :4]).dtype == np.float64


def test_causal_mask_alignment():
    assert causal_mask(2, 4).tolist() == [[True, False, False, False], [True, True, False, False]]
    assert causal_mask(2, 4, offset=2).tolist() == [[True, True, True, False], [True, True, True, True]]


def test_errors_name_the_problem():
    q, k, v = (to_nnlab(a) for a in _qkv())
    with pytest.raises(ValueError, match="attn_mask or is_causal"):
        F.scaled_dot_product_attention(q, k, v, attn_mask=nnlab.tensor(_bool_mask(4, 5)), is_causal=True)
    with pytest.raises(ValueError, match=r"attn_mask of shape \(3, 5\)"):
        F.scaled_dot_product_attention(q, k, v, attn_mask=nnlab.tensor(_bool_mask(3, 5)))
    with pytest.raises(ValueError, match="E=6"):
        F.scaled_dot_product_attention(q, to_nnlab(rng.standard_normal((2, 3, 5, 4))), v)
    with pytest.raises(TypeError, match="share a dtype"):
        F.scaled_dot_product_attention(q, k, nnlab.tensor(v.array.astype(np.float32)))
    with pytest.raises(ValueError, match="dropout_p"):
        F.scaled_dot_product_attention(q, k, v, dropout_p=1.0)
