"""Greedy layer-wise pretraining: deep belief networks, stacked autoencoders, supervised layer-wise training.

The course's recipe ("Greedy layer-wise training"): train a deep network one
layer at a time, each layer on the previous layer's output, then fine-tune the whole
network with backpropagation. Three ways to train a layer:

- :class:`DeepBeliefNetwork`: each layer an RBM trained by contrastive divergence on the
  previous RBM's hidden probabilities p(h | v) (Hinton et al., 2006);
- :class:`StackedAutoencoder`: each layer the encoder of a (denoising) autoencoder with a
  sigmoid code (Bengio et al., 2007; Vincent et al., 2008);
- :func:`supervised_layerwise_pretrain`: each new layer trained with a temporary softmax
  head on the labels, the layers below it frozen (Bengio et al., 2007).

Each gives an initialized classifier (:func:`sigmoid_classifier`: Linear → σ per layer,
then a linear head), fine-tuned by :func:`fine_tune` through the ``Trainer``.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from nnlab import nn, optim
from nnlab.autograd.grad_mode import no_grad
from nnlab.data import DataLoader, TensorDataset
from nnlab.models.generative.autoencoder import Autoencoder
from nnlab.models.generative.rbm import BernoulliRBM
from nnlab.nn.module import Module
from nnlab.ops.creation import as_tensor
from nnlab.train import History, Trainer

__all__ = ["DeepBeliefNetwork", "StackedAutoencoder", "sigmoid_classifier", "supervised_layerwise_pretrain",
           "fine_tune"]


def _sizes(sizes: Sequence[int], who: str) -> tuple[int, ...]:
    sizes = tuple(int(s) for s in sizes)
    if len(sizes) < 2 or min(sizes) < 1:
        raise ValueError(f"{who}: sizes needs at least two positive widths (input, first hidden, ...), got {sizes}")
    return sizes


def _loader(*arrays: np.ndarray, batch_size: int) -> DataLoader:
    return DataLoader(TensorDataset(*arrays), batch_size=batch_size, shuffle=True)


def sigmoid_classifier(sizes: Sequence[int], num_classes: int, layers: Sequence[tuple[Any, Any]] | None = None) -> nn.Sequential:
    """Linear → Sigmoid for each hidden width, then Linear → class logits; optionally initialized.

    Args:
        sizes: (D, H₁, …, H_L). num_classes: C.
        layers: L pairs (weight (Hₗ, Hₗ₋₁), bias (Hₗ)) to copy into the hidden layers (from
            RBMs, autoencoder encoders or supervised layer-wise training). Default: None
            (PyTorch's random initialization).
    """
    sizes = _sizes(sizes, "sigmoid_classifier")
    modules: list[Module] = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        linear = nn.Linear(n_in, n_out)
        if layers is not None:
            w, b = (np.asarray(t.array if hasattr(t, "array") else t) for t in layers[i])
            if w.shape != (n_out, n_in) or b.shape != (n_out,):
                raise ValueError(f"sigmoid_classifier: layer {i} needs weight ({n_out}, {n_in}) and bias ({n_out},), "
                                 f"got {w.shape} and {b.shape}")
            linear.weight.array[...] = w
            linear.bias.array[...] = b
        modules += [linear, nn.Sigmoid()]
    modules.append(nn.Linear(sizes[-1], int(num_classes)))
    return nn.Sequential(*modules)


def _features(module: Module, X: np.ndarray) -> np.ndarray:
    with no_grad():
        return module(as_tensor(X)).array


class DeepBeliefNetwork(Module):
    """A stack of RBMs trained greedily: RBM ℓ models the hidden probabilities of RBM ℓ − 1.

    Args:
        sizes: (D, H₁, …, H_L): visible width then each hidden layer's width.
        k: Gibbs steps of CD-k. Default: 1. persistent: PCD instead of CD. Default: False.

    Attributes:
        rbms: the L :class:`BernoulliRBM` layers (``rbms.0.weight`` is (H₁, D)).
    """

    def __init__(self, sizes: Sequence[int], k: int = 1, persistent: bool = False) -> None:
        super().__init__()
        self.sizes = _sizes(sizes, "DeepBeliefNetwork")
        self.rbms = nn.ModuleList(BernoulliRBM(a, b, k=k, persistent=persistent)
                                  for a, b in zip(self.sizes[:-1], self.sizes[1:]))

    def forward(self, v: Any) -> Any:
        """The top layer's p(h | ·), each layer's probabilities fed to the next."""
        for rbm in self.rbms:
            v = rbm(v)
        return v

    def pretrain(self, X: np.ndarray, epochs: int = 20, lr: float = 0.1, batch_size: int = 10,
                 quiet: bool = True) -> list[History]:
        """Greedy layer-wise CD training (SGD, momentum 0.5); returns each layer's History.

        The defaults (lr 0.1 on batches of 10) are scikit-learn's ``BernoulliRBM``'s; on the
        digits, 5–20 epochs at lr 0.01–0.05 left the weights so small that the pretrained
        network fine-tuned worse than a random one.
        """
        histories = []
        for rbm in self.rbms:
            trainer = Trainer(rbm, optimizer=optim.SGD(rbm.parameters(), lr=lr, momentum=0.5), quiet=quiet)
            histories.append(trainer.fit(_loader(X, batch_size=batch_size), epochs=epochs))
            X = _features(rbm, X)
        return histories

    def classifier(self, num_classes: int) -> nn.Sequential:
        """A :func:`sigmoid_classifier` whose hidden layers start from the RBMs' (W, c)."""
        return sigmoid_classifier(self.sizes, num_classes, [(r.weight, r.h_bias) for r in self.rbms])

    def sample(self, n: int, steps: int = 200) -> np.ndarray:
        """Generate: Gibbs sampling in the top RBM, then one down-pass of p(v | h) through the layers below."""
        top = self.rbms[len(self.rbms) - 1]
        v = top.sample(n, steps)
        with no_grad():
            for i in range(len(self.rbms) - 2, -1, -1):
                v = self.rbms[i].visible_probs(v).array
        return v


class StackedAutoencoder(Module):
    """A stack of one-layer (denoising) autoencoders with sigmoid codes, trained greedily.

    Args:
        sizes: (D, H₁, …, H_L).
        noise, noise_level: the corruption of each layer's input (see :class:`Autoencoder`).
            Default: ``"mask"``, 0.2.

    Attributes:
        autoencoders: L :class:`Autoencoder` (each ``encoder.net.0`` a Linear(Hₗ₋₁ → Hₗ)).
    """

    def __init__(self, sizes: Sequence[int], noise: str | None = "mask", noise_level: float = 0.2) -> None:
        super().__init__()
        self.sizes = _sizes(sizes, "StackedAutoencoder")
        self.autoencoders = nn.ModuleList(
            Autoencoder(a, b, hidden=(), noise=noise, noise_level=noise_level, code_activation="sigmoid")
            for a, b in zip(self.sizes[:-1], self.sizes[1:]))

    def forward(self, x: Any) -> Any:
        for ae in self.autoencoders:
            x = ae.encode(x)
        return x

    def pretrain(self, X: np.ndarray, epochs: int = 10, lr: float = 1e-3, batch_size: int = 32,
                 quiet: bool = True) -> list[History]:
        """Greedy layer-wise reconstruction training (Adam); returns each layer's History."""
        histories = []
        for ae in self.autoencoders:
            trainer = Trainer(ae, optimizer=optim.Adam(ae.parameters(), lr=lr), quiet=quiet)
            histories.append(trainer.fit(_loader(X, batch_size=batch_size), epochs=epochs))
            ae.eval()
            with no_grad():
                X = ae.encode(as_tensor(X)).array
        return histories

    def classifier(self, num_classes: int) -> nn.Sequential:
        """A :func:`sigmoid_classifier` whose hidden layers start from the encoders."""
        layers = [(ae.encoder.net[0].weight, ae.encoder.net[0].bias) for ae in self.autoencoders]
        return sigmoid_classifier(self.sizes, num_classes, layers)


def supervised_layerwise_pretrain(sizes: Sequence[int], X: np.ndarray, y: np.ndarray, num_classes: int,
                                  epochs: int = 50, lr: float = 1e-3, batch_size: int = 32,
                                  quiet: bool = True) -> nn.Sequential:
    """Greedy supervised layer-wise training: layer ℓ learns with a temporary softmax head, layers below frozen.

    Returns:
        A :func:`sigmoid_classifier` holding the L trained layers and a fresh head.
    """
    sizes = _sizes(sizes, "supervised_layerwise_pretrain")
    layers = []
    H = X
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        layer = nn.Sequential(nn.Linear(n_in, n_out), nn.Sigmoid())
        model = nn.Sequential(layer, nn.Linear(n_out, int(num_classes)))
        Trainer(model, nn.CrossEntropyLoss(), optim.Adam(model.parameters(), lr=lr), quiet=quiet).fit(
            _loader(H, y, batch_size=batch_size), epochs=epochs)
        layers.append((layer[0].weight, layer[0].bias))
        H = _features(layer, H)  # the frozen layer's output is the next layer's input
    return sigmoid_classifier(sizes, num_classes, layers)


def fine_tune(model: Module, X: np.ndarray, y: np.ndarray, epochs: int = 100, lr: float = 1e-3,
              batch_size: int = 32, quiet: bool = True) -> History:
    """Backpropagation through the whole network (cross-entropy, Adam) on the labelled data."""
    trainer = Trainer(model, nn.CrossEntropyLoss(), optim.Adam(model.parameters(), lr=lr), quiet=quiet)
    return trainer.fit(_loader(X, y, batch_size=batch_size), epochs=epochs)
