"""Multi-head attention with PyTorch's layout, and a key/value cache for incremental decoding."""

from __future__ import annotations

import numpy as np

from nnlab import functional as F
from nnlab.autograd.grad_mode import is_grad_enabled
from nnlab.autograd.tensor import Tensor
from nnlab.backend import as_dtype
from nnlab.nn import init
from nnlab.nn.linear import Linear
from nnlab.nn.module import Module
from nnlab.nn.parameter import Parameter
from nnlab.ops.attention import attention_weights, causal_mask, scaled_dot_product_attention
from nnlab.ops.creation import as_tensor, from_numpy
from nnlab.ops.elementwise import Where
from nnlab.ops.movement import cat, reshape, transpose


def additive_mask(mask, name: str, dtype, op: str = "MultiheadAttention"):
    """A PyTorch nn-style mask as an additive float mask: bool True → −inf (masked), float kept.

    Returns ``None``, a constant array, or a float Tensor (so a learnable bias keeps its graph).
    A bool Tensor (e.g. ``ids == pad``) becomes a Tensor through ``Where``, a recorded
    primitive, so that an exported model computes the mask from its input.
    """
    if mask is None:
        return None
    data = mask.array if isinstance(mask, Tensor) else np.asarray(mask)
    if data.dtype == np.bool_:
        if isinstance(mask, Tensor):
            dt = np.dtype(dtype)
            return Where.apply(data, np.asarray(-np.inf, dtype=dt), np.zeros((), dtype=dt))
        return np.where(data, -np.inf, 0).astype(dtype)
    if data.dtype.kind != "f":
        raise TypeError(f"{op}: only bool and floating types of {name} are supported, got dtype {data.dtype}")
    if isinstance(mask, Tensor) and mask.requires_grad:
        return mask if mask.dtype == dtype else mask.to(dtype)
    return data.astype(dtype, copy=False)


def _pad_key(mask):
    """One more key column of 0 (not masked) for an appended key position."""
    if mask is None:
        return None
    if isinstance(mask, Tensor):
        return F.pad(mask, (0, 1))
    return np.pad(mask, [(0, 0)] * (mask.ndim - 1) + [(0, 1)])


def _add_masks(a, b):
    if a is None or b is None:
        return a if b is None else b
    if isinstance(a, Tensor) or isinstance(b, Tensor):
        return (a if isinstance(a, Tensor) else as_tensor(a)) + (b if isinstance(b, Tensor) else as_tensor(b))
    return a + b


class KVCache:
    """Keys and values of the positions decoded so far, one entry per attention layer.

    Pass the same cache to every step of generation (``decoder(tgt_step, memory, cache=c)``):
    each self-attention appends the projected keys/values of its new positions and attends
    over all of them, so step t costs O(t) instead of recomputing the whole prefix; each
    cross-attention projects the encoder memory once and reuses it. The cache holds values,
    not graph: it refuses inputs that need gradients, so run generation under ``no_grad()``.

    Attributes:
        seq_len: number of positions cached so far (the offset of the next position).
    """

    def __init__(self) -> None:
        self._grow: dict[int, list] = {}  # id(module) -> [module, keys, values, length]
        self._static: dict[int, tuple] = {}  # id(module) -> (module, keys, values)

    @property
    def seq_len(self) -> int:
        return max((e[3] for e in self._grow.values()), default=0)

    def __len__(self) -> int:
        return self.seq_len

    @staticmethod
    def _check(key: Tensor, value: Tensor) -> None:
        if is_grad_enabled() and (key.requires_grad or value.requires_grad):
            raise RuntimeError("KVCache: cached decoding is for inference; run it under nnlab.no_grad()")

    def append(self, module: Module, key: Tensor, value: Tensor) -> tuple[Tensor, Tensor]:
        """Add (N, H, L, D) keys/values of ``module``; return all cached ones, (N, H, S, D)."""
        self._check(key, value)
        entry = self._grow.get(id(module))
        n_new = key.shape[-2]
        if entry is None:
            cap = max(16, 2 * n_new)
            k = np.empty(key.shape[:-2] + (cap, key.shape[-1]), dtype=key.dtype)
            v = np.empty(value.shape[:-2] + (cap, value.shape[-1]), dtype=value.dtype)
            entry = self._grow[id(module)] = [module, k, v, 0]
        _, k, v, n = entry
        if k.shape[:-2] != key.shape[:-2]:
            raise ValueError(f"KVCache: cached keys have batch/head shape {k.shape[:-2]}, new keys {key.shape[:-2]}")
        if n + n_new > k.shape[-2]:  # double the capacity: amortized O(1) per appended position
            cap = 2 * (n + n_new)
            k = np.concatenate([k[..., :n, :], np.empty(k.shape[:-2] + (cap - n, k.shape[-1]), k.dtype)], axis=-2)
            v = np.concatenate([v[..., :n, :], np.empty(v.shape[:-2] + (cap - n, v.shape[-1]), v.dtype)], axis=-2)
            entry[1], entry[2] = k, v
        k[..., n : n + n_new, :] = key.array
        v[..., n : n + n_new, :] = value.array
        entry[3] = n + n_new
        return from_numpy(k[..., : n + n_new, :]), from_numpy(v[..., : n + n_new, :])

    def static(self, module: Module, compute) -> tuple[Tensor, Tensor]:
        """Keys/values that do not change between steps (cross-attention to memory): ``compute()`` once."""
        entry = self._static.get(id(module))
        if entry is None:
            key, value = compute()
            self._check(key, value)
            entry = self._static[id(module)] = (module, key.detach(), value.detach())
        return entry[1], entry[2]

    def reorder_(self, index) -> "KVCache":
        """Keep batch rows ``index`` (in that order) in every entry, e.g. surviving beams."""
        idx = np.asarray(index.array if isinstance(index, Tensor) else index, dtype=np.int64)
        for entry in self._grow.values():
            entry[1], entry[2] = entry[1][idx], entry[2][idx]
        for key, (m, k, v) in list(self._static.items()):
            self._static[key] = (m, from_numpy(k.array[idx]), from_numpy(v.array[idx]))
        return self

    def reset(self) -> None:
        """Forget everything (start a new sequence)."""
        self._grow.clear()
        self._static.clear()


class MultiheadAttention(Module):
    """MultiHead(Q, K, V) = Concat(head_1, …, head_h) W_O + b_O, head_i = Attention(Q W_i^Q, K W_i^K, V W_i^V).

    Attention(q, k, v) = softmax(q kᵀ/√d + M) v with d = E/h. Parameters, masks and
    outputs follow ``torch.nn.MultiheadAttention`` (weights load from PyTorch).

    Args:
        embed_dim: E, model width (query features and output features).
        num_heads: h; E must be divisible by h.
        dropout: dropout probability on the attention weights in training. Default: 0.
        bias: learn the input and output projection biases. Default: True.
        add_bias_kv: append a learned key and value (bias_k, bias_v) to the sequence. Default: False.
        add_zero_attn: append an all-zero key and value per head. Default: False.
        kdim: key features (default E). vdim: value features (default E).
        batch_first: inputs/outputs are (N, L, E) instead of (L, N, E). Default: False.
        dtype: parameter dtype (default: the default dtype).

    Shape:
        query: (L, N, E) or (N, L, E) with ``batch_first``, or unbatched (L, E);
        key: (S, N, kdim); value: (S, N, vdim);
        key_padding_mask: (N, S) or (S,) — bool True = ignore that key, or float added;
        attn_mask: (L, S) or (N·h, L, S) — bool True = not allowed to attend, or float added;
        output: (L, N, E) (batch_first: (N, L, E)); weights: (N, L, S) averaged over heads,
        or (N, h, L, S) with ``average_attn_weights=False``.

    Attributes:
        in_proj_weight: (3E, E) = [W^Q; W^K; W^V] when kdim = vdim = E, xavier-uniform; else
            ``q_proj_weight`` (E, E), ``k_proj_weight`` (E, kdim), ``v_proj_weight`` (E, vdim).
        in_proj_bias: (3E,), zeros. out_proj: Linear(E, E), bias zeros.
        bias_k, bias_v: (1, 1, E), xavier-normal, with ``add_bias_kv``.

    Rows whose keys are all masked give output 0 and weights 0 (PyTorch gives NaN weights).
    """

    def __init__(self, embed_dim: int, num_heads: int, dropout: float = 0.0, bias: bool = True,
                 add_bias_kv: bool = False, add_zero_attn: bool = False, kdim: int | None = None,
                 vdim: int | None = None, batch_first: bool = False, dtype=None):
        super().__init__()
        if embed_dim <= 0 or num_heads <= 0:
            raise ValueError("MultiheadAttention: embed_dim and num_heads must be positive, "
                             f"got {embed_dim} and {num_heads}")
        if embed_dim % num_heads:
            raise ValueError(f"MultiheadAttention: embed_dim ({embed_dim}) must be divisible by "
                             f"num_heads ({num_heads})")
        self.embed_dim, self.num_heads, self.dropout = embed_dim, num_heads, dropout
        self.kdim = kdim if kdim is not None else embed_dim
        self.vdim = vdim if vdim is not None else embed_dim
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        self.batch_first, self.head_dim, self.add_zero_attn = batch_first, embed_dim // num_heads, add_zero_attn
        dt = as_dtype(dtype)
        if self._qkv_same_embed_dim:
            self.in_proj_weight = Parameter(np.empty((3 * embed_dim, embed_dim), dtype=dt))
            for name in ("q_proj_weight", "k_proj_weight", "v_proj_weight"):
                self.register_parameter(name, None)
        else:
            self.q_proj_weight = Parameter(np.empty((embed_dim, embed_dim), dtype=dt))
            self.k_proj_weight = Parameter(np.empty((embed_dim, self.kdim), dtype=dt))
            self.v_proj_weight = Parameter(np.empty((embed_dim, self.vdim), dtype=dt))
            self.register_parameter("in_proj_weight", None)
        if bias:
            self.in_proj_bias = Parameter(np.empty(3 * embed_dim, dtype=dt))
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = Linear(embed_dim, embed_dim, bias=bias, dtype=dt)
        if add_bias_kv:
            self.bias_k = Parameter(np.empty((1, 1, embed_dim), dtype=dt))
            self.bias_v = Parameter(np.empty((1, 1, embed_dim), dtype=dt))
        else:
            self.bias_k = self.bias_v = None
        self._reset_parameters()

    def _reset_parameters(self) -> None:
        """Xavier-uniform projections, zero biases, xavier-normal bias_k/bias_v (as PyTorch)."""
        for w in (self.in_proj_weight, self.q_proj_weight, self.k_proj_weight, self.v_proj_weight):
            if w is not None:
                init.xavier_uniform_(w)
        if self.in_proj_bias is not None:
            init.zeros_(self.in_proj_bias)
            init.zeros_(self.out_proj.bias)
        for b in (self.bias_k, self.bias_v):
            if b is not None:
                init.xavier_normal_(b)

    reset_parameters = _reset_parameters

    # ---- pieces -------------------------------------------------------------------------------
    def _project(self, x: Tensor, i: int) -> Tensor:
        """(N, L, D_i) → (N, L, E) with the i-th of the q/k/v projections."""
        e = self.embed_dim
        if self._qkv_same_embed_dim:
            w = self.in_proj_weight[i * e : (i + 1) * e]
        else:
            w = (self.q_proj_weight, self.k_proj_weight, self.v_proj_weight)[i]
        b = None if self.in_proj_bias is None else self.in_proj_bias[i * e : (i + 1) * e]
        return F.linear(x, w, b)

    def _heads(self, x: Tensor) -> Tensor:
        n, length, _ = x.shape
        return transpose(reshape(x, (n, length, self.num_heads, self.head_dim)), 1, 2)

    def _check(self, query: Tensor, key: Tensor, value: Tensor) -> bool:
        batched = query.ndim == 3
        if query.ndim not in (2, 3) or key.ndim != query.ndim or value.ndim != query.ndim:
            raise ValueError(f"MultiheadAttention: query, key and value must all be 2-D (unbatched) or 3-D, got "
                             f"shapes {query.shape}, {key.shape}, {value.shape}")
        for name, t, d in (("query", query, self.embed_dim), ("key", key, self.kdim), ("value", value, self.vdim)):
            if t.shape[-1] != d:
                raise ValueError(f"MultiheadAttention: {name} has {t.shape[-1]} features (shape {t.shape}), "
                                 f"expected {d}")
        if key.shape[:-1] != value.shape[:-1]:
            raise ValueError(f"MultiheadAttention: key shape {key.shape} does not match value shape {value.shape}")
        bdim = (0 if self.batch_first else 1) if batched else None
        if batched and query.shape[bdim] != key.shape[bdim]:
            raise ValueError(f"MultiheadAttention: query batch {query.shape[bdim]} != key batch {key.shape[bdim]}")
        return batched

    def _canon_attn_mask(self, attn_mask, n: int, length: int, s: int, dtype):
        m = additive_mask(attn_mask, "attn_mask", dtype)
        if m is None:
            return None
        h = self.num_heads
        if m.ndim == 2:
            if tuple(m.shape) != (length, s):
                raise ValueError(f"MultiheadAttention: the shape of the 2D attn_mask is {tuple(m.shape)}, "
                                 f"but should be {(length, s)}")
            return m
        if m.ndim == 3 and tuple(m.shape) == (n * h, length, s):
            return m.reshape((n, h, length, s)) if isinstance(m, Tensor) else m.reshape(n, h, length, s)
        raise ValueError(f"MultiheadAttention: attn_mask of shape {tuple(m.shape)} should be {(length, s)} or "
                         f"{(n * h, length, s)} (N·num_heads, L, S)")

    def _append_kv_extras(self, k: Tensor, v: Tensor, attn, kpm):
        """add_bias_kv / add_zero_attn: one more key position each, which every mask lets through."""
        n, h = k.shape[0], self.num_heads
        extras = []
        if self.bias_k is not None:
            extras.append((self._heads(self.bias_k.expand(n, 1, self.embed_dim)),
                           self._heads(self.bias_v.expand(n, 1, self.embed_dim))))
        if self.add_zero_attn:
            z = from_numpy(np.zeros((n, h, 1, self.head_dim), dtype=k.dtype))
            extras.append((z, z))
        for bk, bv in extras:
            k, v = cat([k, bk], dim=2), cat([v, bv], dim=2)
            attn, kpm = _pad_key(attn), _pad_key(kpm)
        return k, v, attn, kpm

    # ---- forward ----------------------------------------------------------------------------------
    def forward(self, query: Tensor, key: Tensor, value: Tensor, key_padding_mask=None, need_weights: bool = True,
                attn_mask=None, average_attn_weights: bool = True, is_causal: bool = False, *,
                cache: KVCache | None = None, static_kv: bool = False) -> tuple[Tensor, Tensor | None]:
        """Attend from ``query`` to ``key``/``value``; returns (attn_output, attn_weights or None).

        Args (beyond PyTorch's): cache: a :class:`KVCache` for incremental decoding: the new
            keys/values are appended to the cached ones (or, with ``static_kv``, computed once
            and reused, for cross-attention to a fixed memory). Without ``attn_mask`` the new
            queries then attend causally (query i sees every cached key and new keys ≤ i).
            ``is_causal=True`` without ``attn_mask`` applies the causal mask (PyTorch raises
            there); with ``attn_mask`` it is only a hint, as in PyTorch.
        """
        batched = self._check(query, key, value)
        if not batched:
            query, key, value = query.unsqueeze(0), key.unsqueeze(0), value.unsqueeze(0)
            if key_padding_mask is not None:
                key_padding_mask = key_padding_mask[None]
        elif not self.batch_first:
            query, key, value = transpose(query, 0, 1), transpose(key, 0, 1), transpose(value, 0, 1)
        n, length, dt = query.shape[0], query.shape[1], query.dtype
        q = self._heads(self._project(query, 0))
        if cache is not None and (self.bias_k is not None or self.add_zero_attn):
            raise ValueError("MultiheadAttention: a KVCache cannot be combined with add_bias_kv or add_zero_attn")
        if cache is None:
            k, v = self._heads(self._project(key, 1)), self._heads(self._project(value, 2))
        elif static_kv:
            k, v = cache.static(self, lambda: (self._heads(self._project(key, 1)),
                                               self._heads(self._project(value, 2))))
        else:
            k, v = cache.append(self, self._heads(self._project(key, 1)), self._heads(self._project(value, 2)))
        s = k.shape[2]
        attn = self._canon_attn_mask(attn_mask, n, length, s, dt)
        if attn is None and length > 1 and cache is not None and not static_kv:
            attn = np.where(causal_mask(length, s, s - length), 0, -np.inf).astype(dt)
        elif attn is None and is_causal:
            attn = np.where(causal_mask(length, s), 0, -np.inf).astype(dt)
        kpm = additive_mask(key_padding_mask, "key_padding_mask", dt)
        if kpm is not None:
            if tuple(kpm.shape) != (n, s):
                raise ValueError(f"MultiheadAttention: expected key_padding_mask of shape {(n, s)}, "
                                 f"got {tuple(kpm.shape)}")
        k, v, attn, kpm = self._append_kv_extras(k, v, attn, kpm)
        if kpm is not None:
            kpm = kpm.reshape((n, 1, 1, kpm.shape[-1])) if isinstance(kpm, Tensor) else kpm.reshape(n, 1, 1, -1)
        mask = _add_masks(attn, kpm)
        p = self.dropout if self.training else 0.0
        weights = None
        if need_weights:
            weights = F.dropout(attention_weights(q, k, mask), p, self.training)
            out = weights @ v
        else:
            out = scaled_dot_product_attention(q, k, v, attn_mask=mask, dropout_p=p)
        out = self.out_proj(reshape(transpose(out, 1, 2), (n, length, self.embed_dim)))
        if weights is not None and average_attn_weights:
            weights = weights.mean(dim=1)
        if not batched:
            return out[0], (None if weights is None else weights[0])
        if not self.batch_first:
            out = transpose(out, 0, 1)
        return out, weights

    def extra_repr(self) -> str:
        extra = "" if self._qkv_same_embed_dim else f", kdim={self.kdim}, vdim={self.vdim}"
        return (f"embed_dim={self.embed_dim}, num_heads={self.num_heads}, dropout={self.dropout}, "
                f"batch_first={self.batch_first}{extra}")
