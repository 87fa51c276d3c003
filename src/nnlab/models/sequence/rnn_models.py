"""Recurrent models: language models (an RNN/LSTM LM, Bengio's neural LM) and the RNN shapes —
many-to-one classifier, one-to-many generator, many-to-many tagger, encoder–decoder — and a forecaster.

All recurrent parts are ``nn.RNN`` / ``nn.GRU`` / ``nn.LSTM`` with ``batch_first=True``:
inputs are (N, L, ...) and the models' outputs keep that layout.
"""

from __future__ import annotations

import numpy as np

from nnlab import nn
from nnlab.autograd.grad_mode import no_grad
from nnlab.autograd.tensor import Tensor
from nnlab.ops.creation import from_numpy
from nnlab.ops.movement import cat, stack

__all__ = ["make_rnn", "RNNLanguageModel", "char_lstm", "BengioNLM", "SequenceClassifier", "SequenceTagger",
           "SequenceGenerator", "RNNEncoderDecoder", "RNNForecaster"]

_RNN_TYPES = {"rnn": "RNN", "rnn_tanh": "RNN", "rnn_relu": "RNN", "gru": "GRU", "lstm": "LSTM"}


def make_rnn(rnn_type: str, input_size: int, hidden_size: int, num_layers: int = 1, dropout: float = 0.0,
             bidirectional: bool = False) -> nn.Module:
    """``nn.RNN`` (``'rnn'``/``'rnn_tanh'``/``'rnn_relu'``), ``nn.GRU`` (``'gru'``) or ``nn.LSTM`` (``'lstm'``), batch first."""
    key = rnn_type.lower()
    if key not in _RNN_TYPES:
        raise ValueError(f"make_rnn: rnn_type must be one of {sorted(_RNN_TYPES)}, got {rnn_type!r}")
    kwargs = dict(num_layers=num_layers, batch_first=True, dropout=dropout if num_layers > 1 else 0.0,
                  bidirectional=bidirectional)
    if key == "rnn_relu":
        kwargs["nonlinearity"] = "relu"
    return getattr(nn, _RNN_TYPES[key])(input_size, hidden_size, **kwargs)


def _h(hidden):
    """The h part of a state: h_n itself, or h_n of an LSTM's (h_n, c_n)."""
    return hidden[0] if isinstance(hidden, tuple) else hidden


def _last_layer_state(hidden, num_directions: int) -> Tensor:
    """h_n of the top layer, both directions concatenated: (N, num_directions · H)."""
    h = _h(hidden)
    return cat([h[h.shape[0] - num_directions + d] for d in range(num_directions)], dim=-1)


class RNNLanguageModel(nn.Module):
    """p(x_{t+1} | x_≤t) = softmax(W h_t + b), h_t = RNN(E x_1 … E x_t): a word- or character-level LM.

    Args:
        vocab_size: V.
        embedding_dim: D, size of the token embeddings. Default: 64.
        hidden_size: H. Default: 128.
        num_layers: stacked recurrent layers. Default: 1.
        rnn_type: ``'lstm'``, ``'gru'``, ``'rnn'`` (tanh) or ``'rnn_relu'``. Default: ``'lstm'``.
        dropout: on the embeddings, between layers and before the decoder. Default: 0.
        tie_weights: share the decoder weight with the embedding (needs H = D). Default: False.

    Shape:
        input: (N, L) int64 tokens and an optional state; output: ``(logits (N, L, V), state)``.

    Attributes:
        embedding: ``nn.Embedding(V, D)``; rnn: the recurrent stack; decoder: ``nn.Linear(H, V)``.
    """

    def __init__(self, vocab_size: int, embedding_dim: int = 64, hidden_size: int = 128, num_layers: int = 1,
                 rnn_type: str = "lstm", dropout: float = 0.0, tie_weights: bool = False) -> None:
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embedding_dim)
        self.rnn = make_rnn(rnn_type, embedding_dim, hidden_size, num_layers, dropout)
        self.drop = nn.Dropout(dropout)
        self.decoder = nn.Linear(hidden_size, vocab_size)
        if tie_weights:
            if hidden_size != embedding_dim:
                raise ValueError(f"RNNLanguageModel: tie_weights needs hidden_size == embedding_dim, "
                                 f"got {hidden_size} and {embedding_dim}")
            self.decoder.weight = self.embedding.weight
        self.vocab_size, self.rnn_type = vocab_size, rnn_type

    def forward(self, x: Tensor, hidden=None):
        out, hidden = self.rnn(self.drop(self.embedding(x)), hidden)
        return self.decoder(self.drop(out)), hidden


def char_lstm(vocab_size: int, embedding_dim: int = 32, hidden_size: int = 128, num_layers: int = 1,
              dropout: float = 0.0) -> RNNLanguageModel:
    """A character-level LSTM language model: ``RNNLanguageModel(..., rnn_type='lstm')``."""
    return RNNLanguageModel(vocab_size, embedding_dim, hidden_size, num_layers, "lstm", dropout)


class BengioNLM(nn.Module):
    """y = b + W x + U tanh(d + H x), x = [C(w_{t−n}); …; C(w_{t−1})]: Bengio et al.'s (2003) neural LM.

    The rows of the embedding C are the word vectors the model learns: words used in the
    same contexts get nearby rows because they must produce the same predictions.

    Args:
        vocab_size: V.
        context_size: n, the number of previous words read.
        embedding_dim: D, the word-vector size. Default: 30.
        hidden_size: the tanh layer's width. Default: 50.
        direct: add the direct connections W x from the embeddings to the output. Default: False.
        embedding_std: the embedding's init is N(0, embedding_std²); small, so the similarity
            that training builds is not buried under the random start. Default: 0.1.

    Shape:
        input: (N, n) int64 context words; output: (N, V) logits of the next word.

    Attributes:
        embedding: C, ``nn.Embedding(V, D)``, init N(0, embedding_std²). hidden: H and d, ``nn.Linear(n·D, hidden_size)``.
        output: U and b, ``nn.Linear(hidden_size, V)``. direct: W, ``nn.Linear(n·D, V, bias=False)`` or None.
    """

    def __init__(self, vocab_size: int, context_size: int, embedding_dim: int = 30, hidden_size: int = 50,
                 direct: bool = False, embedding_std: float = 0.1) -> None:
        super().__init__()
        self.context_size, self.embedding_dim = context_size, embedding_dim
        self.embedding = nn.Embedding(vocab_size, embedding_dim)
        nn.init.normal_(self.embedding.weight, std=embedding_std)
        self.hidden = nn.Linear(context_size * embedding_dim, hidden_size)
        self.output = nn.Linear(hidden_size, vocab_size)
        self.direct = nn.Linear(context_size * embedding_dim, vocab_size, bias=False) if direct else None

    def forward(self, context: Tensor) -> Tensor:
        if context.ndim != 2 or context.shape[1] != self.context_size:
            raise ValueError(f"BengioNLM: expected (N, {self.context_size}) context words, got {tuple(context.shape)}")
        x = self.embedding(context).reshape(context.shape[0], -1)
        y = self.output(self.hidden(x).tanh())
        return y + self.direct(x) if self.direct is not None else y

    def word_vectors(self) -> np.ndarray:
        """A copy of the embedding matrix C, (V, D): row i is the vector of word i."""
        return self.embedding.weight.array.copy()


class SequenceClassifier(nn.Module):
    """ŷ = W h_L + b with h_L the final state of an RNN over x_1 … x_L: many-to-one.

    Args:
        input_size: features per step (or the embedding size when ``vocab_size`` is given).
        hidden_size: H.
        num_classes: C (1 for a regression or a binary logit).
        rnn_type: see :func:`make_rnn`. Default: ``'gru'``.
        num_layers: Default: 1.
        bidirectional: read both ways and concatenate both final states. Default: False.
        vocab_size: when given, the input is token indices embedded to ``input_size``. Default: None.

    Shape:
        input: (N, L, input_size) floats or (N, L) tokens, optional lengths (N,); output: (N, C).
    """

    def __init__(self, input_size: int, hidden_size: int, num_classes: int, rnn_type: str = "gru",
                 num_layers: int = 1, bidirectional: bool = False, vocab_size: int | None = None) -> None:
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, input_size) if vocab_size is not None else None
        self.rnn = make_rnn(rnn_type, input_size, hidden_size, num_layers, bidirectional=bidirectional)
        self.num_directions = 2 if bidirectional else 1
        self.head = nn.Linear(self.num_directions * hidden_size, num_classes)

    def forward(self, x: Tensor, lengths=None) -> Tensor:
        if self.embedding is not None:
            x = self.embedding(x)
        _, hidden = self.rnn(x, lengths=lengths) if lengths is not None else self.rnn(x)
        return self.head(_last_layer_state(hidden, self.num_directions))


class SequenceTagger(nn.Module):
    """ŷ_t = W h_t + b for every step t: many-to-many, aligned (one label per input step).

    Args: as :class:`SequenceClassifier`.

    Shape:
        input: (N, L, input_size) floats or (N, L) tokens, optional lengths (N,); output: (N, L, C).
    """

    def __init__(self, input_size: int, hidden_size: int, num_classes: int, rnn_type: str = "gru",
                 num_layers: int = 1, bidirectional: bool = False, vocab_size: int | None = None) -> None:
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, input_size) if vocab_size is not None else None
        self.rnn = make_rnn(rnn_type, input_size, hidden_size, num_layers, bidirectional=bidirectional)
        self.head = nn.Linear((2 if bidirectional else 1) * hidden_size, num_classes)

    def forward(self, x: Tensor, lengths=None) -> Tensor:
        if self.embedding is not None:
            x = self.embedding(x)
        out, _ = self.rnn(x, lengths=lengths) if lengths is not None else self.rnn(x)
        return self.head(out)


def _initial_state(rnn: nn.Module, h0: Tensor):
    """The (1, N, H) state from h0 (N, H); an LSTM gets a zero cell state beside it."""
    h = h0.unsqueeze(0)
    return (h, from_numpy(np.zeros_like(h.array))) if isinstance(rnn, nn.LSTM) else h


class _Decoder(nn.Module):
    """The shared decoding loop: read token y_{t−1}, update the state, emit logits for y_t."""

    def _decode(self, state, first: Tensor, targets: Tensor | None, steps: int) -> Tensor:
        if targets is not None:  # teacher forcing: the inputs are the targets shifted right behind ``first``
            inputs = cat([first.unsqueeze(1), targets[:, :-1]], dim=1)
            out, _ = self.decoder(self.embedding(inputs), state)
            return self.head(out)
        logits, token = [], first
        for _ in range(steps):
            out, state = self.decoder(self.embedding(token.unsqueeze(1)), state)
            step_logits = self.head(out[:, 0])
            logits.append(step_logits)
            token = from_numpy(step_logits.array.argmax(axis=-1).astype(np.int64))
        return stack(logits, dim=1)


class SequenceGenerator(_Decoder):
    """h_0 = tanh(W_z z + b), y_t ~ softmax(U h_t), x_{t+1} = E y_t: one-to-many, from one vector z.

    Args:
        input_size: size of z.
        vocab_size: V, output tokens.
        hidden_size: H.
        embedding_dim: size of the fed-back token embeddings. Default: 16.
        rnn_type: see :func:`make_rnn`. Default: ``'gru'``.
        start_index: the token fed at the first step. Default: 0.

    Shape:
        input: z (N, input_size), targets (N, T) for teacher forcing or ``steps`` = T; output: (N, T, V).
    """

    def __init__(self, input_size: int, vocab_size: int, hidden_size: int, embedding_dim: int = 16,
                 rnn_type: str = "gru", start_index: int = 0) -> None:
        super().__init__()
        self.init = nn.Linear(input_size, hidden_size)
        self.embedding = nn.Embedding(vocab_size, embedding_dim)
        self.decoder = make_rnn(rnn_type, embedding_dim, hidden_size)
        self.head = nn.Linear(hidden_size, vocab_size)
        self.start_index = start_index

    def forward(self, z: Tensor, targets: Tensor | None = None, steps: int | None = None) -> Tensor:
        if (targets is None) == (steps is None):
            raise ValueError("SequenceGenerator: pass exactly one of targets (teacher forcing) or steps (free running)")
        first = from_numpy(np.full(z.shape[0], self.start_index, dtype=np.int64))
        return self._decode(_initial_state(self.decoder, self.init(z).tanh()), first, targets, steps or 0)

    def generate(self, z: Tensor, steps: int) -> np.ndarray:
        """Greedy sequences of ``steps`` tokens, (N, steps) int64, each step fed its own prediction."""
        with no_grad():
            return self(z, steps=steps).array.argmax(axis=-1).astype(np.int64)


class RNNEncoderDecoder(_Decoder):
    """c = h_S of an encoder RNN over x_1 … x_S; a decoder RNN started at c emits y_1 … y_T: seq2seq.

    Input and output lengths differ freely; training feeds the decoder the target shifted
    right behind ``<bos>`` (teacher forcing), inference feeds back its own arg max.

    Args:
        src_vocab_size: source tokens. tgt_vocab_size: target tokens.
        embedding_dim: Default: 32. hidden_size: Default: 64.
        rnn_type: ``'gru'``, ``'lstm'`` or ``'rnn'`` (one layer each). Default: ``'gru'``.
        bos_index: the target-side start token. Default: 2 (``<bos>`` of ``nnlab.text.Vocab``).

    Shape:
        input: src (N, S) int64, optional src_lengths (N,), tgt (N, T) int64; output: (N, T, V_tgt).
    """

    def __init__(self, src_vocab_size: int, tgt_vocab_size: int, embedding_dim: int = 32, hidden_size: int = 64,
                 rnn_type: str = "gru", bos_index: int = 2) -> None:
        super().__init__()
        self.src_embedding = nn.Embedding(src_vocab_size, embedding_dim)
        self.encoder = make_rnn(rnn_type, embedding_dim, hidden_size)
        self.embedding = nn.Embedding(tgt_vocab_size, embedding_dim)
        self.decoder = make_rnn(rnn_type, embedding_dim, hidden_size)
        self.head = nn.Linear(hidden_size, tgt_vocab_size)
        self.bos_index = bos_index

    def encode(self, src: Tensor, src_lengths=None):
        """The encoder's final state (at each sequence's last true step when lengths are given)."""
        emb = self.src_embedding(src)
        _, state = self.encoder(emb, lengths=src_lengths) if src_lengths is not None else self.encoder(emb)
        return state

    def _bos(self, n: int) -> Tensor:
        return from_numpy(np.full(n, self.bos_index, dtype=np.int64))

    def forward(self, src: Tensor, tgt: Tensor, src_lengths=None) -> Tensor:
        return self._decode(self.encode(src, src_lengths), self._bos(src.shape[0]), tgt, 0)

    def greedy_decode(self, src: Tensor, max_len: int, src_lengths=None) -> np.ndarray:
        """Arg-max decoding for ``max_len`` steps: (N, max_len) int64 tokens."""
        with no_grad():
            state = self.encode(src, src_lengths)
            return self._decode(state, self._bos(src.shape[0]), None, max_len).array.argmax(axis=-1).astype(np.int64)


class RNNForecaster(nn.Module):
    """x̂_{t+h} = w · h_w + b, h_w the last state of an RNN over the window x_{t−w+1} … x_t.

    Args:
        hidden_size: H. Default: 32.
        rnn_type: see :func:`make_rnn`. Default: ``'gru'``.
        num_layers: Default: 1.
        input_size: values per step. Default: 1.

    Shape:
        input: (N, w) or (N, w, input_size); output: (N,).
    """

    def __init__(self, hidden_size: int = 32, rnn_type: str = "gru", num_layers: int = 1, input_size: int = 1) -> None:
        super().__init__()
        self.rnn = make_rnn(rnn_type, input_size, hidden_size, num_layers)
        self.head = nn.Linear(hidden_size, 1)

    def forward(self, x: Tensor) -> Tensor:
        if x.ndim == 2:
            x = x.unsqueeze(-1)
        _, hidden = self.rnn(x)
        return self.head(_last_layer_state(hidden, 1)).reshape(-1)
