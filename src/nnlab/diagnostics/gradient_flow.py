"""Gradient flow through time and through depth: ‖∂L/∂h_t‖ per time step, ‖∂L/∂h_l‖ per layer.

The probe unrolls the recurrence one step at a time, keeping each step's state h_t as
its own tensor with ``retain_grad()``, so after ``L.backward()`` the gradient on h_t is the
full derivative — every path from h_t to the loss, through the later steps included.
For a loss on the last step, ∂L/∂h_t = ∂L/∂h_L · Π_{s>t} ∂h_s/∂h_{s−1}: in a vanilla RNN
each factor is diag(tanh′)·W_hh, whose norm is usually below 1, so the product vanishes
exponentially in L − t (or explodes when it is above 1); the LSTM's cell path multiplies
by the forget gate instead, which can stay near 1.

The same probe across the layers of a feed-forward network (:func:`layer_gradient_norms`):
∂L/∂h_l = ∂L/∂h_D · Π_{k>l} ∂h_k/∂h_{k−1}, a product of D − l Jacobians W_k·diag(g′). With
sigmoids (g′ ≤ 1/4) it shrinks geometrically towards the input; ReLU with He init keeps
its norm roughly constant; a residual block h_k = h_{k−1} + F(h_{k−1}) adds the identity to
each factor, so the gradient reaches the first layer intact.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from nnlab.autograd.tensor import Tensor
from nnlab.ops.movement import stack

__all__ = ["GradientFlow", "hidden_gradient_norms", "LayerGradients", "layer_gradient_norms"]


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
    return 0.0 if t.grad is None else float(np.linalg.norm(t.grad.array.astype(np.float64).ravel()))


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


@dataclass
class LayerGradients:
    """The result of :func:`layer_gradient_norms`, one entry per probed layer from input to output.

    Attributes:
        names: the probed modules' names.
        output_norms: ‖∂L/∂h_l‖ of each probed module's output h_l, (D,).
        weight_norms: ‖∂L/∂W_l‖ over each probed module's own parameters, (D,) (0 for none).
        loss: the value of L.
    """

    names: list[str]
    output_norms: np.ndarray
    weight_norms: np.ndarray
    loss: float

    def ratio(self) -> float:
        """‖∂L/∂h_first‖ / ‖∂L/∂h_last‖: how much of the gradient at the top reaches the first layer."""
        last = float(self.output_norms[-1])
        return float(self.output_norms[0]) / last if last > 0 else float("nan")


def layer_gradient_norms(model: Any, x: Tensor, loss_fn: Callable[[Tensor], Tensor],
                         layers: Any = None) -> LayerGradients:
    """Run ``loss_fn(model(x))`` backward and measure the gradient at every probed layer.

    Each probed module gets a forward hook that keeps its output's gradient
    (``retain_grad``); the hooks are removed afterwards.

    Args:
        model: any Module.
        x: its input.
        loss_fn: ``loss_fn(output) -> scalar``.
        layers: the modules to probe, as ``(name, module)`` pairs in input-to-output order.
            Default: every ``Linear`` and ``Conv2d``-like module with a ``weight``
            (``model.named_modules()`` order, which is definition order).

    Returns:
        A :class:`LayerGradients`. Parameter gradients accumulate as in any backward pass.
    """
    if layers is None:
        layers = [(n, m) for n, m in model.named_modules() if n and getattr(m, "weight", None) is not None]
    layers = list(layers)
    if not layers:
        raise ValueError("layer_gradient_norms: no layers to probe (no module with a weight; pass layers=)")
    outputs: dict[int, Tensor] = {}
    handles = []
    for i, (_, module) in enumerate(layers):
        def keep(mod, args, out, i=i):
            if isinstance(out, Tensor) and out.requires_grad:
                out.retain_grad()
                outputs[i] = out
        handles.append(module.register_forward_hook(keep))
    try:
        loss = loss_fn(model(x))
        loss.backward()
    finally:
        for h in handles:
            h.remove()
    missing = [layers[i][0] for i in range(len(layers)) if i not in outputs]
    if missing:
        raise ValueError(f"layer_gradient_norms: layers {missing} produced no output that requires grad "
                         "(not called in forward, or under no_grad)")
    out_norms = np.array([_grad_norm(outputs[i]) for i in range(len(layers))])
    w_norms = np.array([float(np.sqrt(sum(_grad_norm(p) ** 2 for p in m.parameters(recurse=False))))
                        for _, m in layers])
    return LayerGradients([n for n, _ in layers], out_norms, w_norms, float(loss.item()))
