"""``GANStep``: one GAN iteration as a ``Trainer`` step function running both optimizers.

Goodfellow et al.'s Algorithm 1: k discriminator updates, each on a minibatch of real
samples and as many fakes, then one generator update. Here a Trainer batch of k·m real
samples is split into k minibatches of m; the step returns plain numbers, which the
Trainer averages per epoch — the diagnostics of the seeds' "issues of GAN":

- ``d_loss``, ``g_loss``: the two players' losses;
- ``d_real`` = mean D(x), ``d_fake`` = mean D(G(z)) (before D's update): D winning
  outright (d_real → 1, d_fake → 0) starves the minimax generator of gradient;
- ``d_grad_norm``, ``g_grad_norm``: global gradient 2-norms of each player's update
  (vanishing or exploding gradients show here).

Usage::

    step = GANStep(gan, Adam(gan.generator.parameters(), 2e-4, betas=(0.5, 0.999)),
                   Adam(gan.discriminator.parameters(), 2e-4, betas=(0.5, 0.999)), k=1)
    Trainer(gan, step_fn=step).fit(loader, dev_loader, epochs=20)

On evaluation batches (``trainer.training`` False) the step returns ``evaluate(gan, x)``
when given (e.g. modes covered, a Fréchet distance), else D's and G's losses on x.
"""

from __future__ import annotations

import math
from typing import Any, Callable

from nnlab.autograd.grad_mode import no_grad
from nnlab.autograd.tensor import Tensor
from nnlab.functional import sigmoid
from nnlab.models.generative.autoencoder import batch_input
from nnlab.models.generative.gan import GAN, GENERATOR_LOSSES, discriminator_loss, generator_loss
from nnlab.nn.utils.clip_grad import clip_grad_norm_

__all__ = ["GANStep"]

Evaluate = Callable[[GAN, Tensor], dict]


class GANStep:
    """A Trainer step function: k D-steps then one G-step per batch; returns the diagnostics as numbers.

    Args:
        gan: the :class:`GAN` (the Trainer's model).
        g_optimizer: optimizer over ``gan.generator``'s parameters.
        d_optimizer: optimizer over ``gan.discriminator``'s parameters.
        k: discriminator steps per generator step (≥ 1); the batch is split into k parts. Default: 1.
        loss: the generator's loss, ``"non_saturating"`` (default) or ``"minimax"``.
        label_smoothing: one-sided smoothing s of the real targets (1 → 1 − s). Default: 0.
        max_grad_norm: clip each player's gradient to this global norm. Default: None (no clip).
        evaluate: ``evaluate(gan, x) -> dict`` of numbers for evaluation batches. Default: None.
    """

    def __init__(self, gan: GAN, g_optimizer, d_optimizer, k: int = 1, loss: str = "non_saturating",
                 label_smoothing: float = 0.0, max_grad_norm: float | None = None,
                 evaluate: Evaluate | None = None) -> None:
        if int(k) < 1:
            raise ValueError(f"GANStep: k (discriminator steps per generator step) must be >= 1, got {k}")
        if loss not in GENERATOR_LOSSES:
            raise ValueError(f"GANStep: unknown generator loss {loss!r}; expected one of {GENERATOR_LOSSES}")
        if not 0.0 <= label_smoothing < 1.0:
            raise ValueError(f"GANStep: label_smoothing must be in [0, 1), got {label_smoothing}")
        self.gan, self.g_optimizer, self.d_optimizer = gan, g_optimizer, d_optimizer
        self.k, self.loss, self.label_smoothing = int(k), loss, float(label_smoothing)
        self.max_grad_norm = math.inf if max_grad_norm is None else float(max_grad_norm)
        self.evaluate = evaluate

    def _update(self, loss: Tensor, optimizer, params: list) -> float:
        optimizer.zero_grad()
        loss.backward()
        norm = float(clip_grad_norm_(params, self.max_grad_norm).array)  # max_norm inf: only measures
        optimizer.step()
        return norm

    def __call__(self, trainer, batch: Any) -> dict[str, float]:
        gan = self.gan
        x = batch_input(batch)
        if not trainer.training:
            return self._evaluate(x)
        n = x.shape[0]
        if n < self.k:
            raise ValueError(f"GANStep: a batch of {n} samples cannot be split into k={self.k} discriminator minibatches")
        m = n // self.k
        d_params = list(gan.discriminator.parameters())
        g_params = list(gan.generator.parameters())
        d_loss_sum = d_real = d_fake = d_norm = 0.0
        for i in range(self.k):
            real = x[i * m : (i + 1) * m]
            with no_grad():
                fake = gan.generator(gan.noise(m))
            real_logits, fake_logits = gan.discriminator(real), gan.discriminator(fake)
            d_loss = discriminator_loss(real_logits, fake_logits, self.label_smoothing)
            d_norm += self._update(d_loss, self.d_optimizer, d_params)
            d_loss_sum += float(d_loss.array)
            d_real += float(sigmoid(real_logits).array.mean())
            d_fake += float(sigmoid(fake_logits).array.mean())
        g_loss = generator_loss(gan.discriminator(gan.generator(gan.noise(m))), self.loss)
        g_norm = self._update(g_loss, self.g_optimizer, g_params)
        k = self.k
        return {"d_loss": d_loss_sum / k, "g_loss": float(g_loss.array), "d_real": d_real / k, "d_fake": d_fake / k,
                "d_grad_norm": d_norm / k, "g_grad_norm": g_norm, "n": n}

    def _evaluate(self, x: Tensor) -> dict[str, float]:
        gan = self.gan
        if self.evaluate is not None:
            return {**self.evaluate(gan, x), "n": x.shape[0]}
        fake_logits = gan.discriminator(gan.generator(gan.noise(x.shape[0])))
        real_logits = gan.discriminator(x)
        return {"d_loss": float(discriminator_loss(real_logits, fake_logits, self.label_smoothing).array),
                "g_loss": float(generator_loss(fake_logits, self.loss).array),
                "d_real": float(sigmoid(real_logits).array.mean()), "d_fake": float(sigmoid(fake_logits).array.mean())}
