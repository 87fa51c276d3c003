"""Transformer encoder layers and stacks, and the full encoder–decoder ``Transformer``.

Submodule names, arguments and numerics follow ``torch.nn.Transformer*`` so that state
dicts line up: ``self_attn``, ``linear1``, ``dropout``, ``linear2``, ``norm1``, ``norm2``,
``dropout1``, ``dropout2`` (and, in decoder layers, ``multihead_attn``, ``norm3``,
``dropout3``); stacks hold ``layers.{i}`` and an optional final ``norm``.
"""

from __future__ import annotations

import copy
from typing import Callable

import numpy as np

from nnlab import functional as F
from nnlab.autograd.tensor import Tensor
from nnlab.backend import as_dtype
from nnlab.nn import init
from nnlab.nn.attention import KVCache, MultiheadAttention
from nnlab.nn.containers import ModuleList
from nnlab.nn.dropout import Dropout
from nnlab.nn.linear import Linear
from nnlab.nn.module import Module
from nnlab.nn.normalization import LayerNorm
from nnlab.ops.creation import from_numpy

_ACTIVATIONS = {"relu": F.relu, "gelu": F.gelu}


def get_activation(activation: str | Callable) -> Callable:
    """'relu' or 'gelu' (exact erf form, as PyTorch) → the function; a callable is kept."""
    if callable(activation):
        return activation
    if activation not in _ACTIVATIONS:
        raise ValueError(f"Transformer: activation should be relu/gelu, not {activation!r}")
    return _ACTIVATIONS[activation]


def clones(module: Module, n: int) -> ModuleList:
    """n independent deep copies of ``module`` (same initial values, separate parameters)."""
    return ModuleList([copy.deepcopy(module) for _ in range(n)])


def generate_square_subsequent_mask(sz: int, device=None, dtype=None) -> Tensor:
    """(sz, sz) float mask: 0 on and below the diagonal, −inf above (position i sees j ≤ i).

    ``device`` is accepted for PyTorch compatibility; ``dtype`` defaults to the default dtype.
    """
    return from_numpy(np.triu(np.full((sz, sz), -np.inf), k=1).astype(as_dtype(dtype)))


class _FeedForwardLayer(Module):
    """The position-wise feed-forward block shared by encoder and decoder layers."""

    def _build_ff(self, d_model: int, dim_feedforward: int, dropout: float, activation, layer_norm_eps: float,
                  norm_first: bool, bias: bool, n_norms: int, dtype) -> None:
        if d_model <= 0 or dim_feedforward <= 0:
            raise ValueError(f"{type(self).__name__}: d_model and dim_feedforward must be positive, "
                             f"got {d_model} and {dim_feedforward}")
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, dtype=dtype)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, dtype=dtype)
        self.norm_first = norm_first
        for i in range(1, n_norms + 1):
            setattr(self, f"norm{i}", LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype))
        for i in range(1, n_norms + 1):
            setattr(self, f"dropout{i}", Dropout(dropout))
        self.activation = get_activation(activation)

    def _ff_block(self, x: Tensor, out_dropout: Dropout) -> Tensor:
        return out_dropout(self.linear2(self.dropout(self.activation(self.linear1(x)))))


class TransformerEncoderLayer(_FeedForwardLayer):
    """Post-norm: x = LN₁(x + SA(x)); x = LN₂(x + FF(x)). Pre-norm: x = x + SA(LN₁(x)); x = x + FF(LN₂(x)).

    SA is multi-head self-attention, FF(x) = W₂·Dropout(act(W₁x + b₁)) + b₂, each
    sub-block's output passing through dropout before the residual sum.

    Args:
        d_model: E, model width. nhead: number of attention heads.
        dim_feedforward: hidden width of FF. Default: 2048.
        dropout: dropout in attention weights, FF and on each residual branch. Default: 0.1.
        activation: 'relu', 'gelu' or a callable. Default: 'relu'.
        layer_norm_eps: LayerNorm ε. Default: 1e-5.
        batch_first: (N, L, E) instead of (L, N, E). Default: False.
        norm_first: pre-norm (True) or the original post-norm (False, the seeds'). Default: False.
        bias: biases in the linear layers and LayerNorms. Default: True.

    Shape:
        src: (L, N, E), (N, L, E) with ``batch_first``, or (L, E); output: the same.

    Attributes:
        self_attn (MultiheadAttention), linear1 (E → F), linear2 (F → E), norm1, norm2 (LayerNorm(E)),
        dropout, dropout1, dropout2.
    """

    def __init__(self, d_model: int, nhead: int, dim_feedforward: int = 2048, dropout: float = 0.1,
                 activation: str | Callable = "relu", layer_norm_eps: float = 1e-5, batch_first: bool = False,
                 norm_first: bool = False, bias: bool = True, dtype=None):
        super().__init__()
        self.self_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias, batch_first=batch_first,
                                            dtype=dtype)
        self._build_ff(d_model, dim_feedforward, dropout, activation, layer_norm_eps, norm_first, bias, 2, dtype)

    def _sa_block(self, x: Tensor, attn_mask, key_padding_mask, is_causal: bool, cache) -> Tensor:
        x = self.self_attn(x, x, x, attn_mask=attn_mask, key_padding_mask=key_padding_mask, need_weights=False,
                           is_causal=is_causal, cache=cache)[0]
        return self.dropout1(x)

    def forward(self, src: Tensor, src_mask=None, src_key_padding_mask=None, is_causal: bool = False, *,
                cache: KVCache | None = None) -> Tensor:
        """Encode ``src``; ``src_mask`` (L, S) / (N·h, L, S) and ``src_key_padding_mask`` (N, S) as in
        ``MultiheadAttention``. ``cache``: incremental causal decoding (decoder-only models)."""
        x = src
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), src_mask, src_key_padding_mask, is_causal, cache)
            x = x + self._ff_block(self.norm2(x), self.dropout2)
        else:
            x = self.norm1(x + self._sa_block(x, src_mask, src_key_padding_mask, is_causal, cache))
            x = self.norm2(x + self._ff_block(x, self.dropout2))
        return x


class TransformerDecoderLayer(_FeedForwardLayer):
    """Post-norm: x = LN₁(x + SA(x)); x = LN₂(x + CA(x, m)); x = LN₃(x + FF(x)); pre-norm applies each LN first.

    SA is masked self-attention over the target, CA cross-attention from the target to the
    encoder memory m. Arguments as :class:`TransformerEncoderLayer`.

    Shape:
        tgt: (T, N, E) (batch_first: (N, T, E)); memory: (S, N, E); output: like tgt.
        tgt_mask: (T, T); memory_mask: (T, S); tgt_key_padding_mask: (N, T);
        memory_key_padding_mask: (N, S) — bool True = masked, or float added.

    Attributes:
        self_attn, multihead_attn (MultiheadAttention), linear1, linear2, norm1, norm2, norm3,
        dropout, dropout1, dropout2, dropout3.
    """

    def __init__(self, d_model: int, nhead: int, dim_feedforward: int = 2048, dropout: float = 0.1,
                 activation: str | Callable = "relu", layer_norm_eps: float = 1e-5, batch_first: bool = False,
                 norm_first: bool = False, bias: bool = True, dtype=None):
        super().__init__()
        self.self_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias, batch_first=batch_first,
                                            dtype=dtype)
        self.multihead_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias,
                                                 batch_first=batch_first, dtype=dtype)
        self._build_ff(d_model, dim_feedforward, dropout, activation, layer_norm_eps, norm_first, bias, 3, dtype)

    def _sa_block(self, x, attn_mask, key_padding_mask, is_causal, cache) -> Tensor:
        x = self.self_attn(x, x, x, attn_mask=attn_mask, key_padding_mask=key_padding_mask, need_weights=False,
                           is_causal=is_causal, cache=cache)[0]
        return self.dropout1(x)

    def _mha_block(self, x, mem, attn_mask, key_padding_mask, is_causal, cache) -> Tensor:
        x = self.multihead_attn(x, mem, mem, attn_mask=attn_mask, key_padding_mask=key_padding_mask,
                                need_weights=False, is_causal=is_causal, cache=cache, static_kv=True)[0]
        return self.dropout2(x)

    def forward(self, tgt: Tensor, memory: Tensor, tgt_mask=None, memory_mask=None, tgt_key_padding_mask=None,
                memory_key_padding_mask=None, tgt_is_causal: bool = False, memory_is_causal: bool = False, *,
                cache: KVCache | None = None) -> Tensor:
        """Decode ``tgt`` against ``memory``. With ``cache``, ``tgt`` holds only the new positions:
        self-attention keys/values accumulate in the cache and memory is projected once."""
        x = tgt
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), tgt_mask, tgt_key_padding_mask, tgt_is_causal, cache)
            x = x + self._mha_block(self.norm2(x), memory, memory_mask, memory_key_padding_mask, memory_is_causal,
                                    cache)
            x = x + self._ff_block(self.norm3(x), self.dropout3)
        else:
            x = self.norm1(x + self._sa_block(x, tgt_mask, tgt_key_padding_mask, tgt_is_causal, cache))
            x = self.norm2(x + self._mha_block(x, memory, memory_mask, memory_key_padding_mask, memory_is_causal,
                                               cache))
            x = self.norm3(x + self._ff_block(x, self.dropout3))
        return x


class TransformerEncoder(Module):
    """x_{i+1} = layer_i(x_i) for num_layers deep copies of ``encoder_layer``; then ``norm`` if given.

    Args:
        encoder_layer: the layer to copy (its current values are each copy's start).
        num_layers: the number of copies. norm: final normalization (e.g. for pre-norm). Default: None.
        enable_nested_tensor, mask_check: accepted for PyTorch compatibility (no fast path here).
    """

    def __init__(self, encoder_layer: TransformerEncoderLayer, num_layers: int, norm: Module | None = None,
                 enable_nested_tensor: bool = True, mask_check: bool = True):
        super().__init__()
        self.layers = clones(encoder_layer, num_layers)
        self.num_layers = num_layers
        self.norm = norm

    def forward(self, src: Tensor, mask=None, src_key_padding_mask=None, is_causal: bool | None = None, *,
                cache: KVCache | None = None) -> Tensor:
        out = src
        for layer in self.layers:
            out = layer(out, src_mask=mask, src_key_padding_mask=src_key_padding_mask, is_causal=bool(is_causal),
                        cache=cache)
        return self.norm(out) if self.norm is not None else out


class TransformerDecoder(Module):
    """y_{i+1} = layer_i(y_i, memory) for num_layers deep copies of ``decoder_layer``; then ``norm`` if given."""

    def __init__(self, decoder_layer: TransformerDecoderLayer, num_layers: int, norm: Module | None = None):
        super().__init__()
        self.layers = clones(decoder_layer, num_layers)
        self.num_layers = num_layers
        self.norm = norm

    def forward(self, tgt: Tensor, memory: Tensor, tgt_mask=None, memory_mask=None, tgt_key_padding_mask=None,
                memory_key_padding_mask=None, tgt_is_causal: bool | None = None, memory_is_causal: bool = False, *,
                cache: KVCache | None = None) -> Tensor:
        out = tgt
        for layer in self.layers:
            out = layer(out, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                        tgt_key_padding_mask=tgt_key_padding_mask, memory_key_padding_mask=memory_key_padding_mask,
                        tgt_is_causal=bool(tgt_is_causal), memory_is_causal=memory_is_causal, cache=cache)
        return self.norm(out) if self.norm is not None else out


class Transformer(Module):
    """y = Decoder(tgt, Encoder(src)), the encoder–decoder of "Attention Is All You Need".

    Args:
        d_model: E. Default: 512. nhead: heads. Default: 8.
        num_encoder_layers, num_decoder_layers: Default: 6 each.
        dim_feedforward: Default: 2048. dropout: Default: 0.1. activation: Default: 'relu'.
        custom_encoder, custom_decoder: modules used instead of the default stacks.
        layer_norm_eps: Default: 1e-5. batch_first: Default: False. norm_first: Default: False.
        bias: Default: True. dtype: parameter dtype.

    Shape:
        src: (S, N, E); tgt: (T, N, E) ((N, ·, E) with ``batch_first``); output: (T, N, E).

    Attributes:
        encoder (TransformerEncoder with final LayerNorm ``encoder.norm``), decoder (likewise).
        Every parameter with more than one dim is xavier-uniform initialized, as in PyTorch.
    """

    def __init__(self, d_model: int = 512, nhead: int = 8, num_encoder_layers: int = 6, num_decoder_layers: int = 6,
                 dim_feedforward: int = 2048, dropout: float = 0.1, activation: str | Callable = "relu",
                 custom_encoder: Module | None = None, custom_decoder: Module | None = None,
                 layer_norm_eps: float = 1e-5, batch_first: bool = False, norm_first: bool = False,
                 bias: bool = True, dtype=None):
        super().__init__()
        kw = dict(dim_feedforward=dim_feedforward, dropout=dropout, activation=activation,
                  layer_norm_eps=layer_norm_eps, batch_first=batch_first, norm_first=norm_first, bias=bias, dtype=dtype)
        if custom_encoder is not None:
            self.encoder = custom_encoder
        else:
            self.encoder = TransformerEncoder(TransformerEncoderLayer(d_model, nhead, **kw), num_encoder_layers,
                                              LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype))
        if custom_decoder is not None:
            self.decoder = custom_decoder
        else:
            self.decoder = TransformerDecoder(TransformerDecoderLayer(d_model, nhead, **kw), num_decoder_layers,
                                              LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype))
        self.d_model, self.nhead, self.batch_first = d_model, nhead, batch_first
        self._reset_parameters()

    def _reset_parameters(self) -> None:
        for p in self.parameters():
            if p.ndim > 1:
                init.xavier_uniform_(p)

    generate_square_subsequent_mask = staticmethod(generate_square_subsequent_mask)

    def forward(self, src: Tensor, tgt: Tensor, src_mask=None, tgt_mask=None, memory_mask=None,
                src_key_padding_mask=None, tgt_key_padding_mask=None, memory_key_padding_mask=None,
                src_is_causal: bool | None = None, tgt_is_causal: bool | None = None,
                memory_is_causal: bool = False) -> Tensor:
        """Teacher forcing: ``tgt`` is the target shifted right; pass ``tgt_mask`` =
        ``generate_square_subsequent_mask(T)`` so position t sees only targets before it."""
        bdim = 0 if self.batch_first else 1
        if src.ndim == 3 and src.shape[bdim] != tgt.shape[bdim]:
            raise RuntimeError("Transformer: the batch number of src and tgt must be equal, "
                               f"got shapes {src.shape} and {tgt.shape}")
        if src.shape[-1] != self.d_model or tgt.shape[-1] != self.d_model:
            raise RuntimeError("Transformer: the feature number of src and tgt must be equal to "
                               f"d_model={self.d_model}, "
                               f"got shapes {src.shape} and {tgt.shape}")
        memory = self.encoder(src, mask=src_mask, src_key_padding_mask=src_key_padding_mask, is_causal=src_is_causal)
        return self.decoder(tgt, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                            tgt_key_padding_mask=tgt_key_padding_mask, memory_key_padding_mask=memory_key_padding_mask,
                            tgt_is_causal=tgt_is_causal, memory_is_causal=memory_is_causal)
