"""nnlab.profile(): exact call counts on a known graph, sane times, module names, and nothing left behind."""

import numpy as np
import pytest

import nnlab
import nnlab.functional as F
from nnlab import nn
from nnlab.autograd import engine
from nnlab.autograd.function import Function
from nnlab.nn.module import Module
from nnlab.profiler import profile


def _by_key(prof):
    return {(e.kind, e.name): e for e in prof.key_averages()}


def test_counts_are_exact_for_a_known_graph():
    x = nnlab.tensor(np.arange(6, dtype=np.float32).reshape(2, 3), requires_grad=True)
    w = nnlab.tensor(np.ones((4, 3), dtype=np.float32), requires_grad=True)
    with profile() as prof:
        for _ in range(3):
            y = F.relu(F.linear(x, w))  # Linear, ReLU
            loss = (y * y).sum()  # Mul, Sum
            loss.backward()
    events = _by_key(prof)
    counts = {k: e.calls for k, e in events.items()}
    assert counts == {
        ("forward", "Linear"): 3, ("forward", "ReLU"): 3, ("forward", "Mul"): 3, ("forward", "Sum"): 3,
        ("backward", "LinearBackward"): 3, ("backward", "ReLUBackward"): 3,
        ("backward", "MulBackward"): 3, ("backward", "SumBackward"): 3,
    }
    # the gradients are still right under the profiler: d/dx Σ relu(xWᵀ)² = 2·relu(xWᵀ)·W
    h = np.maximum(x.array @ w.array.T, 0)
    np.testing.assert_allclose(x.grad.array, 3 * (2 * h) @ w.array, rtol=1e-6)


def test_no_grad_records_forward_only():
    x = nnlab.tensor(np.ones((2, 2), dtype=np.float32), requires_grad=True)
    with profile() as prof, nnlab.no_grad():
        nnlab.exp(x)
    assert [(e.kind, e.name, e.calls) for e in prof.key_averages()] == [("forward", "Exp", 1)]


def test_times_are_non_negative_and_sorted():
    nnlab.manual_seed(0)
    model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 2))
    x = nnlab.randn(4, 8)
    with profile() as prof:
        for _ in range(2):
            model(x).sum().backward()
    for key in ("total", "self", "avg", "calls"):
        events = prof.key_averages(sort_by=key)
        values = [getattr(e, {"total": "total_s", "self": "self_s", "avg": "avg_s", "calls": "calls"}[key])
                  for e in events]
        assert values == sorted(values, reverse=True)
    for e in prof.key_averages():
        assert 0 <= e.self_s <= e.total_s + 1e-12
    outer = _by_key(prof)[("module", "Sequential")]
    inner = sum(e.total_s for e in prof.key_averages(kind="module") if e.name != "Sequential")
    assert outer.total_s >= inner  # a parent's time includes its children's
    assert prof.wall_s >= outer.total_s
    names = [e.name for e in prof.key_averages(sort_by="name")]
    assert names == sorted(names)


def test_module_table_names_layers_by_their_path():
    nnlab.manual_seed(0)

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(4, 4)
            self.act = nn.ReLU()

        def forward(self, x):
            return self.act(self.fc(x))

    model = nn.Sequential(Block(), nn.Linear(4, 2))
    with profile() as prof:
        model(nnlab.randn(3, 4))
    modules = {e.name: e.calls for e in prof.key_averages(kind="module")}
    assert modules == {"Sequential": 1, "0 (Block)": 1, "0.fc (Linear)": 1, "0.act (ReLU)": 1, "1 (Linear)": 1}
    text = prof.table(kind="module")
    assert "0.fc (Linear)" in text and "Calls" in text and "Self ms" in text
    assert str(prof).splitlines()[0] == prof.table().splitlines()[0]


def test_table_top_and_bad_arguments():
    x = nnlab.tensor(np.ones(3, dtype=np.float32), requires_grad=True)
    with profile() as prof:
        (nnlab.exp(x) * 2).sum().backward()
    lines = prof.table(top=2).splitlines()
    assert len(lines) == 2 + 2 + 2  # header, rule, two rows, "more rows", wall time
    assert "more rows" in lines[-2]
    with pytest.raises(ValueError, match="sort_by"):
        prof.table(sort_by="fastest")
    with pytest.raises(ValueError, match="kind"):
        prof.key_averages(kind="op")


def test_disabled_path_is_restored_and_profiles_do_not_nest():
    apply_before, call_before = Function.__dict__["apply"], Module.__dict__["__call__"]
    with profile():
        assert Function.__dict__["apply"] is not apply_before
        assert engine.backward_hook is not None
        with pytest.raises(RuntimeError, match="already active"):
            with profile():
                pass
    assert Function.__dict__["apply"] is apply_before
    assert Module.__dict__["__call__"] is call_before
    assert engine.backward_hook is None
    with pytest.raises(ZeroDivisionError):  # an exception inside still restores everything
        with profile():
            1 / 0
    assert Function.__dict__["apply"] is apply_before and engine.backward_hook is None
