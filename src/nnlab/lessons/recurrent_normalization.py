"""Normalization inside a recurrence: why batch norm does not fit, and the layer-normalized LSTM.

- :func:`recurrent_statistics`: the batch statistics of an LSTM's recurrent pre-activation
  W_hh h_t change along the sequence — at t = 0 (h_0 = 0) its batch variance is exactly 0,
  then it grows over the first steps — so one set of BN statistics cannot serve every step,
  and per-step statistics leave nothing for steps beyond the training length.
- :func:`compare_cells`: an LSTM and a layer-normalized LSTM (``nn.LayerNormLSTMCell``) trained
  the same way on the adding problem (``nnlab.data.make_adding_problem``); LN's statistics
  are per sample and step, identical in training and test, for any batch size.
"""

from __future__ import annotations

import numpy as np

from nnlab.autograd.grad_mode import no_grad
from nnlab.data import make_adding_problem
from nnlab.lessons.common import fit_arrays, predict_array, seeded
from nnlab.nn.linear import Linear
from nnlab.nn.losses import MSELoss
from nnlab.nn.module import Module
from nnlab.nn.recurrent_cells import LSTMCell
from nnlab.nn.recurrent_layernorm import LayerNormLSTMCell
from nnlab.ops.creation import from_numpy
from nnlab.optim import Adam

__all__ = ["CellRegressor", "recurrent_statistics", "compare_cells"]


class CellRegressor(Module):
    """Run a recurrent cell over (N, L, D) inputs step by step and read a scalar from the last h.

    Args:
        cell: ``"lstm"`` (``nn.LSTMCell``) or ``"ln_lstm"`` (``nn.LayerNormLSTMCell``).
        input_size, hidden_size: the cell's sizes.
    """

    def __init__(self, cell: str, input_size: int = 2, hidden_size: int = 32) -> None:
        super().__init__()
        if cell not in ("lstm", "ln_lstm"):
            raise ValueError(f"CellRegressor: cell must be 'lstm' or 'ln_lstm', got {cell!r}")
        make = LSTMCell if cell == "lstm" else LayerNormLSTMCell
        self.cell = make(input_size, hidden_size, forget_bias_init=1.0)
        self.head = Linear(hidden_size, 1)

    def forward(self, x):
        state = None
        for t in range(x.shape[1]):
            state = self.cell(x[:, t], state)
        return self.head(state[0]).reshape(-1)


def recurrent_statistics(length: int = 20, batch: int = 256, hidden: int = 32, seed: int = 0) -> dict:
    """Batch mean and std of W_hh h_t, averaged over units, at each step of a fresh LSTM on the adding problem.

    Returns:
        ``{"std": (L,), "mean_abs": (L,)}``: per step, the mean over units of the batch standard
        deviation and of the |batch mean| of the recurrent pre-activation.
    """
    X, _ = make_adding_problem(batch, length, seed=seed)
    seeded(seed)
    cell = LSTMCell(2, hidden)
    x = from_numpy(X)
    stds, means = [], []
    with no_grad():
        state = None
        for t in range(length):
            h = np.zeros((batch, hidden), np.float32) if state is None else state[0].numpy()
            pre = h @ cell.weight_hh.detach().numpy().T
            stds.append(float(pre.std(0).mean()))
            means.append(float(np.abs(pre.mean(0)).mean()))
            state = cell(x[:, t], state)
    return {"std": np.array(stds), "mean_abs": np.array(means)}


def compare_cells(length: int = 20, n_train: int = 2048, epochs: int = 6, batch_size: int = 64, lr: float = 0.01,
                  seed: int = 0) -> dict[str, float]:
    """Train the LSTM and the LN-LSTM regressors on the adding problem; dev MSE of each (predicting 1: ≈ 0.167).

    Returns:
        ``{"lstm", "ln_lstm", "baseline"}``: dev mean squared errors, and that of the constant guess.
    """
    X, y = make_adding_problem(n_train, length, seed=seed)
    Xd, yd = make_adding_problem(512, length, seed=seed + 1)
    out = {"baseline": float(np.mean((yd - y.mean()) ** 2))}
    for cell in ("lstm", "ln_lstm"):
        seeded(seed)
        model = CellRegressor(cell)
        fit_arrays(model, X, y, MSELoss(), Adam(model.parameters(), lr=lr), epochs=epochs, batch_size=batch_size)
        out[cell] = float(np.mean((predict_array(model, Xd) - yd) ** 2))
    return out
