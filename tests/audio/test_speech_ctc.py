"""Toy speech recognition: CTC decoders on worked examples, WER, and the whole pipeline on synthetic
spoken commands, where the lexicon and the word LM each cut the word error rate."""

import math

import numpy as np

from nnlab.audio.ctc_decode import (
    ctc_greedy_decode, ctc_prefix_beam_search, edit_distance, labels_to_words, word_error_rate,
)
from nnlab.audio.speech import evaluate_recognizer, fit_word_lm, train_acoustic_model
from nnlab.audio.speech_data import CONFUSABLE, LEXICON, make_speech_dataset


def test_greedy_vs_prefix_beam_on_a_worked_example():
    # two frames over (blank, a): best path "--" (0.36) spells "", but "a" collects 0.24 + 0.24 + 0.16 = 0.64
    lp = np.log(np.array([[0.6, 0.4], [0.6, 0.4]]))
    symbols = ("-", "a", "|")
    assert ctc_greedy_decode(lp) == []
    assert ctc_prefix_beam_search(np.log(np.array([[0.6, 0.4, 1e-9], [0.6, 0.4, 1e-9]])), symbols) == ["a"]
    assert ctc_greedy_decode(np.log(np.array([[.1, .9], [.1, .9], [.9, .1], [.1, .9]]))) == [1, 1]  # "a-a" → "aa"
    assert labels_to_words([1, 2, 1, 2, 2, 1], symbols) == ["a", "a", "a"]  # "a|a||a": empty words dropped


def test_edit_distance_and_wer():
    assert edit_distance("kitten", "sitting") == 3
    assert word_error_rate([["go", "left", "now"]], [["go", "lift"]]) == 2 / 3  # one substitution, one deletion
    assert math.isclose(word_error_rate([["a"], ["b", "c"]], [["a"], ["b", "c", "d"]]), 1 / 3)


def test_lexicon_and_language_model_cut_the_word_error_rate():
    assert set(CONFUSABLE) == {"p", "i"} and {"back", "pack", "left", "lift"} <= set(LEXICON)
    train, test = make_speech_dataset(240, seed=0), make_speech_dataset(40, seed=1)
    model, losses = train_acoustic_model(train, epochs=8)
    assert losses[-1] < 0.3 * losses[0]
    report = evaluate_recognizer(model, test, fit_word_lm(train))
    # measured (240 train, 40 test utterances): greedy 0.83, beam 0.80, + lexicon 0.22, + LM 0.06
    assert report.greedy_wer > 0.3
    assert report.beam_lexicon_wer < 0.5 * report.greedy_wer  # non-words repaired
    assert report.beam_lm_wer < 0.75 * report.beam_lexicon_wer  # "back"/"pack", "left"/"lift" chosen by context
