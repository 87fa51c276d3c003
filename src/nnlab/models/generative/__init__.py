"""Generative and unsupervised models: autoencoders, the VAE, GANs, RBMs and deep belief networks."""

from nnlab.models.generative.rbm import BernoulliRBM, bernoulli_sample

__all__ = ["BernoulliRBM", "bernoulli_sample"]
from nnlab.models.generative.autoencoder import (  # noqa: E402
    NOISES, Autoencoder, ConvAutoencoder, corrupt, impute, reconstruction_error,
)
from nnlab.models.generative.vae import VAE, gaussian_kl, reparameterize  # noqa: E402

__all__ += ["Autoencoder", "ConvAutoencoder", "NOISES", "corrupt", "impute", "reconstruction_error",
            "VAE", "gaussian_kl", "reparameterize"]
