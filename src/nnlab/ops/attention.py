"""Scaled dot-product attention: softmax(Q Kᵀ·s + M) V as one fused ``Function``.

``scaled_dot_product_attention`` follows ``torch.nn.functional.scaled_dot_product_attention``
(boolean masks: True = take part; float masks are added to the scores; ``is_causal``;
``scale``; ``dropout_p`` on the attention weights; ``enable_gqa``). ``attention_weights``
returns softmax(Q Kᵀ·s + M) on its own, differentiable, for attention maps and for
``MultiheadAttention(need_weights=True)``.

A query row whose keys are all masked has no distribution to attend with; it gets
weights 0 and output 0 (not NaN). PyTorch 2.13's ``scaled_dot_product_attention`` does
the same; its ``MultiheadAttention`` with ``need_weights=True`` returns NaN there.
"""

from __future__ import annotations

import math

import numpy as np

from nnlab.autograd.function import Context, Function
from nnlab.autograd.tensor import Tensor
from nnlab.backend import default_generator
from nnlab.ops._promotion import to_dtype
from nnlab.ops.movement import expand, reshape, unsqueeze


def _swap(a: np.ndarray) -> np.ndarray:
    return np.swapaxes(a, -1, -2)


def _probs(q: np.ndarray, k: np.ndarray, bias: np.ndarray | None, scale) -> np.ndarray:
    """P = softmax(Q Kᵀ·s + bias) over the last dim; rows with no finite score give 0.

    Q and K are each scaled by √s before the product (as PyTorch does), so that scores
    which fit the dtype are not lost to an overflow of Q Kᵀ first (|q|, |k| ≈ 1e19 in float32).
    """
    if scale > 0:
        root = q.dtype.type(np.sqrt(scale))
        s = (q * root) @ _swap(k * root)
    else:
        s = (q * scale) @ _swap(k)
    if s.shape[-1] == 0:  # no keys: an empty distribution; P V is then 0, as in PyTorch
        return s
    if bias is not None:
        if np.broadcast_shapes(s.shape, bias.shape) == s.shape:
            s += bias
        else:  # a mask with more batch dims than Q Kᵀ (e.g. per-head mask, shared queries)
            s = s + bias
    m = s.max(axis=-1, keepdims=True)
    # A fully masked row has max −inf; shifting by 0 keeps e^−inf = 0 instead of −inf − (−inf) = nan.
    m[~np.isfinite(m)] = 0
    s -= m
    np.exp(s, out=s)
    z = s.sum(axis=-1, keepdims=True)
    z[z == 0] = 1
    s /= z
    return s


def _scores_backward(ctx: Context, ds: np.ndarray, q: np.ndarray, k: np.ndarray, scale):
    """From ∂L/∂S (S = Q Kᵀ·s + bias): ∂L/∂Q = s·dS K, ∂L/∂K = s·dSᵀ Q, ∂L/∂bias = dS."""
    needs = ctx.needs_input_grad
    gq = (ds @ k) * scale if needs[0] else None
    gk = (_swap(ds) @ q) * scale if needs[1] else None
    return gq, gk, ds


def _softmax_backward(p: np.ndarray, dp: np.ndarray) -> np.ndarray:
    """∂L/∂S = P ⊙ (dP − Σ_j dP⊙P) per row, in place on ``dp``."""
    dp -= np.sum(dp * p, axis=-1, keepdims=True)
    dp *= p
    return dp


class ScaledDotProductAttention(Function):
    """O = D(P) V with P = softmax(Q Kᵀ·s + M), D dropout with a fixed mask R (R ∈ {0, 1/(1−p)}).

    Backward, with G = ∂L/∂O and P̃ = P ⊙ R:
        ∂L/∂V = P̃ᵀ G;   ∂L/∂P = (G Vᵀ) ⊙ R;
        ∂L/∂S = P ⊙ (∂L/∂P − Σ_j ∂L/∂P ⊙ P)   (softmax backward per row);
        ∂L/∂Q = s·(∂L/∂S) K;   ∂L/∂K = s·(∂L/∂S)ᵀ Q;   ∂L/∂M = ∂L/∂S (float masks only).
    P is kept from the forward pass; nothing is recomputed.
    """

    @staticmethod
    def forward(ctx: Context, q, k, v, bias, scale, dropout_p, generator):
        p = _probs(q, k, bias, scale)
        keep = None
        if dropout_p > 0:
            keep = (generator.random(p.shape, dtype=p.dtype) >= dropout_p).astype(p.dtype)
            keep *= p.dtype.type(1.0 / (1.0 - dropout_p))
            out = (p * keep) @ v
        else:
            out = p @ v
        ctx.save_for_backward(q, k, v, p, keep)
        ctx.scale = scale
        return out

    @staticmethod
    def backward(ctx: Context, grad):
        q, k, v, p, keep = ctx.saved_tensors
        needs = ctx.needs_input_grad
        pd = p if keep is None else p * keep
        gv = _swap(pd) @ grad if needs[2] else None
        if not (needs[0] or needs[1] or needs[3]):
            return None, None, gv, None, None, None, None
        dp = grad @ _swap(v)
        if keep is not None:
            dp *= keep
        gq, gk, gb = _scores_backward(ctx, _softmax_backward(p, dp), q, k, ctx.scale)
        return gq, gk, gv, (gb if needs[3] else None), None, None, None


class AttentionWeights(Function):
    """P = softmax(Q Kᵀ·s + M) over the keys.

    Backward: ∂L/∂S = P ⊙ (G − Σ_j G⊙P); ∂L/∂Q = s·(∂L/∂S) K, ∂L/∂K = s·(∂L/∂S)ᵀ Q,
    ∂L/∂M = ∂L/∂S.
    """

    @staticmethod
    def forward(ctx: Context, q, k, bias, scale):
        p = _probs(q, k, bias, scale)
        ctx.save_for_backward(q, k, p)
        ctx.scale = scale
        return p

    @staticmethod
    def backward(ctx: Context, grad):
        q, k, p = ctx.saved_tensors
        ds = _softmax_backward(p, np.array(grad, copy=True))
        gq, gk, gb = _scores_backward(ctx, ds, q, k, ctx.scale)
        return gq, gk, (gb if ctx.needs_input_grad[2] else None), None


# ---- argument handling -----------------------------------------------------------------------


def causal_mask(target_len: int, source_len: int | None = None, offset: int = 0) -> np.ndarray:
    """Boolean (L, S) mask, True where query i may attend key j: j ≤ i + ``offset``.

    ``offset=0`` is PyTorch's top-left aligned ``is_causal``; ``offset = S − L`` aligns it
    bottom-right, which is what L new queries need after S − L cached positions.
    """
    s = target_len if source_len is None else source_len
    return np.tri(target_len, s, k=offset, dtype=bool)


def _mask_bias(op: str, attn_mask, is_causal: bool, dtype, shape_l: int, shape_s: int):
    """The additive mask: None, a constant array (bool or causal masks), or a float Tensor."""
    if is_causal:
        if attn_mask is not None:
            raise ValueError(f"{op}: pass either attn_mask or is_causal=True, not both")
        return np.where(causal_mask(shape_l, shape_s), 0, -np.inf).astype(dtype)
    if attn_mask is None:
        return None
    if not isinstance(attn_mask, Tensor):
        attn_mask = Tensor._wrap(np.asarray(attn_mask))
    if not _broadcasts(attn_mask.shape[-2:], (shape_l, shape_s)[-min(2, attn_mask.ndim):]):
        raise ValueError(f"{op}: attn_mask of shape {attn_mask.shape} does not broadcast to "
                         f"(..., L, S) = (..., {shape_l}, {shape_s})")
    if attn_mask.dtype == np.bool_:
        return np.where(attn_mask.array, 0, -np.inf).astype(dtype)
    if attn_mask.dtype.kind != "f":
        raise TypeError(f"{op}: attn_mask must be bool or floating, got dtype {attn_mask.dtype}")
    # A mask is data, not a model: bringing a float32 mask to float64 queries widens nothing.
    if attn_mask.requires_grad:
        return to_dtype(attn_mask, dtype)
    return attn_mask.array.astype(dtype, copy=False)


def _broadcasts(a: tuple, b: tuple) -> bool:
    try:
        return np.broadcast_shapes(a, b) == tuple(b)
    except ValueError:
        return False


def _check_qkv(op: str, query: Tensor, key: Tensor, value: Tensor | None, enable_gqa: bool):
    for name, t in (("query", query), ("key", key), ("value", value)):
        if t is not None and t.ndim < 2:
            raise ValueError(f"{op}: {name} must have at least 2 dims (..., L, E), got shape {t.shape}")
        if t is not None and t.dtype != query.dtype:
            raise TypeError(f"{op}: query, key and value must share a dtype, got {query.dtype} and {t.dtype} ({name})")
    if query.dtype.kind != "f":
        raise TypeError(f"{op}: expected floating query/key/value, got dtype {query.dtype}")
    if query.shape[-1] != key.shape[-1]:
        raise ValueError(f"{op}: query has E={query.shape[-1]} (shape {query.shape}) but key has "
                         f"E={key.shape[-1]} (shape {key.shape}); Q Kᵀ needs equal feature sizes")
    if value is not None and value.shape[-2] != key.shape[-2]:
        raise ValueError(f"{op}: key has S={key.shape[-2]} positions (shape {key.shape}) but value has "
                         f"{value.shape[-2]} (shape {value.shape})")
    if enable_gqa and query.ndim >= 3 and key.shape[-3] != query.shape[-3]:
        hq, hk = query.shape[-3], key.shape[-3]
        if hq % hk:
            raise ValueError(f"{op}: enable_gqa needs query heads ({hq}) divisible by key/value heads ({hk})")
        return hq // hk
    return 1


def _repeat_heads(t: Tensor, groups: int) -> Tensor:
    """(..., H, S, E) → (..., H·g, S, E), each head repeated g times (``repeat_interleave``)."""
    lead, h, s, e = t.shape[:-3], *t.shape[-3:]
    wide = expand(unsqueeze(t, -3), lead + (h, groups, s, e))
    return reshape(wide, lead + (h * groups, s, e))


def _scale(op: str, scale: float | None, e: int, dtype):
    if scale is None:
        return dtype.type(1.0 / math.sqrt(e)) if e > 0 else dtype.type(1.0)
    if not np.isfinite(scale):
        raise ValueError(f"{op}: scale must be finite, got {scale}")
    return dtype.type(scale)


# ---- public functions ---------------------------------------------------------------------------


def scaled_dot_product_attention(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    attn_mask: Tensor | np.ndarray | None = None,
    dropout_p: float = 0.0,
    is_causal: bool = False,
    scale: float | None = None,
    enable_gqa: bool = False,
    *,
    generator: np.random.Generator | None = None,
) -> Tensor:
    """softmax(Q Kᵀ/√E + M) V, as ``torch.nn.functional.scaled_dot_product_attention``.

    Args:
        query: Q, (..., L, E).
        key: K, (..., S, E).
        value: V, (..., S, Ev).
        attn_mask: broadcastable to (..., L, S). Boolean: True = the key takes part,
            False = masked out. Floating: added to the scores (−inf masks; gradients flow
            into it when it requires grad). Default: None.
        dropout_p: probability of zeroing an attention weight (scaled by 1/(1−p)). It is
            applied whenever p > 0: callers pass 0 in evaluation. Default: 0.
        is_causal: mask key j > query i (top-left aligned, ``tril(ones(L, S))``, as torch).
            Cannot be combined with ``attn_mask``. Default: False.
        scale: s replacing 1/√E. Default: None.
        enable_gqa: grouped-query attention: K and V may have fewer heads (dim −3) than Q,
            each shared by H_q/H_kv query heads. Default: False.
        generator: ``np.random.Generator`` for the dropout mask (default: the global one).

    Shape:
        output: (..., L, Ev), batch dims broadcast between Q, K and V.

    Rows whose keys are all masked give 0 (as PyTorch 2.13's function does), not NaN.
    """
    op = "scaled_dot_product_attention"
    groups = _check_qkv(op, query, key, value, enable_gqa)
    if groups > 1:
        key, value = _repeat_heads(key, groups), _repeat_heads(value, groups)
    if not 0.0 <= dropout_p < 1.0:
        raise ValueError(f"{op}: dropout_p must lie in [0, 1), got {dropout_p}")
    s = _scale(op, scale, query.shape[-1], query.dtype)
    bias = _mask_bias(op, attn_mask, is_causal, query.dtype, query.shape[-2], key.shape[-2])
    gen = None
    if dropout_p > 0:
        gen = generator if generator is not None else default_generator()
    return ScaledDotProductAttention.apply(query, key, value, bias, s, float(dropout_p), gen)


def attention_weights(
    query: Tensor,
    key: Tensor,
    attn_mask: Tensor | np.ndarray | None = None,
    is_causal: bool = False,
    scale: float | None = None,
) -> Tensor:
    """P = softmax(Q Kᵀ/√E + M) over the keys: the attention map, differentiable.

    Same mask, causal and scale semantics as :func:`scaled_dot_product_attention`;
    ``P @ V`` is its output without dropout. Rows with every key masked are 0.

    Shape:
        query: (..., L, E); key: (..., S, E); output: (..., L, S).
    """
    op = "attention_weights"
    _check_qkv(op, query, key, None, False)
    s = _scale(op, scale, query.shape[-1], query.dtype)
    bias = _mask_bias(op, attn_mask, is_causal, query.dtype, query.shape[-2], key.shape[-2])
    return AttentionWeights.apply(query, key, bias, s)
