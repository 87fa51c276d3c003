"""LayerNormLSTMCell: the Ba et al. equations in NumPy, gradients, batch independence, errors."""

import numpy as np
import pytest

import nnlab
from nnlab import nn
from nnlab.autograd.gradcheck import gradcheck


def _ln(z, eps=1e-5):
    return (z - z.mean(-1, keepdims=True)) / np.sqrt(z.var(-1, keepdims=True) + eps)


def _sig(z):
    return 1 / (1 + np.exp(-z))


def test_matches_the_equations_in_numpy():
    nnlab.manual_seed(0)
    cell = nn.LayerNormLSTMCell(3, 4).double()
    with nnlab.no_grad():
        cell.ln_ih.weight.array[...] = np.linspace(0.5, 1.5, 16)
        cell.ln_cell.bias.array[...] = [0.1, -0.2, 0.3, 0.0]
    rng = np.random.default_rng(0)
    x, h, c = rng.standard_normal((2, 3)), rng.standard_normal((2, 4)), rng.standard_normal((2, 4))
    h1, c1 = cell(nnlab.from_numpy(x), (nnlab.from_numpy(h), nnlab.from_numpy(c)))
    p = {k: v.detach().numpy() for k, v in cell.named_parameters()}
    gates = (_ln(x @ p["weight_ih"].T) * p["ln_ih.weight"] + _ln(h @ p["weight_hh"].T) * p["ln_hh.weight"]
             + p["bias_ih"])
    i, f, g, o = np.split(gates, 4, axis=1)
    c_ref = _sig(f) * c + _sig(i) * np.tanh(g)
    h_ref = _sig(o) * np.tanh(_ln(c_ref) * p["ln_cell.weight"] + p["ln_cell.bias"])
    np.testing.assert_allclose(c1.detach().numpy(), c_ref, rtol=1e-10)
    np.testing.assert_allclose(h1.detach().numpy(), h_ref, rtol=1e-10)


def test_gradcheck_and_parameters():
    nnlab.manual_seed(1)
    cell = nn.LayerNormLSTMCell(2, 3).double()
    assert sum(p.numel() for p in cell.parameters()) == 12 * 2 + 12 * 3 + 12 + 12 + 12 + 3 + 3
    assert set(cell.state_dict()) == {"weight_ih", "weight_hh", "bias_ih", "ln_ih.weight", "ln_hh.weight",
                                      "ln_cell.weight", "ln_cell.bias"}
    rng = np.random.default_rng(1)
    x = nnlab.from_numpy(rng.standard_normal((3, 2))).requires_grad_()
    h = nnlab.from_numpy(rng.standard_normal((3, 3))).requires_grad_()
    c = nnlab.from_numpy(rng.standard_normal((3, 3))).requires_grad_()
    assert gradcheck(lambda a, b, d: cell(a, (b, d)), (x, h, c))


def test_output_of_a_sample_does_not_depend_on_its_batch_and_forget_bias():
    nnlab.manual_seed(2)
    cell = nn.LayerNormLSTMCell(3, 5, forget_bias_init=1.0)
    np.testing.assert_array_equal(cell.bias_ih.detach().numpy()[5:10], 1.0)
    x = nnlab.randn(6, 3)
    h_all, c_all = cell(x)
    h_one, c_one = cell(x[2])  # unbatched, zero state
    assert h_one.shape == (5,)
    np.testing.assert_allclose(h_one.detach().numpy(), h_all.detach().numpy()[2], atol=1e-6)
    np.testing.assert_allclose(c_one.detach().numpy(), c_all.detach().numpy()[2], atol=1e-6)
    h2, _ = cell(x, (h_all, c_all))
    h2.sum().backward()
    assert cell.weight_hh.grad is not None and np.abs(cell.weight_hh.grad.numpy()).sum() > 0


def test_errors_name_the_cell():
    cell = nn.LayerNormLSTMCell(3, 4)
    with pytest.raises(ValueError, match="LayerNormLSTMCell: expected input of shape"):
        cell(nnlab.randn(2, 5))
    with pytest.raises(ValueError, match="LayerNormLSTMCell: expected h and c"):
        cell(nnlab.randn(2, 3), (nnlab.randn(2, 3), nnlab.randn(2, 3)))
    with pytest.raises(TypeError, match="pair"):
        cell(nnlab.randn(2, 3), nnlab.randn(2, 4))
    with pytest.raises(ValueError, match="hidden_size > 0"):
        nn.LayerNormLSTMCell(3, 0)
