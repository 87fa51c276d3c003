"""Scores of generative models: ROC AUC of anomaly scores, the Fréchet distance, a classifier's verdict.

- :func:`roc_auc`: the probability that a random positive scores above a random
  negative (Mann–Whitney U / (n₊ n₋), ties counted ½) — the area under the ROC curve.
- :func:`frechet_distance`: ‖μ₁ − μ₂‖² + tr(Σ₁ + Σ₂ − 2(Σ₁Σ₂)^{1/2}) between Gaussians
  fitted to two sets of features — FID's recipe (Heusel et al., 2017) when the features
  come from a classifier's penultimate layer.
- :class:`DigitJudge`: a separately trained digit classifier that supplies those features
  and says which generated digits it recognizes with confidence.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nnlab import functional as F
from nnlab import nn, optim
from nnlab.autograd.grad_mode import no_grad
from nnlab.autograd.tensor import Tensor
from nnlab.data import DataLoader, TensorDataset
from nnlab.models.basic.mlp import MLP
from nnlab.ops.creation import as_tensor
from nnlab.train import Trainer

__all__ = ["roc_auc", "frechet_distance", "DigitJudge", "train_digit_judge"]


def roc_auc(scores: Any, labels: Any) -> float:
    """Area under the ROC curve of ``scores`` for binary ``labels`` (1 = positive, e.g. anomaly).

    Computed from average ranks: AUC = (Σ ranks of positives − n₊(n₊ + 1)/2) / (n₊ n₋).
    """
    s = np.asarray(scores, dtype=np.float64).ravel()
    y = np.asarray(labels).ravel().astype(bool)
    if s.shape != y.shape:
        raise ValueError(f"roc_auc: {s.size} scores but {y.size} labels")
    n_pos, n_neg = int(y.sum()), int((~y).sum())
    if n_pos == 0 or n_neg == 0:
        raise ValueError(f"roc_auc: needs both classes, got {n_pos} positives and {n_neg} negatives")
    order = np.argsort(s, kind="mergesort")
    ranks = np.empty(len(s))
    sorted_s = s[order]
    # average rank (1-based) over each run of tied scores
    starts = np.flatnonzero(np.r_[True, sorted_s[1:] != sorted_s[:-1]])
    ends = np.r_[starts[1:], len(s)]
    for a, b in zip(starts, ends):
        ranks[order[a:b]] = (a + b + 1) / 2.0
    return float((ranks[y].sum() - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg))


def frechet_distance(features_a: Any, features_b: Any) -> float:
    """d² = ‖μ_a − μ_b‖² + tr(Σ_a + Σ_b − 2(Σ_a Σ_b)^{1/2}) between Gaussian fits of two feature sets.

    tr (Σ_a Σ_b)^{1/2} = Σ √λᵢ over the eigenvalues λ of the symmetric PSD matrix
    Σ_a^{1/2} Σ_b Σ_a^{1/2} (same spectrum as Σ_a Σ_b), computed in float64.

    Shape: features_a :math:`(N, D)`, features_b :math:`(M, D)`, N, M ≥ 2.
    """
    a = np.asarray(features_a, dtype=np.float64)
    b = np.asarray(features_b, dtype=np.float64)
    if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[1] or min(len(a), len(b)) < 2:
        raise ValueError(f"frechet_distance: needs two (N, D) feature sets with the same D and N >= 2, "
                         f"got {a.shape} and {b.shape}")
    mu_a, mu_b = a.mean(0), b.mean(0)
    cov_a, cov_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    w, v = np.linalg.eigh(cov_a)
    root_a = (v * np.sqrt(np.clip(w, 0, None))) @ v.T
    middle = np.linalg.eigvalsh(root_a @ cov_b @ root_a)
    tr_root = np.sqrt(np.clip(middle, 0, None)).sum()
    return float(((mu_a - mu_b) ** 2).sum() + np.trace(cov_a) + np.trace(cov_b) - 2 * tr_root)


class DigitJudge:
    """A trained digit classifier (an MLP) used to judge generated digits.

    Args:
        model: an :class:`~nnlab.models.MLP` with one hidden layer, trained on digits in [0, 1].

    ``features(x)`` is its hidden layer (the FID features), ``probs(x)`` its softmax.
    """

    def __init__(self, model: MLP) -> None:
        if not isinstance(model, MLP) or len(model.sizes) != 3:
            raise ValueError("DigitJudge: expects an MLP with exactly one hidden layer, e.g. MLP((64, 128, 10))")
        self.model = model.eval()
        self.n_features = model.sizes[0]

    def _x(self, x: Any) -> Tensor:
        arr = np.asarray(x.array if isinstance(x, Tensor) else x, dtype=np.float32)
        return as_tensor(arr.reshape(len(arr), -1))

    def features(self, x: Any) -> np.ndarray:
        """The hidden layer's activations, :math:`(N, H)`."""
        net = self.model.net
        with no_grad():
            return net[1](net[0](self._x(x))).array

    def probs(self, x: Any) -> np.ndarray:
        """Class probabilities, :math:`(N, C)`."""
        with no_grad():
            return F.softmax(self.model(self._x(x)), dim=1).array

    def verdict(self, x: Any, confidence: float = 0.9) -> dict[str, Any]:
        """How many samples it recognizes with probability ≥ ``confidence``, and which classes they cover.

        Returns:
            ``{"confident_share", "classes_covered", "class_counts" (C,)}`` over the confident samples.
        """
        p = self.probs(x)
        confident = p.max(1) >= confidence
        counts = np.bincount(p.argmax(1)[confident], minlength=p.shape[1])
        return {"confident_share": float(confident.mean()), "classes_covered": int(np.count_nonzero(counts)),
                "class_counts": counts}


def train_digit_judge(X: Any, y: Any, hidden: int = 128, epochs: int = 40, lr: float = 1e-3) -> DigitJudge:
    """Train the judge: ``MLP((D, hidden, C))`` on digits in [0, 1] (cross-entropy, Adam, batches of 32)."""
    X = np.asarray(X, dtype=np.float32).reshape(len(X), -1)
    y = np.asarray(y)
    model = MLP((X.shape[1], int(hidden), int(y.max()) + 1))
    Trainer(model, nn.CrossEntropyLoss(), optim.Adam(model.parameters(), lr=lr), quiet=True).fit(
        DataLoader(TensorDataset(X, y), batch_size=32, shuffle=True), epochs=epochs)
    return DigitJudge(model)
