"""Trigger-word detection: 1-D convolution + GRU over log-mel frames, per-step sigmoid output,
sliding-window decision with a threshold and a refractory period, precision/recall vs the truth.

The seeds' model: a Conv1D over the spectrogram frames (it extracts low-level features and,
with a stride, shortens the sequence the recurrent layer must run over), a GRU that carries
what it has heard, and at every step a sigmoid "did the trigger just end?". Training is
per-step binary cross-entropy against the labels of :mod:`nnlab.audio.synthetic`; at run
time the probabilities are smoothed over a short window, a detection fires when they cross
the threshold, and no new detection fires for a refractory period (one chime per word).
The model is :class:`nnlab.models.sequence.trigger.TriggerWordDetector` (re-exported here).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from nnlab import nn
from nnlab.audio.features import log_mel_spectrogram
from nnlab.audio.synthetic import TriggerStream
from nnlab.data import DataLoader, TensorDataset
from nnlab.models.sequence.trigger import TriggerWordDetector
from nnlab.optim import Adam
from nnlab.train import Trainer


def stream_features(stream: TriggerStream | np.ndarray, sample_rate: int | None = None, n_fft: int = 256,
                    hop: int = 128, n_mels: int = 32) -> np.ndarray:
    """Log-mel features (n_mels, T), each band's mean over the stream removed (cepstral mean
    normalization: a constant channel or noise colour drops out) and scaled by the overall std."""
    audio = stream.audio if isinstance(stream, TriggerStream) else np.asarray(stream)
    sr = stream.sample_rate if isinstance(stream, TriggerStream) else sample_rate
    if sr is None:
        raise ValueError("stream_features: sample_rate is required for a raw waveform")
    feats = log_mel_spectrogram(audio, sr, n_fft=n_fft, hop=hop, n_mels=n_mels)
    feats = feats - feats.mean(axis=1, keepdims=True)
    return (feats / (feats.std() + np.float32(1e-5))).astype(np.float32)


def train_detector(streams: list[TriggerStream], epochs: int = 10, batch_size: int = 16, lr: float = 3e-3,
                   pos_weight: float = 2.0, seed: int = 0, model: TriggerWordDetector | None = None,
                   verbose: bool = False, **model_kwargs) -> tuple[TriggerWordDetector, list[float]]:
    """Fit a detector with per-step BCE (positives weighted ``pos_weight``: they are rare) and Adam.

    The Trainer runs the epochs (``verbose`` shows its progress bar) over a DataLoader
    reshuffled each epoch by a generator seeded with ``seed``.

    Returns:
        The model and the mean training loss of each epoch.
    """
    feats = np.stack([stream_features(s) for s in streams])
    model = model or TriggerWordDetector(n_features=feats.shape[1], **model_kwargs)
    targets = model.step_labels(np.stack([s.labels for s in streams]))
    loss_fn = nn.BCEWithLogitsLoss(pos_weight=np.array([pos_weight], dtype=np.float32))
    trainer = Trainer(model, loss_fn, Adam(model.parameters(), lr=lr), metrics=(), quiet=not verbose)
    loader = DataLoader(TensorDataset(feats, targets), batch_size=batch_size, shuffle=True, generator=seed)
    history = trainer.fit(loader, epochs=epochs)
    return model, list(history["loss"])


def detect_triggers(probs: np.ndarray, threshold: float = 0.5, window: int = 3, refractory: int = 20) -> np.ndarray:
    """Steps where the ``window``-step moving average of ``probs`` first reaches ``threshold``; after a
    detection none fires for ``refractory`` steps (a word yields one detection, not one per step).

    Shape:
        probs (T',); output int64 step indices.
    """
    p = np.asarray(probs, dtype=np.float64)
    if p.ndim != 1:
        raise ValueError(f"detect_triggers: expects one stream's probabilities (T',), got shape {p.shape}")
    window = max(1, int(window))
    # A trailing (causal) average: a live detector only knows the past.
    smooth = np.convolve(p, np.ones(window) / window)[: len(p)]
    hits, blocked_until = [], -1
    for t in np.flatnonzero(smooth >= threshold):
        if t > blocked_until:
            hits.append(t)
            blocked_until = t + refractory
    return np.asarray(hits, dtype=np.int64)


@dataclass
class DetectionReport:
    """Counts of a detection run: true positives, false positives, missed triggers."""

    tp: int
    fp: int
    fn: int

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def __str__(self) -> str:
        return (f"precision {self.precision:.3f}  recall {self.recall:.3f}  F1 {self.f1:.3f}  "
                f"(tp {self.tp}, fp {self.fp}, missed {self.fn})")


def match_detections(detected_s: np.ndarray, true_end_s: np.ndarray, before: float = 0.05,
                     after: float = 0.4) -> DetectionReport:
    """Greedy one-to-one matching: a detection at time d is correct for a trigger ending at e when
    e − before ≤ d ≤ e + after; each trigger counts once, extra detections are false positives."""
    used = np.zeros(len(true_end_s), dtype=bool)
    tp = 0
    for d in np.sort(np.asarray(detected_s, dtype=np.float64)):
        ok = np.flatnonzero(~used & (np.asarray(true_end_s) - before <= d) & (d <= np.asarray(true_end_s) + after))
        if ok.size:
            used[ok[0]] = True
            tp += 1
    return DetectionReport(tp=tp, fp=len(detected_s) - tp, fn=int((~used).sum()))


def evaluate_detector(model: TriggerWordDetector, streams: list[TriggerStream], threshold: float = 0.5,
                      window: int = 3, refractory_s: float = 0.25, n_fft: int = 256, hop: int = 128,
                      before: float = 0.05, after: float = 0.4) -> DetectionReport:
    """Detect on each stream and match against its true trigger end times; the summed report."""
    feats = np.stack([stream_features(s, n_fft=n_fft, hop=hop, n_mels=model.conv.in_channels) for s in streams])
    probs = model.predict_proba(feats)
    total = DetectionReport(0, 0, 0)
    for stream, p in zip(streams, probs):
        step_s = model.stride * hop / stream.sample_rate
        steps = detect_triggers(p, threshold, window, refractory=int(math.ceil(refractory_s / step_s)))
        # A step "hears" up to the end of its last frame.
        times = ((model.last_frame(steps) * hop) + n_fft) / stream.sample_rate
        r = match_detections(times, stream.trigger_end_times, before, after)
        total = DetectionReport(total.tp + r.tp, total.fp + r.fp, total.fn + r.fn)
    return total
