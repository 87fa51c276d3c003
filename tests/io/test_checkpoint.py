"""Checkpoints: model/optimizer state round trips and bit-for-bit resumption of training."""

from __future__ import annotations

import numpy as np
import pytest

import nnlab
from nnlab import nn, optim
from nnlab.data import DataLoader, TensorDataset
from nnlab.io import load, save
from nnlab.io.checkpoint import load_checkpoint, save_checkpoint

_rng = np.random.default_rng(7)
X = _rng.standard_normal((20, 5)).astype(np.float32)
Y = _rng.integers(0, 3, 20)


def _setup():
    model = nn.Sequential(nn.Linear(5, 16), nn.ReLU(), nn.Dropout(0.3), nn.Linear(16, 3))
    opt = optim.Adam(model.parameters(), lr=0.01)
    sched = optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
    loader = DataLoader(TensorDataset(X, Y), batch_size=4, shuffle=True)  # 5 steps per epoch
    return model, opt, sched, loader


def _train_epoch(model, opt, sched, loader):
    loss_fn = nn.CrossEntropyLoss()
    model.train()
    for x, y in loader:
        loss = loss_fn(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    sched.step()


def _params(model):
    return {k: v.array.copy() for k, v in model.state_dict().items()}


def _resumed(tmp_path, restore_rng=True):
    nnlab.manual_seed(0)
    model, opt, sched, loader = _setup()
    _train_epoch(model, opt, sched, loader)
    path = tmp_path / "ckpt.safetensors"
    save_checkpoint(path, model, opt, sched, epoch=1, step=5, extra={"note": "half way"})
    nnlab.manual_seed(999)  # fresh objects start from different weights and RNG
    model, opt, sched, loader = _setup()
    info = load_checkpoint(path, model, opt, sched, restore_rng=restore_rng)
    assert info == {"epoch": 1, "step": 5, "extra": {"note": "half way"}}
    _train_epoch(model, opt, sched, loader)
    return model, opt


def test_resume_is_bit_for_bit(tmp_path):
    nnlab.manual_seed(0)
    model, opt, sched, loader = _setup()
    for _ in range(2):
        _train_epoch(model, opt, sched, loader)
    resumed, resumed_opt = _resumed(tmp_path)
    straight, again = _params(model), _params(resumed)
    assert straight.keys() == again.keys()
    for k in straight:
        assert np.array_equal(straight[k], again[k]), k
    assert resumed_opt.param_groups[0]["lr"] == opt.param_groups[0]["lr"] == 0.0025
    for i, state in opt.state_dict()["state"].items():
        assert state["step"] == resumed_opt.state_dict()["state"][i]["step"] == 10
        assert np.array_equal(state["exp_avg_sq"].array, resumed_opt.state_dict()["state"][i]["exp_avg_sq"].array)
    # Without the saved RNG state the dropout masks and the shuffle differ: the RNG really matters here.
    diverged, _ = _resumed(tmp_path, restore_rng=False)
    assert not all(np.array_equal(straight[k], v) for k, v in _params(diverged).items())


@pytest.mark.parametrize("name", ["sd.safetensors", "sd.npz"])
def test_model_and_optimizer_state_dicts_round_trip(tmp_path, name):
    nnlab.manual_seed(1)
    model, opt, _, loader = _setup()
    x, y = next(iter(loader))
    nn.CrossEntropyLoss()(model(x), y).backward()
    opt.step()
    save({"model": model.state_dict(), "optim": opt.state_dict()}, tmp_path / name)
    back = load(tmp_path / name)
    assert list(back["optim"]["state"]) == [0, 1, 2, 3]  # int keys survive
    assert back["optim"]["param_groups"][0]["betas"] == (0.9, 0.999)
    fresh, fresh_opt, _, _ = _setup()
    fresh.load_state_dict(back["model"])
    fresh_opt.load_state_dict(back["optim"])
    for k, v in model.state_dict().items():
        assert np.array_equal(fresh.state_dict()[k].array, v.array)
    assert fresh_opt.state_dict()["state"][2]["step"] == 1
    assert np.array_equal(fresh_opt.state_dict()["state"][2]["exp_avg"].array, opt.state_dict()["state"][2]["exp_avg"].array)


def test_load_checkpoint_errors(tmp_path):
    model, opt, _, _ = _setup()
    save(model.state_dict(), tmp_path / "weights.safetensors")
    with pytest.raises(ValueError, match="not a checkpoint"):
        load_checkpoint(tmp_path / "weights.safetensors", model)
    save_checkpoint(tmp_path / "c.safetensors", model)
    with pytest.raises(ValueError, match="holds no optimizer state"):
        load_checkpoint(tmp_path / "c.safetensors", model, opt)
    other = nn.Sequential(nn.Linear(5, 8))
    with pytest.raises(RuntimeError, match="(?s)Unexpected key.*size mismatch for 0.weight"):
        load_checkpoint(tmp_path / "c.safetensors", other)
