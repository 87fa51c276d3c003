"""Greedy layer-wise pretraining: each layer's own loss falls, the classifier starts from it, fine-tuning learns."""

import numpy as np
import pytest

import nnlab
from nnlab.data import get_dataset
from nnlab.models.generative import (
    BernoulliRBM, DeepBeliefNetwork, StackedAutoencoder, fine_tune, sigmoid_classifier, supervised_layerwise_pretrain,
)
from nnlab.train import accuracy

SIZES = (64, 32, 16)


@pytest.fixture(scope="module")
def digits():
    X, y = get_dataset("digits").split("train")
    return X[:300], y[:300]


def test_dbn_layers_learn_in_turn_and_seed_the_classifier(digits):
    X, y = digits
    nnlab.manual_seed(0)
    dbn = DeepBeliefNetwork(SIZES)
    dbn.pretrain(X, epochs=10)
    # Each layer learned its own input (the data, then layer 1's p(h | v)): it gives that input a lower free
    # energy than random bits, by a margin an untrained RBM does not have.
    inputs = [X, dbn.rbms[0](nnlab.as_tensor(X)).array]
    for rbm, v in zip(dbn.rbms, inputs):
        bits = (np.random.default_rng(0).random(v.shape) < 0.5).astype(np.float32)
        gap = float(rbm.free_energy(v).array.mean() - rbm.free_energy(bits).array.mean())
        untrained = BernoulliRBM(rbm.n_visible, rbm.n_hidden)
        gap0 = float(untrained.free_energy(v).array.mean() - untrained.free_energy(bits).array.mean())
        assert gap < gap0 - 1.0, (gap, gap0)
    assert dbn.rbms[0].reconstruction_error(X) < 0.7 * BernoulliRBM(64, 32).reconstruction_error(X)
    # Layer 2 was trained on layer 1's p(h | v), and the classifier starts from both.
    clf = dbn.classifier(10)
    np.testing.assert_array_equal(clf[0].weight.array, dbn.rbms[0].weight.array)
    np.testing.assert_array_equal(clf[2].bias.array, dbn.rbms[1].h_bias.array)
    assert dbn(nnlab.as_tensor(X)).shape == (300, 16)
    assert dbn.sample(3, steps=5).shape == (3, 64)
    history = fine_tune(clf, X, y, epochs=30, lr=1e-2)
    assert history["loss"][-1] < 0.5 * history["loss"][0], history["loss"]


def test_stacked_autoencoders_learn_layer_by_layer(digits):
    X, _ = digits
    nnlab.manual_seed(0)
    sae = StackedAutoencoder(SIZES)
    for h in sae.pretrain(X, epochs=8, lr=3e-3):
        assert h["loss"][-1] < 0.7 * h["loss"][0], h["loss"]
    clf = sae.classifier(10)
    np.testing.assert_array_equal(clf[2].weight.array, sae.autoencoders[1].encoder.net[0].weight.array)


def test_supervised_layerwise_training_alone_classifies_the_training_labels(digits):
    X, y = digits
    nnlab.manual_seed(0)
    clf = supervised_layerwise_pretrain(SIZES, X, y, 10, epochs=20, lr=1e-2)
    # Only the head is new: a few epochs of fine-tuning reach what the greedy layers learned.
    fine_tune(clf, X, y, epochs=5, lr=1e-2)
    clf.eval()
    assert accuracy(y, clf(nnlab.as_tensor(X)).array) > 0.9


def test_bad_input_gets_clear_errors():
    with pytest.raises(ValueError, match="at least two positive widths"):
        DeepBeliefNetwork((64,))
    with pytest.raises(ValueError, match=r"layer 0 needs weight \(8, 4\)"):
        sigmoid_classifier((4, 8), 2, [(np.zeros((4, 8)), np.zeros(8))])
