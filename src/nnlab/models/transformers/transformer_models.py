"""The sequence-to-sequence Transformer of Vaswani et al. (2017, "Attention Is All You Need"),
trained with teacher forcing and decoded greedily or by beam search."""

from __future__ import annotations

import math

import numpy as np

from nnlab import functional as F
from nnlab import nn
from nnlab.autograd.grad_mode import no_grad
from nnlab.autograd.tensor import Tensor
from nnlab.backend import as_dtype
from nnlab.data.vocab import BOS_ID, EOS_ID, PAD_ID
from nnlab.ops.creation import from_numpy



def shift_right(tgt: np.ndarray | Tensor, bos: int = BOS_ID, pad: int = PAD_ID) -> np.ndarray:
    """Decoder input for teacher forcing: ``[<bos>, y_1, ..., y_{T-1}]`` for target ``[y_1, ..., y_T]``.

    At position t the decoder sees the true previous tokens y_<t and is trained to
    predict y_t; the causal mask keeps it from peeking at y_t itself.

    Shape:
        tgt (N, T) int; output (N, T) int64.
    """
    arr = np.asarray(tgt.array if isinstance(tgt, Tensor) else tgt)
    out = np.full(arr.shape, pad, dtype=np.int64)
    out[:, 0] = bos
    out[:, 1:] = arr[:, :-1]  # <eos> becomes an input only where the target there is <pad> (ignored)
    return out


class Seq2SeqTransformer(nn.Module):
    """p(y_t | y_<t, x) = softmax(W_o · Decoder(E_y y_<t·√D + PE, Encoder(E_x x·√D + PE))_t).

    The encoder–decoder Transformer: token embeddings scaled by √D plus sinusoidal
    position encodings, ``nn.Transformer`` (post-norm by default as in the paper;
    ``norm_first=True`` for pre-norm), a causal mask on the decoder's self-attention,
    ``<pad>`` positions masked out as keys, and a Linear generator to the target
    vocabulary. Training is teacher forcing (:func:`shift_right`); inference is
    :meth:`greedy_decode` or :meth:`beam_search`.

    Args:
        src_vocab: V_s, source vocabulary size.
        tgt_vocab: V_t, target vocabulary size.
        d_model: D (default 64).
        nhead: attention heads (default 4).
        layers: encoder and decoder layers each (default 2).
        dim_feedforward: hidden width of the position-wise MLP (default 4·D).
        dropout: dropout rate (default 0.1).
        max_len: longest sequence the position encodings cover (default 256).
        norm_first: pre-norm instead of the paper's post-norm (default False).
        pad: the ``<pad>`` id (default 0); bos, eos: the ``<bos>``/``<eos>`` ids (default 2, 3).
        dtype: parameter dtype (default float32).

    Shape:
        src (N, S) int ids, tgt_in (N, T) int ids; output (N, T, V_t) logits.

    Attributes:
        src_embed: Embedding(V_s, D); tgt_embed: Embedding(V_t, D), both N(0, 1/D) with the
            ``<pad>`` row zero. pos: ``nn.SinusoidalPositionalEncoding`` (no parameters) + dropout.
        transformer: ``nn.Transformer``; generator: Linear(D, V_t).
    """

    def __init__(self, src_vocab: int, tgt_vocab: int, d_model: int = 64, nhead: int = 4, layers: int = 2,
                 dim_feedforward: int | None = None, dropout: float = 0.1, max_len: int = 256,
                 norm_first: bool = False, pad: int = PAD_ID, bos: int = BOS_ID, eos: int = EOS_ID, dtype=None):
        super().__init__()
        dt = as_dtype(dtype)
        self.d_model, self.pad, self.bos, self.eos = int(d_model), int(pad), int(bos), int(eos)
        self.src_embed = nn.Embedding(src_vocab, d_model, padding_idx=pad, dtype=dt)
        self.tgt_embed = nn.Embedding(tgt_vocab, d_model, padding_idx=pad, dtype=dt)
        self.pos = nn.SinusoidalPositionalEncoding(d_model, max_len=max_len, dropout=dropout, batch_first=True,
                                                   dtype=dt)
        self.transformer = nn.Transformer(
            d_model, nhead, num_encoder_layers=layers, num_decoder_layers=layers,
            dim_feedforward=dim_feedforward or 4 * d_model, dropout=dropout, batch_first=True,
            norm_first=norm_first, dtype=dt,
        )  # fmt: skip
        self.generator = nn.Linear(d_model, tgt_vocab, dtype=dt)
        self.scale = math.sqrt(d_model)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Embeddings ~ N(0, 1/D) (so that E·√D is O(1), like the position codes), ``<pad>`` row 0."""
        for emb in (self.src_embed, self.tgt_embed):
            nn.init.normal_(emb.weight, std=self.d_model**-0.5)
            emb.weight.array[self.pad] = 0

    # ---- the two halves -------------------------------------------------------------------------
    def _ids(self, ids, op: str) -> Tensor:
        t = ids if isinstance(ids, Tensor) else from_numpy(np.asarray(ids, dtype=np.int64))
        if t.ndim != 2:
            raise ValueError(f"Seq2SeqTransformer.{op}: expects ids of shape (N, L), got shape {tuple(t.shape)}")
        return t

    def encode(self, src) -> tuple[Tensor, Tensor]:
        """Encoder states (N, S, D) and the source padding mask (N, S), True at ``<pad>``."""
        src = self._ids(src, "encode")
        src_pad = src == self.pad  # an nnlab comparison: exported models compute it from their input
        x = self.pos(self.src_embed(src) * self.scale)
        return self.transformer.encoder(x, src_key_padding_mask=src_pad), src_pad

    def decode(self, tgt_in, memory: Tensor, src_pad: Tensor) -> Tensor:
        """Logits (N, T, V_t) for decoder input ``tgt_in`` (N, T) given the encoder's output."""
        tgt_in = self._ids(tgt_in, "decode")
        T = tgt_in.shape[1]
        causal = nn.Transformer.generate_square_subsequent_mask(T, dtype=memory.dtype)
        y = self.pos(self.tgt_embed(tgt_in) * self.scale)
        h = self.transformer.decoder(y, memory, tgt_mask=causal, tgt_is_causal=True,
                                     memory_key_padding_mask=src_pad)
        return self.generator(h)

    def forward(self, src, tgt_in) -> Tensor:
        memory, src_pad = self.encode(src)
        return self.decode(tgt_in, memory, src_pad)

    def loss(self, src, tgt, label_smoothing: float = 0.0) -> Tensor:
        """Teacher-forced cross-entropy of target ``tgt`` (N, T) (ending in ``<eos>``), ``<pad>`` ignored."""
        tgt_arr = np.asarray(tgt.array if isinstance(tgt, Tensor) else tgt, dtype=np.int64)
        logits = self(src, shift_right(tgt_arr, self.bos, self.pad))
        return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), from_numpy(tgt_arr.reshape(-1)),
                               ignore_index=self.pad, label_smoothing=label_smoothing)

    # ---- decoding -------------------------------------------------------------------------------
    def greedy_decode(self, src, max_len: int = 32) -> np.ndarray:
        """ŷ_t = argmax p(y | ŷ_<t, x), batched, until every row emitted ``<eos>`` or ``max_len``.

        Returns:
            int64 (N, T ≤ max_len) ids without ``<bos>``, each row ``<pad>``-filled after its ``<eos>``.
        """
        was_training = self.training
        self.eval()
        try:
            with no_grad():
                memory, src_pad = self.encode(src)
                N = memory.shape[0]
                ys = np.full((N, 1), self.bos, dtype=np.int64)
                done = np.zeros(N, dtype=bool)
                for _ in range(max_len):
                    logits = self.decode(ys, memory, src_pad).array[:, -1]
                    nxt = np.where(done, self.pad, logits.argmax(-1))
                    ys = np.concatenate([ys, nxt[:, None]], axis=1)
                    done |= nxt == self.eos
                    if done.all():
                        break
        finally:
            self.train(was_training)
        return ys[:, 1:]

    def beam_search(self, src, beam_size: int = 4, max_len: int = 32, alpha: float = 0.7) -> np.ndarray:
        """argmax over beams of (1 / T_y^α) Σ_t log p(y_t | y_<t, x): beam search with length normalization.

        Each source row is decoded separately with its ``beam_size`` hypotheses batched;
        a hypothesis that emits ``<eos>`` is set aside with its normalized score (α = 0: raw
        log-probability, which favours short outputs; α = 1: per-token average), while the
        ``beam_size`` best open ones continue. Search stops at ``max_len`` or as soon as no
        open hypothesis can still beat the best finished one. (Self-contained and
        specific to this model; a general beam search over any decoder belongs with the
        decoding utilities of ``nnlab.text``.)

        Returns:
            int64 (N, T) best hypotheses, ``<eos>``-terminated, ``<pad>``-filled.
        """
        if beam_size < 1:
            raise ValueError(f"beam_search: beam_size must be ≥ 1, got {beam_size}")
        src = self._ids(src, "beam_search")
        was_training = self.training
        self.eval()
        results = []
        try:
            with no_grad():
                for row in src.array:
                    results.append(self._beam_one(row[None], beam_size, max_len, alpha))
        finally:
            self.train(was_training)
        width = max(len(r) for r in results)
        out = np.full((len(results), width), self.pad, dtype=np.int64)
        for i, r in enumerate(results):
            out[i, : len(r)] = r
        return out

    def _beam_one(self, src_row: np.ndarray, k: int, max_len: int, alpha: float) -> list[int]:
        memory, src_pad = self.encode(src_row)
        beams = np.full((1, 1), self.bos, dtype=np.int64)
        scores = np.zeros(1, dtype=np.float64)
        finished: list[tuple[float, list[int]]] = []
        for t in range(1, max_len + 1):
            n = len(beams)
            mem = from_numpy(np.broadcast_to(memory.array, (n,) + memory.shape[1:]))
            pad = from_numpy(np.broadcast_to(src_pad.array, (n,) + src_pad.shape[1:]))
            logp = F.log_softmax(self.decode(beams, mem, pad)[:, -1], dim=-1).array.astype(np.float64)
            V = logp.shape[1]
            cand = (scores[:, None] + logp).ravel()
            keep_beams, keep_scores = [], []
            for rank, idx in enumerate(np.argsort(-cand, kind="stable")[: 2 * k]):
                b, tok = divmod(int(idx), V)
                if tok == self.eos:
                    if rank < k:  # only hypotheses that would have made the beam may finish
                        finished.append((cand[idx] / t**alpha, beams[b][1:].tolist() + [self.eos]))
                elif len(keep_beams) < k:
                    keep_beams.append(np.append(beams[b], tok))
                    keep_scores.append(cand[idx])
            if not keep_beams:
                break
            beams, scores = np.stack(keep_beams), np.array(keep_scores)
            # Log-probabilities only fall as a hypothesis grows, so r / max_len^α bounds any open
            # hypothesis's final normalized score: stop once a finished one is at least that good.
            if finished and max(f[0] for f in finished) >= scores.max() / max_len**alpha:
                break
        if not finished:  # nothing ended within max_len: take the best open hypothesis
            finished = [(s / max_len**alpha, b[1:].tolist()) for s, b in zip(scores, beams)]
        return max(finished, key=lambda f: f[0])[1]


def exact_match_rows(pred: np.ndarray, tgt: np.ndarray, eos: int = EOS_ID) -> np.ndarray:
    """Per row, whether the prediction equals the target up to and including ``<eos>`` (bool (N,))."""
    def cut(row) -> tuple:
        row = [int(v) for v in row]
        return tuple(row[: row.index(eos) + 1]) if eos in row else tuple(row)

    tgt = np.asarray(tgt)
    if len(pred) != len(tgt):
        raise ValueError(f"exact_match: {len(pred)} predictions for {len(tgt)} targets")
    return np.array([cut(p) == cut(t) for p, t in zip(pred, tgt)], dtype=bool)


def exact_match(pred: np.ndarray, tgt: np.ndarray, eos: int = EOS_ID) -> float:
    """Fraction of rows whose prediction equals the target up to and including ``<eos>``."""
    return float(np.mean(exact_match_rows(pred, tgt, eos)))
