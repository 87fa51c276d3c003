"""GANs: the losses' values and gradients, k D-steps per G-step, the ring's modes after short training."""

import math

import numpy as np
import pytest

import nnlab
from nnlab import optim
from nnlab.data import DataLoader, TensorDataset, get_dataset
from nnlab.models.generative import (
    GAN, DCGANDiscriminator, DCGANGenerator, GANStep, MLPDiscriminator, MLPGenerator, discriminator_loss,
    frechet_distance, generator_loss, mode_coverage, ring_centers, ring_of_gaussians, roc_auc,
)
from nnlab.train import Trainer


def _softplus(x):
    return np.logaddexp(0, x)


def test_losses_equal_their_formulas_and_label_smoothing_moves_the_real_target():
    real, fake = np.array([[2.0], [-1.0]]), np.array([[0.5], [-3.0]])
    r, f = nnlab.tensor(real), nnlab.tensor(fake, requires_grad=True)
    d = discriminator_loss(r, f).item()
    assert d == pytest.approx(np.mean(_softplus(-real)) + np.mean(_softplus(fake)))  # −ln σ(x) = softplus(−x)
    smooth = discriminator_loss(r, f, label_smoothing=0.1).item()
    assert smooth == pytest.approx(np.mean(0.9 * _softplus(-real) + 0.1 * _softplus(real)) + np.mean(_softplus(fake)))
    assert generator_loss(f, "non_saturating").item() == pytest.approx(np.mean(_softplus(-fake)))
    assert generator_loss(f, "minimax").item() == pytest.approx(-np.mean(_softplus(fake)))
    # The saturation the seeds warn about: where D rejects a fake (ℓ = −3), the minimax gradient is
    # σ(ℓ)/N ≈ 0.024 while the non-saturating one is −(1 − σ(ℓ))/N ≈ −0.476.
    generator_loss(f, "minimax").backward()
    g_minimax = f.grad.array.copy()
    f.grad = None
    generator_loss(f, "non_saturating").backward()
    sig = 1 / (1 + np.exp(-fake))
    np.testing.assert_allclose(g_minimax, -sig / 2, rtol=1e-6)
    np.testing.assert_allclose(f.grad.array, -(1 - sig) / 2, rtol=1e-6)
    assert abs(f.grad.array[1, 0]) > 15 * abs(g_minimax[1, 0])


def _ring_step(gan, **kw):
    return GANStep(gan, optim.Adam(gan.generator.parameters(), lr=1e-3, betas=(0.5, 0.999)),
                   optim.Adam(gan.discriminator.parameters(), lr=1e-3, betas=(0.5, 0.999)),
                   evaluate=lambda g, x: {k: v for k, v in mode_coverage(g.sample(1000)).items() if k != "counts"}, **kw)


def test_gan_on_the_ring_covers_more_modes_after_short_training_than_at_init():
    nnlab.manual_seed(0)
    X, _ = ring_of_gaussians(4096)
    gan = GAN(MLPGenerator(2, 2, (64, 64)), MLPDiscriminator(2, (64, 64)))
    init = mode_coverage(gan.sample(1000))
    step = _ring_step(gan)
    history = Trainer(gan, step_fn=step, quiet=True).fit(
        DataLoader(TensorDataset(X), batch_size=64, shuffle=True), DataLoader(TensorDataset(X[:8]), batch_size=8), epochs=30)
    # The stated bar: from 0 modes and no high-quality samples at init to >= 4 of 8 modes and >= 10 % high quality
    # (at some epoch of 30; about 2,000 updates).
    assert init["modes"] == 0 and init["hq_share"] < 0.01, init
    assert max(history["val_modes"]) >= 4 and max(history["val_hq_share"]) >= 0.10, history.history
    for key in ("d_loss", "g_loss", "d_real", "d_fake", "d_grad_norm", "g_grad_norm"):
        assert all(math.isfinite(v) for v in history[key]), key


def test_k_discriminator_steps_per_generator_step_and_the_dcgan_pair_learn_digits():
    nnlab.manual_seed(0)
    X, _ = get_dataset("digits", images=True).split("train")
    X = X[:256] * 2 - 1
    gan = GAN(DCGANGenerator(8, (1, 8, 8), 8), DCGANDiscriminator((1, 8, 8), 8))
    d_opt = optim.Adam(gan.discriminator.parameters(), lr=2e-3, betas=(0.5, 0.999))
    g_opt = optim.Adam(gan.generator.parameters(), lr=2e-3, betas=(0.5, 0.999))
    step = GANStep(gan, g_opt, d_opt, k=2, label_smoothing=0.1)
    before = frechet_distance(gan.sample(256).reshape(256, -1), X.reshape(256, -1))
    trainer = Trainer(gan, step_fn=step, quiet=True)
    trainer.fit(DataLoader(TensorDataset(X), batch_size=64, shuffle=True), epochs=12)
    # 4 batches × 12 epochs: 96 discriminator updates (k = 2) and 48 generator updates.
    d_steps = d_opt.state[next(iter(gan.discriminator.parameters()))]["step"]
    g_steps = g_opt.state[next(iter(gan.generator.parameters()))]["step"]
    assert (int(d_steps), int(g_steps)) == (96, 48)
    after = frechet_distance(gan.sample(256).reshape(256, -1), X.reshape(256, -1))
    assert after < 0.5 * before, (before, after)  # Fréchet distance on pixels falls


def test_frechet_distance_and_roc_auc_reference_values():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(4000, 3))
    b = rng.normal(size=(4000, 3)) * 2 + 1
    # N(0, I) vs N(1, 4I): ‖μ‖² = 3, tr(I + 4I − 2·2I) = 3
    assert frechet_distance(a, b) == pytest.approx(6.0, rel=0.05)
    assert frechet_distance(a, a) == pytest.approx(0.0, abs=1e-8)
    from sklearn.metrics import roc_auc_score
    scores = np.round(rng.normal(size=300), 1)  # with ties
    labels = rng.random(300) < 0.3
    scores[labels] += 0.5
    assert roc_auc(scores, labels) == pytest.approx(roc_auc_score(labels, scores), abs=1e-12)


def test_mode_coverage_counts_a_collapsed_generator():
    centers = ring_centers()
    collapsed = np.repeat(centers[:2], 500, axis=0)
    out = mode_coverage(collapsed)
    assert out["modes"] == 2 and out["hq_share"] == 1.0
    X, mode = ring_of_gaussians(4000, generator=np.random.default_rng(0))
    full = mode_coverage(X)
    assert full["modes"] == 8 and full["hq_share"] > 0.98


def test_bad_input_gets_clear_errors():
    with pytest.raises(ValueError, match="latent_dim must be >= 1, got 0"):
        DCGANGenerator(0)
    with pytest.raises(ValueError, match=r"k \(discriminator steps per generator step\) must be >= 1, got 0"):
        GANStep(GAN(MLPGenerator(2, 2), MLPDiscriminator(2)), None, None, k=0)
    with pytest.raises(ValueError, match=r"expected images \(N, 1, 8, 8\), got shape \(3, 1, 28, 28\)"):
        DCGANDiscriminator((1, 8, 8))(nnlab.zeros(3, 1, 28, 28))
    with pytest.raises(ValueError, match="label_smoothing must be in"):
        GANStep(GAN(MLPGenerator(2, 2), MLPDiscriminator(2)), None, None, label_smoothing=1.0)
