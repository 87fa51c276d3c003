"""GPT (Radford et al., 2018, "Improving Language Understanding by Generative Pre-Training"; GPT-2,
2019): a decoder-only Transformer language model with causal self-attention, learned positions and
tied input/output embeddings, generating with a key/value cache."""

from __future__ import annotations

import math

import numpy as np

from nnlab import functional as F
from nnlab import nn
from nnlab.autograd.grad_mode import no_grad
from nnlab.autograd.tensor import Tensor
from nnlab.backend import as_dtype
from nnlab.models.sampling import sample_next
from nnlab.ops.creation import from_numpy

#: Published configurations: GPT-2 (Radford et al., 2019, Table 2; V = 50,257, context 1024) and
#: GPT-3 175B (Brown et al., 2020, Table 2.1; context 2048). Keys are ``GPT``'s arguments.
GPT_CONFIGS: dict[str, dict[str, int]] = {
    "gpt2": dict(vocab_size=50257, max_len=1024, d_model=768, layers=12, nhead=12),
    "gpt2-medium": dict(vocab_size=50257, max_len=1024, d_model=1024, layers=24, nhead=16),
    "gpt2-large": dict(vocab_size=50257, max_len=1024, d_model=1280, layers=36, nhead=20),
    "gpt2-xl": dict(vocab_size=50257, max_len=1024, d_model=1600, layers=48, nhead=25),
    "gpt3-175b": dict(vocab_size=50257, max_len=2048, d_model=12288, layers=96, nhead=96),
}


class GPT(nn.Module):
    """p(x_{t+1} | x_≤t) = softmax(W_e · LN(Blocks(E x + P))_t), Blocks causal pre-norm Transformer layers.

    Each block is ``nn.TransformerEncoderLayer(norm_first=True, activation="gelu")`` run with
    a causal mask, so position t attends to positions ≤ t only; a final LayerNorm follows
    (GPT-2's layout). With ``tie_weights`` the output projection reuses the token embedding
    matrix (Press & Wolf, 2017). Weights are initialized N(0, 0.02²), biases 0, and the
    projections that write into the residual stream (attention ``out_proj``, ``linear2``)
    scaled by 1/√(2·layers) as in GPT-2.

    Args:
        vocab_size: V.
        d_model: D (default 128). nhead: heads (default 4). layers: blocks (default 4).
        max_len: context length, the number of learned positions (default 256).
        dim_feedforward: MLP width (default 4·D). dropout: default 0.1.
        tie_weights: share the output projection with the token embedding (default True).
        dtype: parameter dtype (default float32).

    Shape:
        ids (N, T) int with T ≤ max_len; output (N, T, V) logits.

    Attributes:
        tok_embed: Embedding(V, D). pos_embed: ``nn.LearnedPositionalEmbedding(max_len, D)``.
        blocks: ``nn.TransformerEncoder`` of ``layers`` pre-norm layers with final LayerNorm ``blocks.norm``.
        lm_head: Linear(D, V, bias=False), its weight ``tok_embed.weight`` when tied.
    """

    def __init__(self, vocab_size: int, d_model: int = 128, nhead: int = 4, layers: int = 4, max_len: int = 256,
                 dim_feedforward: int | None = None, dropout: float = 0.1, tie_weights: bool = True, dtype=None):
        super().__init__()
        dt = as_dtype(dtype)
        self.vocab_size, self.max_len, self.tie_weights = int(vocab_size), int(max_len), bool(tie_weights)
        self.tok_embed = nn.Embedding(vocab_size, d_model, dtype=dt)
        self.pos_embed = nn.LearnedPositionalEmbedding(max_len, d_model, dropout=dropout, batch_first=True, dtype=dt)
        block = nn.TransformerEncoderLayer(d_model, nhead, dim_feedforward=dim_feedforward or 4 * d_model,
                                           dropout=dropout, activation="gelu", batch_first=True, norm_first=True,
                                           dtype=dt)
        self.blocks = nn.TransformerEncoder(block, layers, norm=nn.LayerNorm(d_model, dtype=dt))
        self.lm_head = nn.Linear(d_model, vocab_size, bias=False, dtype=dt)
        if tie_weights:
            self.lm_head.weight = self.tok_embed.weight
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """GPT-2's init: N(0, 0.02²) weights, zero biases, residual projections × 1/√(2·layers)."""
        depth_scale = 1.0 / math.sqrt(2 * len(self.blocks.layers))
        for name, p in self.named_parameters():
            if p.ndim >= 2:
                std = 0.02 * (depth_scale if name.endswith(("out_proj.weight", "linear2.weight")) else 1.0)
                nn.init.normal_(p, std=std)
            elif "norm" in name:
                nn.init.ones_(p) if name.endswith("weight") else nn.init.zeros_(p)
            else:
                nn.init.zeros_(p)

    def num_parameters(self) -> int:
        """The number of distinct parameters of this model (a tied matrix counted once)."""
        return sum(p.numel() for p in self.parameters())

    @staticmethod
    def count_parameters(vocab_size: int, d_model: int = 128, layers: int = 4, max_len: int = 256,
                         dim_feedforward: int | None = None, tie_weights: bool = True, nhead: int | None = None) -> int:
        """Parameters of ``GPT(...)`` without building it: V·D + T·D + layers·(4D² + 2DF + 9D + F) + 2D (+ V·D untied).

        Per block: two LayerNorms (2·2D), attention in/out projections (4D² + 4D), the MLP
        (2DF + D + F); with F = 4D a block holds 12D² + 13D. The head count does not change
        the count (``nhead`` is accepted so a ``GPT_CONFIGS`` entry can be passed as is).
        ``num_parameters()`` of a built model gives the same number (checked in the tests).
        """
        V, D, T, F_ = int(vocab_size), int(d_model), int(max_len), int(dim_feedforward or 4 * d_model)
        block = 2 * 2 * D + 4 * D * D + 4 * D + 2 * D * F_ + D + F_
        return V * D + T * D + int(layers) * block + 2 * D + (0 if tie_weights else V * D)

    def _check(self, ids) -> Tensor:
        t = ids if isinstance(ids, Tensor) else from_numpy(np.asarray(ids, dtype=np.int64))
        if t.ndim != 2:
            raise ValueError(f"GPT: expects token ids of shape (N, T), got shape {tuple(t.shape)}")
        return t

    def forward(self, ids, cache: nn.KVCache | None = None) -> Tensor:
        """Logits for every position. With ``cache`` (inference only), ``ids`` are the *new*
        tokens following the ``cache.seq_len`` already cached ones."""
        ids = self._check(ids)
        offset = 0 if cache is None else cache.seq_len
        T = ids.shape[1]
        if offset + T > self.max_len:
            raise ValueError(f"GPT: positions {offset}..{offset + T - 1} exceed max_len={self.max_len}")
        x = self.pos_embed(self.tok_embed(ids), offset=offset)
        if cache is None:
            mask = nn.Transformer.generate_square_subsequent_mask(T, dtype=x.dtype)
            h = self.blocks(x, mask=mask, is_causal=True)
        else:
            h = self.blocks(x, cache=cache)  # the cache's attention is causal over old + new positions
        return self.lm_head(h)

    def loss(self, ids) -> Tensor:
        """Mean next-token cross-entropy: predict ids[:, 1:] from ids[:, :-1]. exp(loss) = perplexity."""
        ids = self._check(ids)
        logits = self(ids[:, :-1])
        return F.cross_entropy(logits.reshape(-1, self.vocab_size), ids[:, 1:].reshape(-1))

    def generate(self, ids, max_new_tokens: int, strategy: str = "sample", temperature: float = 1.0,
                 top_k: int | None = None, top_p: float | None = None, use_cache: bool = True,
                 generator: np.random.Generator | None = None) -> np.ndarray:
        """Extend the prompt ``ids`` (N, T₀) by ``max_new_tokens`` tokens, returning (N, T₀ + m) int64.

        Each token is ``nnlab.text.sample_next`` of the last position's logits (``strategy``
        ``"greedy"`` or ``"sample"`` with temperature/top-k/top-p). With ``use_cache`` the
        prompt is read once into an ``nn.KVCache`` and every later step feeds a single token
        (O(t) work per step); without it the whole sequence is recomputed each step (O(t²)),
        giving the same logits. The context is limited to ``max_len`` tokens.
        """
        arr = np.array(self._check(ids).array, dtype=np.int64)
        if arr.shape[1] < 1:
            raise ValueError("GPT.generate: the prompt must hold at least one token")
        if arr.shape[1] + max_new_tokens > self.max_len:
            raise ValueError(f"GPT.generate: prompt {arr.shape[1]} + {max_new_tokens} new tokens exceed "
                             f"max_len={self.max_len}")
        pick = dict(strategy=strategy, temperature=temperature, top_k=top_k, top_p=top_p, generator=generator)
        was_training = self.training
        self.eval()
        try:
            with no_grad():
                cache = nn.KVCache() if use_cache else None
                step_input = arr
                for _ in range(max_new_tokens):
                    logits = self(step_input, cache=cache).array[:, -1]
                    nxt = sample_next(logits, **pick).reshape(-1, 1)
                    arr = np.concatenate([arr, nxt], axis=1)
                    step_input = nxt if use_cache else arr
        finally:
            self.train(was_training)
        return arr
