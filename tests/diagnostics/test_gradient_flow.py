"""The gradient-flow probe: exact per-step gradients, vanishing in a vanilla RNN, kept by an LSTM with
forget bias 1, exploding in a ReLU RNN with large recurrent weights and tamed by clipping."""

import importlib.util
from pathlib import Path

import numpy as np
import pytest

import nnlab
import nnlab.functional as F
from nnlab import nn
from nnlab.data import make_adding_problem
from nnlab.diagnostics import hidden_gradient_norms, layer_gradient_norms

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _example(name):
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_probe_matches_the_chain_rule_of_an_rnn():
    """For h_t = tanh(W x_t + U h_{t−1} + b) and L = Σ h_{L−1}: ∂L/∂h_t by hand, backwards in time."""
    nnlab.manual_seed(0)
    rnn = nn.RNN(3, 4, batch_first=True).double()
    x = nnlab.randn(2, 6, 3, dtype=nnlab.float64)
    flow = hidden_gradient_norms(rnn, x, lambda out: out[:, -1].sum())
    W, U = rnn.weight_ih_l0.array, rnn.weight_hh_l0.array
    b = rnn.bias_ih_l0.array + rnn.bias_hh_l0.array
    h, hs = np.zeros((2, 4)), []
    for t in range(6):
        h = np.tanh(x.array[:, t] @ W.T + h @ U.T + b)
        hs.append(h)
    g, expected = np.ones((2, 4)), [0.0] * 6
    for t in range(5, -1, -1):
        expected[t] = np.linalg.norm(g)
        g = (g * (1 - hs[t] ** 2)) @ U  # through h_t = tanh(a_t), a_t = ... + U h_{t−1}
    np.testing.assert_allclose(flow.h_norms, expected, rtol=1e-10)
    assert flow.c_norms is None


def test_probe_on_cells_equals_probe_on_layer():
    nnlab.manual_seed(0)
    layer = nn.LSTM(3, 5, batch_first=True).double()
    cell = nn.LSTMCell(3, 5).double()
    cell.load_state_dict({k[:-3]: v for k, v in layer.state_dict().items()})
    x = nnlab.randn(2, 7, 3, dtype=nnlab.float64)
    a = hidden_gradient_norms(layer, x, lambda o: (o ** 2).sum())
    b = hidden_gradient_norms(cell, x, lambda o: (o ** 2).sum())
    np.testing.assert_allclose(a.h_norms, b.h_norms, rtol=1e-10)
    np.testing.assert_allclose(a.c_norms, b.c_norms, rtol=1e-10)
    assert a.c_norms[0] > 0 and a.loss == pytest.approx(b.loss)


def test_probe_honours_time_major_layers():
    nnlab.manual_seed(0)
    a = nn.GRU(3, 4, num_layers=2, batch_first=True).double()
    b = nn.GRU(3, 4, num_layers=2, batch_first=False).double()
    b.load_state_dict(a.state_dict())
    x = nnlab.randn(2, 5, 3, dtype=nnlab.float64)
    fa = hidden_gradient_norms(a, x, lambda o: o[:, -1].sum())
    fb = hidden_gradient_norms(b, x.transpose(0, 1), lambda o: o[:, -1].sum())
    np.testing.assert_allclose(fa.h_norms, fb.h_norms, rtol=1e-12)
    assert fa.h_norms[0] > 0


def _adding_flow(kind, L=100, H=32, seed=0):
    X, y = make_adding_problem(16, L, seed=seed, dtype=nnlab.float64)
    nnlab.manual_seed(seed)
    if kind == "rnn":
        rnn = nn.RNN(2, H, batch_first=True).double()
    else:
        rnn = nn.LSTM(2, H, batch_first=True, forget_bias_init=1.0 if kind == "lstm_fb1" else None).double()
    head = nn.Linear(H, 1).double()
    target = nnlab.tensor(y)
    return hidden_gradient_norms(rnn, nnlab.tensor(X), lambda o: F.mse_loss(head(o[:, -1]).reshape(-1), target))


def test_vanilla_rnn_gradient_vanishes_orders_of_magnitude_faster_than_lstm():
    rnn, lstm = _adding_flow("rnn"), _adding_flow("lstm_fb1")
    # Within each model: how much of the last step's gradient reaches t = 0 over 100 steps.
    assert rnn.ratio(0) < 1e-12
    assert lstm.ratio(0) > 100 * rnn.ratio(0)
    assert lstm.ratio(0) > 1e6 * rnn.ratio(0)  # in fact ~10 orders of magnitude
    # The decay is exponential: the RNN's log-norm rises steadily from t = 0 to the end.
    assert np.all(np.diff(np.log10(rnn.h_norms[:90])) > 0)


def test_lstm_needs_its_forget_gate_open():
    # With every bias at PyTorch's default U(−1/√H, 1/√H), Γ_f ≈ σ(0) = ½ and the cell path
    # decays like 0.5^t: the LSTM's gradient vanishes as fast as the RNN's. b_f = 1 is what keeps it.
    default, opened = _adding_flow("lstm"), _adding_flow("lstm_fb1")
    assert default.ratio(0) < 1e-12
    assert opened.ratio(0) > 1e6 * default.ratio(0)
    assert opened.c_norms[0] > 1e6 * default.c_norms[0]


def test_exploding_relu_rnn_is_tamed_by_clipping():
    before, after = _example("rnn_gradient_flow").exploding(length=100, scale=1.5, max_norm=1.0)
    assert before > 1e20  # ~1.5^100 ≈ 4e17 per factor of the chain
    assert after == pytest.approx(1.0, rel=1e-5)


def test_example_writes_the_plot(tmp_path):
    ex = _example("rnn_gradient_flow")
    curves = ex.gradient_flow(length=40, hidden=16, batch=8)
    assert set(curves) == {"rnn", "gru", "lstm", "lstm (forget bias 1)"}
    assert all(len(c) == 40 and np.all(c > 0) for c in curves.values())
    path = ex.plot(curves, str(tmp_path / "flow.png"))
    assert Path(path).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_probe_errors():
    with pytest.raises(ValueError, match="bidirectional"):
        hidden_gradient_norms(nn.GRU(2, 3, bidirectional=True), nnlab.zeros(1, 2, 2), lambda o: o.sum())
    with pytest.raises(ValueError, match="3-d"):
        hidden_gradient_norms(nn.GRU(2, 3), nnlab.zeros(2, 2), lambda o: o.sum())


def test_layer_gradient_norms_match_a_hand_computed_chain():
    nnlab.manual_seed(0)
    a, b = nn.Linear(3, 4).double(), nn.Linear(4, 1).double()
    model = nn.Sequential(a, b)
    x = nnlab.from_numpy(np.random.default_rng(0).standard_normal((5, 3)))
    g = layer_gradient_norms(model, x, lambda out: (out ** 2).sum())
    out = model(x).detach().numpy()
    d_b = 2 * out  # ∂L/∂(output of b)
    d_a = d_b @ b.weight.detach().numpy()  # ∂L/∂(output of a)
    np.testing.assert_allclose(g.output_norms, [np.linalg.norm(d_a), np.linalg.norm(d_b)], rtol=1e-10)
    np.testing.assert_allclose(g.weight_norms[1], np.linalg.norm(np.hstack([d_b.T @ a(x).detach().numpy(),
                                                                          d_b.sum(0, keepdims=True).T])), rtol=1e-10)
    assert g.names == ["0", "1"]
    with pytest.raises(ValueError, match="layer_gradient_norms"):
        layer_gradient_norms(nn.ReLU(), x, lambda out: out.sum())
