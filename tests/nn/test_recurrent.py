"""RNN / GRU / LSTM layers and cells against PyTorch (weights copied by state_dict name).

Forward outputs, h_n / c_n and the gradients of the input, the initial states and every
parameter, over 1–2 layers, uni- and bidirectional, batch_first on and off, with and
without initial states and with variable lengths (torch side: pack_padded_sequence →
module → pad_packed_sequence). Plus the layer contract: state_dict keys, init, dtype,
dropout between layers only, clear errors.
"""

import numpy as np
import pytest
import torch

import nnlab
import nnlab.nn as nn
from tests.parity import assert_module_parity, copy_weights

TNN = torch.nn
rng = np.random.default_rng(0)
L, N, I, H = 5, 3, 4, 3
LENGTHS = np.array([3, 5, 1])
KINDS = {"LSTM": (nn.LSTM, TNN.LSTM), "GRU": (nn.GRU, TNN.GRU), "RNN": (nn.RNN, TNN.RNN)}


class Ours(nn.Module):
    def __init__(self, rnn, lstm, with_lengths):
        super().__init__()
        self.rnn, self.lstm, self.with_lengths = rnn, lstm, with_lengths

    def forward(self, x, *rest):
        lengths = rest[-1] if self.with_lengths else None
        states = rest[:-1] if self.with_lengths else rest
        hx = (tuple(states) if self.lstm else states[0]) if states else None
        return self.rnn(x, hx) if lengths is None else self.rnn(x, hx, lengths=lengths)


class Theirs(TNN.Module):
    def __init__(self, rnn, lstm, with_lengths):
        super().__init__()
        self.rnn, self.lstm, self.with_lengths = rnn, lstm, with_lengths

    def forward(self, x, *rest):
        states = rest[:-1] if self.with_lengths else rest
        hx = (tuple(states) if self.lstm else states[0]) if states else None
        if not self.with_lengths:
            return self.rnn(x, hx)
        bf = self.rnn.batch_first
        packed = TNN.utils.rnn.pack_padded_sequence(x, rest[-1], batch_first=bf, enforce_sorted=False)
        out, hn = self.rnn(packed, hx)
        out, _ = TNN.utils.rnn.pad_packed_sequence(out, batch_first=bf, total_length=x.shape[1 if bf else 0])
        return out, hn


def _check(kind, num_layers=1, bidirectional=False, batch_first=False, with_state=False, with_lengths=False,
           **kw):
    ours_cls, theirs_cls = KINDS[kind]
    args = dict(num_layers=num_layers, bidirectional=bidirectional, batch_first=batch_first, **kw)
    ours, theirs = ours_cls(I, H, **args).double(), theirs_cls(I, H, **args)
    lstm = kind == "LSTM"
    arrays = [rng.standard_normal((N, L, I) if batch_first else (L, N, I))]
    if with_state:
        d = num_layers * (2 if bidirectional else 1)
        arrays += [rng.standard_normal((d, N, H)) for _ in range(2 if lstm else 1)]
    if with_lengths:
        arrays.append(LENGTHS)
    assert_module_parity(Ours(ours, lstm, with_lengths), Theirs(theirs, lstm, with_lengths), *arrays)


@pytest.mark.parametrize("kind", sorted(KINDS))
@pytest.mark.parametrize("num_layers,bidirectional,batch_first,with_state", [
    (1, False, False, False), (1, False, True, True), (2, False, False, True),
    (1, True, False, True), (2, True, True, False), (2, True, False, True),
], ids=["1L", "1L-bf-h0", "2L-h0", "bi-h0", "2L-bi-bf", "2L-bi-h0"])
def test_parity(kind, num_layers, bidirectional, batch_first, with_state):
    _check(kind, num_layers, bidirectional, batch_first, with_state)


@pytest.mark.parametrize("kind", sorted(KINDS))
@pytest.mark.parametrize("bidirectional,batch_first,num_layers", [(False, False, 1), (True, True, 2), (True, False, 1)])
def test_parity_with_lengths(kind, bidirectional, batch_first, num_layers):
    _check(kind, num_layers, bidirectional, batch_first, with_state=True, with_lengths=True)


def test_parity_relu_and_no_bias():
    _check("RNN", 2, True, nonlinearity="relu", with_state=True)
    _check("LSTM", 1, True, bias=False, with_lengths=True)
    _check("GRU", 2, False, bias=False)


def test_parity_unbatched():
    for kind in KINDS:
        ours_cls, theirs_cls = KINDS[kind]
        ours = ours_cls(I, H, num_layers=2, bidirectional=True).double()
        theirs = theirs_cls(I, H, 2, bidirectional=True)
        lstm = kind == "LSTM"
        states = [rng.standard_normal((4, H)) for _ in range(2 if lstm else 1)]
        assert_module_parity(Ours(ours, lstm, False), Theirs(theirs, lstm, False), rng.standard_normal((L, I)), *states)


@pytest.mark.parametrize("cell", ["RNNCell", "GRUCell", "LSTMCell"])
@pytest.mark.parametrize("shape", [(N, I), (I,)], ids=["batched", "unbatched"])
def test_cell_parity(cell, shape):
    lstm = cell == "LSTMCell"
    states = [rng.standard_normal(shape[:-1] + (H,)) for _ in range(2 if lstm else 1)]
    for with_state in (False, True):
        ours, theirs = getattr(nn, cell)(I, H).double(), getattr(TNN, cell)(I, H)
        assert_module_parity(Ours(ours, lstm, False), Theirs(theirs, lstm, False), rng.standard_normal(shape),
                             *(states if with_state else []))
    assert_module_parity(Ours(nn.RNNCell(I, H, nonlinearity="relu", bias=False).double(), False, False),
                         Theirs(TNN.RNNCell(I, H, nonlinearity="relu", bias=False), False, False),
                         rng.standard_normal((N, I)))


def test_cells_unrolled_equal_the_layer():
    lstm, cell = nn.LSTM(I, H), nn.LSTMCell(I, H)
    cell.load_state_dict({k[:-3]: v for k, v in lstm.state_dict().items()})
    x = nnlab.randn(L, N, I)
    out, (hn, cn) = lstm(x)
    h = c = None
    for t in range(L):
        h, c = cell(x[t], None if h is None else (h, c))
        np.testing.assert_allclose(out.array[t], h.array, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(cn.array[0], c.array, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("kind", sorted(KINDS))
@pytest.mark.parametrize("kw", [{}, dict(num_layers=2, bidirectional=True), dict(num_layers=3, bias=False)])
def test_state_dict_keys_and_shapes_match_torch(kind, kw):
    ours, theirs = KINDS[kind][0](I, H, **kw), KINDS[kind][1](I, H, **kw)
    assert [(k, tuple(v.shape)) for k, v in ours.state_dict().items()] == \
        [(k, tuple(v.shape)) for k, v in theirs.state_dict().items()]
    for cell in ("RNNCell", "GRUCell", "LSTMCell"):
        ours, theirs = getattr(nn, cell)(I, H), getattr(TNN, cell)(I, H)
        assert [(k, tuple(v.shape)) for k, v in ours.state_dict().items()] == \
            [(k, tuple(v.shape)) for k, v in theirs.state_dict().items()]


def test_init_is_uniform_over_one_over_sqrt_h():
    nnlab.manual_seed(0)
    hidden = 64
    m = nn.LSTM(10, hidden, num_layers=2)
    bound = 1 / np.sqrt(hidden)
    values = np.concatenate([p.array.ravel() for p in m.parameters()])
    assert values.dtype == np.float32 and np.abs(values).max() <= bound
    assert abs(values.std() - bound / np.sqrt(3)) < 0.01 * bound  # std of U(−b, b) is b/√3
    nnlab.manual_seed(0)
    again = nn.LSTM(10, hidden, num_layers=2)
    assert all(np.array_equal(a.array, b.array) for a, b in zip(m.parameters(), again.parameters()))


def test_forget_bias_init():
    m = nn.LSTM(I, H, num_layers=2, bidirectional=True, forget_bias_init=1.0)
    for name, p in m.named_parameters():
        if name.startswith("bias_ih"):
            assert np.all(p.array[H:2 * H] == 1) and np.all(np.abs(p.array[:H]) <= 1 / np.sqrt(H))
        elif name.startswith("bias_hh"):
            assert np.all(p.array[H:2 * H] == 0)
    cell = nn.init_forget_bias_(nn.LSTMCell(I, H), 2.0)
    assert np.all(cell.bias_ih.array[H:2 * H] + cell.bias_hh.array[H:2 * H] == 2.0)
    with pytest.raises(ValueError, match="no LSTM biases"):
        nn.init_forget_bias_(nn.LSTM(I, H, bias=False))


def test_dtype_float32_and_float64():
    m = nn.GRU(I, H, num_layers=2, bidirectional=True)
    x = nnlab.Tensor(rng.standard_normal((L, N, I)).astype(np.float32), requires_grad=True)
    out, hn = m(x)
    assert out.dtype == hn.dtype == np.float32
    (out.sum() + hn.sum()).backward()
    assert x.grad.dtype == np.float32 and all(p.grad.dtype == np.float32 for p in m.parameters())
    out64, _ = m.double()(nnlab.Tensor(x.array, dtype=np.float64))
    assert out64.dtype == np.float64
    np.testing.assert_allclose(out64.array, out.array, atol=1e-5)


def test_dropout_between_layers_only_and_only_in_training():
    with pytest.warns(UserWarning, match="between layers"):
        single = nn.LSTM(I, H, dropout=0.5)
    x = nnlab.randn(L, N, I)
    np.testing.assert_array_equal(single(x)[0].array, single(x)[0].array)  # nothing to drop with one layer
    m = nn.LSTM(I, H, num_layers=2, dropout=1.0)  # p = 1 zeroes layer 0's output entirely
    out_a, (hn_a, _) = m(x)
    out_b, _ = m(nnlab.randn(L, N, I))
    np.testing.assert_array_equal(out_a.array, out_b.array)  # layer 1 sees zeros whatever the input
    assert np.abs(out_a.array).min() > 0  # ... and its own output is not dropped
    m.eval()
    out_e, _ = m(x)
    assert not np.allclose(out_e.array, out_a.array)  # in eval the input reaches layer 1 again
    torch_m = TNN.LSTM(I, H, num_layers=2, dropout=1.0).double().eval()
    copy_weights(m.double(), torch_m)
    xe = rng.standard_normal((L, N, I))
    np.testing.assert_allclose(m(nnlab.Tensor(xe, dtype=np.float64))[0].array,
                               torch_m(torch.from_numpy(xe))[0].detach().numpy(), atol=1e-10)


def test_dropout_statistics_in_training():
    m = nn.RNN(I, 200, num_layers=2, dropout=0.5)
    m.weight_ih_l1.array[...] = 0
    m.weight_hh_l1.array[...] = 0
    m.weight_ih_l1.array[:, :] = np.eye(200, dtype=np.float32)  # layer 1 echoes tanh(dropped layer-0 output)
    m.bias_ih_l1.array[...] = 0
    m.bias_hh_l1.array[...] = 0
    out, _ = m(nnlab.randn(L, 8, I))
    zero_fraction = np.mean(out.array == 0)
    assert 0.45 < zero_fraction < 0.55


def test_h_n_is_the_last_output_and_lengths_pick_each_last_step():
    m = nn.GRU(I, H, batch_first=True)
    x = nnlab.randn(N, L, I)
    out, hn = m(x)
    np.testing.assert_array_equal(hn.array[0], out.array[:, -1])
    out, hn = m(x, lengths=LENGTHS)
    np.testing.assert_array_equal(hn.array[0], out.array[np.arange(N), LENGTHS - 1])
    assert np.all(out.array[0, 3:] == 0) and np.all(out.array[2, 1:] == 0)
    _, alone = m(x[2:3, :1])  # sequence 2 run alone over its single true step
    np.testing.assert_allclose(hn.array[0, 2], alone.array[0, 0], rtol=1e-6)


def test_clear_errors():
    m = nn.LSTM(I, H, num_layers=2)
    with pytest.raises(ValueError, match=r"input has 7 features .* expected input_size=4"):
        m(nnlab.randn(L, N, 7))
    with pytest.raises(ValueError, match=r"expected h0 of shape \(2, 3, 3\)"):
        m(nnlab.randn(L, N, I), (nnlab.zeros(1, N, H), nnlab.zeros(2, N, H)))
    with pytest.raises(ValueError, match=r"expected c0 of shape"):
        m(nnlab.randn(L, N, I), (nnlab.zeros(2, N, H), nnlab.zeros(2, N + 1, H)))
    with pytest.raises(TypeError, match="pair"):
        m(nnlab.randn(L, N, I), nnlab.zeros(2, N, H))
    with pytest.raises(TypeError, match="dtype float64"):
        m(nnlab.Tensor(np.zeros((L, N, I))))
    with pytest.raises(ValueError, match="lengths must lie in"):
        m(nnlab.randn(L, N, I), lengths=[1, 6, 2])
    with pytest.raises(ValueError, match="3 integers"):
        m(nnlab.randn(L, N, I), lengths=[1, 2])
    with pytest.raises(ValueError, match="3 dims"):
        m(nnlab.randn(2, L, N, I))
    with pytest.raises(ValueError, match="nonlinearity"):
        nn.RNN(I, H, nonlinearity="sigmoid")
    with pytest.raises(ValueError, match=r"expected hidden state of shape \(3, 3\)"):
        nn.GRUCell(I, H)(nnlab.randn(N, I), nnlab.zeros(N, H + 1))
    with pytest.raises(ValueError, match=r"expected input of shape \(N, 4\)"):
        nn.LSTMCell(I, H)(nnlab.randn(N, I + 1))


def test_repr_matches_torch():
    for kind in KINDS:
        kw = dict(num_layers=2, batch_first=True, dropout=0.25, bidirectional=True)
        assert repr(KINDS[kind][0](I, H, **kw)) == repr(KINDS[kind][1](I, H, **kw))
    # torch's repr leaves out nonlinearity=relu; ours names it
    assert repr(nn.RNN(I, H, nonlinearity="relu", bias=False)) == "RNN(4, 3, nonlinearity=relu, bias=False)"
    assert repr(nn.LSTMCell(I, H, bias=False)) == repr(TNN.LSTMCell(I, H, bias=False))
