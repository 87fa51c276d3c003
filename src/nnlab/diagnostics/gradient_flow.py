"""Gradient flow through time: ‖∂L/∂h_t‖ for every step t of a recurrent layer or cell.

The probe unrolls the recurrence one step at a time, keeping each step's state h_t as
its own tensor with ``retain_grad()``, so after ``L.backward()`` the gradient on h_t is the
full derivative — every path from h_t to the loss, through the later steps included.
For a loss on the last step, ∂L/∂h_t = ∂L/∂h_L · Π_{s>t} ∂h_s/∂h_{s−1}: in a vanilla RNN
each factor is diag(tanh′)·W_hh, whose norm is usually below 1, so the product vanishes
exponentially in L − t (or explodes when it is above 1); the LSTM's cell path multiplies
by the forget gate instead, which can stay near 1.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from nnlab.autograd.tensor import Tensor
from nnlab.ops.movement import stack

__all__ = ["GradientFlow", "hidden_gradient_norms"]


@dataclass
class GradientFlow:
    """The result of :func:`hidden_gradient_norms`.

    Attributes:
        h_norms: ‖∂L/∂h_t‖ for t = 0 … L−1 (Frobenius norm over the batch, layers and units), (L,).
        c_norms: ‖∂L/∂c_t‖ of an LSTM's cell states, (L,); None for other models.
        loss: the value of L.
    """

    h_norms: np.ndarray
    c_norms: np.ndarray | None
    loss: float

    def ratio(self, t: int = 0) -> float:
        """‖∂L/∂h_t‖ / ‖∂L/∂h_{L−1}‖: how much of the last step's gradient reaches step t."""
        last = float(self.h_norms[-1])
        return float(self.h_norms[t]) / last if last > 0 else float("nan")


def _grad_norm(t: Tensor) -> float:
    # Float64 accumulation: the smallest norms here sit far below float32's resolution of a sum.
    return 0.0 if t.grad is None else float(np.linalg.norm(t.grad.data.astype(np.float64).ravel()))


def hidden_gradient_norms(recurrent: Any, x: Tensor, loss_fn: Callable[[Tensor], Tensor],
                          hidden: Any = None) -> GradientFlow:
    """Unroll ``recurrent`` over ``x`` step by step and measure ‖∂L/∂h_t‖ at every step t.

    Args:
        recurrent: a unidirectional ``nn.RNN`` / ``nn.GRU`` / ``nn.LSTM`` (any ``num_layers``;
            its ``batch_first`` is honoured), or a cell ``nn.RNNCell`` / ``nn.GRUCell`` /
            ``nn.LSTMCell``.
        x: the input sequence, (N, L, D) (or (L, N, D) for a layer with ``batch_first=False``;
            always (N, L, D) for a cell).
        loss_fn: ``loss_fn(outputs) -> scalar`` where ``outputs`` is (N, L, H), the top layer's
            h_t at every step (e.g. ``lambda o: F.mse_loss(head(o[:, -1]), y)``).
        hidden: the initial state. Default: None (zeros).

    Returns:
        A :class:`GradientFlow` with the per-step norms. Parameter gradients accumulate as in
        any backward pass; zero them afterwards if the model is trained next.
    """
    is_layer = hasattr(recurrent, "num_layers")
    if is_layer and getattr(recurrent, "bidirectional", False):
        raise ValueError("hidden_gradient_norms: a bidirectional layer has no single step order; "
                         "probe each direction as its own unidirectional layer")
    time_dim = 1 if (not is_layer or getattr(recurrent, "batch_first", False)) else 0
    if x.ndim != 3:
        raise ValueError(f"hidden_gradient_norms: expected a 3-d input sequence, got shape {tuple(x.shape)}")
    states, outputs = [], []
    state = hidden
    for t in range(x.shape[time_dim]):
        if is_layer:
            step = x[:, t:t + 1] if time_dim == 1 else x[t:t + 1]
            _, state = recurrent(step, state)
        else:
            state = recurrent(x[:, t], state)
        h = state[0] if isinstance(state, tuple) else state
        if not h.requires_grad:
            raise ValueError("hidden_gradient_norms: the states do not require grad (under no_grad, or a "
                             "frozen model with an input that needs no gradient)")
        for s in (state if isinstance(state, tuple) else (state,)):
            s.retain_grad()
        states.append(state)
        outputs.append(h[-1] if is_layer else h)  # the top layer's h_t, (N, H)
    loss = loss_fn(stack(outputs, dim=1))
    loss.backward()
    h_norms = np.array([_grad_norm(s[0] if isinstance(s, tuple) else s) for s in states])
    c_norms = np.array([_grad_norm(s[1]) for s in states]) if isinstance(states[0], tuple) else None
    return GradientFlow(h_norms, c_norms, float(loss.item()))
