"""Evaluation without an optimizer, the accuracy threshold the loss declares, the logged gradient norm."""

from __future__ import annotations

import math

import numpy as np
import pytest

import nnlab
import nnlab.functional as F
from nnlab import nn, optim
from nnlab.data import DataLoader, TensorDataset
from nnlab.train import Trainer, evaluate


def _binary(n=40, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 2)).astype(np.float32)
    y = (x[:, 0] - x[:, 1] > 0).astype(np.float32)[:, None]
    return x, y


def test_free_evaluate_needs_no_optimizer_and_matches_a_hand_computation():
    nnlab.manual_seed(0)
    model = nn.Linear(2, 1)
    x, y = _binary()
    loader = DataLoader(TensorDataset(x, y), batch_size=16)
    logs = evaluate(model, loader, nn.BCEWithLogitsLoss())
    z = x @ model.weight.array.T + model.bias.array
    expected = np.mean(np.logaddexp(0.0, z) - y * z)
    assert logs["loss"] == pytest.approx(float(expected), rel=1e-5)
    assert logs["accuracy"] == np.mean((z > 0) == (y > 0.5))
    assert model.training  # the mode is restored


def test_loss_that_takes_probabilities_moves_the_accuracy_threshold_to_one_half():
    # Outputs of 0.3 are probabilities below 0.5 (class 0) but logits above 0 (class 1).
    class Constant(nn.Module):
        def forward(self, x):
            return x * 0.0 + 0.3

    x = np.zeros((8, 1), dtype=np.float32)
    y = np.zeros((8, 1), dtype=np.float32)
    loader = DataLoader(TensorDataset(x, y), batch_size=8)
    assert nn.BCELoss.takes_probabilities and not nn.BCEWithLogitsLoss.takes_probabilities
    assert evaluate(Constant(), loader, nn.BCELoss())["accuracy"] == 1.0
    assert evaluate(Constant(), loader, nn.MSELoss())["accuracy"] == 0.0

    def mse_on_probabilities(out, target):
        return F.mse_loss(out, target)

    mse_on_probabilities.takes_probabilities = True  # any loss may declare it
    assert evaluate(Constant(), loader, mse_on_probabilities)["accuracy"] == 1.0


def test_binary_logit_loss_is_bce_with_logits_on_the_flattened_column():
    z = nnlab.tensor([[0.5], [-1.0], [2.0]], requires_grad=True)
    y = nnlab.tensor([1, 0, 0])
    got = nn.BinaryLogitLoss()(z, y)
    zz = np.array([0.5, -1.0, 2.0])
    expected = np.mean(np.logaddexp(0.0, zz) - np.array([1, 0, 0]) * zz)
    assert float(got.item()) == pytest.approx(expected, rel=1e-6)


def test_track_grad_norm_logs_the_pre_clip_norm_of_every_step():
    nnlab.manual_seed(0)
    x, y = _binary(16)
    model = nn.Linear(2, 1)
    twin = nn.Linear(2, 1)
    twin.load_state_dict(model.state_dict())
    trainer = Trainer(model, nn.BCEWithLogitsLoss(), optim.SGD(model.parameters(), lr=0.1), metrics=(),
                      quiet=True, grad_clip=1e-3, track_grad_norm=True)
    logs = trainer.fit(DataLoader(TensorDataset(x, y), batch_size=16), epochs=1)
    loss = F.binary_cross_entropy_with_logits(twin(nnlab.tensor(x)), nnlab.tensor(y))
    loss.backward()
    expected = math.sqrt(sum(float((p.grad.array ** 2).sum()) for p in twin.parameters()))
    assert logs["grad_norm"][0] == pytest.approx(expected, rel=1e-5)
    assert expected > 1e-2  # the clip (1e-3) did not shrink what is logged
