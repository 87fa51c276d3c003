"""nn.summary: rows, shapes, activations, parameter totals, frozen counts, side effects."""

import numpy as np
import pytest

import nnlab
import nnlab.nn as nn
from nnlab.nn.summary import summary


def _mlp():
    return nn.Sequential(nn.Flatten(), nn.Linear(12, 8), nn.ReLU(), nn.Dropout(0.5),
                         nn.Sequential(nn.Linear(8, 4), nn.Tanh()), nn.Linear(4, 2))


def test_rows_shapes_and_totals(capsys):
    s = summary(_mlp(), (3, 4))
    assert [r.name for r in s.rows] == ["0", "1", "2", "3", "4.0", "4.1", "5"]
    assert [r.type for r in s.rows] == ["Flatten", "Linear", "ReLU", "Dropout", "Linear", "Tanh", "Linear"]
    assert [r.output_shape for r in s.rows] == [(1, 12), (1, 8), (1, 8), (1, 8), (1, 4), (1, 4), (1, 2)]
    assert [r.params for r in s.rows] == [0, 104, 0, 0, 36, 0, 10]
    assert s.total_params == s.trainable_params == 150 and s.frozen_params == 0
    assert s.total_activations == 12 + 8 + 8 + 8 + 4 + 4 + 2
    assert s.input_shape == (1, 3, 4) and s.output_shape == (1, 2)
    printed = capsys.readouterr().out
    assert printed.strip() == str(s).strip()
    assert "Total params: 150" in printed and "4.0 (Linear)" in printed and "(1, 12)" in printed


def test_frozen_params_batch_size_and_no_print(capsys):
    model = _mlp()
    model[1].requires_grad_(False)
    s = summary(model, (12,), batch_size=4, print=False)
    assert capsys.readouterr().out == ""
    assert s.total_params == 150 and s.frozen_params == 104 and s.trainable_params == 46
    assert "Non-trainable params: 104" in str(s)
    assert s.rows[1].output_shape == (4, 8) and s.rows[1].activations == 8  # per example


def test_modes_restored_hooks_removed_rng_untouched():
    model = _mlp()
    model[3].eval()  # a mixed state must come back exactly
    before = [m.training for m in model.modules()]
    state = nnlab.get_rng_state()
    summary(model, (12,), print=False)
    assert [m.training for m in model.modules()] == before
    assert nnlab.get_rng_state() == state
    assert all(not m._forward_hooks and not m._forward_pre_hooks for m in model.modules())


class TwoHeads(nn.Module):
    """Owns a parameter directly, embeds integer ids, and returns two outputs."""

    def __init__(self):
        super().__init__()
        self.table = nn.Parameter(nnlab.randn(10, 3))
        self.head_a = nn.Linear(3, 2)
        self.head_b = nn.Linear(3, 5)

    def forward(self, ids):
        h = self.table[ids].mean(dim=1)
        return self.head_a(h), self.head_b(h)


def test_integer_inputs_direct_params_and_multiple_outputs():
    s = summary(TwoHeads(), (7,), dtype=nnlab.int64, print=False)
    assert [r.type for r in s.rows] == ["TwoHeads", "Linear", "Linear"]
    assert s.rows[0].params == 30 and s.rows[0].output_shape == [(1, 2), (1, 5)]
    assert s.rows[0].activations == 7
    assert s.total_params == 30 + 8 + 20 == sum(r.params for r in s.rows)
    assert s.output_shape == [(1, 2), (1, 5)]


def test_shared_module_counts_params_once():
    shared = nn.Linear(4, 4)
    s = summary(nn.Sequential(shared, nn.ReLU(), shared), (4,), print=False)
    assert [r.name for r in s.rows] == ["0", "1", "0"]
    assert [r.params for r in s.rows] == [20, 0, 0] and s.total_params == 20


def test_several_inputs():
    class Add(nn.Module):
        def forward(self, a, b):
            return a + b

    s = summary(Add(), [(3,), (3,)], print=False)
    assert s.input_shape == [(1, 3), (1, 3)] and s.rows[0].output_shape == (1, 3)
    with pytest.raises(ValueError, match="dtypes"):
        summary(Add(), [(3,), (3,)], dtype=[nnlab.float32], print=False)
    with pytest.raises(TypeError, match="Module"):
        summary(np.zeros(3), (3,))
