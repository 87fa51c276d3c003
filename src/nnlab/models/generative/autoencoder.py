"""Autoencoders: x → code z = f(x) → reconstruction x̂ = g(z), trained to make x̂ ≈ x.

- :class:`Autoencoder`: an undercomplete MLP autoencoder (the code is narrower than x,
  so it must keep what matters and drop the rest).
- :class:`ConvAutoencoder`: the same with strided convolutions down and a transposed
  convolution up.
- Either becomes a *denoising* autoencoder with ``noise="gaussian"`` or ``"mask"``:
  trained to recover x from a corrupted x̃ (Vincent et al., 2008).

Both output pixel intensities in [0, 1] (a sigmoid) and train on the mean squared
error. The jobs the seeds name for generative models use them through
:func:`reconstruction_error` (anomaly scores) and :func:`impute` (missing pixels).
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from nnlab import functional as F
from nnlab.autograd.grad_mode import no_grad
from nnlab.autograd.tensor import Tensor
from nnlab.backend import default_generator
from nnlab.models.basic.mlp import MLP
from nnlab.nn.activation import ReLU
from nnlab.nn.containers import Sequential
from nnlab.nn.conv import Conv2d, ConvTranspose2d
from nnlab.nn.flatten import Flatten, Unflatten
from nnlab.nn.linear import Linear
from nnlab.nn.module import Module
from nnlab.ops.creation import as_tensor

__all__ = ["Autoencoder", "ConvAutoencoder", "NOISES", "corrupt", "reconstruction_error", "impute", "batch_input"]

NOISES = (None, "gaussian", "mask")


def batch_input(batch: Any) -> Tensor:
    """The input x of a Trainer batch: a lone tensor/array or the first entry of ``(x, y)``."""
    x = batch[0] if isinstance(batch, (tuple, list)) else batch
    return x if isinstance(x, Tensor) else as_tensor(np.asarray(x))


def corrupt(x: Tensor, noise: str | None, level: float, generator: np.random.Generator | None = None) -> Tensor:
    """x̃ for a denoising autoencoder: ``"gaussian"`` x + N(0, level²), ``"mask"`` zero a ``level`` share of values.

    Args:
        x: the clean batch, any shape.
        noise: ``None`` (x itself), ``"gaussian"`` or ``"mask"``.
        level: the noise's standard deviation or the masked share, in [0, 1) for masks.
        generator: the noise generator. Default: nnlab's global generator.
    """
    if noise not in NOISES:
        raise ValueError(f"corrupt: unknown noise {noise!r}; expected one of {NOISES}")
    if noise is None or level == 0:
        return x
    rng = generator if generator is not None else default_generator()
    if noise == "gaussian":
        return as_tensor(x.array + rng.normal(0.0, level, x.shape).astype(x.array.dtype))
    return as_tensor(x.array * (rng.random(x.shape) >= level).astype(x.array.dtype))


class _AutoencoderBase(Module):
    """Shared by the MLP and conv autoencoders: forward, the (denoising) training step.

    A subclass sets ``encoder`` and ``decoder`` and defines ``_check(x)``, which validates
    the input layout and returns x shaped for its encoder.
    """

    encoder: Module
    decoder: Module

    def _setup_noise(self, noise: str | None, noise_level: float) -> None:
        if noise not in NOISES:
            raise ValueError(f"{type(self).__name__}: unknown noise {noise!r}; expected one of {NOISES}")
        if not 0.0 <= noise_level < (1.0 if noise == "mask" else np.inf):
            raise ValueError(f"{type(self).__name__}: noise_level must be >= 0 (and < 1 for masks), got {noise_level}")
        self.noise, self.noise_level = noise, float(noise_level)

    def encode(self, x: Any) -> Tensor:
        """z = f(x), the code."""
        return self.encoder(self._check(x if isinstance(x, Tensor) else as_tensor(np.asarray(x))))

    def decode(self, z: Tensor) -> Tensor:
        """x̂ = σ(g(z)), intensities in [0, 1]."""
        return F.sigmoid(self.decoder(z))

    def forward(self, x: Tensor) -> Tensor:
        return self.decode(self.encode(x))

    def training_step(self, batch: Any) -> Tensor:
        """Mean squared error of the reconstruction of x̃ (x corrupted when denoising) against the clean x."""
        x = self._check(batch_input(batch))
        noisy = corrupt(x, self.noise, self.noise_level) if self.training else x
        return F.mse_loss(self(noisy), x)


class Autoencoder(_AutoencoderBase):
    """An undercomplete MLP autoencoder: z = f(x) ∈ ℝ^K with K < D, x̂ = σ(g(z)).

    Args:
        n_features: D, the input size (64 for the 8×8 digits; images are flattened).
        code_size: K ≥ 1, the code's size.
        hidden: widths of the encoder's hidden layers (the decoder mirrors them). Default: (128,).
        activation: hidden activation name (see ``nnlab.models.ACTIVATIONS``). Default: ``"relu"``.
        noise: ``None``, or ``"gaussian"`` / ``"mask"`` for a denoising autoencoder. Default: None.
        noise_level: the noise's std or masked share. Default: 0.
        code_activation: ``"sigmoid"`` squashes the code to (0, 1) (a layer of a stacked
            autoencoder, like an RBM's hidden probabilities); None keeps it linear. Default: None.

    Shape:
        input :math:`(N, D)` or :math:`(N, *)` with D values per sample → output of the same shape.

    Attributes:
        encoder: ``MLP((D, *hidden, K))``; decoder: ``MLP((K, *reversed(hidden), D))`` (logits).
    """

    def __init__(self, n_features: int, code_size: int, hidden: Sequence[int] = (128,), activation: str = "relu",
                 noise: str | None = None, noise_level: float = 0.0, code_activation: str | None = None) -> None:
        super().__init__()
        if int(code_size) < 1:
            raise ValueError(f"Autoencoder: code_size (latent size) must be >= 1, got {code_size}")
        if code_activation not in (None, "sigmoid"):
            raise ValueError(f"Autoencoder: code_activation must be None or 'sigmoid', got {code_activation!r}")
        self.n_features, self.code_size, self.code_activation = int(n_features), int(code_size), code_activation
        self._setup_noise(noise, noise_level)
        self.encoder = MLP((self.n_features, *hidden, self.code_size), activation=activation)
        self.decoder = MLP((self.code_size, *reversed(tuple(hidden)), self.n_features), activation=activation)

    def _check(self, x: Tensor) -> Tensor:
        if x.ndim < 2 or int(np.prod(x.shape[1:])) != self.n_features:
            raise ValueError(f"Autoencoder: expected inputs (N, {self.n_features}) (or images with "
                             f"{self.n_features} values each), got shape {tuple(x.shape)}")
        return x.reshape(x.shape[0], self.n_features)

    def encode(self, x: Any) -> Tensor:
        """z = f(x), squashed by σ when ``code_activation="sigmoid"``."""
        z = super().encode(x)
        return F.sigmoid(z) if self.code_activation == "sigmoid" else z

    def forward(self, x: Tensor) -> Tensor:
        x = x if isinstance(x, Tensor) else as_tensor(np.asarray(x))
        return self.decode(self.encode(x)).reshape(x.shape)


class ConvAutoencoder(_AutoencoderBase):
    """A convolutional autoencoder: two stride-2 convolutions down to a code, a transposed conv back up.

    Encoder: Conv(C→c, 3, s2) → ReLU → Conv(c→2c, 3, s2) → ReLU → Linear(2c·H/4·W/4 → K).
    Decoder: Linear(K → 2c·H/4·W/4) → ReLU → ConvT(2c→c, 4, s2) → ReLU → ConvT(c→C, 4, s2).

    Args:
        image_shape: (C, H, W) of the inputs, H and W divisible by 4 (e.g. (1, 8, 8)).
        code_size: K ≥ 1. channels: c. Default: 16.
        noise, noise_level: as for :class:`Autoencoder`.

    Shape:
        input :math:`(N, C, H, W)` → output :math:`(N, C, H, W)`.
    """

    def __init__(self, image_shape: Sequence[int], code_size: int, channels: int = 16, noise: str | None = None,
                 noise_level: float = 0.0) -> None:
        super().__init__()
        shape = tuple(int(s) for s in image_shape)
        if len(shape) != 3 or shape[1] % 4 or shape[2] % 4 or min(shape) < 1:
            raise ValueError(f"ConvAutoencoder: image_shape must be (C, H, W) with H and W divisible by 4, got {image_shape}")
        if int(code_size) < 1:
            raise ValueError(f"ConvAutoencoder: code_size (latent size) must be >= 1, got {code_size}")
        self.image_shape, self.code_size = shape, int(code_size)
        self._setup_noise(noise, noise_level)
        c, (C, H, W) = int(channels), shape
        small = (2 * c, H // 4, W // 4)
        flat = int(np.prod(small))
        self.encoder = Sequential(Conv2d(C, c, 3, stride=2, padding=1), ReLU(), Conv2d(c, 2 * c, 3, stride=2, padding=1),
                                  ReLU(), Flatten(), Linear(flat, self.code_size))
        self.decoder = Sequential(Linear(self.code_size, flat), ReLU(), Unflatten(1, small),
                                  ConvTranspose2d(2 * c, c, 4, stride=2, padding=1), ReLU(),
                                  ConvTranspose2d(c, C, 4, stride=2, padding=1))

    def _check(self, x: Tensor) -> Tensor:
        if x.ndim != 4 or tuple(x.shape[1:]) != self.image_shape:
            raise ValueError(f"ConvAutoencoder: expected images (N, {', '.join(map(str, self.image_shape))}), "
                             f"got shape {tuple(x.shape)}")
        return x


def reconstruction_error(model: Module, x: Any, batch_size: int = 512) -> np.ndarray:
    """Per-sample mean squared error ‖x − model(x)‖² / D in eval mode: an anomaly score.

    Shape: x :math:`(N, *)` → :math:`(N)`.
    """
    x = np.asarray(x.array if isinstance(x, Tensor) else x)
    was = model.training
    model.eval()
    try:
        with no_grad():
            recon = np.concatenate([model(as_tensor(x[i:i + batch_size])).array for i in range(0, len(x), batch_size)])
    finally:
        model.train(was)
    return ((recon.reshape(len(x), -1) - x.reshape(len(x), -1)) ** 2).mean(axis=1)


def impute(model: Module, x: Any, missing: Any, fill: Any, steps: int = 10) -> np.ndarray:
    """Fill the missing entries of x by iterating x[missing] ← model(x)[missing], starting from ``fill``.

    Args:
        model: an autoencoder (any module mapping x to its reconstruction).
        x: :math:`(N, *)` samples; the values at ``missing`` are ignored.
        missing: boolean mask of x's shape, True where a value is missing.
        fill: the starting values (e.g. the per-feature training mean), broadcastable to x.
        steps: reconstruction passes (≥ 1). Default: 10.

    Returns:
        x with its missing entries filled in; observed entries unchanged.
    """
    x = np.asarray(x.array if isinstance(x, Tensor) else x)
    missing = np.asarray(missing, dtype=bool)
    if missing.shape != x.shape:
        raise ValueError(f"impute: the missing mask has shape {missing.shape}, the data {x.shape}")
    if int(steps) < 1:
        raise ValueError(f"impute: steps must be >= 1, got {steps}")
    out = np.where(missing, np.broadcast_to(np.asarray(fill, dtype=x.dtype), x.shape), x).astype(x.dtype)
    was = model.training
    model.eval()
    try:
        with no_grad():
            for _ in range(int(steps)):
                out = np.where(missing, model(as_tensor(out)).array.reshape(x.shape), x).astype(x.dtype)
    finally:
        model.train(was)
    return out
