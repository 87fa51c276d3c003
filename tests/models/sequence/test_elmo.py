"""ELMo: the forward LM never sees the future and the backward LM never sees the past, the scalar mix
is γ·Σ softmax(s)_j h_j, and after LM training "bank" gets context-dependent vectors that separate
its two senses."""

import numpy as np
import pytest

import nnlab
from nnlab.data.datasets.seq_tasks import make_word_sense_corpus
from nnlab.nn.padding import pad_sequences
from nnlab.models.sequence.elmo import ELMo, ScalarMix, reverse_padded
from nnlab.text import Vocab


def test_reverse_padded_reverses_each_row_in_place_of_its_tokens():
    x = nnlab.tensor(np.array([[1, 2, 3, 0, 0], [4, 5, 6, 7, 8]]))
    out = reverse_padded(x, np.array([3, 5])).numpy()
    np.testing.assert_array_equal(out, [[3, 2, 1, 0, 0], [8, 7, 6, 5, 4]])
    np.testing.assert_array_equal(reverse_padded(nnlab.tensor(out), np.array([3, 5])).numpy(), x.numpy())


def test_scalar_mix_is_a_softmax_weighted_scaled_sum():
    mix = ScalarMix(3, dtype=nnlab.float64)
    mix.scalar_parameters.array[:] = [0.5, -1.0, 2.0]
    mix.gamma.array[:] = 1.7
    layers = [np.random.default_rng(i).standard_normal((2, 4, 5)) for i in range(3)]
    w = np.exp([0.5, -1.0, 2.0])
    w /= w.sum()
    expected = 1.7 * sum(wj * h for wj, h in zip(w, layers))
    out = mix([nnlab.tensor(h) for h in layers])
    np.testing.assert_allclose(out.detach().numpy(), expected, rtol=1e-12)
    out.sum().backward()  # the mixing weights and γ learn
    assert np.abs(mix.scalar_parameters.grad.numpy()).sum() > 0 and mix.gamma.grad.numpy()[0] != 0
    with pytest.raises(ValueError, match="expected 3 layer outputs, got 2"):
        mix([nnlab.tensor(h) for h in layers[:2]])


def test_each_direction_sees_only_its_side_and_padding_is_ignored():
    nnlab.manual_seed(0)
    model = ELMo(vocab_size=12, embedding_dim=8, num_layers=2, dropout=0.0).eval()
    ids = np.array([[4, 5, 6, 7, 8, 9], [4, 5, 6, 7, 0, 0]])
    changed = ids.copy()
    changed[0, 4] = 11  # a later token in row 0
    changed[1, 1] = 10  # an earlier token in row 1
    with nnlab.no_grad():
        _, f_a, b_a = model.directional_states(ids)
        _, f_b, b_b = model.directional_states(changed)
        states = model.layer_states(ids)
    for fa, fb, ba, bb in zip(f_a, f_b, b_a, b_b):
        np.testing.assert_array_equal(fa.numpy()[0, :4], fb.numpy()[0, :4])    # forward: blind to t=4
        assert not np.allclose(fa.numpy()[0, 4], fb.numpy()[0, 4])
        np.testing.assert_array_equal(ba.numpy()[1, 2:4], bb.numpy()[1, 2:4])  # backward: blind to t=1
        assert not np.allclose(ba.numpy()[1, 1], bb.numpy()[1, 1])
    # The backward LM of the padded row reads 7, 6, 5, 4 exactly like the unpadded sentence.
    with nnlab.no_grad():
        _, _, b_short = model.directional_states(ids[1:, :4])
    np.testing.assert_allclose(b_a[-1].numpy()[1, :4], b_short[-1].numpy()[0], rtol=1e-5, atol=1e-6)
    assert len(states) == 3 and all(s.shape == (2, 6, 16) for s in states)
    emb = model.embedding(nnlab.tensor(ids)).detach().numpy()
    np.testing.assert_array_equal(states[0].numpy(), np.concatenate([emb, emb], -1))


def _bank_vectors(model, vocab, sentences, layer=None):
    ids, _ = pad_sequences([vocab.encode(t) for t, _ in sentences])
    with nnlab.no_grad():
        h = (model(ids) if layer is None else model.layer_states(ids)[layer]).numpy()
    v = h[np.arange(len(sentences)), [t.index("bank") for t, _ in sentences]]
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def _sense_similarity(model, vocab, sentences, layer=None):
    """Mean cosine of "bank" between sentences of the same sense and of different senses; 1-NN sense accuracy."""
    v = _bank_vectors(model, vocab, sentences, layer)
    cos = v @ v.T
    sense = np.array([s for _, s in sentences])
    same = (sense[:, None] == sense[None]) & ~np.eye(len(sense), dtype=bool)
    np.fill_diagonal(cos, -np.inf)
    nn_acc = float((sense[cos.argmax(1)] == sense).mean())
    np.fill_diagonal(cos, 1.0)
    return float(cos[same].mean()), float(cos[sense[:, None] != sense[None]].mean()), nn_acc


def test_bank_gets_different_vectors_in_different_contexts():
    nnlab.manual_seed(0)
    corpus = make_word_sense_corpus(1500, seed=0)
    vocab = Vocab.build([t for t, _ in corpus])
    ids, _ = pad_sequences([vocab.encode(t) for t, _ in corpus])
    held_out = make_word_sense_corpus(200, seed=99, filler=0.0)
    model = ELMo(len(vocab), embedding_dim=32, num_layers=2, dropout=0.0)
    before = _sense_similarity(model, vocab, held_out, layer=1)
    opt = nnlab.optim.Adam(model.parameters(), lr=3e-3)
    rng = np.random.default_rng(0)
    first = last = None
    for _ in range(7):
        for i, idx in enumerate(np.array_split(rng.permutation(len(ids)), len(ids) // 64)):
            loss = model.lm_loss(ids[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            first = float(loss.item()) if first is None else first
            last = float(loss.item())
    assert last < 0.35 * first, (first, last)  # both language models learned
    # The context-free token layer gives "bank" one vector everywhere ...
    same0, diff0, _ = _sense_similarity(model, vocab, held_out, layer=0)
    assert same0 == pytest.approx(1.0, abs=1e-5) and diff0 == pytest.approx(1.0, abs=1e-5)
    # ... the LSTM layers give it vectors that depend on the context: closer within a sense than across.
    same1, diff1, acc1 = _sense_similarity(model, vocab, held_out, layer=1)
    same_mix, diff_mix, acc_mix = _sense_similarity(model, vocab, held_out)
    assert same1 - diff1 > 0.08, (same1, diff1)
    # A random LSTM already mixes in its context (gap ≈ 0.06 here); LM training widens the gap (≈ 0.11).
    assert same1 - diff1 > 1.5 * (before[0] - before[1]), (before, same1, diff1)
    assert same_mix > diff_mix and acc1 >= 0.95 and acc_mix >= 0.95, (same_mix, diff_mix, acc1, acc_mix)
