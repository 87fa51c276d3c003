"""The restricted Boltzmann machine with binary units, trained by contrastive divergence.

An RBM is an energy model over visible units v ∈ {0,1}^V and hidden units h ∈ {0,1}^H,

    E(v, h) = −bᵀv − cᵀh − hᵀWv,        p(v, h) = e^{−E(v, h)} / Z,

with no connections inside a layer, so both conditionals factorize:

    p(h_j = 1 | v) = σ(c_j + W_j· v),    p(v_i = 1 | h) = σ(b_i + W_·iᵀ h).

Summing h out gives the free energy F(v) = −bᵀv − Σ_j softplus(c_j + W_j· v), with
p(v) = e^{−F(v)} / Z. The log-likelihood gradient is E_data[−∂F/∂θ] − E_model[−∂F/∂θ];
contrastive divergence (CD-k) estimates the model term with k steps of block Gibbs
sampling started at the data, persistent CD (PCD) with a chain kept across updates.
Both are written here as the surrogate loss mean F(v_data) − mean F(v_neg) with v_neg
held constant: its autograd gradient *is* the CD update, so the ``Trainer`` and any
optimizer apply it.

Weight layout and conventions follow scikit-learn's ``BernoulliRBM`` (``components_`` is
``weight``, ``intercept_hidden_`` is ``h_bias``, ``intercept_visible_`` is ``v_bias``),
so ``free_energy`` and ``pseudo_likelihood`` equal its ``_free_energy`` and
``score_samples`` given the same weights (and the same flipped bits).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nnlab import functional as F
from nnlab.autograd.grad_mode import no_grad
from nnlab.autograd.tensor import Tensor
from nnlab.backend import as_dtype, default_generator
from nnlab.nn import init
from nnlab.nn.module import Module
from nnlab.nn.parameter import Parameter
from nnlab.ops.creation import as_tensor

__all__ = ["BernoulliRBM", "bernoulli_sample"]


def bernoulli_sample(p: np.ndarray, generator: np.random.Generator) -> np.ndarray:
    """x ~ Bernoulli(p) elementwise, in p's dtype: 1 where a uniform draw falls below p."""
    return (generator.random(p.shape) < p).astype(p.dtype)


def _array(x: Any) -> np.ndarray:
    return x.array if isinstance(x, Tensor) else np.asarray(x)


class BernoulliRBM(Module):
    """E(v, h) = −bᵀv − cᵀh − hᵀWv; F(v) = −bᵀv − Σⱼ softplus(cⱼ + Wⱼ·v).

    Args:
        n_visible: V, the number of visible units (e.g. 64 pixels).
        n_hidden: H, the number of hidden units (> 0).
        k: Gibbs steps per update of CD-k / PCD-k (≥ 1). Default: 1.
        persistent: persistent CD (a chain kept across updates) instead of CD-k started
            at the data. Default: False.
        generator: the ``np.random.Generator`` of the Gibbs sampler. Default: nnlab's
            global generator (reset by ``nnlab.manual_seed``).
        dtype: parameter dtype. Default: float32.

    Shape:
        v: :math:`(N, V)` with values in [0, 1] (binary, or probabilities / grey levels
        as scikit-learn accepts); h: :math:`(N, H)`. ``forward(v)`` returns p(h = 1 | v).

    Attributes:
        weight: W, :math:`(H, V)`, drawn from N(0, 0.01²) (scikit-learn's ``components_``).
        h_bias: c, :math:`(H)`, zeros (``intercept_hidden_``).
        v_bias: b, :math:`(V)`, zeros (``intercept_visible_``).
    """

    def __init__(self, n_visible: int, n_hidden: int, k: int = 1, persistent: bool = False,
                 generator: np.random.Generator | None = None, dtype=None) -> None:
        super().__init__()
        if int(n_visible) <= 0 or int(n_hidden) <= 0:
            raise ValueError(f"BernoulliRBM: n_visible and n_hidden must be positive, got {n_visible} and {n_hidden}")
        if int(k) < 1:
            raise ValueError(f"BernoulliRBM: k (Gibbs steps per update) must be >= 1, got {k}")
        self.n_visible, self.n_hidden, self.k, self.persistent = int(n_visible), int(n_hidden), int(k), bool(persistent)
        self.generator = generator
        dt = as_dtype(dtype)
        self.weight = Parameter(np.empty((self.n_hidden, self.n_visible), dtype=dt))
        self.h_bias = Parameter(np.zeros(self.n_hidden, dtype=dt))
        self.v_bias = Parameter(np.zeros(self.n_visible, dtype=dt))
        init.normal_(self.weight, 0.0, 0.01, generator=generator)
        self._chain: np.ndarray | None = None  # the persistent chain's visible states

    @property
    def rng(self) -> np.random.Generator:
        return self.generator if self.generator is not None else default_generator()

    def _check(self, v: Any, name: str = "v") -> Tensor:
        v = v if isinstance(v, Tensor) else as_tensor(np.asarray(v, dtype=self.weight.dtype))
        if v.ndim != 2 or v.shape[1] != self.n_visible:
            raise ValueError(f"BernoulliRBM: {name} must have shape (N, {self.n_visible}) (the visible units), "
                             f"got {tuple(v.shape)}")
        return v

    # ---- the model ------------------------------------------------------------------------------
    def energy(self, v: Any, h: Any) -> Tensor:
        """E(v, h) = −bᵀv − cᵀh − hᵀWv for each row. Shape: v (N, V), h (N, H) → (N)."""
        v = self._check(v)
        h = h if isinstance(h, Tensor) else as_tensor(np.asarray(h, dtype=self.weight.dtype))
        if h.ndim != 2 or h.shape != (v.shape[0], self.n_hidden):
            raise ValueError(f"BernoulliRBM.energy: h must have shape ({v.shape[0]}, {self.n_hidden}), got {tuple(h.shape)}")
        return -(v @ self.v_bias) - (h @ self.h_bias) - ((h @ self.weight) * v).sum(dim=1)

    def free_energy(self, v: Any) -> Tensor:
        """F(v) = −ln Σ_h e^{−E(v, h)} = −bᵀv − Σⱼ softplus(cⱼ + Wⱼ·v). Shape: (N, V) → (N)."""
        v = self._check(v)
        return -(v @ self.v_bias) - F.softplus(F.linear(v, self.weight, self.h_bias)).sum(dim=1)

    def hidden_probs(self, v: Any) -> Tensor:
        """p(h = 1 | v) = σ(vWᵀ + c). Shape: (N, V) → (N, H)."""
        return F.sigmoid(F.linear(self._check(v), self.weight, self.h_bias))

    def visible_probs(self, h: Any) -> Tensor:
        """p(v = 1 | h) = σ(hW + b). Shape: (N, H) → (N, V)."""
        h = h if isinstance(h, Tensor) else as_tensor(np.asarray(h, dtype=self.weight.dtype))
        if h.ndim != 2 or h.shape[1] != self.n_hidden:
            raise ValueError(f"BernoulliRBM: h must have shape (N, {self.n_hidden}) (the hidden units), got {tuple(h.shape)}")
        return F.sigmoid(h @ self.weight + self.v_bias)

    def forward(self, v: Tensor) -> Tensor:
        """The RBM as a feature layer: p(h = 1 | v)."""
        return self.hidden_probs(v)

    # ---- sampling ---------------------------------------------------------------------------------
    def gibbs(self, v: Any, steps: int = 1) -> np.ndarray:
        """Block Gibbs sampling: ``steps`` times h ~ p(h | v), then v ~ p(v | h). Returns binary v (N, V)."""
        if int(steps) < 1:
            raise ValueError(f"BernoulliRBM.gibbs: steps must be >= 1, got {steps}")
        rng = self.rng
        with no_grad():
            v_t = self._check(v)
            for _ in range(int(steps)):
                h = bernoulli_sample(self.hidden_probs(v_t).array, rng)
                v_t = as_tensor(bernoulli_sample(self.visible_probs(h).array, rng))
        return v_t.array

    def sample(self, n: int, steps: int = 1000, init: Any | None = None) -> np.ndarray:
        """``n`` visible samples after ``steps`` Gibbs steps from ``init`` (default: uniform random bits)."""
        if init is None:
            init = bernoulli_sample(np.full((int(n), self.n_visible), 0.5, dtype=self.weight.dtype), self.rng)
        return self.gibbs(init, steps)

    def negative_samples(self, v: Tensor) -> np.ndarray:
        """The model samples of one update: k Gibbs steps from the data (CD-k) or from the persistent chain (PCD-k)."""
        if not self.persistent:
            return self.gibbs(v, self.k)
        if self._chain is None or self._chain.shape[0] != v.shape[0]:
            self._chain = bernoulli_sample(np.asarray(_array(v), dtype=self.weight.dtype), self.rng)
        self._chain = self.gibbs(self._chain, self.k)
        return self._chain

    # ---- training and scores ------------------------------------------------------------------------
    def cd_loss(self, v: Any) -> Tensor:
        """mean F(v) − mean F(v⁻) with v⁻ the (constant) negative samples: its gradient is the CD-k update."""
        v = self._check(v)
        v_neg = as_tensor(self.negative_samples(v))
        return self.free_energy(v).mean() - self.free_energy(v_neg).mean()

    def reconstruction_error(self, v: Any) -> float:
        """Mean squared error between v and its mean-field reconstruction p(v | h = p(h | v)), per unit."""
        with no_grad():
            v = self._check(v)
            recon = self.visible_probs(self.hidden_probs(v)).array
        return float(np.mean((recon - v.array) ** 2))

    def pseudo_likelihood(self, v: Any, flip_index: Any | None = None) -> np.ndarray:
        """V · ln σ(F(ṽ) − F(v)): scikit-learn's stochastic pseudo-log-likelihood of each row.

        ṽ is v with one unit i per row flipped (vᵢ → 1 − vᵢ); V · ln p(vᵢ | v₋ᵢ) for one
        random i estimates the sum of the V conditionals Σᵢ ln p(vᵢ | v₋ᵢ).

        Args:
            v: :math:`(N, V)` visible vectors.
            flip_index: the unit to flip in each row, :math:`(N)` ints; default: drawn
                uniformly from the sampler's generator. Pass scikit-learn's draws
                (``RandomState(seed).randint(0, V, N)``) to reproduce its ``score_samples``.
        """
        with no_grad():
            v = self._check(v)
            n = v.shape[0]
            idx = self.rng.integers(0, self.n_visible, n) if flip_index is None else np.asarray(flip_index)
            if idx.shape != (n,) or idx.min(initial=0) < 0 or idx.max(initial=0) >= self.n_visible:
                raise ValueError(f"BernoulliRBM.pseudo_likelihood: flip_index must be {n} unit indices in "
                                 f"[0, {self.n_visible}), got shape {idx.shape}")
            flipped = v.array.copy()
            rows = np.arange(n)
            flipped[rows, idx] = 1 - flipped[rows, idx]
            gap = self.free_energy(flipped).array - self.free_energy(v).array
        return -self.n_visible * np.logaddexp(0, -gap)

    def training_step(self, batch: Any) -> dict[str, Any]:
        """The Trainer's step: the CD surrogate loss (optimized by the Trainer) and the reconstruction error."""
        v = self._check(_array(batch[0] if isinstance(batch, (tuple, list)) else batch).reshape(-1, self.n_visible))
        return {"loss": self.cd_loss(v), "recon_error": self.reconstruction_error(v)}

    def validation_step(self, batch: Any) -> dict[str, float]:
        """Held-out scores: mean pseudo-log-likelihood, reconstruction error and free energy."""
        v = _array(batch[0] if isinstance(batch, (tuple, list)) else batch).reshape(-1, self.n_visible)
        return {"pseudo_likelihood": float(self.pseudo_likelihood(v).mean()), "recon_error": self.reconstruction_error(v),
                "free_energy": float(self.free_energy(v).array.mean())}
