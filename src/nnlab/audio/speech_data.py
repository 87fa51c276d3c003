"""Synthetic spoken sentences for a toy speech recognizer: a lexicon, a grammar, letter "sounds", MFCCs.

Each letter of the alphabet is rendered as a chord of two tones (its "formants") lasting a
random 3–6 frames; words are separated by short silences, and white noise is added.
Letters are paired into similar sounds (a partner shares one tone and has the other a small
step away), so an acoustic model alone misreads some letters and spells non-words, which a
lexicon repairs; two letter pairs are nearly identical (``CONFUSABLE``), so "back"/"pack" and
"left"/"lift" sound alike and only the language model, knowing which word may follow which in
the bigram grammar (commands such as "robot pack box now", "please go back"), can choose.

Labels are letter ids and the word separator ``|`` (wav2letter's convention), class 0 being
CTC's blank: ``LABELS[i]`` is the symbol of class i.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from nnlab.audio.features import mfcc

__all__ = ["LEXICON", "GRAMMAR", "CONFUSABLE", "LABELS", "SpokenSentence", "sample_sentence", "render_sentence",
           "make_speech_dataset", "encode_words", "SAMPLE_RATE", "HOP"]

SAMPLE_RATE = 8000
HOP = 128  # 16 ms frames
N_FFT = 256

#: the word grammar: word → the words that may follow it (uniformly); "<s>" starts a sentence, "</s>" ends it.
#: "back"/"pack" and "left"/"lift" sound alike (see ``CONFUSABLE``): only the previous word tells them apart.
GRAMMAR: dict[str, tuple[str, ...]] = {
    "<s>": ("robot", "please"),
    "robot": ("go", "turn", "lift", "pack"),
    "please": ("go", "turn", "lift", "pack", "stop"),
    "go": ("left", "right", "back"),
    "turn": ("left", "right", "round"),
    "lift": ("box", "bag"),
    "pack": ("box", "bag"),
    "left": ("now", "</s>"),
    "right": ("now", "</s>"),
    "back": ("now", "</s>"),
    "round": ("now", "</s>"),
    "box": ("now", "</s>"),
    "bag": ("now", "</s>"),
    "stop": ("now", "</s>"),
    "now": ("</s>",),
}
LEXICON: tuple[str, ...] = tuple(sorted(set(GRAMMAR) - {"<s>"}))
#: letter → the letter it is (almost) indistinguishable from: same low tone, high tone 20 Hz apart.
CONFUSABLE: dict[str, str] = {"p": "b", "i": "e"}
_LETTERS = sorted({c for w in LEXICON for c in w})
LABELS: tuple[str, ...] = ("<blank>", "|") + tuple(_LETTERS)
_INDEX = {s: i for i, s in enumerate(LABELS)}


def _letter_tones() -> dict[str, tuple[float, float]]:
    """Two frequencies per letter. The other letters come in pairs sharing the low tone with high tones
    80 Hz apart (noise confuses them now and then); a ``CONFUSABLE`` letter copies its partner's
    tones, the high one shifted by only 20 Hz."""
    tones = {}
    plain = [c for c in _LETTERS if c not in CONFUSABLE]
    for i, c in enumerate(plain):
        tones[c] = (300.0 + 150.0 * (i // 2), 1800.0 + 180.0 * (i // 2) + 80.0 * (i % 2))
    for c, partner in CONFUSABLE.items():
        lo, hi = tones[partner]
        tones[c] = (lo, hi + 20.0)
    return tones


_TONES = _letter_tones()


class SpokenSentence(NamedTuple):
    """One utterance: its words, MFCC features (13, T) and CTC label ids (letters and ``|``)."""

    words: tuple[str, ...]
    features: np.ndarray
    labels: np.ndarray


def encode_words(words) -> np.ndarray:
    """Label ids of "w1|w2|…": letters, with ``|`` between words."""
    return np.array([_INDEX[c] for c in "|".join(words)], dtype=np.int64)


def sample_sentence(rng: np.random.Generator, max_words: int = 6) -> tuple[str, ...]:
    """A word sequence from the bigram grammar (at most ``max_words`` words)."""
    words, prev = [], "<s>"
    while len(words) < max_words:
        nxt = GRAMMAR[prev][int(rng.integers(len(GRAMMAR[prev])))]
        if nxt == "</s>":
            break
        words.append(nxt)
        prev = nxt
    return tuple(words)


def render_sentence(words, rng: np.random.Generator, noise: float = 0.6) -> np.ndarray:
    """The waveform: each letter a two-tone chord of 3–6 frames, 2–3 frames of silence between words, noise."""
    parts = [np.zeros(2 * HOP)]
    for k, word in enumerate(words):
        if k:
            parts.append(np.zeros(int(rng.integers(2, 4)) * HOP))
        for c in word:
            n = int(rng.integers(3, 7)) * HOP
            t = np.arange(n) / SAMPLE_RATE
            lo, hi = _TONES[c]
            chord = sum(np.sin(2 * np.pi * f * t + rng.uniform(0, 2 * np.pi)) for f in (lo, hi))
            parts.append(0.5 * chord * np.hanning(n) ** 0.25)
    parts.append(np.zeros(2 * HOP))
    wave = np.concatenate(parts)
    return (wave + noise * rng.standard_normal(wave.shape)).astype(np.float32)


def make_speech_dataset(n: int, seed: int = 0, noise: float = 0.6) -> list[SpokenSentence]:
    """``n`` utterances with standardized MFCCs (per coefficient, over the utterance)."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        words = sample_sentence(rng)
        feats = mfcc(render_sentence(words, rng, noise), SAMPLE_RATE, n_mfcc=13, n_fft=N_FFT, hop=HOP)
        feats = (feats - feats.mean(1, keepdims=True)) / (feats.std(1, keepdims=True) + 1e-5)
        out.append(SpokenSentence(words, feats.astype(np.float32), encode_words(words)))
    return out
