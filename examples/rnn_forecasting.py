"""Time-series forecasting: a GRU against an MLP on the same window, and the naive last-value forecast.

Run: python examples/rnn_forecasting.py

The series is synthetic and hourly-looking (``make_seasonal_series``: trend + a daily and
a weekly cycle + noise). Each model reads the last ``window`` values and predicts the next
one; the first 70% of the series trains, the last 30% tests (so the test period lies in
the future of everything seen). Values are standardized with the training part's mean
and standard deviation. Reported: the test MSE in the original units of the series.
"""

from __future__ import annotations

import numpy as np

import nnlab
from nnlab import nn, optim
from nnlab.data import DataLoader, TensorDataset, make_seasonal_series, make_windows
from nnlab.models import MLP
from nnlab.models.sequence.rnn_models import RNNForecaster
from nnlab.train import Trainer


def _fit(model, X, y, epochs: int, lr: float, seed: int) -> None:
    nnlab.manual_seed(seed)
    loader = DataLoader(TensorDataset(X, y), batch_size=32, shuffle=True)
    Trainer(model, nn.MSELoss(), optim.Adam(model.parameters(), lr=lr), metrics=(), grad_clip=1.0,
            quiet=True).fit(loader, epochs=epochs)


def _predict(model, X) -> np.ndarray:
    model.eval()
    with nnlab.no_grad():
        return model(nnlab.tensor(X)).array.reshape(-1)


def main(n: int = 2000, window: int = 24, epochs: int = 20, hidden: int = 32, seed: int = 0,
         periods: tuple[float, float] = (24.0, 168.0)) -> dict[str, float]:
    """Train both models; return the test MSE of the GRU, the MLP and the last-value forecast."""
    series = make_seasonal_series(n, periods=periods, seed=seed)
    split = int(0.7 * n)
    mean, std = series[:split].mean(), series[:split].std()
    z = ((series - mean) / std).astype(np.float32)
    X, y = make_windows(z, window)
    targets_at = np.arange(window, n)  # the series index of each target
    train, test = targets_at < split, targets_at >= split

    nnlab.manual_seed(seed)
    rnn = RNNForecaster(hidden, rnn_type="gru")
    _fit(rnn, X[train], y[train], epochs, 0.01, seed)
    nnlab.manual_seed(seed)
    mlp = MLP((window, 64, 1))
    _fit(mlp, X[train], y[train][:, None], epochs, 0.003, seed)

    def mse(pred_z: np.ndarray) -> float:  # back in the series' units
        return float(np.mean(((pred_z - y[test]) * std) ** 2))

    results = {"rnn_mse": mse(_predict(rnn, X[test])), "mlp_mse": mse(_predict(mlp, X[test])),
               "last_value_mse": mse(X[test][:, -1])}
    for name, value in results.items():
        print(f"{name:>15}: {value:.4f}")
    return results


if __name__ == "__main__":
    main()
