"""Trigger-word detection on synthetic audio: log-mel features → Conv1d → GRU → per-step sigmoid.

Run: python examples/trigger_word.py [--train 300] [--test 100] [--epochs 15] [--duration 5]
     [--plot trigger_word.png]

Builds seeded streams (noise and hum, distractor tones, chirps and the trigger's tones in
reverse order, and the two-tone trigger at known times), trains
``nnlab.audio.TriggerWordDetector`` on per-step labels (1 right after each trigger ends),
then detects triggers on held-out streams with a smoothed threshold and a refractory
period, and reports precision and recall against the true insertion times at a few
thresholds. Also prints the feature shapes of one stream (spectrogram, log-mel, MFCC).
With ``--plot`` one test stream's spectrogram, labels and predicted probabilities are drawn.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import nnlab
from nnlab.audio import (
    evaluate_detector, log_mel_spectrogram, make_trigger_dataset, mfcc, spectrogram, stream_features, train_detector,
)


def main(n_train: int = 300, n_test: int = 100, epochs: int = 15, duration: float = 5.0, channels: int = 64,
         hidden_size: int = 64, seed: int = 0, thresholds=(0.3, 0.5, 0.7), plot: str | None = None,
         quiet: bool = False) -> dict:
    nnlab.manual_seed(seed)
    train = make_trigger_dataset(n_train, seed=seed, duration=duration)
    test = make_trigger_dataset(n_test, seed=seed + 1, duration=duration)
    one = test[0]
    shapes = {"audio": one.audio.shape, "spectrogram": spectrogram(one.audio, 256, 128).shape,
              "log_mel": log_mel_spectrogram(one.audio, one.sample_rate, 256, 128, n_mels=32).shape,
              "mfcc": mfcc(one.audio, one.sample_rate, n_mfcc=13, n_mels=32).shape}
    if not quiet:
        print("one stream:", ", ".join(f"{k} {v}" for k, v in shapes.items()))
        print(f"{n_train} training / {n_test} test streams of {duration} s; "
              f"{sum(len(s.trigger_ends) for s in test)} test triggers, "
              f"{sum(len(s.distractors) for s in test)} test distractors")
    start = time.perf_counter()
    model, history = train_detector(train, epochs=epochs, seed=seed, channels=channels, hidden_size=hidden_size,
                                    verbose=not quiet)
    result: dict = {"shapes": shapes, "train_seconds": time.perf_counter() - start, "loss": history}
    for th in thresholds:
        report = evaluate_detector(model, test, threshold=th)
        result[th] = {"precision": report.precision, "recall": report.recall, "f1": report.f1}
        if not quiet:
            print(f"threshold {th:.2f}: {report}")
    if plot:
        _plot(model, one, plot)
        result["plot"] = plot
    return result


def _plot(model, stream, path: str) -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    feats = stream_features(stream)
    probs = model.predict_proba(feats[None])[0]
    fig = Figure(figsize=(10, 5))
    FigureCanvasAgg(fig)
    ax1, ax2 = fig.add_subplot(2, 1, 1), fig.add_subplot(2, 1, 2)
    ax1.imshow(feats, aspect="auto", origin="lower")
    ax1.set_ylabel("mel band")
    ax1.set_title("log-mel features (trigger ends marked)")
    for end in stream.trigger_ends:
        ax1.axvline((end - 256) / 128, color="w", lw=1)
    steps = np.arange(len(probs))
    ax2.plot(model.last_frame(steps), probs, label="p(trigger just ended)")
    ax2.plot(np.arange(len(stream.labels)), stream.labels, "--", label="label")
    ax2.set_xlim(0, feats.shape[1])
    ax2.set_xlabel("frame")
    ax2.legend(loc="upper right")
    fig.tight_layout()
    fig.savefig(path)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", type=int, default=300)
    parser.add_argument("--test", type=int, default=100)
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--duration", type=float, default=5.0)
    parser.add_argument("--plot", default=None)
    args = parser.parse_args()
    main(n_train=args.train, n_test=args.test, epochs=args.epochs, duration=args.duration, plot=args.plot)
