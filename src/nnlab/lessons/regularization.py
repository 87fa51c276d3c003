"""Regularization: classic against inverted dropout, dropout against weight decay, input noise as L2.

- :func:`dropout_expectations`: classic dropout keeps each input with probability p in
  training and multiplies by p at test time; inverted dropout (``F.dropout``, what nnlab and
  PyTorch do) divides the kept inputs by p in training and does nothing at test time. In
  both, the test-time output equals the expectation of the training-time output.
- :func:`dropout_vs_weight_decay`: for a linear model y = wᵀx, dropout on the inputs has the
  expected loss (y − wᵀx)² + (1 − p)/p · Σ_j w_j² x_j²: the penalty weighs each weight by its
  input's scale. Rescale a feature by c and the solution's weight becomes w/c with the same
  predictions. Weight decay's λ‖w‖² ignores the scale: a small-scale feature whose large
  weight the task needs is shrunk hard. Measured by training both on the original and on a
  rescaled feature.
- :func:`input_noise_vs_l2`: training on x + ε, ε ~ N(0, σ²I), has the expected loss
  (y − wᵀx)² + σ²‖w‖² (Bishop, 1995): ridge regression with λ = σ², whose closed form
  w = (XᵀX/N + σ²I)⁻¹ Xᵀy/N the trained weights approach.
"""

from __future__ import annotations

import numpy as np

from nnlab import functional as F
from nnlab.lessons.common import fit_arrays, seeded
from nnlab.nn.containers import Sequential
from nnlab.nn.dropout import Dropout
from nnlab.nn.linear import Linear
from nnlab.nn.losses import MSELoss
from nnlab.nn.module import Module
from nnlab.nn.noise import GaussianNoise
from nnlab.ops.creation import from_numpy
from nnlab.optim import Adam

__all__ = ["dropout_expectations", "regression_data", "penalized_least_squares", "train_linear",
           "dropout_vs_weight_decay", "input_noise_vs_l2"]


def dropout_expectations(keep: float = 0.8, features: int = 50, samples: int = 20000, seed: int = 0) -> dict:
    """Monte-Carlo means of a linear layer's training-time output under classic and inverted dropout.

    Returns:
        ``{"classic_error", "inverted_error", "unscaled_error"}``: relative distances
        ‖mean_train − test‖/‖test‖ for classic dropout (test: W(p·x)), inverted dropout (test: W x),
        and classic dropout evaluated without the p scaling (the mistake the scaling fixes,
        ≈ (1 − p)/p).
    """
    rng = np.random.default_rng(seed)
    W = rng.standard_normal((10, features))
    x = rng.standard_normal(features) + 1.0
    masks = (rng.random((samples, features)) < keep).astype(np.float64)
    classic_mean = ((masks * x) @ W.T).mean(0)
    seeded(seed)
    xs = from_numpy(np.broadcast_to(x, (samples, features)).copy())
    inverted_mean = (F.dropout(xs, p=1 - keep, training=True).numpy() @ W.T).mean(0)
    classic_test, inverted_test = W @ (keep * x), W @ F.dropout(from_numpy(x), 1 - keep, training=False).numpy()

    def rel(a, b):
        return float(np.linalg.norm(a - b) / np.linalg.norm(b))

    return {"classic_error": rel(classic_mean, classic_test), "inverted_error": rel(inverted_mean, inverted_test),
            "unscaled_error": rel(classic_mean, W @ x)}


def regression_data(n: int = 400, features: int = 4, noise: float = 0.5,
                    seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Centred inputs (n, features) ~ N(0, 1) and centred targets y = Xw* + noise, w* = (2, −1, 0.5, 1.5, …)."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, features))
    w = np.resize(np.array([2.0, -1.0, 0.5, 1.5]), features)
    y = X @ w + noise * rng.standard_normal(n)
    return (X - X.mean(0)).astype(np.float32), (y - y.mean()).astype(np.float32)


def penalized_least_squares(X: np.ndarray, y: np.ndarray, penalty: np.ndarray) -> np.ndarray:
    """argmin_w mean (y − Xw)² + Σ_j penalty_j w_j²: w = (XᵀX/N + diag(penalty))⁻¹ Xᵀy/N (float64)."""
    X, y = np.asarray(X, dtype=np.float64), np.asarray(y, dtype=np.float64)
    n = len(X)
    return np.linalg.solve(X.T @ X / n + np.diag(np.broadcast_to(penalty, X.shape[1])), X.T @ y / n)


def train_linear(X: np.ndarray, y: np.ndarray, before: Module | None = None, weight_decay: float = 0.0,
                 epochs: int = 800, lr: float = 0.02, seed: int = 0) -> np.ndarray:
    """Fit y ≈ wᵀ·before(x) (no bias: the data are centred) with full-batch Adam; returns w.

    ``weight_decay`` is the L2 coefficient λ of the loss mean (y − wᵀx)² + λ‖w‖², added to
    the loss (not to Adam's update, which would rescale it per weight).
    """
    seeded(seed)
    linear = Linear(X.shape[1], 1, bias=False)
    model = Sequential(before, linear) if before is not None else linear
    mse = MSELoss()

    def loss_fn(out, target):
        loss = mse(out, target)
        return loss + weight_decay * (linear.weight * linear.weight).sum() if weight_decay else loss

    fit_arrays(model, X, y.reshape(-1, 1), loss_fn, Adam(model.parameters(), lr=lr), epochs=epochs)
    return linear.weight.detach().numpy().astype(np.float64).ravel()


def dropout_vs_weight_decay(scale: float = 0.1, keep: float = 0.8, weight_decay: float = 0.2, epochs: int = 800,
                            lr: float = 0.05, seed: int = 0) -> dict:
    """Train dropout-on-inputs and weight-decay linear models on the data and on the data with feature 0 × ``scale``.

    The task needs the coefficient w*_0 = 2 on feature 0; after rescaling it needs 2/scale.
    A regularizer that is invariant to the rescaling recovers the same *effective*
    coefficient w_0·scale both times.

    Returns:
        ``{"dropout": (c_orig, c_scaled), "weight_decay": (c_orig, c_scaled), "closed_form": {...}}``:
        the effective coefficient on feature 0 (w_0 times the feature's scale) from training,
        and the same from the closed forms (dropout: penalty (1 − p)/p · mean x_j²; weight
        decay: penalty λ).
    """
    X, y = regression_data(seed=seed)
    Xs = X.copy()
    Xs[:, 0] *= scale
    out: dict = {"closed_form": {}}
    for name in ("dropout", "weight_decay"):
        effective, closed = [], []
        for data, s in ((X, 1.0), (Xs, scale)):
            if name == "dropout":
                w = train_linear(data, y, Dropout(1 - keep), epochs=epochs, lr=lr, seed=seed)
                penalty = (1 - keep) / keep * (data.astype(np.float64) ** 2).mean(0)
            else:
                w = train_linear(data, y, weight_decay=weight_decay, epochs=epochs, lr=lr, seed=seed)
                penalty = np.full(data.shape[1], weight_decay)
            effective.append(float(w[0] * s))
            closed.append(float(penalized_least_squares(data, y, penalty)[0] * s))
        out[name] = tuple(effective)
        out["closed_form"][name] = tuple(closed)
    return out


def input_noise_vs_l2(sigma: float = 0.7, epochs: int = 1500, seed: int = 0) -> dict:
    """Train a linear model on inputs with Gaussian noise of std σ; compare with ridge (λ = σ²) and least squares.

    Returns:
        ``{"trained", "ridge", "ols", "distance_to_ridge", "distance_to_ols"}``: the weight
        vectors and the trained weights' distances to both closed forms.
    """
    X, y = regression_data(seed=seed)
    trained = train_linear(X, y, GaussianNoise(sigma), epochs=epochs, lr=0.01, seed=seed)
    ridge = penalized_least_squares(X, y, sigma ** 2)
    ols = penalized_least_squares(X, y, 0.0)
    return {"trained": trained, "ridge": ridge, "ols": ols,
            "distance_to_ridge": float(np.linalg.norm(trained - ridge)),
            "distance_to_ols": float(np.linalg.norm(trained - ols))}
