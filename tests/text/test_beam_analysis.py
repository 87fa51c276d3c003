"""Beam-search error analysis on a constructed case: one search error, one model error, one correct."""

import math

import numpy as np
import pytest

from nnlab.text.beam_analysis import beam_error_analysis
from nnlab.text.decoding import TableModel, beam_search

BOS, EOS, A, B, C = 0, 1, 2, 3, 4
V = 5


def p(eos=0.0, a=0.0, b=0.0, c=0.0):
    return np.array([0.0, eos, a, b, c])


# x = "trap": greedy (k=1) outputs (A, EOS) with P = 0.4·0.34 = 0.136 while the model gives the
#   reference (C, EOS) 0.25·0.9 = 0.225: the model is right, the search failed.
# x = "bias": the model itself prefers (A, EOS) at 0.7 over the reference (B, EOS) at 0.3.
# x = "easy": the output equals the reference (A, EOS).
TABLES = {
    "trap": {(): p(a=0.4, b=0.35, c=0.25), (A,): p(eos=0.34, a=0.33, b=0.33),
             (B,): p(eos=0.34, a=0.33, b=0.33), (C,): p(eos=0.9, a=0.1)},
    "bias": {(): p(a=0.7, b=0.3)},
    "easy": {(): p(a=0.8, c=0.2)},
}
EXAMPLES = [("trap", [C]), ("bias", [B]), ("easy", [A])]


def make_step(x):
    return TableModel(TABLES[x], V, EOS)


def test_search_and_model_errors_are_told_apart():
    rep = beam_error_analysis(make_step, EXAMPLES, BOS, EOS, beam_width=1, max_len=5)
    assert [r.verdict for r in rep.rows] == ["search", "model", "correct"]
    assert (rep.n_examples, rep.n_correct, rep.n_search_errors, rep.n_model_errors) == (3, 1, 1, 1)
    assert rep.search_fraction == 0.5 and rep.model_fraction == 0.5
    trap = rep.rows[0]
    assert trap.reference == (C, EOS) and trap.output == (A, EOS)
    assert trap.ref_log_prob == pytest.approx(math.log(0.225))
    assert trap.out_log_prob == pytest.approx(math.log(0.136))
    assert rep.rows[1].ref_log_prob == pytest.approx(math.log(0.3))
    assert "1 search (50%)" in rep.summary()


def test_a_wider_beam_removes_the_search_error():
    rep = beam_error_analysis(make_step, EXAMPLES, BOS, EOS, beam_width=3, max_len=5)
    assert [r.verdict for r in rep.rows] == ["correct", "model", "correct"]
    assert rep.search_fraction == 0.0 and rep.model_fraction == 1.0


def test_length_normalized_comparison_and_custom_decoder():
    # Reference (A, B, EOS) = 0.6·0.6·0.9 = 0.324 vs output (EOS,) = 0.4: a model error in raw
    # log P, but under α = 1 the reference scores log(0.324)/3 > log(0.4)/1: a search error.
    tables = {(): p(eos=0.4, a=0.6), (A,): p(eos=0.4, b=0.6), (A, B): p(eos=0.9, c=0.1)}
    step = TableModel(tables, V, EOS)
    short = lambda s: beam_search(s, BOS, EOS, 3, 6).best  # noqa: E731  (finds (EOS,) without α)
    raw = beam_error_analysis(lambda x: step, [(0, [A, B])], BOS, EOS, decode=short)
    assert raw.rows[0].output == (EOS,) and raw.rows[0].verdict == "model"
    normed = beam_error_analysis(lambda x: step, [(0, [A, B])], BOS, EOS, length_penalty=1.0, decode=short)
    assert normed.rows[0].verdict == "search"
    assert normed.rows[0].ref_score == pytest.approx(math.log(0.324) / 3)
    assert normed.rows[0].out_score == pytest.approx(math.log(0.4))
