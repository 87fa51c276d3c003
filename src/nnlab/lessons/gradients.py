"""Gradients in deep networks: vanishing through sigmoid layers, and checking backprop numerically.

- :func:`deep_gradient_norms`: ‖∂L/∂h_l‖ for every block of a deep MLP, measured with
  :func:`nnlab.diagnostics.layer_gradient_norms`. Sigmoid blocks with default init lose a
  factor of roughly 4 or more per layer (σ′ ≤ 1/4); ReLU blocks with He init
  (Var w = 2/n_in) keep the norm of the order of one; residual blocks h + F(h) carry it
  through the identity path.
- :func:`gradient_check_errors`: the finite-difference estimate of a gradient against
  backprop as ε shrinks. The one-sided difference (J(θ + ε) − J(θ))/ε has error
  ½ε J″ + O(ε²), first order; the two-sided one (J(θ + ε) − J(θ − ε))/2ε cancels the even
  terms and has error ε²J‴/6, second order — until round-off (≈ u/ε) takes over.
"""

from __future__ import annotations

import numpy as np

from nnlab.autograd.gradcheck import relative_difference
from nnlab.diagnostics.gradient_flow import LayerGradients, layer_gradient_norms
from nnlab.lessons.common import seeded
from nnlab import functional as NF
from nnlab.nn import init
from nnlab.nn.activation import ReLU, Sigmoid, Tanh
from nnlab.nn.containers import ModuleList, Sequential
from nnlab.nn.linear import Linear
from nnlab.nn.module import Module
from nnlab.ops.creation import from_numpy

__all__ = ["DeepMLP", "deep_gradient_norms", "gradient_check_errors", "loglog_slope"]

KINDS = ("sigmoid", "relu_he", "residual")


class DeepMLP(Module):
    """``depth`` blocks of width D, then a linear head: plain sigmoid, plain ReLU (He init), or residual ReLU.

    Block l: h_l = g(W_l h_{l−1} + b_l) (``"sigmoid"``, ``"relu_he"``) or
    h_l = h_{l−1} + ReLU(W_l h_{l−1} + b_l) (``"residual"``, the input first projected to D).

    Args:
        kind: one of ``"sigmoid"``, ``"relu_he"``, ``"residual"``.
        in_features, width, depth, out_features: the sizes.
    """

    def __init__(self, kind: str, in_features: int = 16, width: int = 64, depth: int = 20, out_features: int = 1):
        super().__init__()
        if kind not in KINDS:
            raise ValueError(f"DeepMLP: kind must be one of {KINDS}, got {kind!r}")
        self.kind = kind
        self.stem = Linear(in_features, width) if kind == "residual" else None
        blocks = []
        for i in range(depth):
            n_in = in_features if (i == 0 and kind != "residual") else width
            lin = Linear(n_in, width)
            if kind == "relu_he":
                init.kaiming_normal_(lin.weight, nonlinearity="relu")
                init.zeros_(lin.bias)
            blocks.append(Sequential(lin, Sigmoid() if kind == "sigmoid" else ReLU()))
        self.blocks = ModuleList(blocks)
        self.head = Linear(width, out_features)

    def forward(self, x):
        h = self.stem(x) if self.stem is not None else x
        for block in self.blocks:
            h = h + block(h) if self.kind == "residual" else block(h)
        return self.head(h)


def deep_gradient_norms(kind: str, depth: int = 20, width: int = 64, batch: int = 128,
                        seed: int = 0) -> LayerGradients:
    """Per-block gradient norms ‖∂L/∂h_l‖ of a fresh :class:`DeepMLP` (float64) on a random regression batch.

    Returns:
        A :class:`~nnlab.diagnostics.LayerGradients` over the ``depth`` blocks, input side first.
    """
    seeded(seed)
    model = DeepMLP(kind, 16, width, depth).double()
    rng = np.random.default_rng(seed)
    x = from_numpy(rng.standard_normal((batch, 16)))
    y = from_numpy(rng.standard_normal((batch, 1)))
    layers = [(f"blocks.{i}", b) for i, b in enumerate(model.blocks)]
    return layer_gradient_norms(model, x, lambda out: NF.mse_loss(out, y), layers)


def gradient_check_errors(epsilons=tuple(10.0 ** -k for k in np.arange(1, 7.5, 0.5)), seed: int = 0
                          ) -> dict[str, np.ndarray]:
    """Relative error of one- and two-sided finite differences against backprop, for each ε.

    The function is the cross-entropy of a small 4-8-3 tanh network on a fixed batch, in
    float64; the difference is the seeds' ‖dθ_approx − dθ‖ / (‖dθ_approx‖ + ‖dθ‖) over all
    of the network's parameters.

    Returns:
        ``{"eps", "one_sided", "two_sided"}``, arrays of the same length.
    """
    seeded(seed)
    model = Sequential(Linear(4, 8), Tanh(), Linear(8, 3)).double()
    rng = np.random.default_rng(seed)
    x = from_numpy(rng.standard_normal((16, 4)))
    y = from_numpy(rng.integers(0, 3, 16))
    params = list(model.parameters())
    model.zero_grad()
    NF.cross_entropy(model(x), y).backward()
    exact = np.concatenate([p.grad.numpy().ravel() for p in params])

    def J() -> float:
        return float(NF.cross_entropy(model(x), y).item())

    flat = [(p, idx) for p in params for idx in np.ndindex(*p.shape)]
    base = J()
    one, two = [], []
    for eps in epsilons:
        g1, g2 = np.empty(len(flat)), np.empty(len(flat))
        for k, (p, idx) in enumerate(flat):
            old = p.array[idx]
            p.array[idx] = old + eps
            plus = J()
            p.array[idx] = old - eps
            minus = J()
            p.array[idx] = old
            g1[k] = (plus - base) / eps
            g2[k] = (plus - minus) / (2 * eps)
        one.append(relative_difference(g1, exact))
        two.append(relative_difference(g2, exact))
    model.zero_grad()
    return {"eps": np.asarray(epsilons, dtype=np.float64), "one_sided": np.array(one), "two_sided": np.array(two)}


def loglog_slope(x: np.ndarray, y: np.ndarray) -> float:
    """The least-squares slope of log y against log x (the order p of y ∝ x^p)."""
    return float(np.polyfit(np.log(np.asarray(x, dtype=np.float64)), np.log(np.asarray(y, dtype=np.float64)), 1)[0])
