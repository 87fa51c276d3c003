"""The variational autoencoder (Kingma & Welling, 2014).

An encoder gives a Gaussian posterior q(z | x) = N(μ(x), diag σ²(x)); a decoder gives a
Bernoulli likelihood p(x | z) = Π_d Bernoulli(x_d; σ(g(z)_d)); the prior is p(z) = N(0, I).
Training maximizes the evidence lower bound

    ELBO(x) = E_q[ln p(x | z)] − KL(q(z | x) ‖ p(z)) ≤ ln p(x),

estimated with one sample through the reparameterization z = μ + σ ⊙ ε, ε ~ N(0, I)
(the sample is a differentiable function of μ and σ), and the KL term in closed form:

    KL = −½ Σ_k (1 + ln σ_k² − μ_k² − σ_k²).

Both terms are sums over the pixels / latent units of one sample, so the ELBO is in nats
per sample. Digits' grey levels in [0, 1] are used as Bernoulli targets (the usual
practice; for non-binary x it is a cross-entropy, not a normalized likelihood).
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from nnlab import functional as F
from nnlab.autograd.grad_mode import no_grad
from nnlab.autograd.tensor import Tensor
from nnlab.backend import default_generator
from nnlab.models.generative.autoencoder import batch_input
from nnlab.models.basic.mlp import MLP
from nnlab.nn.module import Module
from nnlab.ops.creation import as_tensor

__all__ = ["VAE", "gaussian_kl", "reparameterize"]


def reparameterize(mu: Tensor, logvar: Tensor, eps: Tensor) -> Tensor:
    """z = μ + exp(½ ln σ²) ⊙ ε: a sample of N(μ, σ²) that is differentiable in μ and ln σ².

    Shape: mu, logvar, eps :math:`(N, K)` → :math:`(N, K)`.
    """
    return mu + (logvar * 0.5).exp() * eps


def gaussian_kl(mu: Tensor, logvar: Tensor) -> Tensor:
    """KL(N(μ, σ²) ‖ N(0, I)) = −½ Σ_k (1 + ln σ_k² − μ_k² − σ_k²), one value per row.

    Shape: mu, logvar :math:`(N, K)` → :math:`(N)`.
    """
    return ((logvar + 1.0 - mu * mu - logvar.exp()) * -0.5).sum(dim=1)


class VAE(Module):
    """A VAE with MLP encoder and decoder; ``loss`` = −ELBO in nats per sample.

    Args:
        n_features: D, values per sample (64 for the 8×8 digits; images are flattened).
        latent_dim: K ≥ 1, the size of z. Default: 8.
        hidden: encoder hidden widths; the decoder mirrors them. Default: (256, 128).
        beta: weight of the KL term (β-VAE; 1 is the ELBO). Default: 1.
        generator: the generator of ε and of prior samples. Default: nnlab's global one.

    Shape:
        input :math:`(N, D)` or :math:`(N, *)` with D values per sample; ``forward`` returns
        the reconstruction's Bernoulli means in x's shape (sampled z in training, z = μ in eval).

    Attributes:
        encoder: ``MLP((D, *hidden, 2K))`` whose output splits into μ and ln σ².
        decoder: ``MLP((K, *reversed(hidden), D))`` giving the pixels' logits.
    """

    def __init__(self, n_features: int, latent_dim: int = 8, hidden: Sequence[int] = (256, 128), beta: float = 1.0,
                 generator: np.random.Generator | None = None) -> None:
        super().__init__()
        if int(latent_dim) < 1:
            raise ValueError(f"VAE: latent_dim must be >= 1, got {latent_dim}")
        if int(n_features) < 1:
            raise ValueError(f"VAE: n_features must be >= 1, got {n_features}")
        if beta < 0:
            raise ValueError(f"VAE: beta must be >= 0, got {beta}")
        self.n_features, self.latent_dim, self.beta, self.generator = int(n_features), int(latent_dim), float(beta), generator
        self.encoder = MLP((self.n_features, *hidden, 2 * self.latent_dim))
        self.decoder = MLP((self.latent_dim, *reversed(tuple(hidden)), self.n_features))

    @property
    def rng(self) -> np.random.Generator:
        return self.generator if self.generator is not None else default_generator()

    def _flat(self, x: Any) -> Tensor:
        x = x if isinstance(x, Tensor) else as_tensor(np.asarray(x))
        if x.ndim < 2 or int(np.prod(x.shape[1:])) != self.n_features:
            raise ValueError(f"VAE: expected inputs (N, {self.n_features}) (or images with {self.n_features} values "
                             f"each), got shape {tuple(x.shape)}")
        return x.reshape(x.shape[0], self.n_features)

    def encode(self, x: Any) -> tuple[Tensor, Tensor]:
        """(μ, ln σ²) of q(z | x). Shape: :math:`(N, K)` each."""
        h = self.encoder(self._flat(x))
        return h[:, : self.latent_dim], h[:, self.latent_dim :]

    def decode(self, z: Any) -> Tensor:
        """Bernoulli means σ(g(z)) of p(x | z). Shape: :math:`(N, K)` → :math:`(N, D)`."""
        z = z if isinstance(z, Tensor) else as_tensor(np.asarray(z, dtype=self.decoder.net[0].weight.dtype))
        if z.ndim != 2 or z.shape[1] != self.latent_dim:
            raise ValueError(f"VAE.decode: expected latents (N, {self.latent_dim}), got shape {tuple(z.shape)}")
        return F.sigmoid(self.decoder(z))

    def _eps(self, like: Tensor) -> Tensor:
        return as_tensor(self.rng.standard_normal(like.shape).astype(like.array.dtype))

    def forward(self, x: Tensor) -> Tensor:
        x = x if isinstance(x, Tensor) else as_tensor(np.asarray(x))
        mu, logvar = self.encode(x)
        z = reparameterize(mu, logvar, self._eps(mu)) if self.training else mu
        return self.decode(z).reshape(x.shape)

    def loss_terms(self, x: Any) -> tuple[Tensor, Tensor]:
        """(−E_q ln p(x | z), KL(q ‖ p)) per sample in nats, one reparameterized sample each. Shape: (N), (N)."""
        x = self._flat(x)
        mu, logvar = self.encode(x)
        logits = self.decoder(reparameterize(mu, logvar, self._eps(mu)))
        recon = F.binary_cross_entropy_with_logits(logits, x, reduction="none").sum(dim=1)
        return recon, gaussian_kl(mu, logvar)

    def training_step(self, batch: Any) -> dict[str, Any]:
        """loss = mean(recon + β·KL); logs the ELBO (nats per sample) and its two terms."""
        recon, kl = self.loss_terms(batch_input(batch))
        loss = (recon + kl * self.beta).mean()
        r, k = float(recon.array.mean()), float(kl.array.mean())
        return {"loss": loss, "elbo": -(r + k), "recon": r, "kl": k}

    def elbo(self, x: Any, samples: int = 1) -> np.ndarray:
        """The ELBO of each row in nats, averaged over ``samples`` draws of z. Shape: (N)."""
        with no_grad():
            total = sum(-(r.array + k.array) for r, k in (self.loss_terms(x) for _ in range(int(samples))))
        return total / int(samples)

    def sample(self, n: int) -> np.ndarray:
        """``n`` new samples: the decoder's Bernoulli means at z ~ N(0, I). Shape: (n, D)."""
        z = self.rng.standard_normal((int(n), self.latent_dim)).astype(self.decoder.net[0].weight.dtype)
        with no_grad():
            return self.decode(z).array

    def interpolate(self, x_a: Any, x_b: Any, steps: int = 8) -> np.ndarray:
        """Decode the straight line μ(x_a) → μ(x_b) in latent space at ``steps`` points. Shape: (steps, D)."""
        if int(steps) < 2:
            raise ValueError(f"VAE.interpolate: steps must be >= 2, got {steps}")
        with no_grad():
            mu_a = self.encode(self._flat(np.asarray(x_a).reshape(1, -1)))[0].array
            mu_b = self.encode(self._flat(np.asarray(x_b).reshape(1, -1)))[0].array
            t = np.linspace(0.0, 1.0, int(steps), dtype=mu_a.dtype)[:, None]
            return self.decode((1 - t) * mu_a + t * mu_b).array
