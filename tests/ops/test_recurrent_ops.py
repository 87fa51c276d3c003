"""Tier 1 for the fused recurrent Functions: float64 gradchecks of every input, every mode.

Covered per Function: forward and reverse direction, time-major and batch-first layouts,
with and without initial states, with a lengths mask, a single step (the cells' path),
no biases; plus dtype preservation and a direct check of the masking semantics.
"""

import numpy as np
import pytest

import nnlab
from nnlab.ops.recurrent import GRUSequence, LSTMSequence, RNNSequence, gru_cell, lstm_cell, lstm_layer, rnn_cell
from tests.parity import gradcheck_fn

L, N, I, H = 4, 3, 3, 2
rng = np.random.default_rng(0)


def _arrays(gates: int, batch_first: bool = False, steps: int = L):
    x = rng.standard_normal((N, steps, I) if batch_first else (steps, N, I))
    w_ih = rng.standard_normal((gates * H, I)) * 0.6
    w_hh = rng.standard_normal((gates * H, H)) * 0.6
    b_ih, b_hh = rng.standard_normal(gates * H) * 0.5, rng.standard_normal(gates * H) * 0.5
    h0, c0 = rng.standard_normal((N, H)), rng.standard_normal((N, H))
    return x, w_ih, w_hh, b_ih, b_hh, h0, c0


MASK = (np.arange(L)[:, None] < np.array([4, 1, 3])[None, :]).astype(np.float64)[:, :, None]

# (reverse, batch_first, with initial state, mask)
VARIANTS = [
    (False, False, True, None),
    (True, False, True, None),
    (False, True, False, None),
    (True, True, True, MASK),
    (False, False, True, MASK),
]
IDS = ["fwd", "reverse", "batch-first-zero-state", "reverse-bf-mask", "fwd-mask"]


@pytest.mark.parametrize("reverse,bf,with_state,mask", VARIANTS, ids=IDS)
def test_lstm_sequence_gradcheck(reverse, bf, with_state, mask):
    x, w_ih, w_hh, b_ih, b_hh, h0, c0 = _arrays(4, bf)
    if with_state:
        fn = lambda *a: LSTMSequence.apply(*a, mask, reverse, bf)  # noqa: E731
        assert gradcheck_fn(fn, x, w_ih, w_hh, b_ih, b_hh, h0, c0)
    else:
        fn = lambda *a: LSTMSequence.apply(*a, None, None, mask, reverse, bf)  # noqa: E731
        assert gradcheck_fn(fn, x, w_ih, w_hh, b_ih, b_hh)


@pytest.mark.parametrize("reverse,bf,with_state,mask", VARIANTS, ids=IDS)
def test_gru_sequence_gradcheck(reverse, bf, with_state, mask):
    x, w_ih, w_hh, b_ih, b_hh, h0, _ = _arrays(3, bf)
    h0 = h0 if with_state else None
    fn = lambda x, w_ih, w_hh, b_ih, b_hh, *h: GRUSequence.apply(  # noqa: E731
        x, w_ih, w_hh, b_ih, b_hh, h[0] if h else None, mask, reverse, bf)
    assert gradcheck_fn(fn, x, w_ih, w_hh, b_ih, b_hh, *([h0] if with_state else []))


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
@pytest.mark.parametrize("reverse,bf,with_state,mask", VARIANTS, ids=IDS)
def test_rnn_sequence_gradcheck(reverse, bf, with_state, mask, nonlinearity):
    x, w_ih, w_hh, b_ih, b_hh, h0, _ = _arrays(1, bf)
    fn = lambda x, w_ih, w_hh, b_ih, b_hh, *h: RNNSequence.apply(  # noqa: E731
        x, w_ih, w_hh, b_ih, b_hh, h[0] if h else None, mask, reverse, bf, nonlinearity)
    assert gradcheck_fn(fn, x, w_ih, w_hh, b_ih, b_hh, *([h0] if with_state else []))


def test_no_bias_gradcheck():
    x, w_ih, w_hh, _, _, h0, c0 = _arrays(4)
    assert gradcheck_fn(lambda *a: LSTMSequence.apply(a[0], a[1], a[2], None, None, a[3], a[4], None, False, False),
                        x, w_ih, w_hh, h0, c0)
    x, w_ih, w_hh, _, _, h0, _ = _arrays(3)
    assert gradcheck_fn(lambda *a: GRUSequence.apply(a[0], a[1], a[2], None, None, a[3], None, True, False),
                        x, w_ih, w_hh, h0)


def test_single_step_cells_gradcheck():
    x, w_ih, w_hh, b_ih, b_hh, h0, c0 = _arrays(4)
    assert gradcheck_fn(lambda x, *a: lstm_cell(x, *a), x[0], h0, c0, w_ih, w_hh, b_ih, b_hh)
    x, w_ih, w_hh, b_ih, b_hh, h0, _ = _arrays(3)
    assert gradcheck_fn(lambda x, *a: gru_cell(x, *a), x[0], h0, w_ih, w_hh, b_ih, b_hh)
    x, w_ih, w_hh, b_ih, b_hh, h0, _ = _arrays(1)
    assert gradcheck_fn(lambda x, *a: rnn_cell(x, *a, nonlinearity="relu"), x[0], h0, w_ih, w_hh, b_ih, b_hh)


def test_float32_stays_float32():
    arrays = [a.astype(np.float32) for a in _arrays(4)]
    ts = [nnlab.Tensor(a, dtype=np.float32, requires_grad=True) for a in arrays]
    out, hn, cn = lstm_layer(*ts)
    assert out.dtype == hn.dtype == cn.dtype == np.float32
    (out.sum() + hn.sum() + cn.sum()).backward()
    assert all(t.grad.dtype == np.float32 for t in ts)


def test_mask_freezes_state_and_zeroes_output():
    """A sequence of length 1 padded to L: h_n equals one step from h0, outputs after it are 0."""
    x, w_ih, w_hh, b_ih, b_hh, h0, c0 = _arrays(4)
    ts = [nnlab.Tensor(a, dtype=np.float64) for a in (x, w_ih, w_hh, b_ih, b_hh, h0, c0)]
    out, hn, cn = lstm_layer(*ts, mask=MASK)
    one_h, one_c = lstm_cell(ts[0][0], ts[5], ts[6], *ts[1:5])
    np.testing.assert_allclose(hn.array[1], one_h.array[1], atol=1e-12)
    np.testing.assert_allclose(cn.array[1], one_c.array[1], atol=1e-12)
    assert np.all(out.array[1:, 1] == 0) and np.all(out.array[3:, 2] == 0)
    # reverse: the length-1 sequence sees only its first step, from h0
    out_r, hn_r, _ = lstm_layer(*ts, mask=MASK, reverse=True)
    np.testing.assert_allclose(hn_r.array[1], one_h.array[1], atol=1e-12)
    np.testing.assert_allclose(out_r.array[0, 1], one_h.array[1], atol=1e-12)


@pytest.mark.parametrize("fn,gates", [(LSTMSequence, 4), (GRUSequence, 3), (RNNSequence, 1)])
def test_no_grad_forward_matches_recording_forward(fn, gates):
    """Under no_grad the derivative factors are skipped; the values must not change."""
    x, w_ih, w_hh, b_ih, b_hh, h0, c0 = _arrays(gates, batch_first=True)
    states = (h0, c0) if gates == 4 else (h0,)
    ts = [nnlab.Tensor(a, dtype=np.float64, requires_grad=True) for a in (x, w_ih, w_hh, b_ih, b_hh) + states]
    rec = fn.apply(*ts, MASK, True, True)
    with nnlab.no_grad():
        plain = fn.apply(*ts, MASK, True, True)
    assert rec.requires_grad and not plain.requires_grad
    np.testing.assert_array_equal(plain.array, rec.array)
