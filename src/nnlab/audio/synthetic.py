"""Synthetic audio streams for trigger-word detection, with the trigger's insertion times known.

The seeds' trigger-word set-up ("activate"): a 10 s background clip, a few positive words and
a few negative words pasted at random, non-overlapping times, and a label y⟨t⟩ = 1 for the
spectrogram steps right after each positive word ends (so the model answers just after
hearing it). Here the sounds are synthesized, so everything is exact and seeded:

- background: white noise plus a low hum whose level varies per stream;
- the trigger: a two-tone pattern (a rising step ``f_low`` then ``f_high``), the "word";
- distractors: single tones at random frequencies (including the trigger's own two),
  chirps (linear frequency sweeps) and the trigger's tones in the reverse order, so the
  detector has to hear the *pattern*, not a frequency.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nnlab.audio.features import num_frames

DISTRACTOR_KINDS = ("tone", "chirp", "reversed")


@dataclass
class TriggerStream:
    """One synthetic stream and its ground truth.

    Attributes:
        audio: float32 waveform (L,). sample_rate: Hz.
        trigger_starts, trigger_ends: sample indices [start, end) of each inserted trigger (sorted).
        distractors: ``(kind, start, end)`` of each distractor sound.
        labels: float32 per-frame labels (T,) for frames of ``n_fft``/``hop``: 1 for the
            ``label_frames`` frames right after each trigger ends (see :func:`trigger_labels`).
    """

    audio: np.ndarray
    sample_rate: int
    trigger_starts: np.ndarray
    trigger_ends: np.ndarray
    distractors: list
    labels: np.ndarray

    @property
    def trigger_end_times(self) -> np.ndarray:
        """Seconds at which each trigger ends."""
        return self.trigger_ends / self.sample_rate


def trigger_labels(ends, length: int, n_fft: int, hop: int, label_frames: int) -> np.ndarray:
    """y[t] = 1 for t in [t_e, t_e + label_frames), t_e = ⌈(end − n_fft)/hop⌉ the first frame holding the
    trigger's last sample (frame t covers samples [t·hop, t·hop + n_fft)), for each trigger end.

    Shape:
        output float32 (T,), T = :func:`num_frames` (length, n_fft, hop).
    """
    labels = np.zeros(num_frames(length, n_fft, hop), dtype=np.float32)
    for end in np.asarray(ends):
        first = max(0, -(-(int(end) - n_fft) // hop))
        labels[first : first + label_frames] = 1.0
    return labels


def _tone(freq: float, n: int, sr: int, rng: np.random.Generator) -> np.ndarray:
    t = np.arange(n) / sr
    return np.sin(2 * np.pi * freq * t + rng.uniform(0, 2 * np.pi))


def _envelope(n: int, sr: int, ramp_s: float = 0.01) -> np.ndarray:
    """Short raised-cosine fades so pasted sounds don't click (a click is broadband, an easy false cue)."""
    ramp = min(n // 2, max(1, int(ramp_s * sr)))
    env = np.ones(n)
    fade = 0.5 - 0.5 * np.cos(np.pi * np.arange(ramp) / ramp)
    env[:ramp], env[n - ramp :] = fade, fade[::-1]
    return env


def trigger_sound(sr: int, f_low: float = 1000.0, f_high: float = 2000.0, part_s: float = 0.12,
                  rng: np.random.Generator | None = None, reverse: bool = False) -> np.ndarray:
    """The trigger: a tone at ``f_low`` for ``part_s`` seconds then at ``f_high`` (reversed: the opposite)."""
    rng = rng or np.random.default_rng(0)
    n = int(part_s * sr)
    first, second = (f_high, f_low) if reverse else (f_low, f_high)
    return np.concatenate([_tone(first, n, sr, rng) * _envelope(n, sr), _tone(second, n, sr, rng) * _envelope(n, sr)])


def _distractor(kind: str, sr: int, f_low: float, f_high: float, part_s: float, rng: np.random.Generator) -> np.ndarray:
    n = int(rng.uniform(1.0, 2.0) * part_s * sr)
    if kind == "tone":
        choices = (f_low, f_high, rng.uniform(300.0, 0.45 * sr))
        return _tone(float(choices[int(rng.integers(3))]), n, sr, rng) * _envelope(n, sr)
    if kind == "chirp":
        f0, f1 = rng.uniform(300.0, 0.45 * sr, size=2)
        t = np.arange(n) / sr
        phase = 2 * np.pi * (f0 * t + 0.5 * (f1 - f0) / t[-1] * t ** 2)
        return np.sin(phase) * _envelope(n, sr)
    if kind == "reversed":
        return trigger_sound(sr, f_low, f_high, part_s, rng, reverse=True)
    raise ValueError(f"make_trigger_stream: unknown distractor kind {kind!r}; expected one of {DISTRACTOR_KINDS}")


def _place(length: int, n: int, taken: list[tuple[int, int]], rng: np.random.Generator, gap: int) -> int | None:
    """A random start for n samples overlapping no taken segment (with ``gap`` samples between); None if none found."""
    for _ in range(200):
        start = int(rng.integers(0, length - n + 1))
        if all(start + n + gap <= a or start >= b + gap for a, b in taken):
            return start
    return None


def make_trigger_stream(duration: float = 5.0, sample_rate: int = 8000, n_triggers: int | tuple[int, int] = (1, 4),
                        n_distractors: int | tuple[int, int] = (1, 4), distractor_kinds=DISTRACTOR_KINDS,
                        f_low: float = 1000.0, f_high: float = 2000.0, part_s: float = 0.12, noise: float = 0.1,
                        n_fft: int = 256, hop: int = 128, label_frames: int = 10, seed: int | None = None,
                        rng: np.random.Generator | None = None) -> TriggerStream:
    """A stream of background noise with triggers and distractors at random non-overlapping times.

    Args:
        duration: seconds (default 5.0). sample_rate: Hz (default 8000).
        n_triggers, n_distractors: a count or an inclusive (low, high) range drawn per stream
            (defaults (1, 4) each).
        distractor_kinds: subset of ``('tone', 'chirp', 'reversed')`` (default all).
        f_low, f_high, part_s: the trigger's tones (Hz) and the length of each (default 1000, 2000, 0.12 s).
        noise: white-noise standard deviation (default 0.1); sounds have amplitude 0.3–1.
        n_fft, hop, label_frames: the framing the labels are for (defaults 256, 128, 10).
        seed: generator seed (or pass ``rng``).
    """
    rng = rng if rng is not None else np.random.default_rng(seed)
    length = int(round(duration * sample_rate))
    draw = lambda c: int(rng.integers(c[0], c[1] + 1)) if isinstance(c, tuple) else int(c)  # noqa: E731
    t = np.arange(length) / sample_rate
    hum = rng.uniform(0.0, 0.2) * np.sin(2 * np.pi * rng.uniform(50.0, 120.0) * t)
    audio = rng.normal(0.0, noise * rng.uniform(0.5, 1.5), size=length) + hum
    gap = int(0.05 * sample_rate)
    taken: list[tuple[int, int]] = []
    starts, ends, distractors = [], [], []
    trigger_len = 2 * int(part_s * sample_rate)
    for _ in range(draw(n_triggers)):
        start = _place(length, trigger_len, taken, rng, gap)
        if start is None:
            break
        sound = trigger_sound(sample_rate, f_low, f_high, part_s, rng)
        audio[start : start + len(sound)] += rng.uniform(0.3, 1.0) * sound
        taken.append((start, start + len(sound)))
        starts.append(start)
        ends.append(start + len(sound))
    kinds = tuple(distractor_kinds)
    for _ in range(draw(n_distractors) if kinds else 0):
        kind = kinds[int(rng.integers(len(kinds)))]
        sound = _distractor(kind, sample_rate, f_low, f_high, part_s, rng)
        start = _place(length, len(sound), taken, rng, gap)
        if start is None:
            break
        audio[start : start + len(sound)] += rng.uniform(0.3, 1.0) * sound
        taken.append((start, start + len(sound)))
        distractors.append((kind, start, start + len(sound)))
    order = np.argsort(starts)
    starts_a = np.asarray(starts, dtype=np.int64)[order]
    ends_a = np.asarray(ends, dtype=np.int64)[order]
    return TriggerStream(audio=audio.astype(np.float32), sample_rate=sample_rate, trigger_starts=starts_a,
                         trigger_ends=ends_a, distractors=distractors,
                         labels=trigger_labels(ends_a, length, n_fft, hop, label_frames))


def make_trigger_dataset(n: int, seed: int = 0, **kwargs) -> list[TriggerStream]:
    """``n`` streams from one seeded generator (``kwargs`` as :func:`make_trigger_stream`)."""
    rng = np.random.default_rng(seed)
    return [make_trigger_stream(rng=rng, **kwargs) for _ in range(n)]


