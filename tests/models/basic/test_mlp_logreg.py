"""MLP and LogisticRegression: structure, parity with torch, and learning on real data."""

import numpy as np
import pytest
import torch

import nnlab
from nnlab import nn, optim
from nnlab.data import get_dataset
from nnlab.models import MLP, LogisticRegression
from nnlab.train import Trainer
from tests.parity import assert_module_parity


def test_mlp_structure_and_state_dict_keys():
    m = MLP((4, 8, 6, 3), activation="tanh", dropout=0.2)
    keys = list(m.state_dict())
    assert keys == ["net.0.weight", "net.0.bias", "net.3.weight", "net.3.bias", "net.6.weight", "net.6.bias"]
    assert sum(p.numel() for p in m.parameters()) == 4 * 8 + 8 + 8 * 6 + 6 + 6 * 3 + 3
    out = m(nnlab.randn(5, 4))
    assert out.shape == (5, 3) and out.dtype == nnlab.float32


def test_mlp_matches_torch_after_copying_weights():
    m = MLP((5, 7, 3), activation="relu").double()
    ref = torch.nn.Module()
    ref.net = torch.nn.Sequential(torch.nn.Linear(5, 7), torch.nn.ReLU(), torch.nn.Linear(7, 3))
    ref.forward = lambda x: ref.net(x)
    x = np.random.default_rng(0).standard_normal((4, 5))
    assert_module_parity(m, ref, x)


def test_mlp_rejects_bad_configuration():
    with pytest.raises(ValueError, match="MLP"):
        MLP((4,))
    with pytest.raises(ValueError, match="unknown activation"):
        MLP((4, 2), activation="nope")
    with pytest.raises(ValueError, match="dropout"):
        MLP((4, 3, 2), dropout=1.0)


def test_logistic_regression_reaches_95_percent_on_breast_cancer():
    nnlab.manual_seed(0)
    data = get_dataset("breast_cancer")
    model = LogisticRegression(data.num_features)
    train, dev, test = data.loaders(batch_size=32, eval_batch_size=256)

    def loss_fn(logits, y):
        return nnlab.functional.binary_cross_entropy_with_logits(logits.reshape(-1), y.float())

    trainer = Trainer(model, loss_fn, optim.SGD(model.parameters(), lr=0.1), quiet=True)
    trainer.fit(train, dev, epochs=30)
    with nnlab.no_grad():
        proba = model.predict_proba(nnlab.tensor(data.X_test)).numpy().reshape(-1)
    acc = float(((proba > 0.5) == data.y_test).mean())
    assert acc >= 0.95, acc


def test_softmax_regression_probabilities_sum_to_one():
    model = LogisticRegression(4, num_classes=3)
    p = model.predict_proba(nnlab.randn(6, 4)).detach().numpy()
    np.testing.assert_allclose(p.sum(1), 1.0, rtol=1e-6)
    with pytest.raises(ValueError, match="num_classes"):
        LogisticRegression(4, num_classes=2)
