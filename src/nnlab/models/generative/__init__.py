"""Generative and unsupervised models: autoencoders, the VAE, GANs, RBMs and deep belief networks."""

from nnlab.models.generative.rbm import BernoulliRBM, bernoulli_sample

__all__ = ["BernoulliRBM", "bernoulli_sample"]
from nnlab.models.generative.autoencoder import (  # noqa: E402
    NOISES, Autoencoder, ConvAutoencoder, corrupt, impute, reconstruction_error,
)
from nnlab.models.generative.vae import VAE, gaussian_kl, reparameterize  # noqa: E402

__all__ += ["Autoencoder", "ConvAutoencoder", "NOISES", "corrupt", "impute", "reconstruction_error",
            "VAE", "gaussian_kl", "reparameterize"]
from nnlab.models.generative.gan import (  # noqa: E402
    GAN, GENERATOR_LOSSES, DCGANDiscriminator, DCGANGenerator, MLPDiscriminator, MLPGenerator, discriminator_loss,
    generator_loss,
)
from nnlab.models.generative.gan_step import GANStep  # noqa: E402
from nnlab.models.generative.ring import mode_coverage, ring_centers, ring_of_gaussians  # noqa: E402
from nnlab.models.generative.metrics import DigitJudge, frechet_distance, roc_auc, train_digit_judge  # noqa: E402

__all__ += ["GAN", "GENERATOR_LOSSES", "MLPGenerator", "MLPDiscriminator", "DCGANGenerator", "DCGANDiscriminator",
            "discriminator_loss", "generator_loss", "GANStep", "ring_centers", "ring_of_gaussians", "mode_coverage",
            "roc_auc", "frechet_distance", "DigitJudge", "train_digit_judge"]
from nnlab.models.generative.dbn import (  # noqa: E402
    DeepBeliefNetwork, StackedAutoencoder, fine_tune, sigmoid_classifier, supervised_layerwise_pretrain,
)

__all__ += ["DeepBeliefNetwork", "StackedAutoencoder", "sigmoid_classifier", "supervised_layerwise_pretrain",
            "fine_tune"]
from nnlab.models.generative.figures import save_image_grid, save_point_clouds  # noqa: E402

__all__ += ["save_image_grid", "save_point_clouds"]
