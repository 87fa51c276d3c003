"""Vanishing and exploding gradients through time: ‖∂L/∂h_t‖ for RNN, GRU and LSTM on the adding problem.

Run: python examples/rnn_gradient_flow.py [out.png]

Each model reads 100 steps of the adding problem and predicts the sum of the two marked
values from its last state; the probe (``nnlab.diagnostics.hidden_gradient_norms``)
unrolls it step by step and measures how much of the loss gradient reaches every h_t.
At PyTorch's default initialization all three gates sit near ½, so the GRU's and LSTM's
gradients vanish like 0.5^(L−t) too; with the forget-gate bias at 1 (σ(1) ≈ 0.73) the
LSTM keeps ~10¹⁰ times more gradient at t = 0 than the vanilla RNN. A ReLU RNN with
recurrent weights 1.5·I shows the opposite, exploding gradients, and ``clip_grad_norm_``
brings them back to the chosen norm. The curves are saved to a PNG on a log scale.
"""

from __future__ import annotations

import sys

import numpy as np

import nnlab
import nnlab.functional as F
from nnlab import nn
from nnlab.data import make_adding_problem
from nnlab.diagnostics import hidden_gradient_norms
from nnlab.optim import clip_grad_norm_


def _model(kind: str, hidden: int) -> tuple[nn.Module, nn.Module]:
    if kind == "rnn":
        rnn = nn.RNN(2, hidden, batch_first=True)
    elif kind == "gru":
        rnn = nn.GRU(2, hidden, batch_first=True)
    else:
        forget_bias = 1.0 if kind == "lstm (forget bias 1)" else None
        rnn = nn.LSTM(2, hidden, batch_first=True, forget_bias_init=forget_bias)
    return rnn.double(), nn.Linear(hidden, 1).double()


def gradient_flow(length: int = 100, hidden: int = 64, batch: int = 32, seed: int = 0,
                  kinds=("rnn", "gru", "lstm", "lstm (forget bias 1)")) -> dict[str, np.ndarray]:
    """‖∂L/∂h_t‖, t = 0 … length−1, per model kind (float64, so tiny norms do not underflow)."""
    X, y = make_adding_problem(batch, length, seed=seed, dtype=nnlab.float64)
    x, target = nnlab.tensor(X), nnlab.tensor(y)
    curves = {}
    for kind in kinds:
        nnlab.manual_seed(seed)
        rnn, head = _model(kind, hidden)
        flow = hidden_gradient_norms(rnn, x, lambda out: F.mse_loss(head(out[:, -1]).reshape(-1), target))
        curves[kind] = flow.h_norms
    return curves


def exploding(length: int = 100, hidden: int = 32, scale: float = 1.5, max_norm: float = 1.0,
              seed: int = 0) -> tuple[float, float]:
    """(gradient norm before, after ``clip_grad_norm_``) for a ReLU RNN with W_hh = scale · I."""
    X, y = make_adding_problem(16, length, seed=seed, dtype=nnlab.float64)
    nnlab.manual_seed(seed)
    rnn = nn.RNN(2, hidden, nonlinearity="relu", batch_first=True).double()
    head = nn.Linear(hidden, 1).double()
    with nnlab.no_grad():
        rnn.weight_hh_l0.array[...] = scale * np.eye(hidden)
        rnn.bias_hh_l0.array[...] = 0.1
    out, _ = rnn(nnlab.tensor(X))
    F.mse_loss(head(out[:, -1]).reshape(-1), nnlab.tensor(y)).backward()
    params = list(rnn.parameters()) + list(head.parameters())
    before = float(clip_grad_norm_(params, max_norm).item())
    after = float(np.sqrt(sum(float((p.grad.array ** 2).sum()) for p in params)))
    return before, after


def plot(curves: dict[str, np.ndarray], path: str) -> str:
    """A log-scale plot of the curves, written to ``path`` (PNG)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7, 4.5))
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    for kind, norms in curves.items():
        ax.semilogy(np.arange(len(norms)), np.maximum(norms, 1e-300), label=kind)
    ax.set_xlabel("time step t")
    ax.set_ylabel("‖∂L/∂h_t‖")
    ax.set_title(f"Gradient flow on the adding problem (L = {len(next(iter(curves.values())))})")
    ax.grid(True, which="major", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    return path


def main(out: str = "rnn_gradient_flow.png", length: int = 100, hidden: int = 64) -> dict:
    curves = gradient_flow(length, hidden)
    for kind, norms in curves.items():
        print(f"{kind:>22}: ‖∂L/∂h_0‖ / ‖∂L/∂h_L-1‖ = {norms[0] / norms[-1]:.2e}")
    before, after = exploding(length)
    print(f"exploding ReLU RNN (W_hh = 1.5 I): gradient norm {before:.3e} -> {after:.3f} after clipping to 1.0")
    print(f"plot written to {plot(curves, out)}")
    return {"curves": curves, "exploding": (before, after), "path": out}


if __name__ == "__main__":
    main(*sys.argv[1:2])
