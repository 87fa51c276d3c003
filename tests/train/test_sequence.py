"""Sequence training: truncated BPTT cuts gradients at chunk boundaries, full BPTT matches the unchunked
gradient, stateful streams, clipping and perplexity. A hand-written Elman RNN (Linear + tanh) keeps
these tests about the loop, independent of the recurrent layers."""

import math

import numpy as np
import pytest

import nnlab
import nnlab.functional as F
from nnlab import nn, optim
from nnlab.text import LMBatcher
from nnlab.train.sequence import SequenceTrainer, detach_hidden, forward_chunks, sequence_cross_entropy


class Elman(nn.Module):
    """h_t = tanh(W x_t + U h_{t−1}); output h_1 … h_L, (N, L, H); or logits when ``vocab`` is given."""

    def __init__(self, input_size, hidden_size, vocab=None, dtype=None):
        super().__init__()
        self.vocab = vocab
        self.inp = nn.Linear(vocab or input_size, hidden_size, dtype=dtype)
        self.rec = nn.Linear(hidden_size, hidden_size, bias=False, dtype=dtype)
        self.out = nn.Linear(hidden_size, vocab, dtype=dtype) if vocab else None
        self.hidden_size = hidden_size

    def forward(self, x, h=None):
        if self.vocab:
            x = F.one_hot(x, self.vocab).to(self.inp.weight.dtype)
        if h is None:
            h = nnlab.zeros(x.shape[0], self.hidden_size, dtype=self.inp.weight.dtype)
        outs = []
        for t in range(x.shape[1]):
            h = (self.inp(x[:, t]) + self.rec(h)).tanh()
            outs.append(h)
        out = nnlab.stack(outs, dim=1)
        return (self.out(out) if self.out is not None else out), h


def _pair(seed=0, **kw):
    nnlab.manual_seed(seed)
    a = Elman(**kw)
    b = Elman(**kw)
    b.load_state_dict(a.state_dict())
    return a, b


def test_truncation_stops_gradients_at_the_chunk_boundary():
    nnlab.manual_seed(0)
    model = Elman(3, 5, dtype=nnlab.float64)
    x = nnlab.randn(2, 8, 3, dtype=nnlab.float64, requires_grad=True)
    # Truncated: a loss on chunk 2 reaches chunk 2's inputs only.
    chunks = list(forward_chunks(model, x, bptt=4, truncate=True))
    assert [c[0] for c in chunks] == [slice(0, 4), slice(4, 8)]
    chunks[1][1].sum().backward()
    g = x.grad.numpy()
    assert np.all(g[:, :4] == 0) and np.abs(g[:, 4:]).min() > 0
    # Not truncated: the same loss reaches chunk 1, exactly as through the unchunked sequence.
    x.grad = None
    chunks = list(forward_chunks(model, x, bptt=4, truncate=False))
    chunks[1][1].sum().backward()
    g_full = x.grad.numpy()
    assert np.abs(g_full[:, :4]).min() > 0
    x.grad = None
    out, _ = model(x)
    out[:, 4:].sum().backward()
    np.testing.assert_allclose(g_full, x.grad.numpy(), rtol=1e-12)
    # The forward values are the same either way: truncation only cuts the backward pass.
    np.testing.assert_allclose(chunks[1][1].array, out.array[:, 4:], rtol=1e-12)


def test_detach_hidden_nested():
    h = nnlab.ones(2, requires_grad=True) * 2
    c = nnlab.ones(2, requires_grad=True) * 3
    hd, cd = detach_hidden((h, c))
    assert not hd.requires_grad and not cd.requires_grad and hd.grad_fn is None
    np.testing.assert_array_equal(cd.numpy(), [3, 3])
    assert detach_hidden(None) is None
    with pytest.raises(TypeError, match="detach_hidden"):
        detach_hidden("h")


def _lm_batch(n=3, L=9, V=6, seed=1):
    rng = np.random.default_rng(seed)
    return nnlab.tensor(rng.integers(0, V, (n, L))), nnlab.tensor(rng.integers(0, V, (n, L)))


def test_full_bptt_in_chunks_equals_unchunked_step():
    a, b = _pair(input_size=None, hidden_size=4, vocab=6, dtype=nnlab.float64)
    batch = [_lm_batch()]
    ta = SequenceTrainer(a, optim.SGD(a.parameters(), lr=0.5), bptt=None)
    tb = SequenceTrainer(b, optim.SGD(b.parameters(), lr=0.5), bptt=4, truncate=False)
    la, lb = ta.train_epoch(batch), tb.train_epoch(batch)
    assert ta.global_step == tb.global_step == 1
    assert la["loss"] == pytest.approx(lb["loss"], rel=1e-12)
    for (name, pa), (_, pb) in zip(a.named_parameters(), b.named_parameters()):
        np.testing.assert_allclose(pa.array, pb.array, rtol=1e-10, err_msg=name)


def test_truncated_bptt_steps_per_chunk_on_chunk_losses():
    a, b = _pair(input_size=None, hidden_size=4, vocab=6, dtype=nnlab.float64)
    x, y = _lm_batch()
    t = SequenceTrainer(a, optim.SGD(a.parameters(), lr=0.5), bptt=4)
    t.train_epoch([(x, y)])
    assert t.global_step == 3  # chunks of 4, 4, 1 steps
    # Replay by hand: step on chunk 1's loss, then on chunk 2's with the detached state, then chunk 3.
    opt = optim.SGD(b.parameters(), lr=0.5)
    h = None
    for s in (0, 4, 8):
        logits, h = b(x[:, s:s + 4], detach_hidden(h))
        opt.zero_grad()
        sequence_cross_entropy(logits, y[:, s:s + 4]).backward()
        opt.step()
    for pa, pb in zip(a.parameters(), b.parameters()):
        np.testing.assert_allclose(pa.array, pb.array, rtol=1e-10)


def test_stateful_evaluation_over_chunks_equals_one_pass():
    nnlab.manual_seed(0)
    model = Elman(None, 8, vocab=5, dtype=nnlab.float64)
    stream = np.random.default_rng(0).integers(0, 5, 61)
    batches = LMBatcher(stream, batch_size=3, bptt=7)
    whole = LMBatcher(stream, batch_size=3, bptt=1000)
    t = SequenceTrainer(model, optim.SGD(model.parameters(), lr=0.1), stateful=True)
    chunked, once = t.evaluate(batches), t.evaluate(whole)
    assert chunked["loss"] == pytest.approx(once["loss"], rel=1e-12)
    assert chunked["ppl"] == pytest.approx(math.exp(chunked["loss"]))
    # Without carrying the state each chunk restarts from zeros: a different (worse-informed) loss.
    t.stateful = False
    assert t.evaluate(batches)["loss"] != pytest.approx(once["loss"], rel=1e-6)


def test_lm_training_lowers_perplexity_with_clipping():
    nnlab.manual_seed(0)
    V = 4
    model = Elman(None, 16, vocab=V)
    stream = np.tile(np.array([0, 1, 2, 3, 2, 1]), 60)  # deterministic next token given two previous
    batches = LMBatcher(stream, batch_size=4, bptt=10)
    t = SequenceTrainer(model, optim.Adam(model.parameters(), lr=0.05), bptt=None, stateful=True, grad_clip=0.5)
    initial = t.evaluate(batches)["ppl"]
    hist = t.fit(batches, batches, epochs=5)
    assert initial > 3.5  # about V = 4 for an untrained model
    assert hist["val_ppl"][-1] < 1.1  # near-deterministic stream: perplexity toward 1
    assert all(k in hist for k in ("loss", "val_loss", "grad_norm", "lr", "time"))


def test_clipping_bounds_every_update():
    nnlab.manual_seed(0)
    model = Elman(None, 8, vocab=5)
    before = [p.array.copy() for p in model.parameters()]
    t = SequenceTrainer(model, optim.SGD(model.parameters(), lr=1.0), grad_clip=1e-3)
    logs = t.train_epoch([_lm_batch(V=5)])
    assert logs["grad_norm"] > 1e-2  # the pre-clip norm is reported
    step = math.sqrt(sum(float(((p.array - b) ** 2).sum()) for p, b in zip(model.parameters(), before)))
    assert step == pytest.approx(1e-3, rel=1e-3)


def test_errors():
    model = Elman(3, 4)
    with pytest.raises(ValueError, match="bptt"):
        SequenceTrainer(model, optim.SGD(model.parameters(), lr=0.1), bptt=0)
    with pytest.raises(ValueError, match="logits must be"):
        sequence_cross_entropy(nnlab.zeros(2, 3), nnlab.tensor([[1, 2]]))
