"""Beam search's pieces on their own: scorers, constraints, selection, pruning and the stopping bound."""

import math

import numpy as np
import pytest

from nnlab.text.beam_parts import (MinLength, NoRepeatNGram, banned_tokens, can_still_win, coverage_score,
                                   diversity_adjust, length_normalize, select_candidates, tempered, within_margin)
from nnlab.text.decoding import TableModel, beam_search

BOS, EOS, A, B, C = 0, 1, 2, 3, 4
V = 5


def test_scorers():
    lp = np.log(np.array([[0.7, 0.2, 0.1]]))
    assert tempered(lp, 1.0) is lp
    sharp = np.exp(tempered(lp, 0.5))
    np.testing.assert_allclose(sharp, [[0.49, 0.04, 0.01]] / np.float64(0.54))
    assert length_normalize(-6.0, 3, 1.0) == -2.0 and length_normalize(-6.0, 3, 0.0) == -6.0
    np.testing.assert_allclose(coverage_score(np.array([[0.5, 2.0, 0.0]]), 2.0),
                               [2.0 * (math.log(0.5) + 0.0 + math.log(1e-6))])
    counts = np.array([0.0, 0.0, 2.0, 1.0, 0.0])
    np.testing.assert_allclose(diversity_adjust(np.array([0.0, 0.0]), np.array([A, B]), counts, 0.5), [-1.0, -0.5])


def test_constraints_and_their_union():
    prefixes = np.array([[BOS, A, B, A], [BOS, C, C, C]])
    np.testing.assert_array_equal(MinLength(2, EOS)(prefixes, 2, V)[:, EOS], [True, True])
    assert not MinLength(2, EOS)(prefixes, 3, V).any()
    # Bigrams: row 0 ends in A and has seen (A, B): B is banned; row 1 ends in C and has seen (C, C).
    ngram = NoRepeatNGram(2)(prefixes, 4, V)
    assert ngram[0].nonzero()[0].tolist() == [B] and ngram[1].nonzero()[0].tolist() == [C]
    both = banned_tokens([MinLength(5, EOS), NoRepeatNGram(2)], prefixes, 4, V)
    assert both[0].nonzero()[0].tolist() == [EOS, B]
    with pytest.raises(ValueError, match="constraint returned a mask of shape"):
        banned_tokens([lambda p, t, v: np.zeros(3, dtype=bool)], prefixes, 4, V)


def test_select_candidates_sets_eos_aside_and_stops_at_banned():
    tokens = np.array([A, EOS, B, C, EOS, A])
    rank = np.array([-1.0, -0.5, -2.0, -np.inf, -0.1, -3.0])
    live, done = select_candidates(tokens, rank, width=2, eos=EOS)
    assert done.tolist() == [4, 1] and live.tolist() == [0, 2]  # both EOS rank in the top 2
    live, done = select_candidates(tokens, rank, width=1, eos=EOS)
    assert done.tolist() == [4] and live.tolist() == [0]  # the second EOS ranks 2nd: dropped
    live, done = select_candidates(tokens, rank, width=5, eos=EOS)
    assert live.tolist() == [0, 2, 5]  # -inf (the banned C) ends the list: 3 live, not 5


def test_pruning_and_stopping_rules():
    np.testing.assert_array_equal(within_margin(np.array([-1.0, -2.5, -1.4]), -1.0, 0.5), [True, False, True])
    assert within_margin(np.array([-9.0]), 0.0, None).all()
    # A live log P of -2 can reach -2 / 10 = -0.2 at α = 1: it can still beat a finished -0.3, not -0.1.
    assert can_still_win(np.array([-2.0, -5.0]), -0.3, t=3, max_len=10, alpha=1.0)
    assert not can_still_win(np.array([-2.0]), -0.1, t=3, max_len=10, alpha=1.0)
    assert can_still_win(np.array([-2.0]), -2.5, t=3, max_len=10, alpha=0.0)  # α = 0: the bound is -2 itself


def test_a_custom_constraint_composes_into_beam_search():
    def dist(**p):
        out = np.full(V, 1e-9)
        for k, v in p.items():
            out[{"EOS": EOS, "A": A, "B": B, "C": C}[k]] = v
        return out / out.sum()

    m = TableModel({(): dist(A=0.6, B=0.3, C=0.1), (A,): dist(EOS=1.0), (B,): dist(EOS=1.0), (C,): dist(EOS=1.0)},
                   V, EOS)
    assert beam_search(m, BOS, EOS, beam_width=2, max_len=4).best.tokens == (A, EOS)

    def no_a(prefixes, t, vocab_size):
        ban = np.zeros((len(prefixes), vocab_size), dtype=bool)
        ban[:, A] = True
        return ban

    best = beam_search(m, BOS, EOS, beam_width=2, max_len=4, constraints=[no_a]).best
    assert best.tokens == (B, EOS) and best.log_prob == pytest.approx(math.log(0.3), rel=1e-6)
