"""Restores are all or nothing: a checkpoint, a state dict or an optimizer state that does not fit changes nothing."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nnlab
from nnlab import nn, optim
from nnlab.backend import get_rng_state
from nnlab.io import load, load_checkpoint, save, save_checkpoint
from nnlab.optim.lr_scheduler import StepLR


def _setup():
    nnlab.manual_seed(1)
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Linear(4, 2))
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    sched = StepLR(opt, step_size=2, gamma=0.5)
    model(nnlab.randn(5, 3)).sum().backward()
    opt.step()
    sched.step()
    return model, opt, sched


def _fingerprint(model, opt, sched):
    weights = {k: v.array.copy() for k, v in model.state_dict().items()}
    groups = [{k: v for k, v in g.items() if k != "params"} for g in opt.param_groups]
    state = {id(p): {k: np.array(v, copy=True) for k, v in s.items()} for p, s in opt.state.items()}
    return weights, groups, state, sched.state_dict(), get_rng_state()


def _same(a, b):
    wa, ga, sa, ca, ra = a
    wb, gb, sb, cb, rb = b
    assert wa.keys() == wb.keys() and all(np.array_equal(wa[k], wb[k]) for k in wa)
    assert ga == gb and ca == cb and ra == rb
    assert sa.keys() == sb.keys()
    for p in sa:
        assert sa[p].keys() == sb[p].keys() and all(np.array_equal(sa[p][k], sb[p][k]) for k in sa[p])


def _corrupt_optimizer_shape(c):
    first = next(iter(c["optimizer"]["state"]))
    c["optimizer"]["state"][first]["momentum_buffer"] = nnlab.zeros(7, 7)


def _set(path, value):
    def corrupt(c):
        node = c
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value
    return corrupt


CORRUPTIONS = {
    "optimizer state of the wrong shape": _corrupt_optimizer_shape,
    "optimizer with two groups": lambda c: c["optimizer"]["param_groups"].append(dict(c["optimizer"]["param_groups"][0])),
    "optimizer lr = -1": lambda c: c["optimizer"]["param_groups"][0].__setitem__("lr", -1.0),
    "optimizer lr a string": lambda c: c["optimizer"]["param_groups"][0].__setitem__("lr", "0.1"),
    "rng state of another generator": _set(("rng_state", "bit_generator"), "MT19937"),
    "garbage generator state": _set(("rng_state", "state"), {"state": "garbage", "inc": -1}),
    "generator state not a dict": _set(("rng_state",), [1, 2, 3]),
    "epoch 'three'": _set(("epoch",), "three"),
    "negative step": _set(("step",), -4),
    "epoch a bool": _set(("epoch",), True),
    "scheduler with an unknown key": lambda c: c["scheduler"].__setitem__("surprise", 1),
    "scheduler last_epoch a string": _set(("scheduler", "last_epoch"), "five"),
    "model weight of the wrong shape": _set(("model", "0.weight"), nnlab.zeros(2, 2)),
    "model weight a plain number": _set(("model", "2.bias"), 5),
    "model missing a key": lambda c: c["model"].pop("1.running_mean"),
    "model state not a dict": _set(("model",), [1, 2]),
}


@pytest.mark.parametrize("case", sorted(CORRUPTIONS))
def test_a_checkpoint_that_does_not_fit_changes_nothing(tmp_path, case):
    model, opt, sched = _setup()
    path = tmp_path / "ckpt.safetensors"
    save_checkpoint(path, model, opt, sched, epoch=3, step=9)
    raw = load(path)
    CORRUPTIONS[case](raw)
    save(raw, path)
    # A second model, optimizer, scheduler, moved on from the saved state: the target of the restore.
    nnlab.manual_seed(2)
    model, opt, sched = _setup()
    nnlab.randn(3)
    before = _fingerprint(model, opt, sched)
    with pytest.raises((ValueError, RuntimeError, TypeError)):
        load_checkpoint(path, model, opt, sched)
    _same(before, _fingerprint(model, opt, sched))


@settings(max_examples=30, deadline=None)
@given(st.lists(st.sampled_from(sorted(CORRUPTIONS)), min_size=1, max_size=3, unique=True))
def test_any_mix_of_faults_changes_nothing(tmp_path_factory, cases):
    model, opt, sched = _setup()
    path = tmp_path_factory.mktemp("c") / "ckpt.safetensors"
    save_checkpoint(path, model, opt, sched, epoch=1, step=1)
    raw = load(path)
    for case in cases:
        try:
            CORRUPTIONS[case](raw)
        except (KeyError, TypeError, AttributeError, IndexError):
            pass  # an earlier fault removed what this one edits; the file is still faulty
    save(raw, path)
    nnlab.manual_seed(5)
    model, opt, sched = _setup()
    before = _fingerprint(model, opt, sched)
    with pytest.raises((ValueError, RuntimeError, TypeError)):
        load_checkpoint(path, model, opt, sched)
    _same(before, _fingerprint(model, opt, sched))


def test_a_good_checkpoint_still_restores_everything(tmp_path):
    model, opt, sched = _setup()
    path = tmp_path / "ckpt.safetensors"
    save_checkpoint(path, model, opt, sched, epoch=3, step=9)
    saved = _fingerprint(model, opt, sched)
    nnlab.manual_seed(7)
    other, opt2, sched2 = _setup()
    assert load_checkpoint(path, other, opt2, sched2) == {"epoch": 3, "step": 9, "extra": None}
    got = _fingerprint(other, opt2, sched2)
    _same((saved[0], saved[1], {}, saved[3], saved[4]), (got[0], got[1], {}, got[3], got[4]))


# ---- Module.load_state_dict, strict and not -----------------------------------------------------------
_values = st.one_of(
    st.tuples(st.integers(1, 5), st.integers(1, 5)).map(lambda s: np.ones(s, np.float32)),
    st.integers(1, 5).map(lambda n: np.ones(n, np.float64)),
    st.just(np.array(["x", "y", "z", "w"])),
    st.just([[1.0, 2.0], [3.0]]),
)


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(st.sampled_from(["0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean", "extra"]),
                       _values, max_size=6), st.booleans())
def test_load_state_dict_applies_everything_or_nothing(state, strict):
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4))
    before = {k: v.array.copy() for k, v in model.state_dict().items()}
    try:
        model.load_state_dict(state, strict=strict)
    except (RuntimeError, TypeError):
        after = {k: v.array for k, v in model.state_dict().items()}
        assert all(np.array_equal(before[k], after[k]) for k in before)
    else:  # success: every given key that the model has was copied
        for k, v in state.items():
            if k in before:
                assert np.array_equal(model.state_dict()[k].array, np.asarray(v))


@pytest.mark.parametrize("bad", [{"lr": -1.0}, {"momentum": -0.5}, {"lr": "0.1"}])
def test_optimizer_load_state_dict_is_all_or_nothing_across_groups(bad):
    a, b = nn.Linear(2, 2), nn.Linear(2, 2)
    opt = optim.SGD([{"params": a.parameters()}, {"params": b.parameters(), "lr": 0.5}], lr=0.1, momentum=0.9)
    state = opt.state_dict()
    state["param_groups"][0]["lr"] = 0.7  # a good change in group 0 ...
    state["param_groups"][1].update(bad)  # ... and a bad one in group 1
    with pytest.raises((ValueError, TypeError)):
        opt.load_state_dict(state)
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.5]
    assert [g["momentum"] for g in opt.param_groups] == [0.9, 0.9]
