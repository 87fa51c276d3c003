"""Seq2seq with attention: a bidirectional LSTM encoder and an LSTM decoder that looks back at the
encoder states with additive (Bahdanau) or dot/general (Luong) attention.

At decoder step t the attention weights α_t = softmax_s(e_{t,s}) over the source positions s
(padding masked to exactly 0) give the context c_t = Σ_s α_{t,s} h_s, a summary of the source
focused where the decoder needs it now. The scoring functions:

- additive (Bahdanau et al. 2015): e_{t,s} = v · tanh(W_s s_{t−1} + W_h h_s), query = the
  decoder state *before* the step; c_t is fed into the LSTM with the previous token and
  the output layer reads [s_t; c_t].
- dot (Luong et al. 2015): e_{t,s} = s_t · h_s; general: e_{t,s} = s_t · W_a h_s; query = the
  decoder state *after* the step; the output layer reads h̃_t = tanh(W_c [c_t; s_t]).
- None: no attention, the RNN encoder–decoder of Cho et al. (2014) that Bahdanau et al.
  compare against: one fixed context c = [→h_S; ←h_1] (the encoder's final states) is
  fed with every input token and read by the output layer, and starts the decoder through
  the bridge s_0 = tanh(W_b c). Everything is as in the additive model except that c does
  not change with t: the whole source must fit in one vector, the bottleneck attention
  removes on long inputs.
"""

from __future__ import annotations

import math

import numpy as np

from nnlab import functional as F
from nnlab import nn
from nnlab.autograd.grad_mode import no_grad
from nnlab.autograd.tensor import Tensor
from nnlab.data.vocab import BOS_ID, EOS_ID, PAD_ID
from nnlab.models.transformers.transformer_models import shift_right
from nnlab.ops.creation import from_numpy
from nnlab.ops.movement import cat, masked_fill, stack

ATTENTIONS = ("additive", "dot", "general", None)


def _array(x) -> np.ndarray:
    return np.asarray(x.array if isinstance(x, Tensor) else x)


class Attention(nn.Module):
    """α = softmax_s(score(q, h_s)) with padding masked out; c = Σ_s α_s h_s.

    Args:
        query_size: Q, the decoder state size. key_size: K, the encoder state size.
        score: ``'additive'`` (v · tanh(W_q q + W_k h)), ``'dot'`` (q · h, needs Q = K) or
            ``'general'`` (q · W_a h). attn_size: A, the additive hidden size (default Q).

    Shape:
        :meth:`prepare` keys (N, S, K) → projected keys; :meth:`forward` query (N, Q), keys (N, S, K),
        projected keys, pad_mask (N, S) bool (True at padding) → context (N, K), weights (N, S).

    Attributes:
        additive: query_proj.weight (A, Q) with bias (A,), key_proj.weight (A, K) no bias,
        v.weight (1, A) no bias; general: key_proj.weight (Q, K) no bias. nn.Linear init.
    """

    def __init__(self, query_size: int, key_size: int, score: str = "additive", attn_size: int | None = None):
        super().__init__()
        if score not in ("additive", "dot", "general"):
            raise ValueError(f"Attention: score must be 'additive', 'dot' or 'general', got {score!r}")
        if score == "dot" and query_size != key_size:
            raise ValueError(f"Attention: dot scores need query size == key size, got {query_size} and {key_size} "
                             "(use 'general' or set dec_hidden = 2 * enc_hidden)")
        self.score, self.query_size, self.key_size = score, query_size, key_size
        if score == "additive":
            attn_size = attn_size or query_size
            self.query_proj = nn.Linear(query_size, attn_size)
            self.key_proj = nn.Linear(key_size, attn_size, bias=False)
            self.v = nn.Linear(attn_size, 1, bias=False)
        elif score == "general":
            self.key_proj = nn.Linear(key_size, query_size, bias=False)

    def prepare(self, keys: Tensor) -> Tensor:
        """The query-independent part, computed once per source: W_h h (additive), W_a h (general), h (dot)."""
        return keys if self.score == "dot" else self.key_proj(keys)

    def scores(self, query: Tensor, projected: Tensor) -> Tensor:
        """Unnormalized e (N, S) of ``query`` (N, Q) against the prepared keys (N, S, ·)."""
        if self.score == "additive":
            hidden = (projected + self.query_proj(query).unsqueeze(1)).tanh()  # (N, S, A)
            return self.v(hidden).squeeze(-1)
        return (projected @ query.unsqueeze(-1)).squeeze(-1)  # (N, S, Q) @ (N, Q, 1)

    def forward(self, query: Tensor, keys: Tensor, projected: Tensor | None = None,
                pad_mask: np.ndarray | None = None) -> tuple[Tensor, Tensor]:
        e = self.scores(query, self.prepare(keys) if projected is None else projected)
        if pad_mask is not None:
            # −inf, not a large negative number: exp gives exactly 0 weight and no gradient there.
            e = masked_fill(e, np.asarray(pad_mask, dtype=bool), -math.inf)
        weights = F.softmax(e, dim=-1)
        context = (weights.unsqueeze(1) @ keys).squeeze(1)  # (N, 1, S) @ (N, S, K)
        return context, weights

    def extra_repr(self) -> str:
        return f"score={self.score!r}, query_size={self.query_size}, key_size={self.key_size}"


class AttentionSeq2Seq(nn.Module):
    """p(y_t | y_<t, x) = softmax(W_o o_t): BiLSTM encoder, LSTMCell decoder, optional attention.

    Args:
        src_vocab: source vocabulary size V_s. tgt_vocab: target vocabulary size V_t.
        emb: embedding size E (default 32). enc_hidden: H_e per direction (default 64).
        dec_hidden: H_d (default 128). attention: ``'additive'`` (default), ``'dot'``,
            ``'general'`` or ``None`` (see the module docstring).
        pad, bos, eos: special ids (default 0, 2, 3, those of ``CharVocab``).

    Shape:
        src (N, S) int64 ``<pad>``-padded; tgt (N, T) int64 (characters, ``<eos>``, ``<pad>``);
        forward → logits (N, T, V_t); greedy_decode → tokens (N, T) and weights (N, T, S).

    Attributes:
        src_embedding.weight (V_s, E), tgt_embedding.weight (V_t, E): N(0, 1);
        encoder: nn.LSTM(E, H_e, bidirectional); bridge_h, bridge_c: Linear(2H_e, H_d);
        cell: nn.LSTMCell(E + 2H_e (additive, None) or E (Luong), H_d); attn: :class:`Attention`;
        combine: Linear(2H_e + H_d, H_d) (Luong only); out: Linear(H_d + 2H_e (additive, None) or H_d, V_t).
    """

    def __init__(self, src_vocab: int, tgt_vocab: int, emb: int = 32, enc_hidden: int = 64, dec_hidden: int = 128,
                 attention: str | None = "additive", pad: int = PAD_ID, bos: int = BOS_ID, eos: int = EOS_ID):
        super().__init__()
        if attention not in ATTENTIONS:
            raise ValueError(f"AttentionSeq2Seq: attention must be one of {ATTENTIONS}, got {attention!r}")
        self.attention, self.pad, self.bos, self.eos = attention, pad, bos, eos
        keys = 2 * enc_hidden
        self.src_embedding = nn.Embedding(src_vocab, emb, padding_idx=pad)
        self.tgt_embedding = nn.Embedding(tgt_vocab, emb, padding_idx=pad)
        self.encoder = nn.LSTM(emb, enc_hidden, batch_first=True, bidirectional=True)
        self.bridge_h = nn.Linear(keys, dec_hidden)
        self.bridge_c = nn.Linear(keys, dec_hidden)
        fed = attention in ("additive", None)  # the context enters the cell and the output layer
        self.cell = nn.LSTMCell(emb + keys if fed else emb, dec_hidden)
        if attention is not None:
            self.attn = Attention(dec_hidden, keys, attention)
        if attention in ("dot", "general"):
            self.combine = nn.Linear(keys + dec_hidden, dec_hidden)
        self.out = nn.Linear(dec_hidden + keys if fed else dec_hidden, tgt_vocab)

    def encode(self, src) -> tuple[Tensor, tuple[Tensor, Tensor], np.ndarray, Tensor]:
        """Encoder states (N, S, 2H_e), the decoder's initial (s_0, m_0), the padding mask (N, S) and the
        fixed context [→h_S; ←h_1] (N, 2H_e)."""
        ids = _array(src).astype(np.int64)
        if ids.ndim != 2:
            raise ValueError(f"AttentionSeq2Seq: src must be (N, S) token ids, got shape {ids.shape}")
        pad_mask = ids == self.pad
        lengths = (~pad_mask).sum(axis=1)
        if lengths.min() == 0:
            raise ValueError("AttentionSeq2Seq: a source sequence is empty (all padding)")
        states, (h_n, c_n) = self.encoder(self.src_embedding(from_numpy(ids)), lengths=lengths)
        final_h = cat([h_n[0], h_n[1]], dim=-1)  # forward's last true step, backward's first step
        final_c = cat([c_n[0], c_n[1]], dim=-1)
        return states, (self.bridge_h(final_h).tanh(), self.bridge_c(final_c).tanh()), pad_mask, final_h

    def _run(self, states: Tensor, hidden: tuple[Tensor, Tensor], pad_mask: np.ndarray, fixed: Tensor, tgt_in,
             steps: int):
        """Unroll the decoder; teacher-forced from ``tgt_in`` (N, T) or greedy when it is None."""
        n = states.shape[0]
        projected = self.attn.prepare(states) if self.attention is not None else None
        token = from_numpy(np.full(n, self.bos, dtype=np.int64))
        logits, weights = [], []
        for t in range(steps):
            e = self.tgt_embedding(token if tgt_in is None else from_numpy(tgt_in[:, t]))
            if self.attention in ("additive", None):
                context, alpha = (fixed, None) if self.attention is None else \
                    self.attn(hidden[0], states, projected, pad_mask)
                hidden = self.cell(cat([e, context], dim=-1), hidden)
                o = cat([hidden[0], context], dim=-1)
            else:
                hidden = self.cell(e, hidden)
                context, alpha = self.attn(hidden[0], states, projected, pad_mask)
                o = self.combine(cat([context, hidden[0]], dim=-1)).tanh()
            step_logits = self.out(o)
            logits.append(step_logits)
            if alpha is not None:
                weights.append(alpha)
            if tgt_in is None:
                token = from_numpy(step_logits.array.argmax(axis=-1).astype(np.int64))
        return stack(logits, dim=1), (stack(weights, dim=1) if weights else None)

    def forward(self, src, tgt) -> Tensor:
        """Teacher forcing: the decoder reads ``<bos>, y_1 … y_{T−1}`` and predicts y_1 … y_T: logits (N, T, V_t)."""
        states, hidden, pad_mask, fixed = self.encode(src)
        tgt_in = shift_right(_array(tgt), bos=self.bos, pad=self.pad)
        return self._run(states, hidden, pad_mask, fixed, tgt_in, tgt_in.shape[1])[0]

    def loss(self, src, tgt) -> Tensor:
        """Mean token cross-entropy over the non-padding target positions."""
        logits = self.forward(src, tgt)
        target = from_numpy(_array(tgt).astype(np.int64).reshape(-1))
        return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), target, ignore_index=self.pad)

    def greedy_decode(self, src, max_len: int) -> tuple[np.ndarray, np.ndarray | None]:
        """Arg-max decoding for ``max_len`` steps: tokens (N, max_len) int64 and weights (N, max_len, S)
        (None without attention); positions after ``<eos>`` are set to ``<pad>``."""
        was_training = self.training
        self.eval()
        try:
            with no_grad():
                states, hidden, pad_mask, fixed = self.encode(src)
                logits, weights = self._run(states, hidden, pad_mask, fixed, None, max_len)
        finally:
            self.train(was_training)
        tokens = logits.array.argmax(axis=-1).astype(np.int64)
        ended = np.cumsum(tokens == self.eos, axis=1) - (tokens == self.eos) > 0
        tokens[ended] = self.pad
        return tokens, (None if weights is None else np.array(weights.array))

    def extra_repr(self) -> str:
        return f"attention={self.attention!r}"
