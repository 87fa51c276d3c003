"""Sampling distributions on a fixed logits vector (temperature, top-k, top-p), draws, perplexity."""

import math

import numpy as np
import pytest

from nnlab.text import bits_per_token, perplexity, sample_next, sampling_probs

LOGITS = np.log(np.array([0.5, 0.2, 0.15, 0.1, 0.05]))  # softmax(LOGITS) = these probabilities


def test_plain_softmax_and_temperature():
    np.testing.assert_allclose(sampling_probs(LOGITS), [0.5, 0.2, 0.15, 0.1, 0.05], rtol=1e-12)
    hot = sampling_probs(LOGITS, temperature=2.0)
    expected = np.sqrt([0.5, 0.2, 0.15, 0.1, 0.05])
    np.testing.assert_allclose(hot, expected / expected.sum(), rtol=1e-12)
    # τ → 0 approaches the one-hot arg max, and τ = 0 is exactly greedy.
    assert sampling_probs(LOGITS, temperature=0.01)[1:].sum() < 1e-30  # (0.2/0.5)^100 ≈ 1.6e-40
    np.testing.assert_array_equal(sampling_probs(LOGITS, temperature=0.0), [1, 0, 0, 0, 0])


def test_top_k_keeps_k_and_renormalizes():
    p = sampling_probs(LOGITS, top_k=2)
    np.testing.assert_allclose(p, [0.5 / 0.7, 0.2 / 0.7, 0, 0, 0], rtol=1e-12)
    assert np.count_nonzero(sampling_probs(LOGITS, top_k=4)) == 4
    np.testing.assert_allclose(sampling_probs(LOGITS, top_k=99), sampling_probs(LOGITS))


def test_top_p_keeps_smallest_set_with_enough_mass():
    # sorted masses 0.5, 0.7, 0.85, 0.95, 1.0
    np.testing.assert_allclose(sampling_probs(LOGITS, top_p=0.6), [0.5 / 0.7, 0.2 / 0.7, 0, 0, 0], rtol=1e-12)
    # Exactly at the boundary (binary fractions, no round-off): mass 0.75 = p suffices.
    binary = np.log([0.5, 0.25, 0.125, 0.0625, 0.0625])
    np.testing.assert_array_equal(sampling_probs(binary, top_p=0.75), [0.5 / 0.75, 0.25 / 0.75, 0, 0, 0])
    p = sampling_probs(LOGITS, top_p=0.8)
    np.testing.assert_allclose(p, np.array([0.5, 0.2, 0.15, 0, 0]) / 0.85, rtol=1e-12)
    np.testing.assert_array_equal(sampling_probs(LOGITS, top_p=0.3), [1, 0, 0, 0, 0])  # the top token stays
    # top-k then top-p: top-2 renormalized gives (5/7, 2/7); p = 0.6 < 5/7 keeps only the first
    np.testing.assert_array_equal(sampling_probs(LOGITS, top_k=2, top_p=0.6), [1, 0, 0, 0, 0])


def test_filters_work_row_wise_on_unsorted_batches():
    z = np.stack([LOGITS, LOGITS[::-1]])
    p = sampling_probs(z, top_k=1)
    np.testing.assert_array_equal(p, [[1, 0, 0, 0, 0], [0, 0, 0, 0, 1]])
    p = sampling_probs(z, top_p=0.8)
    np.testing.assert_allclose(p[1], np.array([0, 0, 0.15, 0.2, 0.5]) / 0.85, rtol=1e-12)


def test_sample_frequencies_match_the_distribution():
    rng = np.random.default_rng(0)
    z = np.tile(LOGITS, (20000, 1))
    draws = sample_next(z, "sample", top_k=3, generator=rng)
    freq = np.bincount(draws, minlength=5) / len(draws)
    np.testing.assert_allclose(freq, [0.5 / 0.85, 0.2 / 0.85, 0.15 / 0.85, 0, 0], atol=0.012)
    assert sample_next(LOGITS, "greedy").item() == 0
    a = sample_next(z[:50], generator=np.random.default_rng(3))
    b = sample_next(z[:50], generator=np.random.default_rng(3))
    np.testing.assert_array_equal(a, b)


def test_argument_errors():
    with pytest.raises(ValueError, match="top_p"):
        sampling_probs(LOGITS, top_p=0.0)
    with pytest.raises(ValueError, match="temperature"):
        sampling_probs(LOGITS, temperature=-1)
    with pytest.raises(ValueError, match="strategy"):
        sample_next(LOGITS, "beam")


def test_perplexity_of_uniform_guess_is_vocab_size():
    assert perplexity(math.log(65)) == pytest.approx(65)
    assert bits_per_token(math.log(2)) == pytest.approx(1.0)
