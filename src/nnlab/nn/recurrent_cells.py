"""Single-step recurrent cells: ``RNNCell``, ``GRUCell``, ``LSTMCell`` (PyTorch's names and gates).

Each cell runs the same fused Function as the full layers (``nnlab.ops.recurrent``)
over one time step, so a loop of cells and a layer compute bit-for-bit the same thing.
Shared here too: the uniform initialization of all recurrent weights and
:func:`init_forget_bias_`.
"""

from __future__ import annotations

import math

import numpy as np

from nnlab.autograd.tensor import Tensor
from nnlab.backend import as_dtype
from nnlab.nn import init
from nnlab.nn.module import Module
from nnlab.nn.parameter import Parameter
from nnlab.ops.movement import squeeze, unsqueeze
from nnlab.ops.recurrent import gru_cell, lstm_cell, rnn_cell

GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "GRU": 3, "LSTM": 4}


def reset_recurrent_(module: Module, hidden_size: int) -> None:
    """PyTorch's init for every recurrent weight and bias: U(−1/√H, 1/√H)."""
    bound = 1.0 / math.sqrt(hidden_size) if hidden_size > 0 else 0.0
    for p in module.parameters():
        init.uniform_(p, -bound, bound)


def init_forget_bias_(module: Module, value: float = 1.0) -> Module:
    """Set the LSTM forget-gate bias b_f = b_if + b_hf to ``value`` (b_if = value, b_hf = 0), in place.

    Starting with b_f = 1 keeps Γ_f ≈ σ(1) ≈ 0.73 so the cell state, and its gradient,
    is carried across many steps early in training (Gers et al., 2000; Jozefowicz et
    al., 2015). Works on an ``LSTM`` (every layer and direction) or an ``LSTMCell``;
    the forget gate is the second of PyTorch's four gate blocks (i, f, g, o).

    Returns:
        the module, for chaining.
    """
    touched = False
    for name, p in module.named_parameters():
        leaf = name.rsplit(".", 1)[-1]
        if not leaf.startswith(("bias_ih", "bias_hh")):
            continue
        if p.shape[0] % 4:
            raise ValueError(f"init_forget_bias_: {name} has {p.shape[0]} rows, not 4 LSTM gate blocks")
        h = p.shape[0] // 4
        p.array[h : 2 * h] = value if leaf.startswith("bias_ih") else 0
        touched = True
    if not touched:
        raise ValueError(f"init_forget_bias_: {type(module).__name__} has no LSTM biases (built with bias=False?)")
    return module


class RNNCellBase(Module):
    """Parameters and checks shared by the three cells (G gate blocks of H rows each).

    Attributes:
        weight_ih: (G·H, I); weight_hh: (G·H, H); bias_ih, bias_hh: (G·H,) (``None`` when
            ``bias=False``); all initialized U(−1/√H, 1/√H) as in PyTorch.
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool, gates: int, dtype=None):
        super().__init__()
        if input_size < 0 or hidden_size <= 0:
            raise ValueError(f"{type(self).__name__}: need input_size >= 0 and hidden_size > 0, "
                             f"got {input_size} and {hidden_size}")
        self.input_size, self.hidden_size, self.bias = int(input_size), int(hidden_size), bool(bias)
        dt = as_dtype(dtype)
        g = gates * self.hidden_size
        self.weight_ih = Parameter(np.empty((g, self.input_size), dtype=dt))
        self.weight_hh = Parameter(np.empty((g, self.hidden_size), dtype=dt))
        if bias:
            self.bias_ih = Parameter(np.empty((g,), dtype=dt))
            self.bias_hh = Parameter(np.empty((g,), dtype=dt))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Redraw all weights from U(−1/√H, 1/√H) (seeded generator)."""
        reset_recurrent_(self, self.hidden_size)

    def _check(self, x: Tensor, states: tuple) -> tuple[Tensor, tuple, bool]:
        """Validate shapes and dtypes; lift unbatched (I,) input and (H,) states to a batch of one."""
        name = type(self).__name__
        if not isinstance(x, Tensor):
            raise TypeError(f"{name}: expected a Tensor input, got {type(x).__name__}")
        if x.ndim not in (1, 2) or x.shape[-1] != self.input_size:
            raise ValueError(f"{name}: expected input of shape (N, {self.input_size}) or ({self.input_size},), "
                             f"got {x.shape}")
        if x.dtype != self.weight_ih.dtype:
            raise TypeError(f"{name}: input dtype {x.dtype} does not match the weights' {self.weight_ih.dtype}; "
                            "cast the input or the cell (.to(dtype))")
        batched = x.ndim == 2
        want = (x.shape[0], self.hidden_size) if batched else (self.hidden_size,)
        for s in states:
            if s is None:
                continue
            if tuple(s.shape) != want:
                raise ValueError(f"{name}: expected hidden state of shape {want} for input {x.shape}, got {s.shape}")
            if s.dtype != x.dtype:
                raise TypeError(f"{name}: hidden state dtype {s.dtype} does not match the input's {x.dtype}")
        if not batched:
            x = unsqueeze(x, 0)
            states = tuple(None if s is None else unsqueeze(s, 0) for s in states)
        return x, states, batched

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if not self.bias:
            s += ", bias=False"
        if getattr(self, "nonlinearity", "tanh") != "tanh":
            s += f", nonlinearity={self.nonlinearity}"
        return s


def _unbatch(t: Tensor, batched: bool) -> Tensor:
    return t if batched else squeeze(t, 0)


class RNNCell(RNNCellBase):
    """h' = act(W_ih x + b_ih + W_hh h + b_hh), act = tanh or relu (the seeds' a⟨t⟩ = g(W_aa a⟨t−1⟩ + W_ax x⟨t⟩ + b_a)).

    Args:
        input_size: I, features of x.
        hidden_size: H, features of h.
        bias: learn b_ih and b_hh (default ``True``).
        nonlinearity: ``"tanh"`` (default) or ``"relu"``.
        dtype: parameter dtype (default float32).

    Shape:
        input: (N, I) or (I,); hx: (N, H) or (H,), zeros when omitted; output h': (N, H) or (H,).

    Attributes:
        weight_ih (H, I), weight_hh (H, H), bias_ih (H,), bias_hh (H,): U(−1/√H, 1/√H).
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, nonlinearity: str = "tanh",
                 dtype=None):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNNCell: unknown nonlinearity {nonlinearity!r}; use 'tanh' or 'relu'")
        self.nonlinearity = nonlinearity
        super().__init__(input_size, hidden_size, bias, 1, dtype)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        x, (h,), batched = self._check(input, (hx,))
        out = rnn_cell(x, h, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh, self.nonlinearity)
        return _unbatch(out, batched)


class GRUCell(RNNCellBase):
    """GRU step: r, z = σ(W_i{r,z} x + b_i{r,z} + W_h{r,z} h + b_h{r,z}); n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn));
    h' = (1 − z) ⊙ n + z ⊙ h.

    The seeds' GRU: Γ_r = r, c̃⟨t⟩ = n, Γ_u = 1 − z, c⟨t⟩ = Γ_u ⊙ c̃⟨t⟩ + (1 − Γ_u) ⊙ c⟨t−1⟩
    (PyTorch's z gates the OLD state; its reset gate multiplies W_hn h + b_hn, after the projection).

    Args:
        input_size: I. hidden_size: H. bias: default ``True``. dtype: default float32.

    Shape:
        input: (N, I) or (I,); hx: (N, H) or (H,), zeros when omitted; output h': (N, H) or (H,).

    Attributes:
        weight_ih (3H, I) = [W_ir; W_iz; W_in], weight_hh (3H, H), bias_ih (3H,), bias_hh (3H,):
        U(−1/√H, 1/√H).
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, dtype=None):
        super().__init__(input_size, hidden_size, bias, 3, dtype)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        x, (h,), batched = self._check(input, (hx,))
        return _unbatch(gru_cell(x, h, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh), batched)


class LSTMCell(RNNCellBase):
    """LSTM step: i, f, o = σ(·), g = tanh(·) of W_ih x + b_ih + W_hh h + b_hh; c' = f ⊙ c + i ⊙ g; h' = o ⊙ tanh(c').

    The seeds' LSTM: Γ_u = i, Γ_f = f, Γ_o = o, c̃⟨t⟩ = g; c⟨t⟩ = Γ_u ⊙ c̃⟨t⟩ + Γ_f ⊙ c⟨t−1⟩,
    a⟨t⟩ = Γ_o ⊙ tanh(c⟨t⟩).

    Args:
        input_size: I. hidden_size: H. bias: default ``True``. dtype: default float32.
        forget_bias_init: if given, b_if = this value and b_hf = 0 after init
            (see :func:`init_forget_bias_`; default ``None``, PyTorch's plain uniform init).

    Shape:
        input: (N, I) or (I,); hx: a pair (h, c) each (N, H) or (H,), zeros when omitted;
        output: the pair (h', c').

    Attributes:
        weight_ih (4H, I) = [W_ii; W_if; W_ig; W_io], weight_hh (4H, H), bias_ih (4H,), bias_hh (4H,):
        U(−1/√H, 1/√H).
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, dtype=None, *,
                 forget_bias_init: float | None = None):
        self.forget_bias_init = forget_bias_init
        super().__init__(input_size, hidden_size, bias, 4, dtype)

    def reset_parameters(self) -> None:
        reset_recurrent_(self, self.hidden_size)
        if self.forget_bias_init is not None:
            init_forget_bias_(self, self.forget_bias_init)

    def forward(self, input: Tensor, hx: tuple[Tensor, Tensor] | None = None) -> tuple[Tensor, Tensor]:
        if hx is not None and (not isinstance(hx, (tuple, list)) or len(hx) != 2):
            raise TypeError("LSTMCell: hx must be a pair (h, c) of tensors")
        x, (h, c), batched = self._check(input, (None, None) if hx is None else tuple(hx))
        h1, c1 = lstm_cell(x, h, c, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)
        return _unbatch(h1, batched), _unbatch(c1, batched)
