"""BERT (Devlin et al., 2019, "BERT: Pre-training of Deep Bidirectional Transformers for Language
Understanding"): a Transformer encoder pretrained by masked language modelling and next-sentence
prediction, then fine-tuned with one small head per task."""

from __future__ import annotations

import numpy as np

from nnlab import functional as F
from nnlab import nn
from nnlab.autograd.tensor import Tensor
from nnlab.backend import as_dtype
from nnlab.data.masking import IGNORE_INDEX, mask_tokens  # noqa: F401 - re-exported: the data BERT trains on
from nnlab.ops.creation import as_tensor, from_numpy



def _ids(x, op: str) -> Tensor:
    t = x if isinstance(x, Tensor) else from_numpy(np.asarray(x, dtype=np.int64))
    if t.ndim != 2:
        raise ValueError(f"{op}: expects token ids of shape (N, L), got shape {tuple(t.shape)}")
    return t


class BertEmbeddings(nn.Module):
    """e = LayerNorm(E_tok[x] + E_pos[t] + E_seg[s]), then dropout.

    Args:
        vocab_size: V. d_model: D. max_len: longest input (default 64).
        type_vocab_size: number of segments (default 2: sentence A, sentence B).
        dropout: default 0.1. pad: the [PAD] id (default 0).

    Shape:
        input_ids, token_type_ids (N, L); output (N, L, D).

    Attributes:
        word_embeddings (V, D), position_embeddings (max_len, D), token_type_embeddings
        (type_vocab_size, D): all N(0, 0.02²) as in BERT. LayerNorm (D,).
    """

    def __init__(self, vocab_size: int, d_model: int, max_len: int = 64, type_vocab_size: int = 2,
                 dropout: float = 0.1, pad: int = 0, dtype=None):
        super().__init__()
        self.word_embeddings = nn.Embedding(vocab_size, d_model, padding_idx=pad, dtype=dtype)
        self.position_embeddings = nn.Embedding(max_len, d_model, dtype=dtype)
        self.token_type_embeddings = nn.Embedding(type_vocab_size, d_model, dtype=dtype)
        self.LayerNorm = nn.LayerNorm(d_model, eps=1e-12, dtype=dtype)
        self.dropout = nn.Dropout(dropout)
        self.max_len = int(max_len)

    def forward(self, input_ids: Tensor, token_type_ids: Tensor) -> Tensor:
        L = input_ids.shape[1]
        if L > self.max_len:
            raise ValueError(f"BertEmbeddings: input length {L} exceeds max_len={self.max_len}")
        pos = from_numpy(np.arange(L, dtype=np.int64)[None, :])
        e = self.word_embeddings(input_ids) + self.position_embeddings(pos) + self.token_type_embeddings(token_type_ids)
        return self.dropout(self.LayerNorm(e))


class BertModel(nn.Module):
    """(H, pooled) = (Encoder(BertEmbeddings(x, s)), tanh(W_p H_[CLS] + b_p)).

    A post-norm Transformer encoder (GELU MLP) over [CLS] A [SEP] (B [SEP]) with segment
    embeddings; [PAD] positions are masked out as keys. ``pooled`` summarizes the
    sequence through the [CLS] position for sentence-level heads.

    Args:
        vocab_size: V.
        d_model: D (default 64). nhead: heads (default 4). layers: encoder layers (default 2).
        dim_feedforward: MLP width (default 4·D). max_len: longest input (default 64).
        type_vocab_size: segments (default 2). dropout: default 0.1. pad: [PAD] id (default 0).
        norm_first: pre-norm layers plus a final LayerNorm (default False: BERT's post-norm).
        init_std: std of the weight init (default 0.02·√(768/D), BERT's 0.02 at D = 768).
        dtype: parameter dtype (default float32).

    Shape:
        input_ids (N, L); token_type_ids (N, L) (default zeros); attention_mask (N, L), 1
        for real tokens (default: ``input_ids != pad``). Output: (N, L, D) and (N, D).

    Attributes:
        embeddings: :class:`BertEmbeddings`. encoder: ``nn.TransformerEncoder``.
        pooler: Linear(D, D) followed by tanh.
    """

    def __init__(self, vocab_size: int, d_model: int = 64, nhead: int = 4, layers: int = 2,
                 dim_feedforward: int | None = None, max_len: int = 64, type_vocab_size: int = 2,
                 dropout: float = 0.1, pad: int = 0, norm_first: bool = False, init_std: float | None = None, dtype=None):
        super().__init__()
        dt = as_dtype(dtype)
        # BERT's N(0, 0.02²) was tuned for D = 768; at D = 64 it shrinks every sublayer's output
        # ~3.5× relative to the residual, the [CLS] state barely depends on the input and NSP
        # never leaves chance. Keep BERT's per-layer gain instead: std = 0.02·√(768/D).
        init_std = 0.02 * (768 / d_model) ** 0.5 if init_std is None else float(init_std)
        self.config = dict(vocab_size=vocab_size, d_model=d_model, nhead=nhead, layers=layers,
                           dim_feedforward=dim_feedforward or 4 * d_model, max_len=max_len,
                           type_vocab_size=type_vocab_size, dropout=dropout, pad=pad,
                           norm_first=norm_first, init_std=init_std)
        self.pad = int(pad)
        self.embeddings = BertEmbeddings(vocab_size, d_model, max_len, type_vocab_size, dropout, pad, dtype=dt)
        layer = nn.TransformerEncoderLayer(d_model, nhead, dim_feedforward=dim_feedforward or 4 * d_model,
                                           dropout=dropout, activation="gelu", batch_first=True,
                                           norm_first=norm_first, dtype=dt)
        # Pre-norm layers leave the residual stream unnormalized: a final LayerNorm closes it.
        final = nn.LayerNorm(d_model, dtype=dt) if norm_first else None
        self.encoder = nn.TransformerEncoder(layer, layers, norm=final)
        self.pooler = nn.Linear(d_model, d_model, dtype=dt)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """BERT's init: embeddings and Linear weights N(0, init_std²), biases 0, LayerNorms (1, 0)."""
        for name, p in self.named_parameters():
            if p.ndim >= 2:
                nn.init.normal_(p, std=self.config["init_std"])
            elif "norm" in name.lower() and name.endswith("weight"):
                nn.init.ones_(p)
            else:
                nn.init.zeros_(p)
        pad_row = self.embeddings.word_embeddings.weight.array[self.pad]
        pad_row[...] = 0

    def forward(self, input_ids, token_type_ids=None, attention_mask=None) -> tuple[Tensor, Tensor]:
        input_ids = _ids(input_ids, "BertModel")
        types = from_numpy(np.zeros(input_ids.shape, np.int64)) if token_type_ids is None else _ids(
            token_type_ids, "BertModel")
        if types.shape != input_ids.shape:
            raise ValueError(f"BertModel: token_type_ids shape {tuple(types.shape)} != input_ids shape "
                             f"{tuple(input_ids.shape)}")
        # Compared with nnlab's ops (recorded), so an exported model masks the [PAD]s of its input.
        if attention_mask is None:
            pad_mask = input_ids == self.pad
        else:
            pad_mask = as_tensor(attention_mask) == 0
        h = self.encoder(self.embeddings(input_ids, types), src_key_padding_mask=pad_mask)
        return h, F.tanh(self.pooler(h[:, 0]))


class BertForPreTraining(nn.Module):
    """MLM logits = W_e · LN(gelu(W_t H)) + b (W_e tied to the token embeddings); NSP logits = W_n · pooled.

    Args:
        bert: the :class:`BertModel` to pretrain (or None to build one from ``**kwargs``).
        **kwargs: passed to :class:`BertModel` when ``bert`` is None.

    Shape:
        input_ids, token_type_ids (N, L); output (N, L, V) MLM logits and (N, 2) NSP logits
        (class 0 = "B follows A", 1 = "B is random", as in BERT).

    Attributes:
        bert; mlm_transform: Linear(D, D); mlm_norm: LayerNorm(D); mlm_decoder: Linear(D, V)
        whose weight *is* ``bert.embeddings.word_embeddings.weight``; nsp: Linear(D, 2).
    """

    def __init__(self, bert: BertModel | None = None, **kwargs):
        super().__init__()
        self.bert = bert if bert is not None else BertModel(**kwargs)
        D, V = self.bert.config["d_model"], self.bert.config["vocab_size"]
        dt = self.bert.pooler.weight.dtype
        self.mlm_transform = nn.Linear(D, D, dtype=dt)
        self.mlm_norm = nn.LayerNorm(D, eps=1e-12, dtype=dt)
        self.mlm_decoder = nn.Linear(D, V, dtype=dt)
        self.mlm_decoder.weight = self.bert.embeddings.word_embeddings.weight
        nn.init.zeros_(self.mlm_decoder.bias)
        self.nsp = nn.Linear(D, 2, dtype=dt)

    def forward(self, input_ids, token_type_ids=None, attention_mask=None) -> tuple[Tensor, Tensor]:
        h, pooled = self.bert(input_ids, token_type_ids, attention_mask)
        mlm = self.mlm_decoder(self.mlm_norm(F.gelu(self.mlm_transform(h))))
        return mlm, self.nsp(pooled)

    def loss(self, input_ids, token_type_ids, mlm_labels, nsp_labels) -> tuple[Tensor, Tensor]:
        """(MLM cross-entropy over the picked positions, NSP cross-entropy)."""
        mlm, nsp = self(input_ids, token_type_ids)
        labels = np.asarray(mlm_labels, dtype=np.int64).reshape(-1)
        mlm_loss = F.cross_entropy(mlm.reshape(-1, mlm.shape[-1]), from_numpy(labels), ignore_index=IGNORE_INDEX)
        nsp_loss = F.cross_entropy(nsp, from_numpy(np.asarray(nsp_labels, dtype=np.int64)))
        return mlm_loss, nsp_loss
