"""Trainer end to end on tiny data: it learns, evaluates, predicts, clips, and resumes bit for bit."""

from __future__ import annotations

import numpy as np
import pytest

import nnlab
from nnlab import nn, optim
from nnlab.autograd import Tensor
from nnlab.data import DataLoader, TensorDataset
from nnlab.io.checkpoint import load_checkpoint
from nnlab.train import History, ModelCheckpoint, Trainer, fit


def _blobs(n=150, seed=0):
    rng = np.random.default_rng(seed)
    centers = np.array([[2.0, 0.0], [-2.0, 1.5], [0.0, -2.5]])
    y = rng.integers(0, 3, n)
    x = (centers[y] + 0.5 * rng.standard_normal((n, 2))).astype(np.float32)
    return x, y


def _mlp(dropout=0.0):
    return nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Dropout(dropout), nn.Linear(16, 3))


def _loaders(batch_size=16):
    x, y = _blobs()
    xd, yd = _blobs(60, seed=1)
    return (DataLoader(TensorDataset(x, y), batch_size=batch_size, shuffle=True),
            DataLoader(TensorDataset(xd, yd), batch_size=32))


def test_fit_learns_blobs_quietly(capsys):
    nnlab.manual_seed(0)
    model = _mlp()
    train, dev = _loaders()
    trainer = Trainer(model, nn.CrossEntropyLoss(), optim.Adam(model.parameters(), lr=0.05), quiet=True)
    history = trainer.fit(train, dev, epochs=8)
    assert isinstance(history, History) and len(history) == 8
    assert set(history.keys()) == {"loss", "accuracy", "val_loss", "val_accuracy", "lr", "time"}
    assert history["loss"][-1] < 0.3 * history["loss"][0]
    assert history["accuracy"][-1] > 0.95 and history["val_accuracy"][-1] > 0.95
    assert history["lr"] == [0.05] * 8
    assert trainer.global_step == 8 * 10
    assert capsys.readouterr() == ("", "")
    # evaluate agrees with a hand computation over the whole dev set
    xd, yd = _blobs(60, seed=1)
    result = trainer.evaluate(dev)
    with nnlab.no_grad():
        model.eval()
        logits = model(Tensor(xd)).array
        model.train()
    shifted = logits - logits.max(1, keepdims=True)
    expected_loss = -(shifted[np.arange(60), yd] - np.log(np.exp(shifted).sum(1))).mean()
    assert result["loss"] == pytest.approx(expected_loss, rel=1e-5)
    assert result["accuracy"] == np.mean(logits.argmax(1) == yd)
    assert model.training  # evaluate restores the mode
    # predict from an array and from a loader give the same outputs
    by_array = trainer.predict(xd, batch_size=7)
    by_loader = trainer.predict(dev)
    assert by_array.shape == (60, 3)
    np.testing.assert_allclose(by_array, logits, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(by_loader, logits, rtol=1e-6, atol=1e-6)


def test_loss_is_averaged_over_samples_not_batches():
    # 5 samples in batches of 2, 2, 1: a batch mean would overweight the last sample.
    x = np.zeros((5, 1), np.float32)
    y = np.array([1.0, 2.0, 3.0, 4.0, 5.0], np.float32).reshape(5, 1)
    model = nn.Linear(1, 1)
    model.weight.array[...] = 0.0
    model.bias.array[...] = 0.0
    trainer = Trainer(model, nn.MSELoss(), optim.SGD(model.parameters(), lr=0.0), metrics=(), quiet=True)
    assert trainer.evaluate(DataLoader(TensorDataset(x, y), batch_size=2))["loss"] == pytest.approx(55 / 5)


def test_binary_logits_accuracy_and_custom_metric():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((64, 3)).astype(np.float32)
    y = (x[:, :1] > 0).astype(np.float32)

    def mean_abs_logit(out, target):
        return float(np.abs(out).mean())

    nnlab.manual_seed(3)
    model = nn.Linear(3, 1)
    loader = DataLoader(TensorDataset(x, y), batch_size=16)
    history = fit(model, loader, nn.BCEWithLogitsLoss(), optim.SGD(model.parameters(), lr=0.5), epochs=15,
                  metrics=("accuracy", mean_abs_logit), quiet=True)
    assert history["accuracy"][-1] > 0.95
    assert history["mean_abs_logit"][-1] > history["mean_abs_logit"][0]
    trainer = Trainer(model, nn.BCEWithLogitsLoss(), None, metrics=("accuracy", mean_abs_logit), quiet=True)
    out = trainer.predict(x)
    result = trainer.evaluate(loader)
    # Logits are cut at 0, not at 0.5 (that would be right only for probabilities).
    assert result["accuracy"] == np.mean((out > 0) == (y > 0.5)) != np.mean((out > 0.5) == (y > 0.5))
    assert result["mean_abs_logit"] == pytest.approx(np.abs(out).mean(), rel=1e-6)


def test_grad_clip_bounds_the_update():
    x = np.full((4, 2), 100.0, np.float32)
    y = np.array([0, 1, 2, 0])
    nnlab.manual_seed(4)
    model = _mlp()
    before = [p.array.copy() for p in model.parameters()]
    trainer = Trainer(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=1.0), grad_clip=0.01, quiet=True)
    trainer.fit(DataLoader(TensorDataset(x, y), batch_size=4), epochs=1)
    step = np.sqrt(sum(((p.array - b) ** 2).sum() for p, b in zip(model.parameters(), before)))
    assert 0.0 < step <= 0.01 + 1e-6


def test_scheduler_steps_per_epoch_and_lr_is_recorded():
    model = _mlp()
    opt = optim.SGD(model.parameters(), lr=0.1)
    train, _ = _loaders(batch_size=50)
    h = Trainer(model, nn.CrossEntropyLoss(), opt, scheduler=optim.lr_scheduler.StepLR(opt, 1, gamma=0.5),
                quiet=True).fit(train, epochs=3)
    assert h["lr"] == [0.1, 0.05, 0.025]
    assert opt.param_groups[0]["lr"] == 0.0125


def test_fit_resumes_from_model_checkpoint_bit_for_bit(tmp_path):
    def make():
        model = _mlp(dropout=0.2)
        opt = optim.Adam(model.parameters(), lr=0.02)
        return model, opt, optim.lr_scheduler.StepLR(opt, 1, gamma=0.7)

    nnlab.manual_seed(5)
    model, opt, sched = make()
    train, dev = _loaders()
    straight = Trainer(model, nn.CrossEntropyLoss(), opt, sched, quiet=True).fit(train, dev, epochs=4)

    nnlab.manual_seed(5)
    model2, opt2, sched2 = make()
    ckpt = ModelCheckpoint(tmp_path / "ep{epoch}.safetensors", monitor="val_loss")
    Trainer(model2, nn.CrossEntropyLoss(), opt2, sched2, callbacks=[ckpt], quiet=True).fit(train, dev, epochs=2)
    assert ckpt.last_path == str(tmp_path / "ep2.safetensors")

    nnlab.manual_seed(123)
    model3, opt3, sched3 = make()
    info = load_checkpoint(tmp_path / "ep2.safetensors", model3, opt3, sched3)
    assert info["epoch"] == 2 and info["step"] == 20
    assert info["extra"]["logs"]["val_loss"] == straight["val_loss"][1]
    trainer = Trainer(model3, nn.CrossEntropyLoss(), opt3, sched3, quiet=True)
    trainer.global_step = info["step"]
    resumed = trainer.fit(train, dev, epochs=4, initial_epoch=info["epoch"])
    assert resumed.epoch == [2, 3]
    assert resumed["loss"] == straight["loss"][2:] and resumed["lr"] == straight["lr"][2:]
    for k, v in model.state_dict().items():
        assert np.array_equal(model3.state_dict()[k].array, v.array), k


def test_bad_batches_and_arguments():
    model = _mlp()
    opt = optim.SGD(model.parameters(), lr=0.1)
    with pytest.raises(ValueError, match="unknown metric 'f2'"):
        Trainer(model, nn.CrossEntropyLoss(), opt, metrics=("f2",))
    trainer = Trainer(model, nn.CrossEntropyLoss(), opt, quiet=True)
    x, _ = _blobs(8)
    with pytest.raises(ValueError, match="without a target"):
        trainer.fit(DataLoader(TensorDataset(x), batch_size=4), epochs=1)
    with pytest.raises(ValueError, match="no batches"):
        trainer.evaluate([])
