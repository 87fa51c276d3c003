"""Seq2seq Transformer and its synthetic tasks: the data are right, teacher forcing shifts right, the
model matches a PyTorch twin, masks hide the future and the padding, beam search finds the best
length-normalized hypothesis, and the example learns reversal."""

import datetime as dt
import itertools
import math
import runpy
from pathlib import Path

import numpy as np
import pytest
import torch

import nnlab
from nnlab.data.datasets.seq_tasks import get_seq_task, make_date_task, make_reversal_task, make_sorting_task
from nnlab.data.vocab import BOS_ID as BOS, EOS_ID as EOS, PAD_ID as PAD, CharVocab
from nnlab.nn.padding import pad_sequences
from nnlab.models.transformers.attention_maps import attention_maps
from nnlab.models.transformers.transformer_models import Seq2SeqTransformer, exact_match, shift_right
from tests.parity import assert_parity, copy_weights

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "transformer_dates.py"


# ---------------------------------------------------------------- data

@pytest.mark.parametrize("fmt, parse", [("mm/dd/yyyy", "%m/%d/%Y"), ("dd.mm.yyyy", "%d.%m.%Y"),
                                        ("yyyy/mm/dd", "%Y/%m/%d"), ("d month yyyy", "%d %B %Y"),
                                        ("mon d yyyy", "%b %d %Y"), ("weekday, d month yyyy", "%A, %d %B %Y")])
def test_date_pairs_parse_back_to_their_iso_date(fmt, parse):
    for human, iso in make_date_task(60, seed=3, formats=[fmt]):
        assert dt.datetime.strptime(human, parse).date().isoformat() == iso, human


def test_tasks_are_seeded_and_correct():
    assert make_date_task(50, seed=1) == make_date_task(50, seed=1) != make_date_task(50, seed=2)
    pairs = make_date_task(2000, seed=0)
    assert len({h.split()[0] if " " in h else h[:2] for h, _ in pairs}) > 20  # many surface forms
    assert all(len(iso) == 10 and dt.date.fromisoformat(iso) for _, iso in pairs)
    assert any(h.startswith("the ") and ("st of" in h or "nd of" in h or "rd of" in h) for h, _ in pairs)
    for s, t in make_reversal_task(100, 2, 7, seed=0):
        assert t == s[::-1] and 2 <= len(s) <= 7
    for s, t in make_sorting_task(100, seed=0):
        assert t == "".join(sorted(s))
    with pytest.raises(ValueError, match="unknown formats"):
        make_date_task(5, formats=["dd-mm"])


def test_vocab_padding_and_splits():
    v = CharVocab("ab-")
    assert (v.pad, v.unk, v.bos, v.eos) == (0, 1, 2, 3) and len(v) == 7
    assert v.encode("ba?", add_eos=True) == [5, 4, 1, 3]
    assert v.decode([2, 5, 4, 3, 4, 0]) == "ba"
    np.testing.assert_array_equal(pad_sequences([[1, 2], [3]], max_len=3)[0].numpy(), [[1, 2, 0], [3, 0, 0]])
    data = get_seq_task("reversal", n=100, min_len=2, max_len=5)
    assert (len(data.pairs_train), len(data.pairs_dev), len(data.pairs_test)) == (80, 10, 10)
    assert data.src_train.shape == (80, 5) and data.tgt_train.shape == (80, 6) and data.src_train.dtype == np.int64
    for (s, t), src, tgt in zip(data.pairs_train, data.src_train, data.tgt_train):
        assert data.src_vocab.decode(src) == s and data.tgt_vocab.decode(tgt) == t
        assert tgt[len(t)] == EOS and (tgt[len(t) + 1 :] == PAD).all()


def test_shift_right_feeds_the_previous_target():
    tgt = np.array([[7, 8, 9, EOS], [5, EOS, PAD, PAD]])
    np.testing.assert_array_equal(shift_right(tgt), [[BOS, 7, 8, 9], [BOS, 5, EOS, PAD]])


# ---------------------------------------------------------------- the model

class TorchSeq2Seq(torch.nn.Module):
    def __init__(self, vs, vt, d, nhead, layers, ff, max_len=64):
        super().__init__()
        self.src_embed = torch.nn.Embedding(vs, d, padding_idx=0)
        self.tgt_embed = torch.nn.Embedding(vt, d, padding_idx=0)
        pos = torch.arange(max_len, dtype=torch.float64)[:, None]
        freq = 10000.0 ** (-torch.arange(0, d, 2, dtype=torch.float64) / d)
        self.pe = torch.zeros(max_len, d, dtype=torch.float64)
        self.pe[:, 0::2], self.pe[:, 1::2] = torch.sin(pos * freq), torch.cos(pos * freq)
        self.transformer = torch.nn.Transformer(d, nhead, layers, layers, ff, dropout=0.0, batch_first=True)
        self.generator = torch.nn.Linear(d, vt)
        self.d = d

    def forward(self, src, tgt_in):
        src_pad = src == 0
        x = self.src_embed(src) * math.sqrt(self.d) + self.pe[: src.shape[1]]
        y = self.tgt_embed(tgt_in) * math.sqrt(self.d) + self.pe[: tgt_in.shape[1]]
        mask = torch.nn.Transformer.generate_square_subsequent_mask(tgt_in.shape[1], dtype=torch.float64)
        h = self.transformer(x, y, tgt_mask=mask, src_key_padding_mask=src_pad, memory_key_padding_mask=src_pad)
        return self.generator(h)


def test_matches_pytorch_twin_forward_and_gradients():
    torch.manual_seed(0)
    ref = TorchSeq2Seq(9, 7, 16, 2, 2, 24).double()
    model = Seq2SeqTransformer(9, 7, d_model=16, nhead=2, layers=2, dim_feedforward=24, dropout=0.0,
                               max_len=64, dtype=nnlab.float64)
    copy_weights(model, ref)
    src = np.array([[4, 5, 6, 7, 0], [8, 4, 0, 0, 0]])
    tgt_in = np.array([[BOS, 4, 5, 6], [BOS, 6, EOS, 0]])
    assert_parity(model, ref, src, tgt_in)


def _model(seed=0):
    nnlab.manual_seed(seed)
    return Seq2SeqTransformer(10, 6, d_model=16, nhead=2, layers=1, dim_feedforward=32, dropout=0.0).eval()


def test_causal_and_padding_masks():
    model = _model()
    src = np.array([[4, 5, 6, 0, 0]])
    tgt = np.array([[BOS, 4, 5, 4]])
    with nnlab.no_grad():
        base = model(src, tgt).numpy()
        later = tgt.copy()
        later[0, 3] = 5
        np.testing.assert_allclose(model(src, later).numpy()[0, :3], base[0, :3], rtol=1e-6)  # future hidden
        np.testing.assert_allclose(model(src[:, :3], tgt).numpy(), base, rtol=1e-5, atol=1e-6)  # padding ignored
    maps = attention_maps(model, src, tgt)
    cross = maps["transformer.decoder.layers.0.multihead_attn"]
    assert cross.shape == (1, 2, 4, 5)
    np.testing.assert_array_equal(cross[..., 3:], 0.0)  # no attention to <pad> keys
    self_attn = maps["transformer.decoder.layers.0.self_attn"]
    np.testing.assert_array_equal(np.triu(self_attn[0, 0], k=1), 0.0)  # none to later positions


def test_greedy_is_the_argmax_of_its_own_prefix_and_beam1_alpha0_equals_greedy():
    model = _model(1)
    src = np.array([[4, 5, 6, 7], [9, 8, 0, 0]])
    greedy = model.greedy_decode(src, max_len=6)
    with nnlab.no_grad():
        logits = model(src, np.concatenate([np.full((2, 1), BOS), greedy[:, :-1]], axis=1)).numpy()
    for row, lg in zip(greedy, logits):
        n = list(row).index(EOS) + 1 if EOS in row else len(row)
        np.testing.assert_array_equal(lg[:n].argmax(-1), row[:n])
    beam = model.beam_search(src, beam_size=1, max_len=6, alpha=0.0)
    assert exact_match(beam, greedy) == 1.0


def _sequence_logprob(model, src, seq):
    with nnlab.no_grad():
        logits = model(src, np.array([[BOS] + seq[:-1]]))
    logp = nnlab.functional.log_softmax(logits, dim=-1).numpy()[0]
    return float(sum(logp[t, tok] for t, tok in enumerate(seq)))


@pytest.mark.parametrize("alpha", [0.0, 0.7, 1.0])
def test_wide_beam_finds_the_best_length_normalized_hypothesis(alpha):
    model = _model(2)
    src = np.array([[4, 5, 6]])
    V, T = 6, 3
    best, best_seq = -np.inf, None
    for t in range(1, T + 1):  # every sequence that ends with <eos> at step t
        for prefix in itertools.product([v for v in range(V) if v != EOS], repeat=t - 1):
            seq = list(prefix) + [EOS]
            score = _sequence_logprob(model, src, seq) / t**alpha
            if score > best:
                best, best_seq = score, seq
    found = model.beam_search(src, beam_size=V**T, max_len=T, alpha=alpha)[0]
    n = list(found).index(EOS) + 1
    assert list(found[:n]) == best_seq
    assert _sequence_logprob(model, src, best_seq) / n**alpha == pytest.approx(best, rel=1e-6)


def test_example_learns_reversal():
    main = runpy.run_path(str(EXAMPLE))["main"]
    result = main(task="reversal", n=2000, epochs=6, d_model=32, layers=1, batch_size=32, beam_rows=40,
                  min_len=6, max_len=6, quiet=True)
    assert result["greedy_exact_match"] >= 0.9, result
    assert result["beam_exact_match"] >= 0.9, result


def test_exact_match_rows_compares_up_to_eos():
    from nnlab.models.transformers.transformer_models import exact_match_rows

    tgt = np.array([[5, 6, 3, 0], [5, 6, 3, 0], [7, 3, 0, 0]])
    pred = np.array([[5, 6, 3, 9], [5, 7, 3, 0], [7, 3, 0, 0]])  # after <eos> (3) anything goes
    np.testing.assert_array_equal(exact_match_rows(pred, tgt), [True, False, True])
    assert exact_match(pred, tgt) == pytest.approx(2 / 3)
    with pytest.raises(ValueError, match="2 predictions for 3 targets"):
        exact_match_rows(pred[:2], tgt)
