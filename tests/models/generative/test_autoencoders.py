"""Autoencoders and the VAE: gradchecks of the KL term and the reparameterized path, losses fall, errors."""

import numpy as np
import pytest

import nnlab
from nnlab import optim
from nnlab.autograd.gradcheck import gradcheck
from nnlab.data import DataLoader, TensorDataset, get_dataset
from nnlab.models.generative import VAE, Autoencoder, ConvAutoencoder, gaussian_kl, impute, reparameterize
from nnlab.train import Trainer


def _t(a):
    return nnlab.tensor(np.asarray(a, dtype=np.float64), requires_grad=True)


def test_gradcheck_of_the_kl_term_and_the_reparameterized_sample():
    rng = np.random.default_rng(0)
    mu, logvar = _t(rng.normal(size=(3, 4))), _t(rng.normal(size=(3, 4)))
    eps = nnlab.tensor(rng.normal(size=(3, 4)))
    assert gradcheck(gaussian_kl, [mu, logvar])
    assert gradcheck(lambda m, lv: reparameterize(m, lv, eps), [mu, logvar])
    # through the path: d/dμ of Σz is 1, d/d(ln σ²) is ½ σ ε
    z = reparameterize(mu, logvar, eps)
    z.sum().backward()
    np.testing.assert_allclose(logvar.grad.array, 0.5 * np.exp(0.5 * logvar.array) * eps.array, rtol=1e-12)


def test_kl_is_zero_at_the_prior_and_matches_the_closed_form():
    zero = nnlab.zeros(2, 3)
    np.testing.assert_allclose(gaussian_kl(zero, zero).array, 0.0)
    mu, logvar = np.array([[1.0, -2.0]]), np.log(np.array([[0.5, 4.0]]))
    expected = 0.5 * np.sum(np.exp(logvar) + mu**2 - 1 - logvar)
    np.testing.assert_allclose(gaussian_kl(nnlab.tensor(mu), nnlab.tensor(logvar)).array, [expected], rtol=1e-12)


def _digits(n=300, images=False):
    X, _ = get_dataset("digits", images=images).split("train")
    return X[:n]


def _fit(model, X, epochs, lr=3e-3):
    trainer = Trainer(model, optimizer=optim.Adam(model.parameters(), lr=lr), quiet=True)
    return trainer.fit(DataLoader(TensorDataset(X), batch_size=32, shuffle=True), epochs=epochs)


@pytest.mark.parametrize("make, images", [
    (lambda: Autoencoder(64, 8), False),
    (lambda: Autoencoder(64, 8, noise="mask", noise_level=0.3), False),
    (lambda: Autoencoder(64, 8, noise="gaussian", noise_level=0.2), False),
    (lambda: ConvAutoencoder((1, 8, 8), 8, channels=8), True),
])
def test_autoencoder_losses_fall_on_the_digits(make, images):
    nnlab.manual_seed(0)
    history = _fit(make(), _digits(images=images), epochs=6)
    assert history["loss"][-1] < 0.6 * history["loss"][0], history["loss"]


def test_vae_elbo_rises_and_its_terms_add_up():
    nnlab.manual_seed(0)
    vae = VAE(64, latent_dim=4, hidden=(64,))
    history = _fit(vae, _digits(), epochs=8)
    elbo = history["elbo"]
    assert elbo[-1] > elbo[0] + 5.0, elbo  # nats per digit
    np.testing.assert_allclose(-np.array(elbo), np.array(history["recon"]) + np.array(history["kl"]), rtol=1e-5)
    np.testing.assert_allclose(history["loss"], -np.array(elbo), rtol=1e-5)
    assert vae.sample(5).shape == (5, 64) and vae.interpolate(_digits()[0], _digits()[1], 6).shape == (6, 64)


def test_denoising_autoencoder_imputes_masked_pixels_better_than_the_mean():
    nnlab.manual_seed(0)
    X, _ = get_dataset("digits").split("train")
    dae = Autoencoder(64, 16, noise="mask", noise_level=0.3)
    _fit(dae, X, epochs=15)
    X_test, _ = get_dataset("digits").split("test")
    missing = np.random.default_rng(0).random(X_test.shape) < 0.3
    mean = X.mean(0)
    filled = impute(dae, X_test, missing, fill=mean)
    err_ae = np.mean((filled - X_test)[missing] ** 2)
    err_mean = np.mean((np.broadcast_to(mean, X_test.shape) - X_test)[missing] ** 2)
    assert err_ae < 0.6 * err_mean, (err_ae, err_mean)
    np.testing.assert_array_equal(filled[~missing], X_test[~missing])


def test_bad_input_gets_clear_errors():
    with pytest.raises(ValueError, match="latent_dim must be >= 1, got 0"):
        VAE(64, latent_dim=0)
    with pytest.raises(ValueError, match="code_size .* must be >= 1, got 0"):
        Autoencoder(64, 0)
    with pytest.raises(ValueError, match=r"expected inputs \(N, 64\).*\(5, 1, 9, 9\)"):
        VAE(64)(nnlab.zeros(5, 1, 9, 9))
    with pytest.raises(ValueError, match=r"expected images \(N, 1, 8, 8\), got shape \(2, 64\)"):
        ConvAutoencoder((1, 8, 8), 4)(nnlab.zeros(2, 64))
    with pytest.raises(ValueError, match="divisible by 4"):
        ConvAutoencoder((1, 6, 6), 4)
