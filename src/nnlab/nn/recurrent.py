"""Multi-layer recurrent layers: ``RNN``, ``GRU``, ``LSTM`` with PyTorch's names, shapes and ordering.

Layer k, direction d (0 forward, 1 reverse) owns ``weight_ih_l{k}``, ``weight_hh_l{k}``,
``bias_ih_l{k}``, ``bias_hh_l{k}`` (suffix ``_reverse`` for d = 1), so a PyTorch
``state_dict`` loads as is. Each (layer, direction) runs as one fused Function
(``nnlab.ops.recurrent``) whose backward is backpropagation through time in NumPy.
Deep (stacked) RNNs feed layer k's output, both directions concatenated, to layer k+1;
dropout acts between layers only, never after the last, and only in training.

Variable-length batches: ``forward(x, hx, lengths=...)`` masks the padded steps so that
they neither update the state nor produce output (zeros there), and h_n / c_n hold the
state at each sequence's true last step — what PyTorch returns for
``pack_padded_sequence(x, lengths, enforce_sorted=False)`` followed by
``pad_packed_sequence(..., total_length=L)``, without any packing.
"""

from __future__ import annotations

import warnings
from typing import Sequence

import numpy as np

from nnlab.autograd.tensor import Tensor
from nnlab.backend import as_dtype
from nnlab.nn.module import Module
from nnlab.nn.packed import PackedSequence
from nnlab.nn.parameter import Parameter
from nnlab.nn.recurrent_cells import GATES, init_forget_bias_, reset_recurrent_
from nnlab.ops.movement import cat, squeeze, stack, unbind, unsqueeze
from nnlab.ops.nn_ops import dropout as dropout_fn
from nnlab.ops.recurrent import gru_layer, lstm_layer, rnn_layer


def lengths_mask(lengths, steps: int, batch: int, dtype, name: str = "rnn") -> np.ndarray | None:
    """The (L, N, 1) step mask [t < lengths[n]] in ``dtype``; ``None`` when every sequence is full."""
    lens = np.asarray(lengths.array if isinstance(lengths, Tensor) else lengths)
    if lens.ndim != 1 or lens.shape[0] != batch or (lens.size and lens.dtype.kind not in "iu"):
        raise ValueError(f"{name}: lengths must be {batch} integers (one per sequence), got {lens.tolist()!r}")
    if lens.size and (lens.min() < 0 or lens.max() > steps):
        raise ValueError(f"{name}: lengths must lie in [0, {steps}] (the padded length), got {lens.tolist()}")
    if np.all(lens == steps):
        return None
    return (np.arange(steps)[:, None] < lens[None, :]).astype(dtype)[:, :, None]


class RNNBase(Module):
    """Shared machinery of ``RNN``, ``GRU`` and ``LSTM``; ``mode`` is one of RNN_TANH, RNN_RELU, GRU, LSTM.

    Attributes:
        weight_ih_l{k}[_reverse]: (G·H, I) for k = 0, (G·H, D·H) above, G gate blocks
            (1 RNN, 3 GRU, 4 LSTM); weight_hh_l{k}[_reverse]: (G·H, H);
            bias_ih_l{k}[_reverse], bias_hh_l{k}[_reverse]: (G·H,). All U(−1/√H, 1/√H).
    """

    def __init__(self, mode: str, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False, dtype=None):
        super().__init__()
        name = mode.split("_")[0]
        if hidden_size <= 0 or input_size < 0 or num_layers < 1:
            raise ValueError(f"{name}: need hidden_size > 0, input_size >= 0, num_layers >= 1; got "
                             f"{hidden_size}, {input_size}, {num_layers}")
        if isinstance(dropout, bool) or not 0 <= dropout <= 1:
            raise ValueError(f"{name}: dropout must be a probability in [0, 1], got {dropout!r}")
        if dropout > 0 and num_layers == 1:
            warnings.warn(f"{name}: dropout={dropout} acts between layers only, so with num_layers=1 it does nothing",
                          stacklevel=3)
        self.mode, self._name = mode, name
        self.input_size, self.hidden_size, self.num_layers = int(input_size), int(hidden_size), int(num_layers)
        self.bias, self.batch_first, self.dropout = bool(bias), bool(batch_first), float(dropout)
        self.bidirectional = bool(bidirectional)
        dt, g, d = as_dtype(dtype), GATES[mode] * self.hidden_size, 2 if bidirectional else 1
        self._weight_names: list[list[str]] = []
        for k in range(self.num_layers):
            layer_in = self.input_size if k == 0 else self.hidden_size * d
            for sfx in ("", "_reverse")[:d]:
                names = [f"weight_ih_l{k}{sfx}", f"weight_hh_l{k}{sfx}"]
                setattr(self, names[0], Parameter(np.empty((g, layer_in), dtype=dt)))
                setattr(self, names[1], Parameter(np.empty((g, self.hidden_size), dtype=dt)))
                if bias:
                    names += [f"bias_ih_l{k}{sfx}", f"bias_hh_l{k}{sfx}"]
                    setattr(self, names[2], Parameter(np.empty((g,), dtype=dt)))
                    setattr(self, names[3], Parameter(np.empty((g,), dtype=dt)))
                self._weight_names.append(names)
        self.reset_parameters()

    @property
    def num_directions(self) -> int:
        return 2 if self.bidirectional else 1

    @property
    def all_weights(self) -> list[list[Parameter]]:
        """Per (layer, direction): [weight_ih, weight_hh(, bias_ih, bias_hh)], PyTorch's order."""
        return [[getattr(self, n) for n in names] for names in self._weight_names]

    def reset_parameters(self) -> None:
        """Redraw every weight and bias from U(−1/√H, 1/√H) (seeded generator)."""
        reset_recurrent_(self, self.hidden_size)

    def flatten_parameters(self) -> None:
        """No-op kept for PyTorch compatibility (cuDNN weight compaction has no NumPy analogue)."""

    def _check_input(self, x: Tensor) -> tuple[Tensor, bool]:
        if not isinstance(x, Tensor):
            raise TypeError(f"{self._name}: expected a Tensor input, got {type(x).__name__}")
        if x.ndim not in (2, 3):
            raise ValueError(f"{self._name}: expected input of 3 dims ({'N, L' if self.batch_first else 'L, N'}, "
                             f"{self.input_size}) or 2 dims (L, {self.input_size}), got shape {x.shape}")
        if x.shape[-1] != self.input_size:
            raise ValueError(f"{self._name}: input has {x.shape[-1]} features (shape {x.shape}), "
                             f"expected input_size={self.input_size}")
        if x.dtype != self.weight_ih_l0.dtype:
            raise TypeError(f"{self._name}: input dtype {x.dtype} does not match the parameters' "
                            f"{self.weight_ih_l0.dtype}; cast the input or the layer (.to(dtype))")
        batched = x.ndim == 3
        if not batched:
            x = unsqueeze(x, 0 if self.batch_first else 1)
        steps = x.shape[1] if self.batch_first else x.shape[0]
        if steps == 0:
            raise ValueError(f"{self._name}: the input sequence is empty (shape {x.shape})")
        return x, batched

    def _check_state(self, s: Tensor | None, batch: int, batched: bool, what: str) -> Tensor | None:
        if s is None:
            return None
        d_layers = self.num_layers * self.num_directions
        want = (d_layers, batch, self.hidden_size) if batched else (d_layers, self.hidden_size)
        if not isinstance(s, Tensor) or tuple(s.shape) != want:
            got = s.shape if isinstance(s, Tensor) else type(s).__name__
            raise ValueError(f"{self._name}: expected {what} of shape {want} "
                             f"(num_layers·num_directions, N, hidden_size), got {got}")
        if s.dtype != self.weight_ih_l0.dtype:
            raise TypeError(f"{self._name}: {what} dtype {s.dtype} does not match the parameters' "
                            f"{self.weight_ih_l0.dtype}")
        return s if batched else unsqueeze(s, 1)

    def _run(self, x: Tensor, h0: Tensor | None, c0: Tensor | None, lengths) -> tuple:
        """Every layer and direction; returns (output, h_n, c_n or None) for batched, batch-first-as-given x."""
        bf = self.batch_first
        steps, batch = (x.shape[1], x.shape[0]) if bf else x.shape[:2]
        mask = None if lengths is None else lengths_mask(lengths, steps, batch, x.dtype, self._name)
        h0s = None if h0 is None else unbind(h0, 0)
        c0s = None if c0 is None else unbind(c0, 0)
        hs, cs, layer_in, d = [], [], x, self.num_directions
        for k in range(self.num_layers):
            if k > 0 and self.dropout > 0 and self.training:
                layer_in = dropout_fn(layer_in, self.dropout, True)
            outs = []
            for j in range(d):
                idx = k * d + j
                w = self.all_weights[idx]
                b_ih, b_hh = (w[2], w[3]) if self.bias else (None, None)
                h_init = None if h0s is None else h0s[idx]
                if self.mode == "LSTM":
                    c_init = None if c0s is None else c0s[idx]
                    out, hn, cn = lstm_layer(layer_in, w[0], w[1], b_ih, b_hh, h_init, c_init, mask, j == 1, bf)
                    cs.append(cn)
                elif self.mode == "GRU":
                    out, hn = gru_layer(layer_in, w[0], w[1], b_ih, b_hh, h_init, mask, j == 1, bf)
                else:
                    act = "relu" if self.mode == "RNN_RELU" else "tanh"
                    out, hn = rnn_layer(layer_in, w[0], w[1], b_ih, b_hh, h_init, mask, j == 1, bf, act)
                outs.append(out)
                hs.append(hn)
            layer_in = outs[0] if d == 1 else cat(outs, -1)
        return layer_in, stack(hs, 0), (stack(cs, 0) if cs else None)

    def _forward(self, input: Tensor, h0: Tensor | None, c0: Tensor | None, lengths) -> tuple:
        if isinstance(input, PackedSequence):  # PyTorch's packed input: the padded batch and its lengths
            if input.batch_first != self.batch_first:
                raise ValueError(f"{self._name}: the PackedSequence was made with batch_first={input.batch_first}, "
                                 f"the layer has batch_first={self.batch_first}")
            out, hn, cn = self._forward(input.padded, h0, c0, input.lengths)
            return PackedSequence(out, input.lengths, input.batch_first), hn, cn
        x, batched = self._check_input(input)
        batch = x.shape[0] if self.batch_first else x.shape[1]
        h0 = self._check_state(h0, batch, batched, "h0")
        c0 = self._check_state(c0, batch, batched, "c0")
        if not batched and lengths is not None:
            lengths = np.asarray(lengths.array if isinstance(lengths, Tensor) else lengths).reshape(1)
        out, hn, cn = self._run(x, h0, c0, lengths)
        if not batched:
            out = squeeze(out, 0 if self.batch_first else 1)
            hn = squeeze(hn, 1)
            cn = None if cn is None else squeeze(cn, 1)
        return out, hn, cn

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.mode == "RNN_RELU":
            s += ", nonlinearity=relu"
        for attr, default in (("bias", True), ("batch_first", False), ("dropout", 0.0), ("bidirectional", False)):
            if getattr(self, attr) != default:
                s += f", {attr}={getattr(self, attr)}"
        return s


_ARGS_DOC = """    Args:
        input_size: I, features of each input step.
        hidden_size: H, features of the hidden state.
        num_layers: stacked layers (default 1); layer k > 0 reads layer k−1's output (D·H features).
        bias: learn b_ih and b_hh (default ``True``).
        batch_first: input and output are (N, L, ·) instead of (L, N, ·) (default ``False``);
            states stay (D·num_layers, N, H).
        dropout: dropout probability on the outputs of every layer but the last, in training only
            (default 0).
        bidirectional: add a reverse-time direction per layer, D = 2 (default ``False``).
        dtype: parameter dtype (default float32).

    Forward:
        ``forward(input, hx=None, lengths=None)``; ``lengths`` (N integers in [0, L]) marks the true
        length of each padded sequence.

    Shape:
        input: (L, N, I), (N, L, I) with ``batch_first``, or unbatched (L, I).
        output: (L, N, D·H) (or (N, L, D·H), or (L, D·H)): the last layer's h_t, directions
        concatenated (forward first); zeros past each sequence's length.
        h_n (and c_n): (D·num_layers, N, H), row k·D + d for layer k, direction d; (D·num_layers, H)
        unbatched. h0 / c0 take the same shape (zeros when omitted).
"""


class RNN(RNNBase):
    """Elman RNN: h_t = act(W_ih x_t + b_ih + W_hh h_{t−1} + b_hh), act = tanh or relu.

    The seeds' a⟨t⟩ = g(W_aa a⟨t−1⟩ + W_ax x⟨t⟩ + b_a) with W_ax = W_ih, W_aa = W_hh, b_a = b_ih + b_hh.
    Signature as ``torch.nn.RNN``: ``RNN(input_size, hidden_size, num_layers=1, nonlinearity='tanh',
    bias=True, batch_first=False, dropout=0.0, bidirectional=False)``.

    {args}

    Attributes:
        weight_ih_l{k}[_reverse] (H, I or D·H), weight_hh_l{k}[_reverse] (H, H),
        bias_ih_l{k}[_reverse], bias_hh_l{k}[_reverse] (H,): U(−1/√H, 1/√H).
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, nonlinearity: str = "tanh",
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 dtype=None):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNN: unknown nonlinearity {nonlinearity!r}; use 'tanh' or 'relu'")
        self.nonlinearity = nonlinearity
        super().__init__(f"RNN_{nonlinearity.upper()}", input_size, hidden_size, num_layers, bias, batch_first,
                         dropout, bidirectional, dtype)

    def forward(self, input: Tensor, hx: Tensor | None = None, lengths=None) -> tuple[Tensor, Tensor]:
        out, hn, _ = self._forward(input, hx, None, lengths)
        return out, hn


class GRU(RNNBase):
    """GRU: r, z = σ(W_i{r,z} x + b_i{r,z} + W_h{r,z} h + b_h{r,z}); n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn));
    h' = (1 − z) ⊙ n + z ⊙ h (the seeds' Γ_r = r, Γ_u = 1 − z, c̃ = n; see :class:`GRUCell`).

    {args}

    Attributes:
        weight_ih_l{k}[_reverse] (3H, ·) = [W_ir; W_iz; W_in], weight_hh_l{k}[_reverse] (3H, H),
        biases (3H,): U(−1/√H, 1/√H).
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False, dtype=None):
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional, dtype)

    def forward(self, input: Tensor, hx: Tensor | None = None, lengths=None) -> tuple[Tensor, Tensor]:
        out, hn, _ = self._forward(input, hx, None, lengths)
        return out, hn


class LSTM(RNNBase):
    """LSTM: i, f, o = σ(·), g = tanh(·) of W_ih x_t + b_ih + W_hh h_{t−1} + b_hh; c_t = f ⊙ c_{t−1} + i ⊙ g;
    h_t = o ⊙ tanh(c_t) (the seeds' Γ_u = i, Γ_f = f, Γ_o = o, c̃ = g; see :class:`LSTMCell`).

    ``forward(input, hx=None, lengths=None)`` takes hx = (h0, c0) and returns (output, (h_n, c_n)).
    Extra keyword ``forget_bias_init``: if given, every layer's forget-gate bias b_if + b_hf is set
    to it after init (b_if = value, b_hf = 0; see :func:`init_forget_bias_`); default ``None``
    (PyTorch's plain uniform init). ``proj_size`` is not supported.

    {args}

    Attributes:
        weight_ih_l{k}[_reverse] (4H, ·) = [W_ii; W_if; W_ig; W_io], weight_hh_l{k}[_reverse] (4H, H),
        biases (4H,): U(−1/√H, 1/√H).
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False, dtype=None, *,
                 forget_bias_init: float | None = None):
        self.forget_bias_init = forget_bias_init
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         dtype)

    def reset_parameters(self) -> None:
        reset_recurrent_(self, self.hidden_size)
        if self.forget_bias_init is not None:
            init_forget_bias_(self, self.forget_bias_init)

    def forward(self, input: Tensor, hx: Sequence[Tensor] | None = None,
                lengths=None) -> tuple[Tensor, tuple[Tensor, Tensor]]:
        if hx is not None and (not isinstance(hx, (tuple, list)) or len(hx) != 2):
            raise TypeError("LSTM: hx must be a pair (h0, c0) of tensors")
        h0, c0 = (None, None) if hx is None else hx
        out, hn, cn = self._forward(input, h0, c0, lengths)
        return out, (hn, cn)


for _cls in (RNN, GRU, LSTM):  # one Args/Shape section shared by the three docstrings
    _cls.__doc__ = _cls.__doc__.replace("{args}", _ARGS_DOC.strip("\n").lstrip())
