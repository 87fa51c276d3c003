"""Every update rule against torch.optim: 20-step trajectories, state_dict layout and round trips."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

import nnlab
import nnlab.optim as optim
from tests.optim import problems

CASES = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.05, momentum=0.9)),
    ("SGD", dict(lr=0.05, momentum=0.9, dampening=0.5)),
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.01)),
    ("SGD", dict(lr=0.02, momentum=0.8, weight_decay=0.1, maximize=True)),
    ("Adagrad", dict(lr=0.1)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.05, weight_decay=0.01, initial_accumulator_value=0.1)),
    ("Adagrad", dict(lr=0.05, maximize=True)),
    ("Adadelta", dict()),
    ("Adadelta", dict(lr=0.5, rho=0.8, eps=1e-5, weight_decay=0.05)),
    ("Adadelta", dict(lr=0.5, maximize=True)),
    ("RMSprop", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, centered=True)),
    ("RMSprop", dict(lr=0.01, momentum=0.9, alpha=0.9)),
    ("RMSprop", dict(lr=0.01, centered=True, momentum=0.5, weight_decay=0.01)),
    ("RMSprop", dict(lr=0.005, maximize=True)),
    ("Adam", dict(lr=0.01)),
    ("Adam", dict(lr=0.02, betas=(0.8, 0.99), amsgrad=True)),
    ("Adam", dict(lr=0.01, weight_decay=0.1)),
    ("Adam", dict(lr=0.01, amsgrad=True, maximize=True)),
    ("AdamW", dict(lr=0.01)),
    ("AdamW", dict(lr=0.02, weight_decay=0.1, amsgrad=True)),
    ("AdamW", dict(lr=0.01, maximize=True)),
]


def _ids(case):
    name, kw = case
    return name + "-" + ",".join(f"{k}={v}" for k, v in kw.items())


def _pair(name: str, kwargs: dict, group_lr: float | None):
    """(nnlab optimizer, nnlab params, torch optimizer, torch params), same groups and options."""
    ours_p, theirs_p = problems.nnlab_params(), problems.torch_params()
    ours = getattr(optim, name)(problems.groups(ours_p, group_lr), **kwargs)
    theirs = getattr(torch.optim, name)(problems.groups(theirs_p, group_lr), foreach=False, **kwargs)
    return ours, ours_p, theirs, theirs_p


@pytest.mark.parametrize("case", CASES, ids=[_ids(c) for c in CASES])
def test_trajectory_matches_torch(case):
    name, kwargs = case
    group_lr = 0.5 * kwargs.get("lr", 1.0)
    ours, ours_p, theirs, theirs_p = _pair(name, kwargs, group_lr)
    for step in range(20):
        loss_ours = problems.nnlab_step(ours, ours_p)
        loss_theirs = problems.torch_step(theirs, theirs_p)
        assert loss_ours == pytest.approx(loss_theirs, rel=1e-6, abs=1e-6), f"loss at step {step}"
        for k, (a, b) in enumerate(zip(ours_p, theirs_p)):
            np.testing.assert_allclose(a.array, b.detach().numpy(), rtol=1e-9, atol=1e-9,
                                       err_msg=f"{name} {kwargs}: param {k} after step {step + 1}")
    # The unused parameter u was never touched and has no state.
    np.testing.assert_array_equal(ours_p[4].array, problems.INIT[4])
    assert ours_p[4] not in ours.state


def test_closure_is_evaluated_and_returned():
    ours, ours_p, theirs, theirs_p = _pair("SGD", dict(lr=0.1, momentum=0.9), None)

    def closure_ours():
        ours.zero_grad()
        loss = problems.nnlab_loss(ours_p)
        loss.backward()
        return loss

    def closure_theirs():
        theirs.zero_grad()
        loss = problems.torch_loss(theirs_p)
        loss.backward()
        return loss

    for _ in range(3):
        lo, lt = ours.step(closure_ours), theirs.step(closure_theirs)
        assert float(lo.item()) == pytest.approx(float(lt.item()), rel=1e-12)
    np.testing.assert_allclose(ours_p[0].array, theirs_p[0].detach().numpy(), rtol=1e-10)


@pytest.mark.parametrize("name, kwargs", [
    ("Adam", dict(lr=0.01, amsgrad=True)),
    ("AdamW", dict(lr=0.01)),
    ("SGD", dict(lr=0.1, momentum=0.9)),
    ("SGD", dict(lr=0.1)),
    ("RMSprop", dict(lr=0.01, momentum=0.5, centered=True)),
    ("Adadelta", dict()),
])
def test_state_dict_layout_matches_torch(name, kwargs):
    ours, ours_p, theirs, theirs_p = _pair(name, kwargs, 0.003)
    for _ in range(3):
        problems.nnlab_step(ours, ours_p)
        problems.torch_step(theirs, theirs_p)
    sd, tsd = ours.state_dict(), theirs.state_dict()
    assert set(sd) == set(tsd) == {"state", "param_groups"}
    assert [g["params"] for g in sd["param_groups"]] == [g["params"] for g in tsd["param_groups"]] == [[0, 1, 2], [3, 4]]
    for g, tg in zip(sd["param_groups"], tsd["param_groups"]):
        assert set(g) <= set(tg), f"group keys {set(g) - set(tg)} unknown to torch"
        for k, v in g.items():
            assert v == tg[k], f"group option {k}: {v} vs torch {tg[k]}"
    assert set(sd["state"]) == set(tsd["state"])
    for i, st in sd["state"].items():
        assert set(st) == set(tsd["state"][i])
        for k, v in st.items():
            tv = tsd["state"][i][k]
            if k == "step":
                assert isinstance(v, int) and v == float(tv)
            else:
                assert isinstance(v, nnlab.Tensor)
                np.testing.assert_allclose(v.array, tv.numpy(), rtol=1e-9, atol=1e-12, err_msg=f"state {i}.{k}")


def _jsonish(sd: dict) -> dict:
    """What a checkpoint round trip through JSON (structure) + arrays (tensors) gives back."""
    arrays = {}

    def encode(v, key):
        if isinstance(v, nnlab.Tensor):
            arrays[key] = np.array(v.array)
            return {"__array__": key}
        return v

    state = {str(i): {k: encode(v, f"{i}.{k}") for k, v in st.items()} for i, st in sd["state"].items()}
    text = json.dumps({"state": state, "param_groups": sd["param_groups"]})
    back = json.loads(text)
    for st in back["state"].values():
        for k, v in st.items():
            if isinstance(v, dict) and "__array__" in v:
                st[k] = arrays[v["__array__"]]
    return back


ROUND_TRIP = [
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.01)),
    ("Adadelta", dict(rho=0.8)),
    ("RMSprop", dict(lr=0.01, momentum=0.5, centered=True)),
    ("Adam", dict(lr=0.01, amsgrad=True)),
    ("AdamW", dict(lr=0.01, betas=(0.8, 0.95))),
]


@pytest.mark.parametrize("via_json", [False, True], ids=["direct", "json"])
@pytest.mark.parametrize("name, kwargs", ROUND_TRIP, ids=[n for n, _ in ROUND_TRIP])
def test_state_dict_round_trip_is_bit_exact(name, kwargs, via_json):
    cls = getattr(optim, name)
    straight = problems.run_nnlab(lambda g: cls(g, **kwargs), 10, group_lr=0.004)[-1]

    params = problems.nnlab_params()
    opt = cls(problems.groups(params, 0.004), **kwargs)
    for _ in range(5):
        problems.nnlab_step(opt, params)
    sd = opt.state_dict()
    problems.nnlab_step(opt, params)  # must not leak into the saved copy
    params = [nnlab.tensor(a, dtype=np.float64, requires_grad=True) for a in _after_five(cls, kwargs)]
    fresh = cls(problems.groups(params, 123.0), lr=99.0)  # wrong hyperparameters on purpose
    fresh.load_state_dict(_jsonish(sd) if via_json else sd)
    assert fresh.param_groups[1]["lr"] == 0.004
    for _ in range(5):
        problems.nnlab_step(fresh, params)
    for k, (a, b) in enumerate(zip(params, straight)):
        assert np.array_equal(a.array, b), f"{name}: param {k} differs after the round trip"


def _after_five(cls, kwargs) -> list[np.ndarray]:
    return problems.run_nnlab(lambda g: cls(g, **kwargs), 5, group_lr=0.004)[-1]


@pytest.mark.parametrize("name", ["SGD", "Adagrad", "Adadelta", "RMSprop", "Adam", "AdamW"])
def test_float32_params_stay_float32_and_track_float64(name):
    kwargs = dict(lr=0.01, momentum=0.9) if name in ("SGD", "RMSprop") else dict(lr=0.01)
    p32 = problems.nnlab_params(np.float32)
    p64 = problems.nnlab_params(np.float64)
    o32 = getattr(optim, name)(problems.groups(p32, None), **kwargs)
    o64 = getattr(optim, name)(problems.groups(p64, None), **kwargs)
    for _ in range(10):
        problems.nnlab_step(o32, p32)
        problems.nnlab_step(o64, p64)
    for a, b in zip(p32, p64):
        assert a.array.dtype == np.float32
        np.testing.assert_allclose(a.array, b.array, rtol=1e-4, atol=1e-5)
    for st in o32.state.values():
        for k, v in st.items():
            if isinstance(v, np.ndarray):
                assert v.dtype == np.float32, f"{name} state {k} is {v.dtype}"
