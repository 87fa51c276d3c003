"""Generative adversarial networks (Goodfellow et al., 2014): the two players and their losses.

A generator G maps noise z ~ N(0, I) to samples; a discriminator D maps a sample to the
logit of "real". They play the minimax game

    min_G max_D  E_x[ln D(x)] + E_z[ln(1 − D(G(z)))].

D minimizes the binary cross-entropy :func:`discriminator_loss` (real → 1, fake → 0;
one-sided label smoothing puts the real target at 1 − s). G minimizes either the
minimax loss E[ln(1 − D(G(z)))], whose gradient vanishes while D confidently rejects
the fakes, or the non-saturating loss −E[ln D(G(z))] (same fixed point, strong
gradients early) — :func:`generator_loss`.

Players here: MLPs for low-dimensional data (:class:`MLPGenerator`,
:class:`MLPDiscriminator`) and a DCGAN-style convolutional pair (Radford et al., 2016:
transposed convolutions with batch norm and ReLU up to a tanh image; strided
convolutions with leaky ReLU down; no pooling) in :class:`DCGANGenerator` /
:class:`DCGANDiscriminator`. Training is :class:`~nnlab.models.generative.gan_step.GANStep`.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from nnlab import functional as F
from nnlab.autograd.grad_mode import no_grad
from nnlab.autograd.tensor import Tensor
from nnlab.backend import default_generator, get_default_dtype
from nnlab.models.basic.mlp import MLP
from nnlab.nn.activation import LeakyReLU, ReLU, Tanh
from nnlab.nn.containers import Sequential
from nnlab.nn.conv import Conv2d, ConvTranspose2d
from nnlab.nn.flatten import Flatten, Unflatten
from nnlab.nn.linear import Linear
from nnlab.nn.module import Module
from nnlab.nn.normalization import BatchNorm1d, BatchNorm2d
from nnlab.ops.creation import as_tensor, full_like, zeros_like

__all__ = ["GENERATOR_LOSSES", "discriminator_loss", "generator_loss", "MLPGenerator", "MLPDiscriminator",
           "DCGANGenerator", "DCGANDiscriminator", "GAN"]

GENERATOR_LOSSES = ("non_saturating", "minimax")


def discriminator_loss(real_logits: Tensor, fake_logits: Tensor, label_smoothing: float = 0.0) -> Tensor:
    """−E[(1 − s) ln D(x) + s ln(1 − D(x))] − E[ln(1 − D(G(z)))], from logits (s: one-sided smoothing).

    Args:
        real_logits: D's logits on real samples, :math:`(N, 1)` or :math:`(N)`.
        fake_logits: D's logits on generated samples, :math:`(M, 1)` or :math:`(M)`.
        label_smoothing: s in [0, 1): the real samples' target is 1 − s (Salimans et al., 2016). Default: 0.
    """
    if not 0.0 <= label_smoothing < 1.0:
        raise ValueError(f"discriminator_loss: label_smoothing must be in [0, 1), got {label_smoothing}")
    real = F.binary_cross_entropy_with_logits(real_logits, full_like(real_logits, 1.0 - label_smoothing))
    return real + F.binary_cross_entropy_with_logits(fake_logits, zeros_like(fake_logits))


def generator_loss(fake_logits: Tensor, kind: str = "non_saturating") -> Tensor:
    """Non-saturating −E[ln D(G(z))] = E[softplus(−ℓ)], or minimax E[ln(1 − D(G(z)))] = −E[softplus(ℓ)].

    Args:
        fake_logits: D's logits ℓ on generated samples.
        kind: ``"non_saturating"`` (default) or ``"minimax"``.
    """
    if kind == "non_saturating":
        return F.softplus(-fake_logits).mean()
    if kind == "minimax":
        return -F.softplus(fake_logits).mean()
    raise ValueError(f"generator_loss: unknown kind {kind!r}; expected one of {GENERATOR_LOSSES}")


def _latent(latent_dim: int, who: str) -> int:
    if int(latent_dim) < 1:
        raise ValueError(f"{who}: latent_dim must be >= 1, got {latent_dim}")
    return int(latent_dim)


class MLPGenerator(Module):
    """x = MLP(z): noise :math:`(N, K)` → samples :math:`(N, D)` (no output activation; ``tanh=True`` adds one).

    Args:
        latent_dim: K ≥ 1. out_features: D. hidden: widths. Default: (128, 128).
        tanh: squash the output to (−1, 1). Default: False.
    """

    def __init__(self, latent_dim: int, out_features: int, hidden: Sequence[int] = (128, 128), tanh: bool = False):
        super().__init__()
        self.latent_dim = _latent(latent_dim, "MLPGenerator")
        self.net = MLP((self.latent_dim, *hidden, int(out_features)))
        self.tanh = bool(tanh)

    def forward(self, z: Tensor) -> Tensor:
        out = self.net(z)
        return F.tanh(out) if self.tanh else out


class MLPDiscriminator(Module):
    """ℓ = MLP(x) with leaky ReLU (slope 0.2): samples :math:`(N, D)` → real/fake logits :math:`(N, 1)`.

    Args:
        in_features: D. hidden: widths. Default: (128, 128).
    """

    def __init__(self, in_features: int, hidden: Sequence[int] = (128, 128)):
        super().__init__()
        self.in_features = int(in_features)
        self.net = MLP((self.in_features, *hidden, 1), activation=lambda: LeakyReLU(0.2))

    def forward(self, x: Tensor) -> Tensor:
        if x.ndim != 2 or x.shape[1] != self.in_features:
            raise ValueError(f"MLPDiscriminator: expected samples (N, {self.in_features}), got shape {tuple(x.shape)}")
        return self.net(x)


def _image_shape(image_shape: Sequence[int], who: str) -> tuple[int, int, int]:
    shape = tuple(int(s) for s in image_shape)
    if len(shape) != 3 or shape[1] % 4 or shape[2] % 4 or min(shape) < 1:
        raise ValueError(f"{who}: image_shape must be (C, H, W) with H and W divisible by 4, got {tuple(image_shape)}")
    return shape  # type: ignore[return-value]


class DCGANGenerator(Module):
    """z → Linear → BN → ReLU → (2c, H/4, W/4) → ConvT(4, s2) → BN → ReLU → ConvT(4, s2) → tanh image.

    Args:
        latent_dim: K ≥ 1. image_shape: (C, H, W), H and W divisible by 4 (e.g. (1, 8, 8)).
        channels: c. Default: 32.

    Shape:
        :math:`(N, K)` → :math:`(N, C, H, W)` in (−1, 1).
    """

    def __init__(self, latent_dim: int, image_shape: Sequence[int] = (1, 8, 8), channels: int = 32):
        super().__init__()
        self.latent_dim = _latent(latent_dim, "DCGANGenerator")
        self.image_shape = _image_shape(image_shape, "DCGANGenerator")
        C, H, W = self.image_shape
        c = int(channels)
        flat = 2 * c * (H // 4) * (W // 4)
        self.net = Sequential(
            Linear(self.latent_dim, flat, bias=False), BatchNorm1d(flat), ReLU(), Unflatten(1, (2 * c, H // 4, W // 4)),
            ConvTranspose2d(2 * c, c, 4, stride=2, padding=1, bias=False), BatchNorm2d(c), ReLU(),
            ConvTranspose2d(c, C, 4, stride=2, padding=1), Tanh(),
        )  # fmt: skip

    def forward(self, z: Tensor) -> Tensor:
        if z.ndim != 2 or z.shape[1] != self.latent_dim:
            raise ValueError(f"DCGANGenerator: expected noise (N, {self.latent_dim}), got shape {tuple(z.shape)}")
        return self.net(z)


class DCGANDiscriminator(Module):
    """image → Conv(4, s2) → LeakyReLU → Conv(4, s2) → BN → LeakyReLU → Linear → logit.

    Args:
        image_shape: (C, H, W), H and W divisible by 4. channels: c. Default: 32.

    Shape:
        :math:`(N, C, H, W)` → :math:`(N, 1)`.
    """

    def __init__(self, image_shape: Sequence[int] = (1, 8, 8), channels: int = 32):
        super().__init__()
        self.image_shape = _image_shape(image_shape, "DCGANDiscriminator")
        C, H, W = self.image_shape
        c = int(channels)
        self.net = Sequential(
            Conv2d(C, c, 4, stride=2, padding=1), LeakyReLU(0.2),
            Conv2d(c, 2 * c, 4, stride=2, padding=1, bias=False), BatchNorm2d(2 * c), LeakyReLU(0.2),
            Flatten(), Linear(2 * c * (H // 4) * (W // 4), 1),
        )  # fmt: skip

    def forward(self, x: Tensor) -> Tensor:
        if x.ndim != 4 or tuple(x.shape[1:]) != self.image_shape:
            raise ValueError(f"DCGANDiscriminator: expected images (N, {', '.join(map(str, self.image_shape))}), "
                             f"got shape {tuple(x.shape)}")
        return self.net(x)


class GAN(Module):
    """The pair (G, D) as one module (one state_dict: ``generator.*``, ``discriminator.*``).

    Args:
        generator: G, with a ``latent_dim`` attribute. discriminator: D, returning logits.
        generator_rng: the generator of the noise z. Default: nnlab's global one.

    ``forward(z)`` is G(z); :meth:`sample` draws z ~ N(0, I) and returns G(z) as an array.
    """

    def __init__(self, generator: Module, discriminator: Module, generator_rng: np.random.Generator | None = None):
        super().__init__()
        self.generator, self.discriminator = generator, discriminator
        self.latent_dim = _latent(getattr(generator, "latent_dim", 0), "GAN (the generator's)")
        self.noise_rng = generator_rng

    def noise(self, n: int) -> Tensor:
        """z ~ N(0, I), :math:`(n, K)`."""
        rng = self.noise_rng if self.noise_rng is not None else default_generator()
        return as_tensor(rng.standard_normal((int(n), self.latent_dim)).astype(get_default_dtype()))

    def forward(self, z: Tensor) -> Tensor:
        return self.generator(z)

    def sample(self, n: int) -> np.ndarray:
        """``n`` samples G(z) in eval mode (batch norm on its running statistics), without gradients."""
        was = self.training
        self.eval()
        try:
            with no_grad():
                return self.generator(self.noise(n)).array
        finally:
            self.train(was)
