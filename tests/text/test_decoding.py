"""Decoding on hand-built table models whose right answers are worked out by hand."""

import itertools
import math
import runpy
from pathlib import Path

import numpy as np
import pytest

from nnlab.text.decoding import (TableModel, beam_search, exhaustive_search, greedy_search, prefix_step, sample,
                                 score_sequence)

BOS, EOS, A, B, C = 0, 1, 2, 3, 4
V = 5


def dist(**p):
    """A distribution over (BOS, EOS, A, B, C) from keyword probabilities."""
    names = {"EOS": EOS, "A": A, "B": B, "C": C}
    out = np.zeros(V)
    for k, v in p.items():
        out[names[k]] = v
    return out


def trap_model():
    """Greedy takes A (0.4), but every A/B continuation is flat; C then EOS (0.25·0.9) is best.

    P(A, x) ≤ 0.4·0.34 = 0.136, P(B, x) ≤ 0.35·0.34 = 0.119, P(C, EOS) = 0.225.
    """
    flat = dist(EOS=0.34, A=0.33, B=0.33)
    return TableModel({(): dist(A=0.4, B=0.35, C=0.25), (A,): flat, (B,): flat, (C,): dist(EOS=0.9, A=0.1)},
                      V, EOS)


def random_model(seed, max_depth=4):
    """Random next-token distributions over (EOS, A, B) for every prefix, fixed by the seed."""
    rng = np.random.default_rng(seed)
    table = {}
    for n in range(max_depth):
        for prefix in itertools.product((A, B), repeat=n):
            p = rng.dirichlet(np.ones(3))
            table[prefix] = np.concatenate([[0.0], p[:1], p[1:], [0.0]])
    return TableModel(table, V, EOS)


def test_greedy_misses_the_best_and_k3_beam_finds_it():
    m = trap_model()
    g = greedy_search(m, BOS, EOS, max_len=5)
    assert g.tokens == (A, EOS) and g.log_prob == pytest.approx(math.log(0.4 * 0.34))
    assert beam_search(m, BOS, EOS, beam_width=2, max_len=5).best.tokens == (A, EOS)  # C fell off a k=2 beam
    best = beam_search(m, BOS, EOS, beam_width=3, max_len=5).best
    assert best.tokens == (C, EOS) and best.log_prob == pytest.approx(math.log(0.225))
    assert best.finished and best.score == pytest.approx(best.log_prob)


def test_one_model_call_per_step_and_eos_stops():
    m = trap_model()
    res = beam_search(m, BOS, EOS, beam_width=3, max_len=20)
    # Step 2 finishes (C, EOS) and (A, EOS); the best live A·A (0.132) cannot beat 0.225: stop after 2 calls.
    assert res.num_steps == 2 and m.calls == 2
    # Early stop by bound: [EOS] has log 0.9; the live A (log 0.1) can never beat it.
    m2 = TableModel(lambda prefix: dist(EOS=0.9, A=0.1) if prefix == () else dist(A=1.0), V, EOS)
    res2 = beam_search(m2, BOS, EOS, beam_width=2, max_len=20)
    assert res2.num_steps == 1 and res2.best.tokens == (EOS,)
    assert beam_search(m2, BOS, EOS, beam_width=2, max_len=20, early_stopping=False).num_steps == 20
    # min_len forbids the early EOS.
    assert beam_search(m2, BOS, EOS, beam_width=2, max_len=3, min_len=1).best.tokens == (A, A, A)


def test_length_normalization_changes_the_winner():
    m = TableModel({(): dist(EOS=0.4, A=0.6), (A,): dist(EOS=0.4, B=0.6), (A, B): dist(EOS=0.9, C=0.1)}, V, EOS)
    short = beam_search(m, BOS, EOS, beam_width=3, max_len=6).best
    assert short.tokens == (EOS,) and short.score == pytest.approx(math.log(0.4))
    long = beam_search(m, BOS, EOS, beam_width=3, max_len=6, length_penalty=1.0).best
    assert long.tokens == (A, B, EOS) and long.score == pytest.approx(math.log(0.6 * 0.6 * 0.9) / 3)


def test_ngram_blocking_prevents_repeats():
    m = TableModel(lambda prefix: dist(EOS=0.1, A=0.6, B=0.3), V, EOS)
    assert beam_search(m, BOS, EOS, beam_width=1, max_len=5).best.tokens == (A,) * 5
    # Bigram blocking: A A (new), then A A would repeat -> B, then B A (new), then A A / A B repeat -> EOS.
    blocked = beam_search(m, BOS, EOS, beam_width=1, max_len=8, no_repeat_ngram_size=2).best
    assert blocked.tokens == (A, A, B, A, EOS)
    assert blocked.log_prob == pytest.approx(math.log(0.6 * 0.6 * 0.3 * 0.6 * 0.1))
    assert beam_search(m, BOS, EOS, beam_width=1, max_len=8, no_repeat_ngram_size=1).best.tokens == (A, B, EOS)


def test_diverse_beam_returns_distinct_groups():
    m = TableModel({(): dist(A=0.5, B=0.3, C=0.2)}, V, EOS)
    plain = beam_search(m, BOS, EOS, beam_width=2, max_len=4, num_groups=2)
    assert [h.tokens for h in plain] == [(A, EOS), (A, EOS)]
    diverse = beam_search(m, BOS, EOS, beam_width=2, max_len=4, num_groups=2, diversity_penalty=2.0)
    assert {(h.group, h.tokens) for h in diverse} == {(0, (A, EOS)), (1, (B, EOS))}
    # Group 1 ranks A at log 0.5 - 2 < log 0.3, so it takes B; scores exclude the diversity term.
    assert diverse[1].log_prob == pytest.approx(math.log(0.3))


def test_coverage_penalty_prefers_full_coverage():
    table = {(): dist(A=0.6, B=0.4), (B,): dist(C=1.0)}
    attn = {(): [1.0, 0.0], (A,): [0.9, 0.1], (B,): [0.0, 1.0], (B, C): [0.5, 0.5]}
    m = TableModel(table, V, EOS, attention=attn)
    assert beam_search(m, BOS, EOS, beam_width=2, max_len=5).best.tokens == (A, EOS)
    res = beam_search(m, BOS, EOS, beam_width=2, max_len=5, coverage_penalty=1.0)
    # (A, EOS) covers source position 1 with 0.1 only: cp = log 0.1; (B, C, EOS) covers both.
    assert [h.tokens for h in res] == [(B, C, EOS), (A, EOS)]
    assert res[0].score == pytest.approx(math.log(0.4))
    assert res[1].score == pytest.approx(math.log(0.6) + math.log(0.1))


def test_rescoring_reorders():
    m = trap_model()
    assert [h.tokens for h in beam_search(m, BOS, EOS, beam_width=3, max_len=5)] == [(C, EOS), (A, EOS)]
    res = beam_search(m, BOS, EOS, beam_width=3, max_len=5, rescore_fn=lambda h: 2.0 if h.tokens[0] == A else 0.0,
                      rescore_weight=0.5)
    assert [h.tokens for h in res] == [(A, EOS), (C, EOS)]
    assert res.best.rescored == pytest.approx(math.log(0.4 * 0.34) + 1.0)
    assert res.best.score == pytest.approx(math.log(0.4 * 0.34))
    assert res[1].rescored == pytest.approx(math.log(0.225))


def test_lookahead_fixes_the_greedy_trap():
    # Greedy: A then a flat continuation, 0.5 · 0.34 = 0.17; the best is C, EOS at 0.45 · 0.9 = 0.405.
    m = TableModel({(): dist(A=0.5, C=0.45, B=0.05), (A,): dist(EOS=0.34, A=0.33, B=0.33),
                    (C,): dist(EOS=0.9, A=0.1)}, V, EOS)
    assert beam_search(m, BOS, EOS, beam_width=1, max_len=5).best.tokens == (A, EOS)
    m.calls = 0
    best = beam_search(m, BOS, EOS, beam_width=1, max_len=5, lookahead=1).best
    assert best.tokens == (C, EOS) and best.log_prob == pytest.approx(math.log(0.405))
    assert m.calls == 4  # two steps, each one search call and one rollout call


def test_dynamic_width_prunes():
    m = TableModel({(): dist(A=0.9, B=0.09, C=0.01)}, V, EOS)
    assert beam_search(m, BOS, EOS, beam_width=3, max_len=4, early_stopping=False).widths[0] == 3
    pruned = beam_search(m, BOS, EOS, beam_width=3, max_len=4, prune_margin=1.0)
    assert pruned.widths[0] == 1 and [h.tokens for h in pruned] == [(A, EOS)]
    # A margin of 3 nats (log 0.9 - log 0.09 = 2.3 < 3 < log 0.9 - log 0.01 = 4.5) keeps two.
    assert beam_search(m, BOS, EOS, beam_width=3, max_len=4, prune_margin=3.0).widths[0] == 2


def test_temperature_sharpens_toward_greedy():
    m = trap_model()
    assert beam_search(m, BOS, EOS, beam_width=3, max_len=5, temperature=1.0).best.tokens == (C, EOS)
    # τ = 0.05 scores p^20 renormalized: C's first step costs ≈ 9.4 nats, A's flat continuation ≈ 0.74.
    cold = beam_search(m, BOS, EOS, beam_width=3, max_len=5, temperature=0.05).best
    assert cold.tokens == (A, EOS) and cold.log_prob == pytest.approx(math.log(0.4 * 0.34))


def test_k1_beam_equals_greedy_and_wide_beam_equals_exhaustive():
    for seed in range(4):
        m = random_model(seed)
        g = greedy_search(m, BOS, EOS, max_len=4)
        b = beam_search(m, BOS, EOS, beam_width=1, max_len=4).best
        assert b.tokens == g.tokens and b.log_prob == pytest.approx(g.log_prob)
        for alpha in (0.0, 0.7):
            exact = exhaustive_search(m, BOS, EOS, max_len=4, length_penalty=alpha)
            assert len(exact) == 1 + 2 + 4 + 8 + 16  # every sequence of ≤ 4 tokens over (EOS, A, B)
            assert sum(math.exp(h.log_prob) for h in exact) == pytest.approx(1.0)
            wide = beam_search(m, BOS, EOS, beam_width=40, max_len=4, length_penalty=alpha).best
            assert wide.tokens == exact[0].tokens and wide.score == pytest.approx(exact[0].score)
            assert wide.log_prob == pytest.approx(math.log(m.sequence_prob(wide.tokens)))


def test_sample_is_seeded_and_respects_top_k():
    m = random_model(0)
    draws = sample(m, BOS, EOS, max_len=4, num_samples=200, generator=np.random.default_rng(1))
    again = sample(m, BOS, EOS, max_len=4, num_samples=200, generator=np.random.default_rng(1))
    assert [h.tokens for h in draws] == [h.tokens for h in again]
    for h in draws[:20]:
        assert h.log_prob == pytest.approx(score_sequence(m, BOS, h.tokens))
    first = np.array([h.tokens[0] for h in draws])
    p0 = m.probs(())
    assert abs((first == EOS).mean() - p0[EOS]) < 0.12
    top1 = sample(m, BOS, EOS, max_len=4, num_samples=5, top_k=1, generator=np.random.default_rng(2))
    assert all(h.tokens == greedy_search(m, BOS, EOS, max_len=4).tokens for h in top1)


def test_prefix_step_adapter_with_logits_and_state():
    # Logits that prefer the token after the last one (mod 3 over A, B, C), EOS after 3 tokens.
    def fn(prefixes):
        z = np.full((len(prefixes), V), -5.0)
        for i, row in enumerate(prefixes):
            z[i, EOS if len(row) > 3 else A + (row[-1] - A + 1) % 3 if row[-1] >= A else A] = 5.0
        return z[:, None, :]  # (B, t=1, V): the last position is used
    step = prefix_step(fn, logits=True)
    res = beam_search(step, [BOS, B], EOS, beam_width=2, max_len=6)
    assert res.best.tokens == (C, A, EOS)
    assert res.best.log_prob == pytest.approx(3 * (10 - math.log(math.exp(10) + 4)))
    with pytest.raises(ValueError, match="beam_search"):
        beam_search(step, BOS, EOS, beam_width=3, max_len=5, num_groups=2)
    with pytest.raises(ValueError, match="coverage_penalty"):
        beam_search(step, BOS, EOS, beam_width=2, max_len=5, coverage_penalty=1.0)


def test_decoding_example_runs():
    main = runpy.run_path(str(Path(__file__).resolve().parents[2] / "examples" / "decoding.py"))["main"]
    out = main(beam_width=3, max_len=12)
    assert out["beam_log_prob"] >= out["greedy_log_prob"] - 1e-9
    assert 0.0 <= out["search_fraction"] <= 1.0


def test_recurrent_state_is_reordered_with_the_beam():
    # A random model (rarely ending) driven like an RNN: each call reads only the LAST token of the prefix plus
    # the carried state (the earlier tokens, in a nested tuple/dict); the results match the
    # prefix-reading model only if the search reorders the state's rows with the beam.
    def probs(prefix):
        code = sum((t + 1) * 5 ** i for i, t in enumerate(prefix))
        q = np.random.default_rng(code).dirichlet(np.ones(3))
        return np.array([0.0, 0.05, 0.0, 0.0, 0.0]) + 0.95 * np.concatenate([[0.0, 0.0], q])

    table = TableModel(probs, V, EOS)

    def step(prefixes, state):
        hist = prefixes[:, :0] if state is None else state[0]["hist"]
        full = np.concatenate([hist, prefixes[:, -1:]], axis=1)
        lp, _ = table(full)
        return lp, ({"hist": full}, np.full(len(prefixes), full.shape[1]))

    for k in (1, 2, 3):
        plain = beam_search(TableModel(probs, V, EOS), BOS, EOS, beam_width=k, max_len=6)
        stateful = beam_search(step, BOS, EOS, beam_width=k, max_len=6)
        assert [(h.tokens, h.score) for h in stateful] == [(h.tokens, h.score) for h in plain]
    rng1, rng2 = np.random.default_rng(0), np.random.default_rng(0)
    a = sample(step, BOS, EOS, max_len=4, num_samples=30, generator=rng1)
    b = sample(TableModel(probs, V, EOS), BOS, EOS, max_len=4, num_samples=30, generator=rng2)
    assert [(h.tokens, h.log_prob) for h in a] == [(h.tokens, h.log_prob) for h in b]
