"""Generative and unsupervised models: autoencoders, the VAE, GANs, RBMs and deep belief networks."""

from nnlab.models.generative.rbm import BernoulliRBM, bernoulli_sample

__all__ = ["BernoulliRBM", "bernoulli_sample"]
