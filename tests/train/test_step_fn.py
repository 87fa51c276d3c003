"""The Trainer's extension point: step functions, training_step, manual optimization."""

import numpy as np
import pytest

import nnlab
from nnlab import nn, optim
import nnlab.functional as F
from nnlab.data import DataLoader, TensorDataset
from nnlab.train import Trainer
from nnlab.train.trainer import batch_size_of


def _data(n=64, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 3)).astype(np.float32)
    y = (x @ np.array([1.0, -2.0, 0.5], dtype=np.float32) + 0.3).astype(np.float32)[:, None]
    return DataLoader(TensorDataset(nnlab.tensor(x), nnlab.tensor(y)), batch_size=16)


def test_step_fn_returning_a_loss_matches_the_default_step_bit_for_bit():
    losses = []
    for custom in (False, True):
        nnlab.manual_seed(0)
        model = nn.Linear(3, 1)
        opt = optim.SGD(model.parameters(), lr=0.05)
        step = (lambda tr, b: F.mse_loss(tr.model(b[0]), b[1])) if custom else None
        trainer = Trainer(model, nn.MSELoss(), opt, metrics=(), quiet=True, step_fn=step)
        hist = trainer.fit(_data(), _data(seed=1), epochs=5)
        losses.append((hist["loss"], hist["val_loss"], model.weight.array.copy()))
    assert losses[0][0] == losses[1][0]
    assert losses[0][1] == losses[1][1]
    np.testing.assert_array_equal(losses[0][2], losses[1][2])
    assert losses[1][0][-1] < losses[1][0][0] / 10


class _TwoOptimizers(nn.Module):
    """A step that runs its own two optimizers (as a GAN does) and returns numbers."""

    def __init__(self):
        super().__init__()
        self.a, self.b = nn.Linear(3, 1), nn.Linear(3, 1)
        self.opt_a = optim.SGD(self.a.parameters(), lr=0.05)
        self.opt_b = optim.SGD(self.b.parameters(), lr=0.01)

    def training_step(self, batch):
        x, y = batch
        logs = {}
        for name, layer, opt in (("a_loss", self.a, self.opt_a), ("b_loss", self.b, self.opt_b)):
            loss = F.mse_loss(layer(x), y)
            logs[name] = float(loss.array)
            if nnlab.is_grad_enabled():
                opt.zero_grad()
                loss.backward()
                opt.step()
        return logs


def test_training_step_with_its_own_optimizers_trains_both_and_logs_each_loss():
    nnlab.manual_seed(0)
    model = _TwoOptimizers()
    trainer = Trainer(model, quiet=True)  # no loss_fn, no optimizer: the model's training_step does it all
    hist = trainer.fit(_data(), _data(seed=1), epochs=6)
    assert hist["a_loss"][-1] < hist["a_loss"][0] / 5
    assert hist["b_loss"][-1] < hist["b_loss"][0]
    # the faster learning rate pulls ahead: the two optimizers really ran separately
    assert hist["a_loss"][-1] < hist["b_loss"][-1]
    assert "val_a_loss" in hist.history and "lr" not in hist.history
    assert trainer.global_step == 6 * 4


def test_evaluation_never_steps_and_runs_without_gradients():
    nnlab.manual_seed(0)
    model = nn.Linear(3, 1)
    seen = []

    def step(tr, batch):
        seen.append((tr.training, nnlab.is_grad_enabled()))
        return F.mse_loss(tr.model(batch[0]), batch[1])

    before = model.weight.array.copy()
    logs = Trainer(model, step_fn=step, quiet=True).evaluate(_data())
    np.testing.assert_array_equal(before, model.weight.array)
    assert set(seen) == {(False, False)} and logs["loss"] > 0


def test_bad_step_results_and_missing_pieces_are_named():
    model = nn.Linear(3, 1)
    with pytest.raises(ValueError, match="loss_fn, a step_fn"):
        Trainer(model)
    with pytest.raises(TypeError, match="step_fn must return"):
        Trainer(model, step_fn=lambda tr, b: [1.0], quiet=True).fit(_data(), epochs=1)
    with pytest.raises(ValueError, match="needs an optimizer"):
        Trainer(model, nn.MSELoss(), metrics=(), quiet=True).fit(_data(), epochs=1)
    with pytest.raises(ValueError, match="one-element"):
        Trainer(model, step_fn=lambda tr, b: {"loss": np.zeros(3)}, quiet=True).fit(_data(), epochs=1)


def test_batch_size_of_reads_tuples_dicts_and_tensors():
    assert batch_size_of((nnlab.zeros(5, 2), nnlab.zeros(5))) == 5
    assert batch_size_of({"ids": np.zeros((7, 3)), "y": np.zeros(7)}) == 7
    assert batch_size_of([[np.zeros((2, 4))]]) == 2
