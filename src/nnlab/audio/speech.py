"""A toy speech recognizer end to end: MFCC frames → CTC acoustic model → lexicon + word LM → words, WER.

The pieces: :mod:`nnlab.audio.speech_data` (synthetic spoken sentences and their MFCCs),
:class:`~nnlab.models.sequence.acoustic.CTCAcousticModel` trained with ``F.ctc_loss``
through the ``Trainer``, a word bigram :class:`~nnlab.text.ngram.NGramLM` fitted on
training transcripts, and :mod:`nnlab.audio.ctc_decode` (greedy, beam, beam + lexicon + LM).
"""

from __future__ import annotations

import time
from typing import NamedTuple, Sequence

import numpy as np

from nnlab.ops.creation import from_numpy
from nnlab.backend.random import manual_seed
from nnlab import functional as F
from nnlab.audio.ctc_decode import ctc_greedy_decode, ctc_prefix_beam_search, labels_to_words, word_error_rate
from nnlab.audio.speech_data import LABELS, LEXICON, SpokenSentence
from nnlab.autograd.grad_mode import no_grad
from nnlab.models.sequence.acoustic import CTCAcousticModel
from nnlab.optim import Adam
from nnlab.text.ngram import NGramLM
from nnlab.train.trainer import Trainer

__all__ = ["speech_batches", "train_acoustic_model", "fit_word_lm", "SpeechReport", "evaluate_recognizer"]


def speech_batches(data: Sequence[SpokenSentence], batch_size: int, seed: int = 0) -> list[tuple]:
    """Batches (features (N, F, T) zero-padded, frame counts, labels (N, S) padded, label counts), shuffled once."""
    order = np.random.default_rng(seed).permutation(len(data))
    out = []
    for i in range(0, len(order), batch_size):
        items = [data[j] for j in order[i:i + batch_size]]
        T = max(x.features.shape[1] for x in items)
        S = max(len(x.labels) for x in items)
        feats = np.zeros((len(items), items[0].features.shape[0], T), dtype=np.float32)
        labels = np.ones((len(items), S), dtype=np.int64)
        for k, x in enumerate(items):
            feats[k, :, :x.features.shape[1]] = x.features
            labels[k, :len(x.labels)] = x.labels
        out.append((feats, np.array([x.features.shape[1] for x in items]), labels,
                    np.array([len(x.labels) for x in items])))
    return out


def _ctc_step(trainer: Trainer, batch: tuple):
    feats, frames, labels, label_lengths = batch
    log_probs = trainer.model(from_numpy(feats))
    return F.ctc_loss(log_probs, labels, frames, label_lengths)


def train_acoustic_model(train: Sequence[SpokenSentence], epochs: int = 12, batch_size: int = 16, lr: float = 3e-3,
                         channels: int = 96, seed: int = 0) -> tuple[CTCAcousticModel, list[float]]:
    """Train a :class:`CTCAcousticModel` with CTC through the Trainer; returns it and the epoch losses."""
    manual_seed(seed)
    model = CTCAcousticModel(train[0].features.shape[0], len(LABELS), channels=channels)
    trainer = Trainer(model, optimizer=Adam(model.parameters(), lr=lr), step_fn=_ctc_step, grad_clip=5.0, quiet=True)
    losses = []
    for epoch in range(epochs):  # a fresh shuffle each epoch
        history = trainer.fit(speech_batches(train, batch_size, seed=seed + epoch), epochs=1)
        losses.append(float(history["loss"][-1]))
    return model, losses


def fit_word_lm(train: Sequence[SpokenSentence], n: int = 2) -> NGramLM:
    """A Kneser–Ney word n-gram LM of the training transcripts (sentence-padded)."""
    return NGramLM(n).fit_sentences([list(x.words) for x in train])


class SpeechReport(NamedTuple):
    """WER of each decoder on the test utterances, and the decoding time in seconds."""

    greedy_wer: float
    beam_wer: float
    beam_lexicon_wer: float
    beam_lm_wer: float
    seconds: float


def evaluate_recognizer(model: CTCAcousticModel, test: Sequence[SpokenSentence], lm: NGramLM, alpha: float = 1.0,
                        beta: float = 1.0, beam: int = 8) -> SpeechReport:
    """Decode every test utterance four ways: greedy, beam, beam + lexicon, beam + lexicon + LM."""
    start = time.perf_counter()
    model.eval()
    refs, hyps = [], {k: [] for k in ("greedy", "beam", "lexicon", "lm")}
    with no_grad():
        for x in test:
            lp = model(from_numpy(x.features[None])).array[:, 0]
            refs.append(list(x.words))
            hyps["greedy"].append(labels_to_words(ctc_greedy_decode(lp), LABELS))
            hyps["beam"].append(ctc_prefix_beam_search(lp, LABELS, beam=beam))
            hyps["lexicon"].append(ctc_prefix_beam_search(lp, LABELS, lexicon=LEXICON, beam=beam))
            hyps["lm"].append(ctc_prefix_beam_search(lp, LABELS, lexicon=LEXICON, lm=lm.prob, alpha=alpha, beta=beta,
                                                     beam=beam))
    model.train()
    w = {k: word_error_rate(refs, h) for k, h in hyps.items()}
    return SpeechReport(w["greedy"], w["beam"], w["lexicon"], w["lm"], time.perf_counter() - start)
