"""Recurrent models and their examples: shapes and state handling, a char-LSTM LM on the stdlib
docstrings, generate(), the Bengio LM's word vectors, the four RNN shapes, and forecasting."""

import importlib.util
import math
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

import nnlab
from nnlab.models.sequence.rnn_models import (
    BengioNLM,
    RNNEncoderDecoder,
    RNNForecaster,
    RNNLanguageModel,
    SequenceClassifier,
    SequenceGenerator,
    SequenceTagger,
    make_rnn,
)
from nnlab.text import Vocab, generate

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"


def _example(name):
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# ---- structure ------------------------------------------------------------------------------------
@pytest.mark.parametrize("rnn_type", ["lstm", "gru", "rnn"])
def test_language_model_shapes_and_chunked_state(rnn_type):
    nnlab.manual_seed(0)
    model = RNNLanguageModel(11, embedding_dim=6, hidden_size=8, num_layers=2, rnn_type=rnn_type)
    x = nnlab.tensor(np.random.default_rng(0).integers(0, 11, (3, 10)))
    logits, hidden = model(x)
    assert logits.shape == (3, 10, 11)
    h = hidden[0] if rnn_type == "lstm" else hidden
    assert isinstance(hidden, tuple) == (rnn_type == "lstm") and h.shape == (2, 3, 8)
    # Carrying the state across two chunks gives the same logits as one pass.
    a, state = model(x[:, :4])
    b, _ = model(x[:, 4:], state)
    np.testing.assert_allclose(np.concatenate([a.array, b.array], axis=1), logits.array, rtol=1e-5, atol=1e-6)


def test_tied_weights_share_one_parameter():
    model = RNNLanguageModel(9, embedding_dim=5, hidden_size=5, tie_weights=True)
    assert model.decoder.weight is model.embedding.weight
    assert len(list(model.parameters())) == len({id(p) for p in model.parameters()})
    with pytest.raises(ValueError, match="tie_weights"):
        RNNLanguageModel(9, embedding_dim=5, hidden_size=6, tie_weights=True)
    with pytest.raises(ValueError, match="rnn_type"):
        make_rnn("transformer", 3, 4)


def test_shape_models_output_shapes():
    nnlab.manual_seed(0)
    x = nnlab.randn(4, 7, 3)
    lengths = nnlab.tensor([7, 3, 5, 1])
    clf = SequenceClassifier(3, 8, 5, rnn_type="lstm", num_layers=2, bidirectional=True)
    assert clf(x).shape == (4, 5) and clf(x, lengths=lengths).shape == (4, 5)
    # With lengths, padding beyond a sequence's end does not change its prediction.
    x2 = nnlab.tensor(x.array.copy())
    x2.array[1, 3:] = 100.0
    np.testing.assert_allclose(clf(x2, lengths=lengths).array, clf(x, lengths=lengths).array, rtol=1e-5)
    assert SequenceTagger(3, 8, 2, bidirectional=True)(x).shape == (4, 7, 2)
    tok = SequenceTagger(6, 8, 2, vocab_size=20)(nnlab.tensor(np.zeros((4, 7), dtype=np.int64)))
    assert tok.shape == (4, 7, 2)
    gen = SequenceGenerator(5, vocab_size=9, hidden_size=8, rnn_type="lstm")
    z = nnlab.randn(4, 5)
    assert gen(z, steps=6).shape == (4, 6, 9) and gen.generate(z, 6).shape == (4, 6)
    # Free-running logits equal teacher-forced ones when fed the model's own greedy choices.
    own = nnlab.tensor(gen.generate(z, 6))
    np.testing.assert_allclose(gen(z, targets=own).array, gen(z, steps=6).array, rtol=1e-5, atol=1e-6)
    ed = RNNEncoderDecoder(10, 12, embedding_dim=4, hidden_size=8, rnn_type="lstm")
    src = nnlab.tensor(np.ones((4, 5), dtype=np.int64))
    assert ed(src, nnlab.tensor(np.ones((4, 3), dtype=np.int64))).shape == (4, 3, 12)
    assert ed.greedy_decode(src, 6).shape == (4, 6)
    assert RNNForecaster(8)(nnlab.randn(4, 12)).shape == (4,)


# ---- language models ------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def char_lm():
    return _example("char_lstm_lm").main(max_chars=30_000, epochs=2, hidden_size=64, embedding_dim=16,
                                         batch_size=16, bptt=32, lr=1e-2, sample_chars=40, quiet=True)


def test_char_lstm_perplexity_drops_far_below_uniform(char_lm):
    from nnlab.text import python_docstrings_corpus, split_text

    V = char_lm["vocab_size"]
    assert 60 < V < 120
    assert char_lm["initial_ppl"] == pytest.approx(V, rel=0.1)  # untrained ≈ uniform
    # The unigram model (character frequencies alone) on the same validation text:
    train, valid, _ = split_text(python_docstrings_corpus(30_000), valid=0.1, test=0.0)
    freq = Counter(train)
    unigram = math.exp(-np.mean([math.log(freq[c] / len(train)) for c in valid if c in freq]))
    assert char_lm["valid_ppl"] < 0.2 * V
    assert char_lm["valid_ppl"] < 0.75 * unigram  # context is used, not only frequencies


def test_generate_greedy_and_seeded_sampling(char_lm):
    model, vocab = char_lm["model"], char_lm["vocab"]
    samples = char_lm["samples"]
    assert all(s.startswith("Return the ") and len(s) == len("Return the ") + 40 for s in samples.values())
    g1 = generate(model, vocab, "The ", 30)
    assert g1 == generate(model, vocab, "The ", 30)
    assert generate(model, vocab, "The ", 30, "sample", temperature=0.0) == g1  # τ = 0 is greedy
    s1 = generate(model, vocab, "The ", 30, "sample", generator=np.random.default_rng(5))
    s2 = generate(model, vocab, "The ", 30, "sample", generator=np.random.default_rng(5))
    assert s1 == s2 and s1 != g1
    assert model.training  # generate restores the mode it found
    with pytest.raises(ValueError, match="non-empty prompt"):
        generate(model, vocab, "", 5)


def test_greedy_generation_follows_the_model_step_by_step(char_lm):
    model, vocab = char_lm["model"], char_lm["vocab"]
    text = generate(model, vocab, "If ", 8)
    model.eval()
    with nnlab.no_grad():
        for i in range(3, len(text)):
            logits, _ = model(nnlab.tensor([vocab.encode(text[:i])]))
            assert vocab.index_to_token(int(logits.array[0, -1].argmax())) == text[i]
    model.train()


def test_bengio_word_vectors_group_interchangeable_words():
    out = _example("bengio_nlm").main(epochs=200, quiet=True)
    within_before, across_before = out["before"]
    within, across = out["after"]
    assert abs(within_before - across_before) < 0.3  # random init: no structure yet
    assert within > 0.8 and within > across + 0.5
    from nnlab.text import most_similar

    vectors, vocab = out["model"].word_vectors(), out["vocab"]
    assert {w for w, _ in most_similar(vectors, vocab, "cat", k=2)} == {"dog", "bird"}
    assert {w for w, _ in most_similar(vectors, vocab, "rug", k=2)} == {"mat", "sofa"}


def test_bengio_model_generates_with_its_window():
    vocab = Vocab.build([["a", "b"]])
    model = BengioNLM(len(vocab), context_size=3, embedding_dim=4, hidden_size=6, direct=True)
    assert model(nnlab.tensor(np.zeros((2, 3), dtype=np.int64))).shape == (2, len(vocab))
    from nnlab.text import WordTokenizer

    text = generate(model, vocab, "a", 5, stop_at_eos=False, tokenizer=WordTokenizer())
    words = text.split()
    assert words[0] == "a" and len(words) == 6 and all(w in vocab for w in words)
    # Each new word is the arg max given the previous 3 (left-padded with <bos>).
    ctx = [vocab.bos_index] * 2 + [vocab["a"]]
    model.eval()
    for w in words[1:]:
        with nnlab.no_grad():
            assert int(model(nnlab.tensor([ctx[-3:]])).array.argmax()) == vocab[w]
        ctx.append(vocab[w])
    with pytest.raises(ValueError, match=r"\(N, 3\)"):
        model(nnlab.tensor(np.zeros((2, 2), dtype=np.int64)))


# ---- the four shapes and forecasting ----------------------------------------------------------------
def test_rnn_shapes_each_learn_their_task():
    shapes = _example("rnn_shapes")
    assert shapes.task_many_to_one(150) > 0.9  # chance 0.5
    assert shapes.task_one_to_many(150) > 0.95  # chance of a whole 6-digit sequence: 1e-6
    assert shapes.task_many_to_many(200) > 0.95  # chance 0.5 per step
    assert shapes.task_encoder_decoder(300) > 0.6  # exact reversals of 3–6 digits; chance ≈ 0


def test_forecasting_rnn_beats_last_value_and_reports_mlp():
    out = _example("rnn_forecasting").main(n=600, epochs=5, hidden=16, periods=(12.0, 50.0))
    assert set(out) == {"rnn_mse", "mlp_mse", "last_value_mse"}
    assert out["rnn_mse"] < 0.5 * out["last_value_mse"]
    assert out["mlp_mse"] < out["last_value_mse"]
    assert out["rnn_mse"] > 0.1 ** 2 * 0.9  # cannot beat the noise floor (σ = 0.1)
