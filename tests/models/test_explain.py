"""The seeds' "Back Propagation Solved Example - 1" (seed 002) reproduced by nnlab.explain."""

import numpy as np
import pytest

import nnlab
from nnlab import nn
from nnlab.explain import explain_backprop, seed_example

# The seed's table of updated weights, in its row order (i, j).
SEED_UPDATED = {(1, 3): 0.0991, (2, 3): 0.7976, (1, 4): 0.3971, (2, 4): 0.5926, (3, 5): 0.2724, (4, 5): 0.8731}


def test_seed_example_reproduces_the_worked_numbers():
    ex = seed_example()
    units = {u.unit: u for u in ex.units}
    assert units[3].net == pytest.approx(0.755, abs=1e-6)
    assert units[3].out == pytest.approx(0.68, abs=1e-3)
    assert units[4].out == pytest.approx(0.6637, abs=1e-4)
    assert units[5].net == pytest.approx(0.801, abs=1e-3)
    assert ex.output[0] == pytest.approx(0.69, abs=1e-2)
    assert ex.error[0] == pytest.approx(-0.19, abs=1e-3)
    assert units[5].delta == pytest.approx(-0.0406, abs=1e-3)
    assert units[3].delta == pytest.approx(-0.00265, abs=1e-5)
    assert units[4].delta == pytest.approx(-0.0082, abs=1e-4)
    got = {(r.i, r.j): r.w_new for r in ex.weights}
    assert list(got) == list(SEED_UPDATED)  # same rows, same order as the seed's table
    for key, seed_value in SEED_UPDATED.items():
        assert got[key] == pytest.approx(seed_value, abs=1.5e-4), key
    assert ex.new_output[0] == pytest.approx(0.6820, abs=1e-4)


def test_seed_rounding_explains_the_last_digit_of_w35_and_w45():
    """The seed writes 0.2724 and 0.8731; exact arithmetic gives 0.2723 and 0.8730.

    The seed rounds δ5 to −0.0406 and y3 to 0.68 before multiplying; nnlab keeps full
    precision, so it is right and the seed's last digit is a rounding artefact.
    """
    ex = seed_example()
    got = {(r.i, r.j): r.w_new for r in ex.weights}
    y3, y4 = 1 / (1 + np.exp(-0.755)), 1 / (1 + np.exp(-0.68))
    y5 = 1 / (1 + np.exp(-(0.3 * y3 + 0.9 * y4)))
    d5 = y5 * (1 - y5) * (0.5 - y5)
    assert got[(3, 5)] == pytest.approx(0.3 + d5 * y3, abs=1e-6)
    assert round(got[(3, 5)], 4) == 0.2723
    assert round(got[(4, 5)], 4) == 0.8730
    assert round(0.3 + (-0.0406) * 0.68, 4) == 0.2724  # the seed's rounded inputs give its digits
    assert round(0.9 + (-0.0406) * 0.6637, 4) == 0.8731


def test_explain_matches_autograd_on_a_bigger_mlp_with_biases():
    nnlab.manual_seed(1)
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2), nn.Sigmoid()).double()
    before = {k: v.array.copy() for k, v in model.state_dict().items()}
    x, t = [0.2, -0.5, 1.0], [1.0, 0.0]
    ex = explain_backprop(model, x, t, lr=0.5)
    # Δw = −η ∂E/∂w: recompute the gradient independently with a fresh model copy.
    ref = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2), nn.Sigmoid()).double()
    ref.load_state_dict(before)
    out = ref(nnlab.tensor([x], dtype=nnlab.float64))
    (0.5 * ((nnlab.tensor([t], dtype=nnlab.float64) - out) ** 2).sum()).backward()
    expected_w0 = before["0.weight"] - 0.5 * ref[0].weight.grad.array
    np.testing.assert_allclose(model[0].weight.array, expected_w0, rtol=1e-12)
    rows = [r for r in ex.weights if r.j == 4 and r.i == 1]  # unit 4 is the first hidden unit
    assert rows[0].w_new == pytest.approx(expected_w0[0, 0], rel=1e-12)
    assert sum(1 for r in ex.weights if r.i == "b") == 4 + 2
    assert len(ex.units) == 6
    text = str(ex)
    assert "Weight updates" in text and "δ_j" in text


def test_explain_rejects_models_it_cannot_read():
    with pytest.raises(TypeError, match="explain_backprop"):
        explain_backprop(nn.ReLU(), [1.0], [1.0])
    with pytest.raises(ValueError, match="outputs"):
        explain_backprop(nn.Sequential(nn.Linear(2, 3)), [1.0, 2.0], [1.0])
