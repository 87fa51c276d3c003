"""The Trainer does not run epochs of NaN: it stops (or warns, or raises) at the first non-finite loss."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nnlab
from nnlab import nn, optim
from nnlab.data import DataLoader, TensorDataset
from nnlab.train import Callback, TerminateOnNaN, Trainer


def _setup(lr=1e-2, poison_at=None):
    nnlab.manual_seed(0)
    x = np.random.default_rng(0).standard_normal((64, 3)).astype(np.float32)
    y = (x.sum(1) > 0).astype(np.int64)
    if poison_at is not None:
        x[poison_at] = np.nan  # one sample poisons its batch, then (through the step) the weights
    model = nn.Linear(3, 2)
    return model, optim.SGD(model.parameters(), lr=lr), DataLoader(TensorDataset(x, y), batch_size=8)


class _Count(Callback):
    def __init__(self):
        self.batches = 0

    @property
    def wants_batch_logs(self):
        return True

    def on_batch_end(self, batch, logs):
        self.batches += 1


def test_a_nan_loss_stops_training_with_a_warning():
    model, opt, loader = _setup(poison_at=20)  # batch 2 of epoch 0
    count = _Count()
    trainer = Trainer(model, nn.CrossEntropyLoss(), opt, callbacks=[count], quiet=True)
    with pytest.warns(RuntimeWarning, match="training loss is nan at epoch 0 batch 2.*training stopped"):
        history = trainer.fit(loader, epochs=5)
    assert len(history) == 1 and count.batches == 3  # not 5 epochs of 8 batches of NaN
    assert trainer.stop_training


def test_warn_goes_on_and_warns_once_per_epoch():
    model, opt, loader = _setup(poison_at=20)
    trainer = Trainer(model, nn.CrossEntropyLoss(), opt, quiet=True, on_nan="warn")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        history = trainer.fit(loader, epochs=3)
    assert len(history) == 3
    assert len([w for w in caught if "training loss is nan" in str(w.message)]) == 3


def test_raise_and_bad_policy():
    model, opt, loader = _setup(poison_at=0)
    with pytest.raises(FloatingPointError, match="epoch 0 batch 0"):
        Trainer(model, nn.CrossEntropyLoss(), opt, quiet=True, on_nan="raise").fit(loader, epochs=2)
    with pytest.raises(ValueError, match="on_nan must be one of"):
        Trainer(model, nn.CrossEntropyLoss(), opt, on_nan="sometimes")


def test_terminate_on_nan_callback_stops_at_the_batch():
    model, opt, loader = _setup(poison_at=44)  # batch 5
    cb = TerminateOnNaN()
    history = Trainer(model, nn.CrossEntropyLoss(), opt, callbacks=[cb], quiet=True, on_nan="ignore").fit(loader, epochs=4)
    assert cb.stopped_at == (0, 5) and len(history) == 1


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 63), st.integers(1, 3))
def test_wherever_the_nan_appears_no_later_batch_trains(poison, epochs):
    model, opt, loader = _setup(poison_at=poison)
    count = _Count()
    with pytest.warns(RuntimeWarning):
        Trainer(model, nn.CrossEntropyLoss(), opt, callbacks=[count], quiet=True).fit(loader, epochs=epochs)
    assert count.batches == poison // 8 + 1


def test_a_step_function_returning_inf_is_caught_too():
    model, opt, loader = _setup()

    def step(trainer, batch):
        return (model(batch[0]) * np.float32(np.inf)).sum()

    with pytest.warns(RuntimeWarning, match="training loss is"), np.errstate(invalid="ignore"):
        history = Trainer(model, optimizer=opt, step_fn=step, quiet=True).fit(loader, epochs=3)
    assert len(history) == 1
