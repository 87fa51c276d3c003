"""Learning-rate schedulers against torch.optim.lr_scheduler, plus the seeds' decays by hand."""

from __future__ import annotations

import json
import math
import warnings

import numpy as np
import pytest
import torch

import nnlab
import nnlab.optim as optim
from nnlab.optim import lr_scheduler

LRS = (0.1, 0.03)


def _optimizers():
    ours = optim.SGD([{"params": [nnlab.tensor([1.0], requires_grad=True)], "lr": LRS[0]},
                      {"params": [nnlab.tensor([2.0], requires_grad=True)], "lr": LRS[1]}], momentum=0.9)
    theirs = torch.optim.SGD([{"params": [torch.ones(1, requires_grad=True)], "lr": LRS[0]},
                              {"params": [torch.ones(1, requires_grad=True)], "lr": LRS[1]}], momentum=0.9)
    return ours, theirs


SCHEDULES = {
    "StepLR": dict(step_size=4, gamma=0.5),
    "MultiStepLR": dict(milestones=[3, 7, 7, 20], gamma=0.3),
    "ExponentialLR": dict(gamma=0.9),
    "CosineAnnealingLR": dict(T_max=10, eta_min=0.001),
    "LinearLR": dict(start_factor=0.25, end_factor=0.9, total_iters=8),
}


def _run(sched, opt, steps):
    lrs = [sched.get_last_lr()]
    for _ in range(steps):
        opt.step()
        sched.step()
        lrs.append(sched.get_last_lr())
    return np.array(lrs)


@pytest.mark.parametrize("name", list(SCHEDULES) + ["LambdaLR"])
def test_schedule_matches_torch_for_30_steps(name):
    ours_opt, theirs_opt = _optimizers()
    if name == "LambdaLR":
        fns = [lambda e: 0.95**e, lambda e: 1.0 / (1 + e)]
        ours = optim.LambdaLR(ours_opt, fns)
        theirs = torch.optim.lr_scheduler.LambdaLR(theirs_opt, fns)
    else:
        ours = getattr(lr_scheduler, name)(ours_opt, **SCHEDULES[name])
        theirs = getattr(torch.optim.lr_scheduler, name)(theirs_opt, **SCHEDULES[name])
    a, b = _run(ours, ours_opt, 30), _run(theirs, theirs_opt, 30)
    np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-15)
    assert ours.last_epoch == theirs.last_epoch == 30
    assert [g["initial_lr"] for g in ours_opt.param_groups] == list(LRS)
    assert [g["lr"] for g in ours_opt.param_groups] == list(a[-1])
    assert len(np.unique(a[:, 0])) > 3, "the schedule should actually change the rate"


@pytest.mark.parametrize("name", list(SCHEDULES))
def test_step_with_epoch_uses_the_closed_form(name):
    kwargs = SCHEDULES[name]
    opt, _ = _optimizers()
    recursive = _run(getattr(lr_scheduler, name)(opt, **kwargs), opt, 10)
    opt, _ = _optimizers()
    sched = getattr(lr_scheduler, name)(opt, **kwargs)
    for epoch in (7, 2, 10):
        sched.step(epoch)
        np.testing.assert_allclose(sched.get_last_lr(), recursive[epoch], rtol=1e-12)


PLATEAU = [
    dict(mode="min", factor=0.5, patience=2),
    dict(mode="min", factor=0.5, patience=1, threshold=0.1, threshold_mode="abs", cooldown=2, min_lr=[0.02, 0.01]),
    dict(mode="max", factor=0.2, patience=0, threshold=0.05, cooldown=1, min_lr=0.005),
    dict(mode="max", factor=0.5, patience=1, threshold_mode="abs", threshold=0.0, eps=0.02),
]
METRICS = [1.0, 0.9, 0.95, 0.93, 0.91, 0.90, 0.899, 0.7, 0.75, 0.8, 0.79, 0.69, 0.7, 0.71, 0.72,
           0.73, 0.5, 0.5, 0.5, 0.5, 0.6, 0.4, 0.41, 0.42, 0.43]


@pytest.mark.parametrize("kwargs", PLATEAU)
def test_reduce_on_plateau_matches_torch(kwargs):
    ours_opt, theirs_opt = _optimizers()
    ours = optim.ReduceLROnPlateau(ours_opt, **kwargs)
    theirs = torch.optim.lr_scheduler.ReduceLROnPlateau(theirs_opt, **kwargs)
    metrics = METRICS if kwargs["mode"] == "min" else [-m for m in METRICS]
    seen = []
    for m in metrics:
        ours.step(m)
        theirs.step(m)
        seen.append(ours.get_last_lr())
        np.testing.assert_allclose(ours.get_last_lr(), theirs.get_last_lr(), rtol=1e-12)
        assert ours.num_bad_epochs == theirs.num_bad_epochs and ours.best == theirs.best
        assert ours.cooldown_counter == theirs.cooldown_counter
    assert seen[-1] != list(LRS), "the metric sequence should trigger reductions"


def test_reduce_on_plateau_rejects_bad_options():
    opt, _ = _optimizers()
    with pytest.raises(ValueError, match="factor must be < 1.0, got 1.5"):
        optim.ReduceLROnPlateau(opt, factor=1.5)
    with pytest.raises(ValueError, match="expected 2 min_lrs"):
        optim.ReduceLROnPlateau(opt, min_lr=[0.1])
    with pytest.raises(ValueError, match="mode must be 'min' or 'max', got 'avg'"):
        optim.ReduceLROnPlateau(opt, mode="avg")


def _make(name, opt):
    if name == "LambdaLR":
        return optim.LambdaLR(opt, lambda e: 0.9**e)
    if name == "ReduceLROnPlateau":
        return optim.ReduceLROnPlateau(opt, patience=1, factor=0.5, cooldown=1)
    if name == "InverseTimeDecay":
        return optim.InverseTimeDecay(opt, decay_rate=0.5)
    return getattr(lr_scheduler, name)(opt, **SCHEDULES[name])


def _advance(sched, opt, k, start):
    out = []
    for i in range(start, start + k):
        opt.step()
        if isinstance(sched, optim.ReduceLROnPlateau):
            sched.step(METRICS[i])
        else:
            sched.step()
        out.append(sched.get_last_lr())
    return out


@pytest.mark.parametrize("name", list(SCHEDULES) + ["LambdaLR", "ReduceLROnPlateau", "InverseTimeDecay"])
def test_state_dict_is_plain_json_and_resumes(name):
    opt, _ = _optimizers()
    sched = _make(name, opt)
    straight = _advance(sched, opt, 20, 0)

    opt, _ = _optimizers()
    sched = _make(name, opt)
    _advance(sched, opt, 7, 0)
    text = json.dumps({"opt": {"param_groups": opt.state_dict()["param_groups"]}, "sched": sched.state_dict()})
    assert "optimizer" not in sched.state_dict() and "lr_lambdas" not in sched.state_dict()
    saved = json.loads(text)

    # PyTorch's order: build the scheduler (it writes lrs), then load the optimizer, then the scheduler.
    opt2, _ = _optimizers()
    sched2 = _make(name, opt2)
    opt2.load_state_dict({"state": {}, "param_groups": saved["opt"]["param_groups"]})
    sched2.load_state_dict(saved["sched"])
    assert sched2.last_epoch == 7
    assert _advance(sched2, opt2, 13, 7) == straight[7:]


def test_resuming_without_initial_lr_is_an_error():
    opt, _ = _optimizers()
    with pytest.raises(KeyError, match=r"initial_lr.*param_groups\[0\]"):
        optim.StepLR(opt, step_size=2, last_epoch=4)
    with pytest.raises(TypeError, match="is not an Optimizer"):
        optim.StepLR(object(), step_size=2)


def test_inverse_time_decay_reproduces_the_seeds_table():
    """α₀ = 0.2, decay_rate = 1: epochs 1, 2, 3, 4 run at 0.1, 0.067, 0.05, 0.04."""
    opt = optim.SGD([nnlab.tensor([1.0], requires_grad=True)], lr=0.2)
    sched = optim.InverseTimeDecay(opt, decay_rate=1.0)
    lrs = [opt.param_groups[0]["lr"]]
    for _ in range(3):
        opt.step()
        sched.step()
        lrs.append(opt.param_groups[0]["lr"])
    np.testing.assert_allclose(lrs, [0.1, 0.2 / 3, 0.05, 0.04], rtol=1e-15)
    assert sched.base_lrs == [0.2]


@pytest.mark.parametrize("k", [1.0, 0.5])
def test_inverse_sqrt_decay_by_hand(k):
    opt = optim.SGD([nnlab.tensor([1.0], requires_grad=True)], lr=0.1)
    sched = optim.InverseSqrtDecay(opt, k=k)
    lrs = [sched.get_last_lr()[0]]
    for _ in range(3):
        opt.step()
        sched.step()
        lrs.append(sched.get_last_lr()[0])
    expected = [k * 0.1, k * 0.1 / math.sqrt(2), k * 0.1 / math.sqrt(3), k * 0.1 / 2]
    np.testing.assert_allclose(lrs, expected, rtol=1e-15)


def test_scheduled_lr_drives_the_update():
    """The optimizer reads group['lr'] at every step, so the schedule changes the steps taken."""
    p = nnlab.tensor([0.0], dtype=nnlab.float64, requires_grad=True)
    opt = optim.SGD([p], lr=1.0)
    sched = optim.StepLR(opt, step_size=1, gamma=0.5)
    for _ in range(3):
        p.grad = nnlab.tensor([1.0], dtype=nnlab.float64)
        opt.step()
        sched.step()
    assert p.array.tolist() == [-(1.0 + 0.5 + 0.25)]


def test_bad_scheduler_arguments():
    opt, _ = _optimizers()
    with pytest.raises(ValueError, match="step_size must be a positive integer, got 0"):
        optim.StepLR(opt, step_size=0)
    with pytest.raises(ValueError, match="T_max must be a positive integer"):
        optim.CosineAnnealingLR(opt, T_max=0)
    with pytest.raises(ValueError, match="start_factor must be in"):
        optim.LinearLR(opt, start_factor=0.0)
    with pytest.raises(ValueError, match="expected 2 lr_lambdas, got 1"):
        optim.LambdaLR(opt, [lambda e: 1.0])
    with pytest.raises(ValueError, match="decay_rate must be >= 0"):
        optim.InverseTimeDecay(opt, decay_rate=-1.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        optim.ExponentialLR(opt, gamma=0.5).step()
